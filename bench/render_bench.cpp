// Times the per-page CPU work of a build, without I/O, on one thread:
// MarkdownToHtml, Renderer::RenderPage and CheckPage (separately, the
// first two together as "render", the target's rendering, and all three
// as "total"), and LinkIndex::Pick.
//
//   render_bench SITE_DIR [--json] [--stage NAME] [--seconds S]
//
// Loading the site, the templates, the feeds (offline) and the articles and
// picking every page's links happen before any timing. Each stage runs over
// every page, repeatedly, until at least one second has passed. Prints
// "render markdown 8.1 us/page (...)" lines: the thread's CPU time per page
// (the machine may be busy with other work; wall time and the fastest pass
// over all pages follow in parentheses), or with --json one JSON object per
// line: {"stage": "markdown", "pages": N, "seconds": S, "cpu_seconds": C,
// "best_pass_us_per_page": B}, S wall time (stages pick,
// markdown, template, render, check, total). --stage times that stage alone
// (for perf record; pick then runs once, untimed); --seconds sets the minimum
// time per stage (default 1).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "article.h"
#include "build.h"
#include "check.h"
#include "config.h"
#include "match.h"
#include "options.h"
#include "render.h"
#include "report.h"
#include "sources.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using linkpage::Link;

struct Result {
  std::string stage;
  long long pages = 0;
  double seconds = 0;      // Wall time.
  double cpu_seconds = 0;  // This thread's CPU time.
  double best_us = 0;      // CPU time per page of the fastest pass.
};

