// sources.cpp: trust, the feed cache and fallback, against a real server on
// 127.0.0.1; and end to end through Build() and FetchOnly().
#include "sources.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "build.h"
#include "cache.h"
#include "http_server.h"
#include "test_util.h"

namespace linkpage {
namespace {

namespace fs = std::filesystem;
using test::FakeEnv;
using test::HttpServer;
using test::ReadFile;
using test::TempDir;
using test::Tree;
using test::WriteFile;

constexpr int64_t kT0 = 1700000000;
constexpr int64_t kHour = 3600;

std::string Rss(int items, const std::string& tag = "") {
  std::string s =
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (int i = 0; i < items; ++i) {
    std::string n = std::to_string(i);
    s += "<item><title>Offer " + tag + n +
         "</title><link>https://shop.example.com/" + tag + n +
         "</link><description>Back pain relief " + n +
         "</description></item>";
  }
  return s + "</channel></rss>";
}

// What the test server answers for /feed; tests change it between runs.
struct Script {
  std::mutex mu;
  int status = 200;
  std::string body;
  std::string etag;
  std::string last_modified;
};

void Serve(HttpServer* s, Script* script) {
  s->server().Get("/feed", [script](const httplib::Request& q,
                                    httplib::Response& r) {
    std::lock_guard<std::mutex> lock(script->mu);
    if (!script->etag.empty()) {
      r.set_header("ETag", script->etag);
      if (q.get_header_value("If-None-Match") == script->etag) {
        r.status = 304;
        return;
      }
    }
    if (!script->last_modified.empty()) {
      r.set_header("Last-Modified", script->last_modified);
      if (q.get_header_value("If-Modified-Since") == script->last_modified) {
        r.status = 304;
        return;
      }
    }
    r.status = script->status;
    if (script->status == 200) {
      r.set_content(script->body, "application/rss+xml");
    }
  });
  s->Start();
}

struct Fixture {
  TempDir dir;
  Site site;
  Options options;

  explicit Fixture(const std::string& url) {
    site.dir = dir.path();
    FeedConfig f;
    f.name = "offers";
    f.file = dir / "link-feeds/offers.json";
    f.url = url;
    f.timeout_seconds = 2;
    f.max_stale_hours = 72;
    site.feeds.push_back(f);
    fs::create_directories(dir / ".linkpage-cache");
    options.site_dir = dir.path();
    options.env = FakeEnv();
    options.now = kT0;
  }
  FeedConfig& feed() { return site.feeds[0]; }

  // One GatherFeeds run at time "now".
  bool Run(int64_t now, FeedReport* fr, std::vector<Link>* links = nullptr,
           std::string* log_text = nullptr, std::string* err = nullptr) {
    options.now = now;
    Report report;
    std::vector<Link> local_links;
    std::ostringstream log;
    std::string local_err;
    bool ok = GatherFeeds(site, options, log, &report,
                          links ? links : &local_links,
                          err ? err : &local_err);
    REQUIRE(report.feeds.size() == 1);
    *fr = report.feeds[0];
    if (log_text) *log_text = log.str();
    return ok;
  }

  CacheEntry Cached() {
    FeedCache cache(dir / ".linkpage-cache");
    CacheEntry e;
    std::string err;
    INFO(err);
    REQUIRE(cache.Load("offers", &e, &err));
    return e;
  }
};

TEST_CASE("sources: a fresh feed is cached; a 304 (ETag) reuses it") {
  HttpServer s;
  Script script;
  script.body = Rss(4);
  script.etag = "\"v1\"";
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));

  FeedReport fr;
  std::vector<Link> links;
  std::string log;
  REQUIRE(fx.Run(kT0, &fr, &links, &log));
  CHECK(fr.status == "fresh");
  CHECK(fr.links == 4);
  CHECK(fr.http_status == 200);
  CHECK_FALSE(fr.from_cache);
  CHECK(links.size() == 4);
  CHECK_THAT(log, Catch::Contains("feed \"offers\": fresh, 4 links"));
  CacheEntry e = fx.Cached();
  CHECK(e.body == script.body);
  CHECK(e.etag == "\"v1\"");
  CHECK(e.fetched_at == kT0);
  CHECK(e.links == 4);

