#!/usr/bin/env python3
"""linkpage benchmark driver (called by bench/run.sh; Python 3 stdlib only).

    bench.py --pages N --linkpage BIN --floor BIN --work DIR [--runs 3]

Generates the synthetic site (gen_site.py), times the scenarios, writes
WORK/results-N.json, and regenerates bench/RESULTS.md from every
results-*.json in WORK. See bench/README.md for what each scenario is.
"""

import argparse
import datetime
import glob
import html
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen_site  # noqa: E402

# The size the scaling target compares larger sites with.
SCALE_REF = 10000

TARGETS = {
    "vs_hugo": 10.0,       # linkpage cold pages/s / Hugo pages/s >= 10
    "vs_floor": 1.3,       # linkpage cold wall / floor wall <= 1.3
    "warm_cold": 0.2,      # warm wall / cold wall < 0.2
    "scale": 11.0,         # 100k cold wall / 10k cold wall <= 11
    "rss_100k_mib": 128,   # peak RSS at 100k pages < 128 MiB
    "parse_mb_s": {"rss": 200, "atom": 200, "xml": 200, "csv": 200,
                   "jsonfeed": 50, "json": 50},  # one core, MB/s
    "render_us": 50,       # Markdown + template per page, one core
}


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr,
          flush=True)


# --- measuring --------------------------------------------------------------

def source_version():
    """The commit the linkpage sources are at, "-dirty" when they (not the
    bench's own files) have uncommitted changes."""
    def git(*args):
        try:
            return subprocess.run(["git", "-C", REPO] + list(args),
                                  capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    commit = git("describe", "--always") or "?"
    dirty = git("status", "--porcelain", "--", "builder", "CMakeLists.txt")
    return commit + ("-dirty" if dirty else "")


def run_once(cmd, cwd=None, quiet=True):
    """Runs cmd; returns wall, user, sys seconds and peak RSS (KiB) of the
    child (os.wait4 rusage: only this child and what it waited for)."""
    out = subprocess.DEVNULL if quiet else None
    # Peak RSS through /usr/bin/time: a child forked from this (large)
    # Python process reports at least this process's RSS in ru_maxrss.
    rss_file = None
    if os.path.exists("/usr/bin/time"):
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + list(cmd)
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.PIPE)
    # Read stderr while waiting so a chatty child cannot block.
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace")[-4000:])
        raise SystemExit("bench: %s failed with status %d" %
                         (" ".join(cmd), p.returncode))
    rss_kib = ru.ru_maxrss
    if rss_file:
        with open(rss_file) as f:
            lines = f.read().split()
        os.unlink(rss_file)
        if lines and lines[-1].isdigit():
            rss_kib = int(lines[-1])
    return {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
            "cpu": ru.ru_utime + ru.ru_stime, "rss_kib": rss_kib,
            "stderr_tail": err.decode("utf-8", "replace").strip().splitlines()[-1:]}


DROP_CACHES = "/proc/sys/vm/drop_caches"


def sync():
    """Flushes dirty data of earlier steps so that they do not land in the
    next timed run (linkpage calls syncfs)."""
    os.sync()


def can_drop_caches():
    """Whether this process may drop the caches (root, not in a container
    whose /proc/sys is read-only)."""
    return os.access(DROP_CACHES, os.W_OK)


def drop_caches():
    """Empties the kernel's page cache, dentries and inodes, as a nightly
    run finds them when other work has used the memory since."""
    sync()
    with open(DROP_CACHES, "w") as f:
        f.write("3\n")


def summarize(samples):
    keys = ("wall", "user", "sys", "cpu", "rss_kib")
    s = {k: statistics.median(x[k] for x in samples) for k in keys}
    s["runs"] = len(samples)
    s["wall_all"] = [round(x["wall"], 4) for x in samples]
    return s


def rm(path):
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


# Output trees of timed runs are moved aside, not deleted, until the end:
# ext4 passes over inodes freed in the last 60 s (360 s while their inode
# table block is dirty; recently_deleted() in fs/ext4/ialloc.c) when it
# allocates new ones, which made file creation right after deleting the
# previous run's 10,000 directories several times slower, for whichever
# program ran next.
TRASH = None


