#!/usr/bin/env python3
"""Generates a synthetic linkpage site for the benchmark (Python 3 stdlib).

    gen_site.py --pages N --out DIR [--templates DIR] [--mapped]
    gen_site.py --probe --out DIR [--templates DIR]

The site has N pages with ~3 KB Markdown articles (headings, lists, varied
prose from a fixed word list), 20 link feeds with 50,000 items in total
stored as local files, links_per_page 8, topics and keywords drawn from the
same vocabulary as the feed items so that matching has real work to do.
Everything is derived from a fixed seed: the same arguments give the same
bytes.

--mapped also uses the mapped formats (csv, xml, json with a "mapping");
without it the 20 feeds are RSS 2.0, Atom and JSON Feed only.
--probe writes a tiny site (1 page, one small feed per mapped format) that
run.sh builds to find out whether this linkpage parses mapped formats.
"""

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
from xml.sax.saxutils import escape as xml_escape

SEED = 20231106
TOTAL_LINKS = 50000
FEEDS = 20
LINKS_PER_PAGE = 8

# --- vocabulary -------------------------------------------------------------

CATEGORIES = {
    "back care": ["massage gun", "heating pad", "lumbar pillow", "posture corrector",
                  "foam roller", "back brace", "massage chair", "tens unit",
                  "acupressure mat", "cold pack"],
    "sleep": ["mattress", "mattress topper", "memory foam pillow", "weighted blanket",
              "sleep mask", "bed frame", "white noise machine", "cooling sheets",
              "body pillow", "adjustable base"],
    "office": ["standing desk", "office chair", "monitor arm", "desk converter",
               "footrest", "keyboard tray", "anti-fatigue mat", "desk lamp",
               "wrist rest", "laptop stand"],
    "fitness": ["yoga mat", "resistance bands", "kettlebell", "rowing machine",
                "exercise bike", "pull-up bar", "balance ball", "treadmill",
                "jump rope", "dumbbell set"],
    "kitchen": ["air fryer", "blender", "espresso machine", "chef knife",
                "cast iron skillet", "rice cooker", "food processor", "kettle",
                "stand mixer", "pressure cooker"],
    "outdoor": ["hiking boots", "camping tent", "sleeping bag", "trekking poles",
                "backpack", "rain jacket", "headlamp", "water filter",
                "camp stove", "hammock"],
    "home": ["robot vacuum", "air purifier", "humidifier", "smart thermostat",
             "ceiling fan", "space heater", "dehumidifier", "steam mop",
             "cordless vacuum", "window blinds"],
    "tech": ["noise cancelling headphones", "wireless earbuds", "smart watch",
             "fitness tracker", "tablet", "e-reader", "bluetooth speaker",
             "webcam", "mechanical keyboard", "ergonomic mouse"],
    "garden": ["lawn mower", "garden hose", "pruning shears", "raised bed",
               "compost bin", "leaf blower", "wheelbarrow", "garden kneeler",
               "sprinkler", "seed starter kit"],
    "pets": ["dog bed", "cat tree", "pet camera", "dog harness", "litter box",
             "pet fountain", "chew toy", "dog crate", "grooming brush",
             "automatic feeder"],
}
MODIFIERS = ["best", "cheap", "ergonomic", "portable", "quiet", "wireless",
             "compact", "adjustable", "premium", "budget", "lightweight",
             "heavy duty", "organic", "smart", "foldable", "waterproof",
             "orthopedic", "cordless", "eco friendly", "professional",
             "affordable", "durable", "memory foam", "electric", "manual",
             "rechargeable", "large", "small", "firm", "soft"]
AUDIENCES = ["for back pain", "for seniors", "for beginners", "for small spaces",
             "for side sleepers", "for home office", "for runners",
             "for apartments", "for travel", "for families", "for students",
             "for tall people", "for sciatica", "for neck pain", "for athletes",
             "under 100 dollars", "reviews", "buying guide", "for kids",
             "for hot sleepers"]
BRANDS = ["Calmwave", "Pulsewell", "Restora", "Northpeak", "Ardent", "Lumo",
          "Kestrel", "Verdant", "Brightline", "Oakhaven", "Solace", "Trailhead",
          "Corevia", "Nimbus", "Evenkeel", "Fernway", "Haloform", "Ironleaf",
          "Juniper", "Marlow", "Quillon", "Redwood", "Stillwater", "Tidewell"]