  links.clear();
  REQUIRE(fx.Run(kT0 + 5 * kHour, &fr, &links, &log));
  CHECK(s.LastHeader("/feed", "If-None-Match") == "\"v1\"");
  CHECK(fr.status == "not_modified");
  CHECK(fr.http_status == 304);
  CHECK(fr.links == 4);
  CHECK(links.size() == 4);
  CHECK_FALSE(IsDegraded(fr));
  CHECK_THAT(log, Catch::Contains("not modified"));
  CHECK(fx.Cached().fetched_at == kT0 + 5 * kHour);  // Refreshed.
  CHECK(fx.Cached().body == script.body);
}

TEST_CASE("sources: a 304 to If-Modified-Since reuses the cached copy") {
  HttpServer s;
  Script script;
  script.body = Rss(3);
  script.last_modified = "Tue, 14 Nov 2023 22:13:20 GMT";
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));
  FeedReport fr;
  REQUIRE(fx.Run(kT0, &fr));
  CHECK(fr.status == "fresh");
  CHECK(s.LastHeader("/feed", "If-Modified-Since").empty());
  std::vector<Link> links;
  REQUIRE(fx.Run(kT0 + kHour, &fr, &links));
  CHECK(s.LastHeader("/feed", "If-Modified-Since") == script.last_modified);
  CHECK(fr.status == "not_modified");
  CHECK(links.size() == 3);
}

TEST_CASE("sources: untrusted responses fall back to the last good copy") {
  HttpServer s;
  Script script;
  script.body = Rss(10);
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));
  FeedReport fr;
  REQUIRE(fx.Run(kT0, &fr));
  REQUIRE(fr.status == "fresh");
  const std::string good = script.body;

  struct Case {
    const char* what;
    int status;
    std::string body;
    const char* reason;
  };
  const Case cases[] = {
      {"malformed XML", 200, "<rss><channel><item><title>x</ti", "unusable"},
      {"an empty feed", 200, Rss(0), "no usable links"},
      {"a feed that lost most items", 200, Rss(3, "b"), "shrank from 10 to 3"},
      {"a 404", 404, "", "HTTP 404"},
  };
  for (const Case& c : cases) {
    SECTION(c.what) {
      {
        std::lock_guard<std::mutex> lock(script.mu);
        script.status = c.status;
        script.body = c.body;
      }
      std::vector<Link> links;
      std::string log;
      REQUIRE(fx.Run(kT0 + 5 * kHour, &fr, &links, &log));
      CHECK(fr.status == "stale");
      CHECK(fr.from_cache);
      CHECK(fr.age_hours == Approx(5.0));
      CHECK(fr.links == 10);
      CHECK(links.size() == 10);
      CHECK_THAT(fr.error, Catch::Contains(c.reason));
      CHECK(IsDegraded(fr));
      CHECK_THAT(log, Catch::Contains("feed \"offers\": stale (") &&
                          Catch::Contains("using the copy from 5.0 hours ago"));
      // The untrusted response never replaces the good copy.
      CHECK(fx.Cached().body == good);
      CHECK(fx.Cached().fetched_at == kT0);

      // --strict: a stale feed fails the run.
      fx.options.strict = true;
      std::string err;
      CHECK_FALSE(fx.Run(kT0 + 6 * kHour, &fr, nullptr, nullptr, &err));
      CHECK_THAT(err, Catch::Contains("offers") &&
                          Catch::Contains("--strict"));
    }
  }
}

TEST_CASE("sources: a smaller feed is accepted once the old copy expired") {
  HttpServer s;
  Script script;
  script.body = Rss(10);
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));
  FeedReport fr;
  REQUIRE(fx.Run(kT0, &fr));
  {
    std::lock_guard<std::mutex> lock(script.mu);
    script.body = Rss(2);
  }
  REQUIRE(fx.Run(kT0 + kHour, &fr));
  CHECK(fr.status == "stale");
  REQUIRE(fx.Run(kT0 + 73 * kHour, &fr));
  CHECK(fr.status == "fresh");
  CHECK(fr.links == 2);
  CHECK(fx.Cached().links == 2);
}

TEST_CASE("sources: a copy older than max_stale_hours is dropped") {
  HttpServer s;
  Script script;
  script.body = Rss(4);
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));
  FeedReport fr;
  REQUIRE(fx.Run(kT0, &fr));
  {
    std::lock_guard<std::mutex> lock(script.mu);
    script.status = 404;
  }
  std::vector<Link> links;
  std::string log;
  REQUIRE(fx.Run(kT0 + 73 * kHour, &fr, &links, &log));  // Not required.
  CHECK(fr.status == "dropped");
  CHECK(links.empty());
  CHECK(fr.links == 0);
  CHECK_THAT(fr.error, Catch::Contains("HTTP 404") &&
                           Catch::Contains("max_stale_hours (72)"));
  CHECK_THAT(log, Catch::Contains("feed \"offers\": dropped (") &&
                      Catch::Contains("its links are left out"));
}