def discard(path):
    """Moves "path" into TRASH (same file system), to be deleted at the end."""
    if not (os.path.islink(path) or os.path.exists(path)):
        return
    os.makedirs(TRASH, exist_ok=True)
    os.rename(path, os.path.join(TRASH, "%d-%s" % (len(os.listdir(TRASH)),
                                                   os.path.basename(path))))


# When the last purge ended, kept beside the work directories: a run that
# follows another within minutes (a 100k run after a 10k one) waits too.
PURGE_STAMP = None
# The whole window, 360 s, and a margin: 100k runs started 4-5 minutes
# after the last purge took up to 2.5x the time and 3x the CPU for their
# first file-creating run.
PURGE_SETTLE_SECONDS = 370


def purge_trash():
    """Deletes what discard() kept; returns True if there was anything."""
    if not os.path.isdir(TRASH):
        return False
    subprocess.run(["rm", "-rf", TRASH], check=True)
    os.sync()
    with open(PURGE_STAMP, "w") as f:
        f.write("%f\n" % time.time())
    return True


def last_purge():
    """When the last purge of any run ended, or None."""
    try:
        with open(PURGE_STAMP) as f:
            return float(f.read())
    except (OSError, ValueError):
        return None


def read_report(path):
    with open(path) as f:
        return json.load(f)


def tree_stats(root):
    files = 0
    size = 0
    for d, _, names in os.walk(root):
        for n in names:
            files += 1
            size += os.lstat(os.path.join(d, n)).st_size
    return {"files": files, "bytes": size}


# --- linkpage scenarios --------------------------------------------------------

class Linkpage:
    def __init__(self, binary, site):
        self.binary = binary
        self.site = site
        self.out = os.path.join(site, "out")
        self.staging = os.path.join(site, ".out.linkpage-next")

    def cmd(self, report):
        return [self.binary, "build", "--site", self.site, "--offline",
                "--report", report]

    def build(self, report):
        sync()
        r = run_once(self.cmd(report))
        rep = read_report(report)
        if not rep.get("published"):
            raise SystemExit("bench: linkpage did not publish: %s" % rep.get("error"))
        r["timings"] = rep.get("timings_seconds", {})
        r["totals"] = rep.get("totals", {})
        r["feeds"] = [{k: f.get(k) for k in ("name", "status", "bytes", "seconds",
                                              "items", "links")}
                      for f in rep.get("feeds", [])]
        return r

    def clean(self):
        discard(self.out)
        discard(self.staging)
        rm(os.path.join(self.site, ".out.linkpage-manifest"))


def stage_medians(samples):
    keys = sorted({k for s in samples for k in s.get("timings", {})})
    return {k: statistics.median(s["timings"].get(k, 0.0) for s in samples)
            for k in keys}


# --- feed change ---------------------------------------------------------------