WORDS = """
able about across action actually add advice after again against age ago
air allow almost alone along already also although always among amount and
another answer anyone anything appear apply approach area arm around arrive
ask attention available average avoid away back balance base basic become
before begin behind believe benefit better between body both bring build
business buy call care careful carry case cause certain change check choice
choose clear close comfort comfortable common compare complete consider
continue control cost could couple course cover create daily day decide
deep depend design detail develop difference different difficult direct
doctor door down during each early ease easy effect effort either else
end enjoy enough especially even evening every everyday example expect
experience expert explain extra face fact family far feel few field find
fine firm first fit focus follow force form forward free friend full
general give goal good great group grow guide habit half hand happen hard
health hear heat help high hold home hour house however idea important
improve include increase instead interest issue item keep kind know large
last late later layer lead learn least leave less level life light likely
limit line list little live local long look lose low main maintain make
many material matter may mean measure medium method might mind minute
model moment month morning move much muscle must natural near need never
next night normal note number offer often open option order others part
people perhaps period person pick place plan plenty point position possible
practice prefer pressure pretty price problem product provide pull push
quality question quick quite rather reach read ready real reason recent
reduce regular relief remain remember require rest result return review
right room routine safe save season second see seem sense serious set
several shape short show side simple since single size sleep slow small
smooth soft sometimes soon sort space special spend spine stand start stay
step still store strength stretch strong style support sure surface system
take task tension test thing think time tired together tool total toward
travel treat trial true try turn type typical under understand unit usual
value various view wait walk want warm watch way week weight well whole
wide within without work world worth year yet young
""".split()


def rng_for(*parts):
    return random.Random("%d:%s" % (SEED, ":".join(str(p) for p in parts)))


ALL_NOUNS = [(cat, noun) for cat, nouns in CATEGORIES.items() for noun in nouns]


# --- articles -----------------------------------------------------------------

def sentence(r, topic_words):
    n = r.randint(9, 22)
    words = r.choices(WORDS, k=n)
    if topic_words and r.random() < 0.45:
        words[r.randrange(n)] = r.choice(topic_words)
    if r.random() < 0.2:
        i = r.randrange(n - 2)
        words[i] = "**" + words[i]
        words[i + 1] = words[i + 1] + "**"
    elif r.random() < 0.15:
        i = r.randrange(n)
        words[i] = "*" + words[i] + "*"
    s = " ".join(words)
    if r.random() < 0.3:
        s = s.replace(" ", ", ", 1)
    return s[0].upper() + s[1:] + r.choice([".", ".", ".", "?", "!"])


def paragraph(r, topic_words, lo=3, hi=6):
    return " ".join(sentence(r, topic_words) for _ in range(r.randint(lo, hi)))


def article(r, topic, noun, cat):
    topic_words = topic.split() + noun.split() + [cat]
    out = []
    out.append(paragraph(r, topic_words, 3, 5))
    target = r.randint(2900, 3200)
    headings = 0
    while sum(len(p) + 2 for p in out) < target:
        kind = r.random()
        if kind < 0.25 or headings == 0:
            headings += 1
            level = "##" if r.random() < 0.75 else "###"
            title = " ".join(r.choices(WORDS, k=r.randint(2, 5)))
            if r.random() < 0.5:
                title += " " + noun
            out.append(level + " " + title[0].upper() + title[1:])
        elif kind < 0.45:
            items = []
            numbered = r.random() < 0.35
            for i in range(r.randint(3, 6)):
                lead = " ".join(r.choices(WORDS, k=r.randint(1, 3)))
                text = " ".join(r.choices(WORDS, k=r.randint(5, 14)))
                mark = "%d." % (i + 1) if numbered else "-"
                items.append("%s **%s**: %s." % (mark, lead.capitalize(), text))
            out.append("\n".join(items))
        elif kind < 0.5:
            out.append("> " + sentence(r, topic_words))
        else:
            out.append(paragraph(r, topic_words))
    return "\n\n".join(out) + "\n"


# --- pages ------------------------------------------------------------------