TEST_CASE("sources: a required feed with no usable copy fails the run") {
  HttpServer s;
  Script script;
  script.status = 503;
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));
  fx.feed().required = true;
  fx.feed().timeout_seconds = 1;
  FeedReport fr;
  std::string err, log;
  CHECK_FALSE(fx.Run(kT0, &fr, nullptr, &log, &err));
  CHECK(fr.status == "failed");
  CHECK(fr.attempts >= 2);
  CHECK_THAT(err, Catch::Contains("feed \"offers\"") &&
                      Catch::Contains("required") &&
                      Catch::Contains("HTTP 503"));
  CHECK_THAT(log, Catch::Contains("error: feed \"offers\": failed ("));
}

TEST_CASE("sources: --offline serves the cache and never the network") {
  HttpServer s;
  Script script;
  script.body = Rss(4);
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));
  FeedReport fr;
  REQUIRE(fx.Run(kT0, &fr));
  const int hits = s.Hits("/feed");
  fx.options.offline = true;
  std::vector<Link> links;
  REQUIRE(fx.Run(kT0 + 2 * kHour, &fr, &links));
  CHECK(s.Hits("/feed") == hits);
  CHECK(fr.status == "stale");
  CHECK(fr.error == "offline");
  CHECK(links.size() == 4);
  CHECK(fx.Cached().fetched_at == kT0);  // Offline never writes the cache.

  fx.options.strict = true;  // --offline --strict: served from cache fails.
  CHECK_FALSE(fx.Run(kT0 + 2 * kHour, &fr));

  fx.options.strict = false;  // Offline with no copy at all: dropped.
  fs::remove_all(fx.dir / ".linkpage-cache/feeds");
  REQUIRE(fx.Run(kT0, &fr));
  CHECK(fr.status == "dropped");
  CHECK_THAT(fr.error, Catch::Contains("offline; no cached copy"));
}

TEST_CASE("sources: a cached copy parsed before is read back from its notes") {
  HttpServer s;
  Script script;
  script.body = Rss(4);
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));
  FeedReport fr;
  std::vector<Link> fetched;
  REQUIRE(fx.Run(kT0, &fr, &fetched));  // Parsed; its notes written.
  REQUIRE(fetched.size() == 4);
  fx.options.offline = true;
  auto take = [&] {
    FeedLinks links;
    Report report;
    std::ostringstream log;
    std::string err;
    REQUIRE(GatherFeeds(fx.site, fx.options, log, &report, &links, &err));
    REQUIRE(links.parts.size() == 1);
    CHECK(links.parts[0].deferred);  // The cached copy, held in memory.
    const std::vector<Link> got = UnpackLinks(links.Take(2));
    CHECK(links.changed_while_taken.empty());
    REQUIRE(got.size() == fetched.size());
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].feed == fetched[i].feed);
      CHECK(got[i].title == fetched[i].title);
      CHECK(got[i].url == fetched[i].url);
      CHECK(got[i].description == fetched[i].description);
    }
  };
  std::vector<fs::path> notes;
  for (const auto& e :
       fs::directory_iterator(fx.dir / ".linkpage-cache/parsed")) {
    if (e.path().filename().string().rfind("offers@", 0) == 0) {
      notes.push_back(e.path());
    }
  }
  REQUIRE(notes.size() == 1);
  // From the notes: they are read, not written again.
  const auto written = fs::last_write_time(notes[0]);
  fs::last_write_time(notes[0], written - std::chrono::hours(1));
  take();
  CHECK(fs::last_write_time(notes[0]) == written - std::chrono::hours(1));
  // Without them, from the copy in memory, parsed: and they are written.
  fs::remove(notes[0]);
  take();
  CHECK(fs::exists(notes[0]));
}

TEST_CASE("sources: a broken local feed falls back to its last good copy") {
  TempDir dir;
  Fixture fx(dir / "feed.xml");
  WriteFile(dir / "feed.xml", Rss(3));
  FeedReport fr;
  REQUIRE(fx.Run(kT0, &fr));
  CHECK(fr.status == "fresh");
  WriteFile(dir / "feed.xml", "not a feed");
  std::vector<Link> links;
  REQUIRE(fx.Run(kT0 + kHour, &fr, &links));
  CHECK(fr.status == "stale");
  CHECK(links.size() == 3);
  fs::remove(dir / "feed.xml");
  REQUIRE(fx.Run(kT0 + kHour, &fr, &links));
  CHECK(fr.status == "stale");
  CHECK_THAT(fr.error, Catch::Contains("cannot read"));
}