// CPU time of the calling thread: unlike wall time, not inflated while
// other work on the machine has the core.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs "one(i)" for i = 0..n-1 over and over until "min_seconds" have
// passed (at least one full pass).
Result Time(const std::string& stage, size_t n, double min_seconds,
            const std::function<void(size_t)>& one) {
  Result r{stage, 0, 0, 0, 0};
  const auto start = Clock::now();
  const double cpu_start = ThreadCpuSeconds();
  double pass_start = cpu_start;
  do {
    for (size_t i = 0; i < n; ++i) one(i);
    r.pages += static_cast<long long>(n);
    const double now = ThreadCpuSeconds();
    const double pass_us = (now - pass_start) * 1e6 / static_cast<double>(n);
    if (r.best_us == 0 || pass_us < r.best_us) r.best_us = pass_us;
    pass_start = now;
    r.cpu_seconds = now - cpu_start;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while (r.seconds < min_seconds);
  return r;
}

void Print(const Result& r, bool json) {
  if (json) {
    std::printf(
        "{\"stage\": \"%s\", \"pages\": %lld, \"seconds\": %.6f, "
        "\"cpu_seconds\": %.6f, \"best_pass_us_per_page\": %.3f}\n",
        r.stage.c_str(), r.pages, r.seconds, r.cpu_seconds, r.best_us);
  } else {
    const double pages = static_cast<double>(r.pages);
    std::printf(
        "%s%s %.1f us/page (CPU time; wall %.1f, fastest pass %.1f; "
        "%lld pages)\n",
        r.stage == "pick" ? "" : "render ", r.stage.c_str(),
        r.cpu_seconds * 1e6 / pages, r.seconds * 1e6 / pages, r.best_us,
        r.pages);
  }
  std::fflush(stdout);
}

int Fail(const std::string& err) {
  std::cerr << "render_bench: " << err << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string site_dir;
  bool json = false;
  std::string only;  // Empty: every stage.
  double min_seconds = 1.0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--stage" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--seconds" && i + 1 < argc) {
      min_seconds = std::atof(argv[++i]);
    } else if (site_dir.empty() && !a.empty() && a[0] != '-') {
      site_dir = a;
    } else {
      std::cerr << "usage: render_bench SITE_DIR [--json] [--stage NAME] "
                   "[--seconds S]\n";
      return 2;
    }
  }
  if (site_dir.empty()) {
    std::cerr << "usage: render_bench SITE_DIR [--json] [--stage NAME] "
                 "[--seconds S]\n";
    return 2;
  }

  // Everything below up to the first Time() is untimed set-up.
  linkpage::Options options;
  options.site_dir = site_dir;
  options.offline = true;
  linkpage::Site site;
  std::string err;
  if (!linkpage::LoadSite(site_dir, options.env, &site, &err)) return Fail(err);
  linkpage::Renderer renderer;
  if (!renderer.Load((fs::path(site.dir) / "templates").string(), &err)) {
    return Fail(err);
  }
  std::vector<Link> all_links;
  linkpage::Report report;
  std::ostringstream log;
  if (!linkpage::GatherFeeds(site, options, log, &report, &all_links, &err)) {
    return Fail(err);
  }
  linkpage::LinkIndex index(std::move(all_links), site.pages);
  const int year =
      linkpage::CopyrightYear(site, options.env, linkpage::Now(options));
  const size_t n = site.pages.size();
  if (n == 0) return Fail("the site has no pages");
  std::vector<std::string> markdown(n);
  for (size_t i = 0; i < n; ++i) {
    const linkpage::Page& page = site.pages[i];
    if (!linkpage::ReadArticle((fs::path(site.dir) / page.article()).string(),
                               page.slug, &markdown[i], &err)) {
      return Fail(err);
    }
  }
  if (!json) {
    size_t md_bytes = 0;
    for (const std::string& m : markdown) md_bytes += m.size();
    std::printf(
        "site %s: %zu pages, %zu links, %.0f bytes of Markdown per "
        "page\n",
        site_dir.c_str(), n, index.size(),
        static_cast<double>(md_bytes) / static_cast<double>(n));
  }

  // Pick: one pass picks every page's links (kept for the stages below);
  // more passes only while the first took under a second.
  std::vector<std::vector<Link>> links(n);
  auto wanted = [&](const char* stage) {
    return only.empty() || only == stage;
  };
  Result pick =
      Time("pick", n, wanted("pick") ? min_seconds : 0.0,
           [&](size_t i) { links[i] = index.Pick(site.pages[i], site.feeds); });
  if (wanted("pick")) Print(pick, json);

  // Each stage's input is the previous stage's output, made untimed here.
  std::vector<std::string> html(n), pages(n);
  for (size_t i = 0; i < n; ++i) {
    if (!linkpage::MarkdownToHtml(markdown[i], &html[i], &err)) {
      return Fail(site.pages[i].slug + ": " + err);
    }
    pages[i] =
        renderer.RenderPage(site, year, site.pages[i], links[i], html[i]);
    std::string v =
        linkpage::CheckPage(pages[i], site, year, linkpage::PageKind::kTopic,
                            &site.pages[i], &links[i]);
    if (!v.empty()) return Fail("page " + site.pages[i].slug + ": " + v);
  }
  if (!json) {
    size_t bytes = 0;
    for (const std::string& p : pages) bytes += p.size();
    std::printf("%.0f bytes of HTML per page\n",
                static_cast<double>(bytes) / static_cast<double>(n));
  }

  size_t sink = 0;  // Keeps the compiler from dropping the work.
  std::string out;
  if (wanted("markdown"))
    Print(Time("markdown", n, min_seconds,
               [&](size_t i) {
                 linkpage::MarkdownToHtml(markdown[i], &out, &err);
                 sink += out.size();
               }),
          json);
  if (wanted("template"))
    Print(Time("template", n, min_seconds,
               [&](size_t i) {
                 sink += renderer
                             .RenderPage(site, year, site.pages[i], links[i],
                                         html[i])
                             .size();
               }),
          json);
  // What the target counts as rendering: Markdown and template.
  if (wanted("render"))
    Print(Time("render", n, min_seconds,
               [&](size_t i) {
                 linkpage::MarkdownToHtml(markdown[i], &out, &err);
                 sink +=
                     renderer
                         .RenderPage(site, year, site.pages[i], links[i], out)
                         .size();
               }),
          json);
  if (wanted("check"))
    Print(Time("check", n, min_seconds,
               [&](size_t i) {
                 sink += linkpage::CheckPage(pages[i], site, year,
                                             linkpage::PageKind::kTopic,
                                             &site.pages[i], &links[i])
                             .size();
               }),
          json);
  if (wanted("total"))
    Print(Time("total", n, min_seconds,
               [&](size_t i) {
                 linkpage::MarkdownToHtml(markdown[i], &out, &err);
                 std::string page = renderer.RenderPage(
                     site, year, site.pages[i], links[i], out);
                 sink += linkpage::CheckPage(page, site, year,
                                             linkpage::PageKind::kTopic,
                                             &site.pages[i], &links[i])
                             .size() +
                         page.size();
               }),
          json);
  if (sink == 1) std::printf("\n");  // Never true; the sum is used.
  return 0;
}
