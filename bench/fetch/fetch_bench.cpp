// The fetch stage against many feeds on one local server, some of them
// broken: concurrent (the default) versus one feed at a time (--jobs 1).
//
// 200 feeds on 127.0.0.1: 160 answer an RSS document, 20 never answer
// (held until the run's timeout cuts them off), 20 answer HTTP 500 (retried
// with backoff until their budget runs out). Every feed has
// timeout_seconds = 2. Prints the wall time of GatherFeeds for each jobs
// setting. Built and run by bench/fetch/run.sh.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "http_server.h"
#include "sources.h"

namespace {

namespace fs = std::filesystem;
using linkpage::test::HttpServer;

constexpr int kFeeds = 200;

// Feed i's behaviour: every tenth hangs, every tenth (another one) fails.
enum class Kind { kGood, kHang, kFail };
Kind KindOf(int i) {
  if (i % 10 == 3) return Kind::kHang;
  if (i % 10 == 7) return Kind::kFail;
  return Kind::kGood;
}

std::string Rss(int feed) {
  std::string s = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
                  "<title>Bench</title>";
  for (int i = 0; i < 25; ++i) {
    std::string id = std::to_string(feed) + "-" + std::to_string(i);
    s += "<item><title>Offer " + id +
         "</title><link>https://shop.example.com/p/" + id +
         "</link><description>A fictional product for back pain relief, "
         "number " + id + ".</description></item>";
  }
  return s + "</channel></rss>";
}

struct Run {
  double seconds = 0;
  int fresh = 0, dropped = 0, other = 0;
};

Run Gather(const linkpage::Site& site, int jobs) {
  linkpage::Options options;
  options.site_dir = site.dir;
  options.jobs = jobs;
  options.env = [](const std::string&) { return std::nullopt; };
  // Each run starts from an empty cache, so no run gets 304s.
  std::error_code ec;
  fs::remove_all(fs::path(site.dir) / ".linkpage-cache", ec);
  fs::create_directories(fs::path(site.dir) / ".linkpage-cache", ec);
  linkpage::Report report;
  std::vector<linkpage::Link> links;
  std::ostringstream log;  // One line per feed; not printed.
  std::string err;
  auto start = std::chrono::steady_clock::now();
  linkpage::GatherFeeds(site, options, log, &report, &links, &err);
  Run run;
  run.seconds = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  for (const auto& f : report.feeds) {
    if (f.status == "fresh") {
      ++run.fresh;
    } else if (f.status == "dropped") {
      ++run.dropped;
    } else {
      ++run.other;
    }
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> jobs_list;
  for (int i = 1; i < argc; ++i) jobs_list.push_back(std::atoi(argv[i]));
  if (jobs_list.empty()) jobs_list = {0, 16, 1};

  HttpServer server(96);
  std::vector<std::string> bodies;
  for (int i = 0; i < kFeeds; ++i) bodies.push_back(Rss(i));
  server.server().Get(
      R"(/feed/(\d+))", [&](const httplib::Request& q, httplib::Response& r) {
        int i = std::atoi(q.matches[1].str().c_str());
        switch (KindOf(i)) {
          case Kind::kHang:
            server.Sleep(std::chrono::hours(1));
            r.status = 503;
            return;
          case Kind::kFail:
            r.status = 500;
            return;
          case Kind::kGood:
            r.set_content(bodies[static_cast<size_t>(i)],
                          "application/rss+xml");
            return;
        }
      });
  server.Start();

  std::string dir = (fs::temp_directory_path() / "linkpage-fetch-bench-XXXXXX")
                        .string();
  if (!::mkdtemp(dir.data())) return 1;
  linkpage::Site site;
  site.dir = dir;
  for (int i = 0; i < kFeeds; ++i) {
    linkpage::FeedConfig f;
    char name[32];
    std::snprintf(name, sizeof name, "feed-%03d", i);
    f.name = name;
    f.file = dir + "/link-feeds/" + f.name + ".json";
    f.url = server.Url("/feed/" + std::to_string(i));
    f.timeout_seconds = 2;
    site.feeds.push_back(f);
  }
  std::printf("%d feeds (%d hang, %d answer 500), timeout_seconds 2\n",
              kFeeds, kFeeds / 10, kFeeds / 10);
  for (int jobs : jobs_list) {
    Run run = Gather(site, jobs);
    std::printf("jobs %-3s  %6.2f s   fresh %d, dropped %d, other %d\n",
                jobs == 0 ? "0" : std::to_string(jobs).c_str(), run.seconds,
                run.fresh, run.dropped, run.other);
    std::fflush(stdout);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