TEST_CASE("sources: a corrupt cache is reported and replaced") {
  HttpServer s;
  Script script;
  script.status = 404;
  Serve(&s, &script);
  Fixture fx(s.Url("/feed"));
  WriteFile(fx.dir / ".linkpage-cache/feeds/offers.json", "{not json");
  FeedReport fr;
  REQUIRE(fx.Run(kT0, &fr));
  CHECK(fr.status == "dropped");
  CHECK_THAT(fr.error, Catch::Contains("corrupt"));
  {
    std::lock_guard<std::mutex> lock(script.mu);
    script.status = 200;
    script.body = Rss(2);
  }
  REQUIRE(fx.Run(kT0, &fr));
  CHECK(fr.status == "fresh");
  CHECK(fx.Cached().links == 2);
  // One body file per feed: old ones are swept.
  int bodies = 0;
  for (const auto& f : fs::directory_iterator(fx.dir / ".linkpage-cache/feeds")) {
    bodies += f.path().extension() == ".body";
  }
  CHECK(bodies == 1);
}

// Points the example site's feed "name" at "url".
void RepointFeed(const std::string& site, const std::string& name,
                 const std::string& url, bool required) {
  WriteFile(site + "/link-feeds/" + name + ".json",
            "{\"name\": \"" + name + "\", \"url\": \"" + url +
                "\", \"timeout_seconds\": 1, \"required\": " +
                (required ? "true" : "false") + "}");
}

TEST_CASE("sources: a required feed down leaves the previous out/ as is") {
  TempDir dir;
  test::CopyExampleSite(dir.path());
  Options options;
  options.site_dir = dir.path();
  options.env = FakeEnv();
  options.now = kT0;
  options.offline = true;
  std::ostringstream log;
  REQUIRE(Build(options, log) == kExitPublished);
  const auto before = Tree(dir / "out");
  REQUIRE(!before.empty());

  HttpServer s;
  Script script;
  script.status = 500;
  Serve(&s, &script);
  RepointFeed(dir.path(), "wellness-offers", s.Url("/feed"), true);
  options.offline = false;
  Report report;
  std::ostringstream log2;
  CHECK(Build(options, log2, &report) == kExitFailed);
  CHECK_THAT(log2.str(), Catch::Contains("wellness-offers") &&
                             Catch::Contains("HTTP 500"));
  CHECK_FALSE(report.published);
  CHECK(Tree(dir / "out") == before);
}

TEST_CASE("sources: feeds parsed in parallel come out in feed order") {
  // Twelve local feeds of different sizes, one broken: links, reports and
  // log lines must be in feed order whatever the number of threads.
  TempDir dir;
  Site site;
  site.dir = dir.path();
  fs::create_directories(dir / ".linkpage-cache");
  for (int f = 0; f < 12; ++f) {
    FeedConfig feed;
    feed.name = "feed-" + std::string(f < 10 ? "0" : "") + std::to_string(f);
    feed.file = dir / ("link-feeds/" + feed.name + ".json");
    feed.url = feed.name + ".xml";
    std::string rss = "<rss version=\"2.0\"><channel><title>t</title>";
    for (int i = 0; i < (f % 4 + 1) * 50; ++i) {
      rss += "<item><title>" + feed.name + " item " + std::to_string(i) +
             "</title><link>https://" + feed.name + ".example/" +
             std::to_string(i) + "</link></item>";
    }
    rss += f == 7 ? "<item><title>cut" : "</channel></rss>";
    WriteFile(dir / (feed.name + ".xml"), rss);
    site.feeds.push_back(feed);
  }
  auto run = [&](int jobs, std::vector<Link>* links, Report* report,
                 std::string* log_text) {
    Options options;
    options.site_dir = dir.path();
    options.offline = true;
    options.env = FakeEnv();
    options.now = kT0;
    options.jobs = jobs;
    std::ostringstream log;
    std::string err;
    REQUIRE(GatherFeeds(site, options, log, report, links, &err));
    *log_text = log.str();
  };
  std::vector<Link> one_links, many_links;
  Report one, many;
  std::string one_log, many_log;
  run(1, &one_links, &one, &one_log);
  run(4, &many_links, &many, &many_log);
  REQUIRE(many.feeds.size() == 12);
  for (size_t i = 0; i < many.feeds.size(); ++i) {
    CHECK(many.feeds[i].name == site.feeds[i].name);
    CHECK(many.feeds[i].status == one.feeds[i].status);
    CHECK(many.feeds[i].links == one.feeds[i].links);
  }
  CHECK(many.feeds[7].status == "dropped");
  CHECK(many_log == one_log);
  size_t at = 0;
  for (const FeedConfig& feed : site.feeds) {
    size_t found = many_log.find("feed \"" + feed.name + "\"", at);
    REQUIRE(found != std::string::npos);
    at = found;
  }
  REQUIRE(many_links.size() == one_links.size());
  for (size_t i = 0; i < many_links.size(); ++i) {
    CHECK(many_links[i].url == one_links[i].url);
    if (i > 0) CHECK(many_links[i - 1].feed <= many_links[i].feed);
  }
}