def make_pages(n, feed_names):
    pages = []
    used = set()
    for i in range(n):
        r = rng_for("page", i)
        cat, noun = r.choice(ALL_NOUNS)
        mod = r.choice(MODIFIERS)
        aud = r.choice(AUDIENCES)
        topic = "%s %s %s" % (mod, noun, aud)
        slug = "-".join(topic.replace(" ", "-").split("-"))
        slug = "%s-%d" % (slug, i)  # unique, [a-z0-9-]+
        assert slug not in used
        used.add(slug)
        other_cat, other_noun = r.choice(ALL_NOUNS)
        keywords = [noun, mod, cat]
        if r.random() < 0.6:
            keywords.append(r.choice(CATEGORIES[cat]))
        if r.random() < 0.3:
            keywords.append(other_noun)
        page = {
            "slug": slug,
            "topic": topic,
            "article": "articles/%s.md" % slug,
            "keywords": keywords,
        }
        if feed_names and r.random() < 0.2:
            page["feeds"] = sorted(r.sample(feed_names, 3))
        if r.random() < 0.5:
            page["image"] = {"src": "assets/" + r.choice(
                ["massage.svg", "desk.svg", "mattress.svg"]),
                "alt": "Illustration for " + topic}
        pages.append((page, noun, cat))
    return pages


# --- feeds ------------------------------------------------------------------

def feed_plan(mapped):
    if mapped:
        formats = (["rss"] * 5 + ["atom"] * 4 + ["jsonfeed"] * 4 +
                   ["csv"] * 3 + ["xml"] * 2 + ["json"] * 2)
    else:
        formats = ["rss"] * 7 + ["atom"] * 7 + ["jsonfeed"] * 6
    r = rng_for("plan")
    r.shuffle(formats)
    return [("feed-%02d-%s" % (i, f), f) for i, f in enumerate(formats)]


def make_items(feed_index, count, seen_urls):
    """Items of one feed: dicts of plain text fields."""
    r = rng_for("feed", feed_index)
    items = []
    for j in range(count):
        cat, noun = r.choice(ALL_NOUNS)
        brand = r.choice(BRANDS)
        mods = r.sample(MODIFIERS, 2)
        sku = "%s-%05d" % (brand[:2].upper(), feed_index * 10000 + j)
        title = "%s %s %s %s, Model %s" % (brand, mods[0].title(),
                                           mods[1].title(), noun.title(), sku)
        if r.random() < 0.01 and seen_urls:
            url = r.choice(seen_urls)  # a duplicate across feeds
        else:
            host = r.choice(["shop", "deals", "store", "www", "go"]) + \
                ".%s.example.com" % brand.lower()
            url = "https://%s/p/%s/%s" % (host, noun.replace(" ", "-"), sku.lower())
            if r.random() < 0.3:
                url += "?ref=feed%d&utm_source=linkpage" % feed_index
            seen_urls.append(url)
        words = " ".join(r.choices(WORDS, k=r.randint(14, 30)))
        desc = "%s %s for %s. %s." % (mods[0].capitalize(), noun, cat, words.capitalize())
        if r.random() < 0.2:
            desc = "<p><b>Save %d%%</b> on this %s. %s</p>" % (r.randint(5, 50), noun, desc)
        items.append({
            "id": sku,
            "title": title,
            "url": url,
            "description": desc,
            "price": "%d.%02d" % (r.randint(5, 900), r.randint(0, 99)),
            "currency": r.choice(["USD", "USD", "USD", "EUR", "GBP"]),
            "categories": [cat, noun],
            "brand": brand,
            "image": "https://img.%s.example.com/%s.jpg" % (brand.lower(), sku.lower()),
        })
    return items


def write_rss(path, name, items):
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">\n'
              '  <channel>\n    <title>%s (synthetic)</title>\n'
              '    <link>https://example.com/</link>\n'
              '    <description>Synthetic benchmark feed.</description>\n' % name)
    for it in items:
        out.write("    <item>\n      <title>%s</title>\n      <link>%s</link>\n"
                  "      <description>%s</description>\n"
                  % (xml_escape(it["title"]), xml_escape(it["url"]),
                     xml_escape(it["description"])))
        for c in it["categories"]:
            out.write("      <category>%s</category>\n" % xml_escape(c))
        out.write('      <guid isPermaLink="false">%s</guid>\n      <g:id>%s</g:id>\n'
                  "      <g:image_link>%s</g:image_link>\n"
                  "      <g:price>%s %s</g:price>\n      <g:brand>%s</g:brand>\n"
                  "    </item>\n"
                  % (it["id"], it["id"], xml_escape(it["image"]), it["price"],
                     it["currency"], it["brand"]))
    out.write("  </channel>\n</rss>\n")
    write(path, out.getvalue())


