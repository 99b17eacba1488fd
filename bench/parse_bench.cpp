// Feed parsing throughput, one core, no I/O in the timing: every local
// feed of a site is read into memory once, then ParseFeed runs on the
// bytes until at least S seconds (--seconds, default 0.3) have passed;
// the best run counts (the machine's speed when nothing else slowed it).
//
//   parse_bench SITE_DIR [--json] [--format FORMAT] [--cpu] [--seconds S]
//
// Prints one line per format (the feed's configured format, "auto"
// resolved with SniffFormat): total bytes, items and MB/s; with --json one
// object per line: {"format": "rss", "bytes": N, "items": N, "seconds": S}
// where "seconds" is the sum over that format's feeds of the best time.
// --format times only the feeds of that format (for profiling); --cpu
// times with the thread's CPU clock instead of the wall clock, steadier on
// a machine busy with other work.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "config.h"
#include "feeds.h"
#include "fetch.h"
#include "model.h"

namespace {

struct Totals {
  int64_t bytes = 0;
  int64_t items = 0;
  double seconds = 0;
};

double Now(bool cpu) {
  if (!cpu) {
    return std::chrono::duration<double>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// The best time of ParseFeed on "bytes", repeated until "min_seconds"
// have passed (at least 3 runs). False with "*err" when it fails.
bool TimeParse(const linkpage::FeedConfig& feed, const std::string& bytes,
               bool cpu, double min_seconds, double* best, int* items,
               std::string* err) {
  *best = 1e300;
  const double start = Now(cpu);
  for (int run = 0;; ++run) {
    std::vector<linkpage::Link> links;
    linkpage::FeedStats stats;
    const double t0 = Now(cpu);
    const bool ok = linkpage::ParseFeed(feed, bytes, &links, &stats, err);
    const double t1 = Now(cpu);
    if (!ok) return false;
    *items = stats.items;
    *best = std::min(*best, t1 - t0);
    if (run >= 2 && t1 - start >= min_seconds) return true;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string site_dir;
  std::string only;
  bool json = false, cpu = false;
  double min_seconds = 0.3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (std::strcmp(argv[i], "--cpu") == 0) {
      cpu = true;
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      min_seconds = std::atof(argv[++i]);
    } else if (std::strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else if (site_dir.empty()) {
      site_dir = argv[i];
    } else {
      site_dir.clear();
      break;
    }
  }
  if (site_dir.empty()) {
    std::fprintf(stderr,
                 "usage: parse_bench SITE_DIR [--json] [--format FORMAT] "
                 "[--cpu] [--seconds S]\n");
    return 2;
  }
  linkpage::Site site;
  std::string err;
  if (!linkpage::LoadSite(site_dir, linkpage::ProcessEnv(), &site, &err)) {
    std::fprintf(stderr, "parse_bench: %s\n", err.c_str());
    return 1;
  }
  // Formats in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, Totals> totals;
  for (const linkpage::FeedConfig& feed : site.feeds) {
    if (linkpage::LocalPath(site.dir, feed).empty()) {
      std::fprintf(stderr, "parse_bench: feed \"%s\": not a local file, "
                   "skipped\n", feed.name.c_str());
      continue;
    }
    linkpage::FetchResult read = linkpage::ReadLocalFeed(site.dir, feed);
    if (!read.ok) {
      std::fprintf(stderr, "parse_bench: feed \"%s\": %s\n",
                   feed.name.c_str(), read.error.c_str());
      return 1;
    }
    std::string format = feed.format;
    if (format == "auto") format = linkpage::SniffFormat(read.body);
    if (format.empty()) format = "unknown";
    if (!only.empty() && format != only) continue;
    double seconds = 0;
    int items = 0;
    if (!TimeParse(feed, read.body, cpu, min_seconds, &seconds, &items, &err)) {
      std::fprintf(stderr, "parse_bench: %s\n", err.c_str());
      return 1;
    }
    if (!totals.count(format)) order.push_back(format);
    Totals& t = totals[format];
    t.bytes += static_cast<int64_t>(read.body.size());
    t.items += items;
    t.seconds += seconds;
  }
  for (const std::string& format : order) {
    const Totals& t = totals[format];
    if (json) {
      std::printf(
          "{\"format\": \"%s\", \"bytes\": %lld, \"items\": %lld, "
          "\"seconds\": %.6f}\n",
          format.c_str(), static_cast<long long>(t.bytes),
          static_cast<long long>(t.items), t.seconds);
    } else {
      std::printf("parse %-8s %6.1f MB %7lld items %8.1f MB/s\n",
                  format.c_str(), t.bytes / 1e6,
                  static_cast<long long>(t.items),
                  t.seconds > 0 ? t.bytes / 1e6 / t.seconds : 0.0);
    }
  }
  return 0;
}