TEST_CASE("sources: a document parsed before is parsed again only on need") {
  TempDir dir;
  Site site;
  site.dir = dir.path();
  fs::create_directories(dir / ".linkpage-cache");
  for (const char* name : {"a", "b"}) {
    FeedConfig feed;
    feed.name = name;
    feed.file = dir / (std::string("link-feeds/") + name + ".json");
    feed.url = std::string(name) + ".xml";
    site.feeds.push_back(feed);
  }
  auto rss = [](const std::string& title) {
    return "<rss version=\"2.0\"><channel><title>t</title><item><title>" +
           title + "</title><link>https://x.example/" + title +
           "</link></item><item><title>two</title>"
           "<link>https://x.example/2</link></item></channel></rss>";
  };
  WriteFile(dir / "a.xml", rss("one"));
  WriteFile(dir / "b.xml", rss("uno"));
  Options options;
  options.site_dir = dir.path();
  options.offline = true;
  options.env = FakeEnv();
  options.now = kT0;
  auto gather = [&](FeedLinks* links, Report* report) {
    std::ostringstream log;
    std::string err;
    REQUIRE(GatherFeeds(site, options, log, report, links, &err));
  };
  auto deferred = [](const FeedLinks& links) {
    std::string d;
    for (const FeedPart& p : links.parts) d += p.deferred ? "d" : "p";
    return d;
  };

  FeedLinks first;
  Report first_report;
  gather(&first, &first_report);
  CHECK(deferred(first) == "pp");
  const uint64_t hash = first.hash();
  const std::vector<Link> parsed = UnpackLinks(first.Take(1));
  REQUIRE(parsed.size() == 4);
  CHECK(LinksHash(parsed) != 0);

  // Same bytes, same settings: nothing is parsed, and the hash, the
  // counts and, once taken, the links are those of the first run.
  FeedLinks second;
  Report second_report;
  gather(&second, &second_report);
  CHECK(deferred(second) == "dd");
  CHECK(second.hash() == hash);
  REQUIRE(second_report.feeds.size() == 2);
  CHECK(second_report.feeds[0].links == 2);
  CHECK(second_report.feeds[0].items == 2);
  CHECK(second_report.feeds[0].status == "fresh");
  const std::vector<Link> taken = UnpackLinks(second.Take(2));
  REQUIRE(taken.size() == parsed.size());
  for (size_t i = 0; i < taken.size(); ++i) {
    CHECK(taken[i].feed == parsed[i].feed);
    CHECK(taken[i].title == parsed[i].title);
    CHECK(taken[i].url == parsed[i].url);
  }

  // A changed document, a changed setting or a damaged note: parsed.
  WriteFile(dir / "b.xml", rss("dos"));
  FeedLinks third;
  Report report;
  gather(&third, &report);
  CHECK(deferred(third) == "dp");
  CHECK(third.hash() != hash);
  site.feeds[0].format = "rss";
  FeedLinks fourth;
  gather(&fourth, &report);
  CHECK(deferred(fourth) == "pd");
  WriteFile(dir / ".linkpage-cache/parsed/a", "linkpage-parse garbage\n");
  FeedLinks fifth;
  gather(&fifth, &report);
  CHECK(deferred(fifth) == "pd");
  FeedLinks sixth;
  gather(&sixth, &report);
  CHECK(deferred(sixth) == "dd");
  CHECK(UnpackLinks(sixth.Take(1)).size() == 4);
  CHECK(sixth.changed_while_taken.empty());

  // A local document changed between the gathering and the taking: the
  // links of the bytes gathered are taken, from their notes (the new ones
  // are the next run's), and all is as hash() says.
  const std::string grown_rss =
      "<rss version=\"2.0\"><channel><title>t</title>"
      "<item><title>x</title><link>https://x.example/x</link></item>"
      "<item><title>y</title><link>https://x.example/y</link></item>"
      "<item><title>z</title><link>https://x.example/z</link></item>"
      "</channel></rss>";
  auto order = [](const std::vector<LinkRecords>& links) {
    std::string o;
    for (const Link& l : UnpackLinks(links)) o += l.feed + ":" + l.title + " ";
    return o;
  };
  // The notes of feed "name": removed, or "garbage" written over them.
  auto spoil_notes = [&](const std::string& name, bool garbage) {
    int spoilt = 0;
    for (const auto& e :
         fs::directory_iterator(dir / ".linkpage-cache/parsed")) {
      if (e.path().filename().string().rfind(name + "@", 0) != 0) continue;
      ++spoilt;
      if (garbage) {
        WriteFile(e.path().string(), "linkpage-link-notes garbage");
      } else {
        fs::remove(e.path());
      }
    }
    return spoilt;
  };
  FeedLinks seventh;
  gather(&seventh, &report);
  REQUIRE(deferred(seventh) == "dd");
  WriteFile(dir / "a.xml", grown_rss);
  CHECK(order(seventh.Take(2)) == "a:one a:two b:dos b:two ");
  CHECK(seventh.changed_while_taken.empty());

  // Without notes to read, the document is parsed: its new links are taken,
  // in their feed's place, and the change is told.
  WriteFile(dir / "a.xml", rss("one"));
  FeedLinks eighth;
  gather(&eighth, &report);
  REQUIRE(deferred(eighth) == "dd");
  WriteFile(dir / "a.xml", grown_rss);
  REQUIRE(spoil_notes("a", true) >= 1);
  CHECK(order(eighth.Take(2)) == "a:x a:y a:z b:dos b:two ");
  CHECK(eighth.changed_while_taken == std::vector<std::string>{"a"});
  // Its parse note, which no longer tells its links, is dropped.
  CHECK_FALSE(fs::exists(dir / ".linkpage-cache/parsed/a"));
  CHECK(fs::exists(dir / ".linkpage-cache/parsed/b"));
  // With as many links, too.
  FeedLinks ninth;
  gather(&ninth, &report);
  REQUIRE(deferred(ninth) == "pd");  // a's new bytes: parsed now.
  WriteFile(dir / "b.xml", rss("tres"));
  REQUIRE(spoil_notes("b", false) >= 1);
  CHECK(order(ninth.Take(1)) == "a:x a:y a:z b:tres b:two ");
  CHECK(ninth.changed_while_taken == std::vector<std::string>{"b"});
}