def write_atom(path, name, items):
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="utf-8"?>\n'
              '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
              "  <title>%s (synthetic)</title>\n  <id>urn:bench:%s</id>\n"
              "  <updated>2023-11-06T08:00:00Z</updated>\n" % (name, name))
    for it in items:
        out.write("  <entry>\n    <title>%s</title>\n"
                  '    <link rel="alternate" type="text/html" href="%s"/>\n'
                  "    <id>urn:bench:%s</id>\n    <updated>2023-11-05T10:00:00Z</updated>\n"
                  '    <summary type="html">%s</summary>\n'
                  % (xml_escape(it["title"]), xml_escape(it["url"], {'"': "&quot;"}),
                     it["id"], xml_escape(it["description"])))
        for c in it["categories"]:
            out.write('    <category term="%s"/>\n' % xml_escape(c, {'"': "&quot;"}))
        out.write("  </entry>\n")
    out.write("</feed>\n")
    write(path, out.getvalue())


def write_jsonfeed(path, name, items):
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": name + " (synthetic)",
        "home_page_url": "https://example.com/",
        "items": [{"id": it["id"], "url": it["url"], "title": it["title"],
                   "summary": it["description"], "image": it["image"],
                   "date_published": "2023-11-05T09:00:00Z",
                   "tags": it["categories"]} for it in items],
    }
    write(path, json.dumps(doc, indent=1) + "\n")


def write_csv(path, items, delimiter):
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(["sku", "product_name", "deeplink", "description", "price",
                "currency", "category", "brand", "image_url"])
    for it in items:
        w.writerow([it["id"], it["title"], it["url"], it["description"],
                    it["price"], it["currency"], it["categories"][0], it["brand"],
                    it["image"]])
    write(path, out.getvalue())


def write_mapped_xml(path, items):
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<products>\n')
    for it in items:
        out.write("  <product sku=\"%s\">\n    <name>%s</name>\n    <deeplink>%s</deeplink>\n"
                  "    <desc>%s</desc>\n    <price>%s</price>\n    <currency>%s</currency>\n"
                  "    <category>%s</category>\n    <merchant>%s</merchant>\n  </product>\n"
                  % (it["id"], xml_escape(it["title"]), xml_escape(it["url"]),
                     xml_escape(it["description"]), it["price"], it["currency"],
                     xml_escape(it["categories"][0]), it["brand"]))
    out.write("</products>\n")
    write(path, out.getvalue())


def write_mapped_json(path, items):
    doc = {"data": {"count": len(items), "products": [
        {"sku": it["id"], "name": it["title"], "link": {"href": it["url"]},
         "text": it["description"],
         "pricing": {"amount": it["price"], "currency": it["currency"]},
         "category": it["categories"][0], "merchant": it["brand"]}
        for it in items]}}
    write(path, json.dumps(doc, separators=(",", ":")) + "\n")


MAPPINGS = {
    "csv": {"fields": {"title": "product_name", "url": "deeplink",
                       "description": "description", "price": "price",
                       "currency": "currency", "categories": "category",
                       "advertiser": "brand", "image": "image_url"},
            "delimiter": ",", "header": True},
    "xml": {"items": "/products/product",
            "fields": {"title": "name", "url": "deeplink", "description": "desc",
                       "price": "price", "currency": "currency",
                       "categories": "category", "advertiser": "merchant"}},
    "json": {"items": "/data/products",
             "fields": {"title": "/name", "url": "/link/href",
                        "description": "/text", "price": "/pricing/amount",
                        "currency": "/pricing/currency",
                        "categories": "/category", "advertiser": "/merchant"}},
}
EXT = {"rss": "xml", "atom": "atom", "jsonfeed": "json", "csv": "csv",
       "xml": "products.xml", "json": "products.json"}