def change_feed(site, feed_file, titles, k):
    """Rewrites feed_file from its pristine copy with the titles in "titles"
    changed (a different change for every k)."""
    path = os.path.join(site, feed_file)
    with open(path + ".orig", encoding="utf-8") as f:
        text = f.read()
    for t in titles:
        text = text.replace(t, "%s, Deal %d" % (t, k), 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# --- hugo site ---------------------------------------------------------------

LINK_RE = re.compile(
    r'<li class="link"><a href="([^"]*)" rel="sponsored nofollow noopener" '
    r'target="_blank">(.*?)</a>(?:<p class="link-description">(.*?)</p>)?'
    r'<span class="link-host">(.*?)</span>(?: <span class="link-price">(.*?)</span>)?</li>')


def extract_links(out_dir, slug):
    with open(os.path.join(out_dir, slug, "index.html"), encoding="utf-8") as f:
        text = f.read()
    links = []
    for m in LINK_RE.finditer(text):
        link = {"url": html.unescape(m.group(1)), "title": html.unescape(m.group(2)),
                "host": html.unescape(m.group(4))}
        if m.group(3):
            link["description"] = html.unescape(m.group(3))
        if m.group(5):
            link["price"] = html.unescape(m.group(5))
        links.append(link)
    return links


HUGO_CONFIG = """\
baseURL = "{base_url}/"
languageCode = "{language}"
title = "{title}"
disableKinds = ["taxonomy", "term", "RSS", "404", "section"]
enableRobotsTXT = true
disableHugoGeneratorInject = true
[params]
  company = "{company}"
  address = "{address}"
  email = "{email}"
  year = {year}
  heading_prefix = "{heading_prefix}"
  disclosure = "{disclosure}"
  closing_line = "{closing_line}"
[markup.goldmark.renderer]
  unsafe = true
"""

HUGO_HEAD = """\
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{{ .title }}</title>
<meta name="description" content="{{ .description }}" />
<link rel="canonical" href="{{ .canonical }}" />
<link rel="stylesheet" href="{{ .root }}assets/style.css" />
</head>
"""

HUGO_FOOTER = """\
<footer class="site-footer"><p>© {{ site.Params.year }} {{ site.Params.company }} | {{ site.Params.address }} | <a href="mailto:{{ site.Params.email }}">{{ site.Params.email }}</a> | <a href="/privacy-policy/">Privacy Policy</a></p></footer>
"""

# Equivalent of templates/page.mustache.
HUGO_SINGLE = """\
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="{{ site.LanguageCode }}" xml:lang="{{ site.LanguageCode }}">
{{ partial "head.html" (dict "title" (printf "%s | %s" .Params.topic site.Title) "description" (.Content | plainify | truncate 160) "canonical" .Permalink "root" "../") }}
<body>
<header class="site-header"><a class="site-title" href="../index.html">{{ site.Title }}</a></header>
<main>
<h1>{{ site.Params.heading_prefix }} {{ .Params.topic }}</h1>
<section class="sponsored-links" aria-label="Sponsored links">
<p class="disclosure">{{ site.Params.disclosure }}</p>
{{- with .Params.links }}
<ul class="links">
{{- range . }}
<li class="link"><a href="{{ .url }}" rel="sponsored nofollow noopener" target="_blank">{{ .title }}</a>{{ with .description }}<p class="link-description">{{ . }}</p>{{ end }}<span class="link-host">{{ .host }}</span>{{ with .price }} <span class="link-price">{{ . }}</span>{{ end }}</li>
{{- end }}
</ul>
{{- else }}
<p class="no-links">No offers match this topic right now. Please check back soon.</p>
{{- end }}
</section>
<article class="article">
{{ .Content }}
</article>
<p class="closing-line">{{ site.Params.closing_line }}</p>
<figure class="page-image">
{{ with .Params.image }}<img src="../{{ .src }}" alt="{{ .alt }}" />{{ else }}<img class="placeholder" src="../assets/placeholder.svg" alt="{{ $.Params.topic }}" />{{ end }}
</figure>
</main>
{{ partial "footer.html" . }}
</body>
</html>
"""

HUGO_PRIVACY = """\
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="{{ site.LanguageCode }}" xml:lang="{{ site.LanguageCode }}">
{{ partial "head.html" (dict "title" (printf "Privacy Policy | %s" site.Title) "description" "Privacy Policy" "canonical" .Permalink "root" "../") }}
<body>
<header class="site-header"><a class="site-title" href="../index.html">{{ site.Title }}</a></header>
{{ .Content }}
{{ partial "footer.html" . }}
</body>
</html>
"""

# Equivalent of templates/index.mustache.
HUGO_INDEX = """\
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="{{ site.LanguageCode }}" xml:lang="{{ site.LanguageCode }}">
{{ partial "head.html" (dict "title" site.Title "description" site.Title "canonical" .Permalink "root" "") }}
<body>
<header class="site-header"><a class="site-title" href="index.html">{{ site.Title }}</a></header>
<main>
<h1>{{ site.Title }}</h1>
<h2>Guides</h2>
<ul class="page-list">
{{- range site.RegularPages }}{{ if .Params.topic }}
<li><a href="{{ .RelPermalink }}">{{ site.Params.heading_prefix }} {{ .Params.topic }}</a></li>
{{- end }}{{ end }}
</ul>
</main>
{{ partial "footer.html" . }}
</body>
</html>
"""

HUGO_ROBOTS = "User-agent: *\nAllow: /\n\nSitemap: {{ site.BaseURL }}sitemap.xml\n"


def toml_str(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def placed_links(site, out_dir, hugo_dir=None):
    """The links linkpage placed, read from its output: how many, and their
    titles. With "hugo_dir", also writes there a Hugo site with the same
    articles and, per page, those links."""
    with open(os.path.join(site, "site.json")) as f:
        conf = json.load(f)
    if hugo_dir:
        write_hugo_layout(site, conf, hugo_dir)
    placed = 0
    titles = set()
    for page in conf["pages"]:
        links = extract_links(out_dir, page["slug"])
        placed += len(links)
        titles.update(l["title"] for l in links)
        if hugo_dir:
            write_hugo_page(site, page, links, hugo_dir)
    if hugo_dir:
        write_hugo_privacy(out_dir, hugo_dir)
    return placed, titles


def write_hugo_layout(site, conf, dest):
    """A Hugo site's configuration, templates and assets, in "dest"."""
    discard(dest)
    os.makedirs(os.path.join(dest, "content"))
    for d in ("layouts/_default", "layouts/partials"):
        os.makedirs(os.path.join(dest, d))
    shutil.copytree(os.path.join(site, "templates", "assets"),
                    os.path.join(dest, "static", "assets"))
    s, d = conf["site"], conf["page_defaults"]
    fields = {k: toml_str(str(v)) for k, v in list(s.items()) + list(d.items())}
    fields["year"] = s["copyright_year"]
    files = {
        "config.toml": HUGO_CONFIG.format(**fields),
        "layouts/partials/head.html": HUGO_HEAD,
        "layouts/partials/footer.html": HUGO_FOOTER,
        "layouts/_default/single.html": HUGO_SINGLE,
        "layouts/_default/privacy.html": HUGO_PRIVACY,
        "layouts/_default/list.html": HUGO_INDEX,
        "layouts/index.html": HUGO_INDEX,
        "layouts/robots.txt": HUGO_ROBOTS,
    }
    for name, text in files.items():
        with open(os.path.join(dest, name), "w") as f:
            f.write(text)


def write_hugo_page(site, page, links, dest):
    """A page's Markdown for Hugo: its article, with the links in front
    matter."""
    fm = {"title": page["topic"], "topic": page["topic"], "links": links}
    if "image" in page:
        fm["image"] = page["image"]
    with open(os.path.join(site, page["article"]), encoding="utf-8") as f:
        body = f.read()
    with open(os.path.join(dest, "content", page["slug"] + ".md"), "w",
              encoding="utf-8") as f:
        f.write(json.dumps(fm, ensure_ascii=False))
        f.write("\n\n")
        f.write(body)


def write_hugo_privacy(out_dir, dest):
    """The privacy page: linkpage's rendered <main> as raw HTML."""
    with open(os.path.join(out_dir, "privacy-policy", "index.html"),
              encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<main>.*</main>", text, re.S)
    with open(os.path.join(dest, "content", "privacy-policy.md"), "w",
              encoding="utf-8") as f:
        f.write(json.dumps({"title": "Privacy Policy", "layout": "privacy"}))
        f.write("\n\n" + (m.group(0) if m else "") + "\n")


# --- floor -------------------------------------------------------------------

def make_floor_pack(out_dir, pack):
    """WORK/floor.pack: the bytes of every file of linkpage's output, and
    WORK/floor.list: "SIZE RELPATH" per file, in directory order."""
    entries = []
    for d, dirs, names in os.walk(out_dir):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(d, n)
            entries.append((os.path.relpath(p, out_dir), os.path.getsize(p)))
    with open(pack + ".bin", "wb") as blob, open(pack + ".list", "w") as lst:
        for rel, size in entries:
            with open(os.path.join(out_dir, rel), "rb") as f:
                data = f.read()
            assert len(data) == size
            blob.write(data)
            lst.write("%d %s\n" % (size, rel))
    return len(entries)


# --- stage benchmarks ---------------------------------------------------------

def stage_bench(binary, site, *extra):
    """Runs a stage benchmark (bench/parse_bench.cpp, bench/render_bench.cpp)
    with --json; returns its JSON lines."""
    out = subprocess.run([binary, site, "--json"] + list(extra), check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


# --- main --------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--linkpage", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--mapped", action="store_true")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--command", default="bench/run.sh")
    ap.add_argument("--parse-bench", help="bench/parse_bench.cpp, built")
    ap.add_argument("--render-bench", help="bench/render_bench.cpp, built")
    a = ap.parse_args()
    n, runs = a.pages, a.runs
    work = os.path.join(os.path.abspath(a.work), "n%d" % n)
    os.makedirs(work, exist_ok=True)
    site = os.path.join(work, "site")
    global TRASH, PURGE_STAMP
    TRASH = os.path.join(work, "trash")
    PURGE_STAMP = os.path.join(os.path.abspath(a.work), "last-purge")
    purge_trash()
    res = {"pages": n, "runs": runs, "mapped_formats": a.mapped,
           "source": source_version(),
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "command": a.command, "scenarios": {},
           "loadavg_start": os.getloadavg()}
    t0 = time.time()

    log("generating a %d-page site in %s" % (n, site))
    t = time.perf_counter()
    # The last run's site, with its live out/ and cache, goes with the
    # trash: deleted here, its inodes would slow the first timed runs.
    discard(site)
    gen_site.generate(site, n, os.path.join(REPO, "templates"), a.mapped)
    res["generate_seconds"] = time.perf_counter() - t
    with open(os.path.join(site, "bench-manifest.json")) as f:
        manifest = json.load(f)
    res["feeds"] = manifest["feeds"]
    res["input"] = {"articles": tree_stats(os.path.join(site, "articles")),
                    "feeds": tree_stats(os.path.join(site, "link-feeds", "samples"))}
    # Above SCALE_REF pages, the sets of timed runs below also time a cold
    # build of a SCALE_REF-page site (the same generator and seed), so that
    # the scaling target compares builds made minutes apart, not runs of
    # the bench made at other times.
    ref_site = None
    if n > SCALE_REF:
        ref_site = os.path.join(work, "ref-%d" % SCALE_REF, "site")
        log("generating the %d-page reference site in %s" % (SCALE_REF, ref_site))
        discard(ref_site)
        gen_site.generate(ref_site, SCALE_REF, os.path.join(REPO, "templates"),
                          a.mapped)

    # Feed parsing per format and rendering per page, one core, no I/O:
    # the stage benchmarks time the library calls on the same site. They
    # run first: after the timed runs the kernel is still busy with their
    # files for a while, which slowed them by up to a half.
    sync()
    if a.parse_bench:
        parse = {}
        # --cpu: thread CPU time, which other work on the machine inflates
        # much less than wall time.
        # Long windows, best run: the machine's speed between the slowdowns
        # that other work on it causes (seconds long on a shared host).
        for row in stage_bench(a.parse_bench, site, "--cpu", "--seconds", "1"):
            p = parse.setdefault(row["format"], {"bytes": 0, "items": 0, "seconds": 0.0})
            p["bytes"] += row["bytes"]
            p["items"] += row["items"]
            p["seconds"] += row.get("cpu_seconds", row["seconds"])
        for fmt, p in parse.items():
            p["mb_per_s"] = p["bytes"] / 1e6 / max(p["seconds"], 1e-9)
            log("parse %s: %.1f MB/s" % (fmt, p["mb_per_s"]))
        res["parse"] = parse
    if a.render_bench:
        render = {}
        for row in stage_bench(a.render_bench, site, "--seconds", "3"):
            # CPU time of the timing thread: other work on the machine
            # inflates wall time much more.
            secs = row.get("cpu_seconds", row["seconds"])
            render[row["stage"]] = row.get(
                "best_pass_us_per_page", secs / max(row["pages"], 1) * 1e6)
        for stage, us in render.items():
            log("render %s: %.1f us/page" % (stage, us))
        res["render_us"] = render
    lp = Linkpage(os.path.abspath(a.linkpage), site)
    lp.clean()
    purged_at = last_purge()
    if purged_at is not None and time.time() - purged_at < PURGE_SETTLE_SECONDS:
        # Never longer than the window (a stamp from a clock set back).
        wait = min(PURGE_SETTLE_SECONDS,
                   PURGE_SETTLE_SECONDS - (time.time() - purged_at))
        log("waiting %.0f s: inodes freed by the last run's clean-up would "
            "slow the first timed run down" % wait)
        time.sleep(wait)
    rep = os.path.join(work, "report.json")
    sc = res["scenarios"]

    # (a0) the first build of all: no out/, no feed cache either, so every
    # feed is parsed (1 run). It leaves the cache the runs below keep, as a
    # nightly job's runs do.
    lp.clean()
    discard(os.path.join(site, ".linkpage-cache"))
    log("linkpage first build (no out/, no cache)")
    first_ever = [lp.build(rep)]
    log("  %.2fs wall" % first_ever[-1]["wall"])
    sc["linkpage_first"] = summarize(first_ever)
    sc["linkpage_first"]["stages"] = stage_medians(first_ever)

    # What the paired runs below need from a cold build's output: the
    # floor's files and the Hugo site (the links linkpage placed), and the
    # placed links' titles, which the feed change below retitles.
    hugo_dir = os.path.join(work, "hugo")
    with_hugo = not a.no_hugo and shutil.which("hugo")
    log("making the Hugo site from the same articles and placed links"
        if with_hugo else "reading the links linkpage placed")
    placed, titles = placed_links(site, lp.out,
                                  hugo_dir if with_hugo else None)
    res["links_placed"] = placed
    pack = os.path.join(work, "floor")
    res["floor_files"] = make_floor_pack(lp.out, pack)
    floor_out = os.path.join(work, "floor-out")

    # (a) cold, (d) Hugo, (e) the floor and (e2) the floor with syncfs, in
    # sets: each set runs each once, back to back, in an order that turns
    # by one every set and runs backwards every other set (so that no run
    # always follows the same one). A ratio is then taken within a set, of
    # runs made a minute apart on the same state of the machine and of the
    # disk, and the median of the sets' ratios is reported: the speed of
    # this machine's disk and CPU moves by 1.5x over minutes, which made
    # ratios of medians taken ten minutes apart move as much.
    def run_cold():
        lp.clean()
        return lp.build(rep)

    def run_hugo():
        discard(os.path.join(hugo_dir, "public"))
        discard(os.path.join(hugo_dir, "resources"))
        sync()
        return run_once(["hugo", "--quiet", "--source", hugo_dir])

    def run_floor(extra):
        def run():
            discard(floor_out)
            sync()
            return run_once([os.path.abspath(a.floor), pack + ".list",
                             pack + ".bin", floor_out] + extra)
        return run

    paired = [("linkpage_cold", run_cold)]
    if with_hugo:
        paired.append(("hugo", run_hugo))
    paired += [("floor_write", run_floor([])),
               ("floor_write_syncfs", run_floor(["--syncfs"]))]
    if ref_site:
        lp_ref = Linkpage(os.path.abspath(a.linkpage), ref_site)
        log("reference site: first build (not timed; fills its feed cache)")
        lp_ref.clean()
        lp_ref.build(rep)

        def run_ref():
            lp_ref.clean()
            return lp_ref.build(rep)
        paired.append(("linkpage_cold_ref", run_ref))
    samples = {key: [] for key, _ in paired}
    res["rounds"] = []
    for i in range(runs):
        turn = i % len(paired)
        order = paired[turn:] + paired[:turn]
        if i % 2:
            order.reverse()
        walls = {}
        for key, run in order:
            log("set %d/%d: %s" % (i + 1, runs, key))
            samples[key].append(run())
            walls[key] = samples[key][-1]["wall"]
            log("  %.2fs wall" % walls[key])
        res["rounds"].append({"order": [key for key, _ in order],
                              "wall": walls})
    cold = samples["linkpage_cold"]
    for key, _ in paired[1:]:
        sc[key] = summarize(samples[key])
    if with_hugo:
        res["hugo_output"] = tree_stats(os.path.join(hugo_dir, "public"))
        res["hugo_version"] = subprocess.run(["hugo", "version"], capture_output=True,
                                             text=True).stdout.strip()
    discard(floor_out)  # out/ is the last set's cold build's.
    if ref_site:
        discard(ref_site)

    # (a3) cold again, with the page cache dropped first (root only): a
    # nightly run, whose articles and feeds are no longer in memory.
    if can_drop_caches():
        lp.clean()
        drop_caches()
        log("linkpage cold build, page cache dropped")
        dropped = [lp.build(rep)]
        log("  %.2fs wall" % dropped[-1]["wall"])
        sc["linkpage_cold_dropped"] = summarize(dropped)
        sc["linkpage_cold_dropped"]["stages"] = stage_medians(dropped)
    log("linkpage first rebuild after cold (staging empty)")
    first = [lp.build(rep)]
    sc["linkpage_cold"] = summarize(cold)
    sc["linkpage_cold"]["stages"] = stage_medians(cold)
    sc["linkpage_cold"]["totals"] = cold[-1]["totals"]
    sc["linkpage_cold"]["feeds"] = cold[-1]["feeds"]
    sc["linkpage_rebuild1"] = summarize(first)
    sc["linkpage_rebuild1"]["stages"] = stage_medians(first)
    res["output"] = tree_stats(lp.out)

    # (b) warm: nothing changed, staging tree holds the same site.
    warm = []
    for i in range(runs):
        log("linkpage warm build %d/%d" % (i + 1, runs))
        warm.append(lp.build(rep))
        log("  %.2fs wall" % warm[-1]["wall"])
    sc["linkpage_warm"] = summarize(warm)
    sc["linkpage_warm"]["stages"] = stage_medians(warm)
    sc["linkpage_warm"]["totals"] = warm[-1]["totals"]

    # (c) one feed file changed: 5 of its items that are placed on pages get
    # a new title (a different one every run).
    feed = next(f for f in manifest["feeds"] if f["format"] == "rss")
    with open(os.path.join(site, feed["file"]), encoding="utf-8") as f:
        feed_text = f.read()
    shutil.copy(os.path.join(site, feed["file"]),
                os.path.join(site, feed["file"] + ".orig"))
    chosen = [t for t in sorted(titles) if t in feed_text][:5]
    # The first swap after the cold builds puts every kept page into the
    # staging tree once (c1, one run); the runs after it, like nightly
    # runs, put right only what the run before them changed.
    change_feed(site, feed["file"], chosen, 100)
    log("linkpage first build after a feed change (fills the staging tree)")
    first_change = [lp.build(rep)]
    sc["linkpage_feed_change1"] = summarize(first_change)
    sc["linkpage_feed_change1"]["stages"] = stage_medians(first_change)
    changed = []
    for i in range(runs):
        change_feed(site, feed["file"], chosen, i + 1)
        log("linkpage build after a feed change %d/%d" % (i + 1, runs))
        changed.append(lp.build(rep))
        log("  %.2fs wall" % changed[-1]["wall"])
    sc["linkpage_feed_change"] = summarize(changed)
    sc["linkpage_feed_change"]["stages"] = stage_medians(changed)
    sc["linkpage_feed_change"]["totals"] = changed[-1]["totals"]
    sc["linkpage_feed_change"]["changed_feed"] = feed["name"]
    sc["linkpage_feed_change"]["changed_items"] = len(chosen)

    # (c3) after a feed change once more, with the page cache dropped
    # first (root only): the usual nightly run, whose feeds changed and
    # whose site is no longer in memory. Last, so that no other run starts
    # with a dropped cache.
    if can_drop_caches():
        change_feed(site, feed["file"], chosen, runs + 1)
        drop_caches()
        log("linkpage build after a feed change, page cache dropped")
        changed_dropped = [lp.build(rep)]
        log("  %.2fs wall" % changed_dropped[-1]["wall"])
        sc["linkpage_feed_change_dropped"] = summarize(changed_dropped)
        sc["linkpage_feed_change_dropped"]["stages"] = stage_medians(
            changed_dropped)
    shutil.move(os.path.join(site, feed["file"] + ".orig"),
                os.path.join(site, feed["file"]))

    log("deleting the output trees of the timed runs")
    purge_trash()
    res["total_seconds"] = time.time() - t0
    res["loadavg_end"] = os.getloadavg()

    path = os.path.join(os.path.abspath(a.work), "results-%d.json" % n)
    with open(path, "w") as f:
        json.dump(res, f, indent=1)
    log("wrote %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