TEST_CASE("sources: fetch refreshes the cache and builds nothing") {
  TempDir dir;
  test::CopyExampleSite(dir.path());
  HttpServer s;
  Script script;
  script.body = Rss(5);
  script.etag = "\"e\"";
  Serve(&s, &script);
  RepointFeed(dir.path(), "wellness-offers", s.Url("/feed"), true);
  Options options;
  options.site_dir = dir.path();
  options.env = FakeEnv();
  options.now = kT0;
  std::ostringstream log;
  CHECK(FetchOnly(options, log) == kExitPublished);
  CHECK_FALSE(fs::exists(dir / "out"));
  CHECK(fs::exists(dir / ".linkpage-cache/feeds/wellness-offers.json"));
  CHECK_THAT(log.str(),
             Catch::Contains("feed \"wellness-offers\": fresh, 5 links") &&
                 Catch::Contains("0 stale, 0 dropped, 0 failed"));

  // The next build, offline, uses what fetch cached.
  options.offline = true;
  Report report;
  std::ostringstream log2;
  REQUIRE(Build(options, log2, &report) == kExitPublished);
  bool found = false;
  for (const FeedReport& f : report.feeds) {
    if (f.name != "wellness-offers") continue;
    found = true;
    CHECK(f.status == "stale");
    CHECK(f.links == 5);
  }
  CHECK(found);

  // A required feed with nothing usable: fetch exits 1.
  {
    std::lock_guard<std::mutex> lock(script.mu);
    script.status = 404;
    script.etag.clear();
  }
  fs::remove_all(dir / ".linkpage-cache/feeds");
  options.offline = false;
  std::ostringstream log3;
  CHECK(FetchOnly(options, log3) == kExitFailed);
}

}  // namespace
}  // namespace linkpage