def write_feed(site, index, name, fmt, items):
    sample = "link-feeds/samples/%s.%s" % (name, EXT[fmt])
    path = os.path.join(site, sample)
    if fmt == "rss":
        write_rss(path, name, items)
    elif fmt == "atom":
        write_atom(path, name, items)
    elif fmt == "jsonfeed":
        write_jsonfeed(path, name, items)
    elif fmt == "csv":
        write_csv(path, items, ";" if index % 2 else ",")
    elif fmt == "xml":
        write_mapped_xml(path, items)
    elif fmt == "json":
        write_mapped_json(path, items)
    conf = {"name": name, "url": sample, "format": fmt, "timeout_seconds": 20,
            "max_bytes": 104857600, "max_stale_hours": 72, "required": True}
    if index % 4 == 1:
        conf["format"] = "auto" if fmt in ("rss", "atom", "jsonfeed") else fmt
    if index % 5 == 2:
        conf["link_params"] = {"subid": "{slug}", "src": "{feed}"}
    if fmt in MAPPINGS:
        m = json.loads(json.dumps(MAPPINGS[fmt]))
        if fmt == "csv":
            m["delimiter"] = ";" if index % 2 else ","
        conf["mapping"] = m
    write(os.path.join(site, "link-feeds", name + ".json"),
          json.dumps(conf, indent=2) + "\n")
    return sample


# --- site -------------------------------------------------------------------

def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def site_json(pages):
    return {
        "site": {
            "title": "Synthetic Buying Guides",
            "base_url": "https://bench.example.com",
            "language": "en",
            "company": "AM Productions LLC",
            "address": "9903 S. Santa Monica Blvd #766, Beverly Hills, CA 90212",
            "email": "help@amproductions.site",
            "copyright_year": 2023,
        },
        "page_defaults": {
            "heading_prefix": "Latest Information On Your Search For:",
            "links_per_page": LINKS_PER_PAGE,
            "disclosure": "This page contains sponsored and affiliate links. We may "
                          "earn a commission when you click them or buy through them.",
            "closing_line": "Check out some of the links above.",
        },
        "pages": pages,
    }


def prepare(out, templates):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "articles"))
    os.makedirs(os.path.join(out, "link-feeds", "samples"))
    shutil.copytree(templates, os.path.join(out, "templates"))


def generate(out, n, templates, mapped):
    prepare(out, templates)
    plan = feed_plan(mapped)
    seen = []
    per_feed = TOTAL_LINKS // len(plan)
    manifest = {"pages": n, "feeds": []}
    for i, (name, fmt) in enumerate(plan):
        items = make_items(i, per_feed, seen)
        sample = write_feed(out, i, name, fmt, items)
        manifest["feeds"].append({"name": name, "format": fmt, "file": sample,
                                  "items": len(items)})
    pages = make_pages(n, [name for name, _ in plan])
    for i, (page, noun, cat) in enumerate(pages):
        r = rng_for("article", i)
        write(os.path.join(out, page["article"]),
              "%s\n" % article(r, page["topic"], noun, cat))
    write(os.path.join(out, "site.json"),
          json.dumps(site_json([p for p, _, _ in pages]), indent=1) + "\n")
    write(os.path.join(out, "bench-manifest.json"),
          json.dumps(manifest, indent=1) + "\n")


def generate_probe(out, templates):
    """One page, one small feed per mapped format."""
    prepare(out, templates)
    seen = []
    for i, fmt in enumerate(["csv", "xml", "json"]):
        items = make_items(100 + i, 20, seen)
        write_feed(out, i, "probe-" + fmt, fmt, items)
    pages = make_pages(1, [])
    page, noun, cat = pages[0]
    page.pop("feeds", None)
    write(os.path.join(out, page["article"]),
          article(rng_for("article", 0), page["topic"], noun, cat))
    write(os.path.join(out, "site.json"), json.dumps(site_json([page]), indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--templates", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "templates"))
    ap.add_argument("--mapped", action="store_true")
    ap.add_argument("--probe", action="store_true")
    a = ap.parse_args()
    if a.probe:
        generate_probe(a.out, a.templates)
    else:
        generate(a.out, a.pages, a.templates, a.mapped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
