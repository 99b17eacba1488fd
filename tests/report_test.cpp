#include "report.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace linkpage {
namespace {

using Json = nlohmann::ordered_json;

// The report as one JSON value, dumped whole: what ReportToJson() writes
// a page at a time must read and look the same.
std::string Reference(const Report& r) {
  Json j;
  j["published"] = r.published;
  if (!r.error.empty()) j["error"] = r.error;
  Json feeds = Json::array();
  int degraded = 0;
  for (const FeedReport& f : r.feeds) {
    if (f.status != "fresh" && f.status != "not_modified") ++degraded;
    feeds.push_back({{"name", f.name},
                     {"status", f.status},
                     {"source", f.source},
                     {"items", f.items},
                     {"links", f.links},
                     {"dropped_urls", f.dropped_urls},
                     {"dropped_untitled", f.dropped_untitled},
                     {"ignored_items", f.ignored_items},
                     {"bytes", f.bytes},
                     {"from_cache", f.from_cache},
                     {"age_hours", f.age_hours},
                     {"error", f.error.empty() ? Json(nullptr) : Json(f.error)},
                     {"seconds", f.seconds},
                     {"http_status", f.http_status},
                     {"attempts", f.attempts}});
  }
  j["feeds"] = feeds;
  Json pages = Json::array();
  int added = 0, changed = 0, unchanged = 0;
  for (const PageReport& p : r.pages) {
    pages.push_back({{"slug", p.slug},
                     {"links", p.links},
                     {"change", std::string(p.change)}});
    added += p.change == "added";
    changed += p.change == "changed";
    unchanged += p.change == "unchanged";
  }
  j["pages"] = pages;
  j["removed_pages"] = r.removed_pages;
  j["totals"] = {{"feeds", r.feeds.size()},
                 {"degraded_feeds", degraded},
                 {"pages", r.pages.size()},
                 {"pages_added", added},
                 {"pages_changed", changed},
                 {"pages_unchanged", unchanged},
                 {"pages_removed", r.removed_pages.size()},
                 {"links_placed", r.links_total},
                 {"duplicate_links", r.duplicate_links},
                 {"pages_picked", r.pages_picked}};
  Json timings = Json::object();
  for (const auto& [stage, seconds] : r.timings) timings[stage] = seconds;
  j["timings_seconds"] = timings;
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

TEST_CASE("report: an empty report", "[report]") {
  Report r;
  r.error = "site.json: the top level must be a JSON object";
  const std::string text = ReportToJson(r);
  CHECK(text == Reference(r));
  const Json parsed = Json::parse(text);
  CHECK(parsed["pages"] == Json::array());
  CHECK(parsed["published"] == false);
}

TEST_CASE(
    "report: pages, feeds and hostile text read and look as one JSON "
    "value would",
    "[report]") {
  Report r;
  r.published = true;
  FeedReport ok;
  ok.name = "shop";
  ok.status = "fresh";
  ok.source = "https://127.0.0.1/feed?a=1&b=\"2\"";
  ok.items = 3;
  ok.links = 2;
  ok.bytes = 1234;
  ok.seconds = 0.25;
  ok.http_status = 200;
  ok.attempts = 1;
  FeedReport bad = ok;
  bad.name = "broken";
  bad.status = "stale";
  bad.from_cache = true;
  bad.age_hours = 5.5;
  // Feed text can be anything: quotes, newlines, control bytes and bytes
  // that are not UTF-8.
  bad.error = "HTTP 500: \"oops\"\nline two\t\x01 \xff\xfe end";
  r.feeds = {ok, bad};
  const char* changes[] = {"added", "changed", "unchanged"};
  auto slugs = std::make_shared<std::vector<std::string>>();
  slugs->reserve(7);
  r.text = slugs;
  for (int i = 0; i < 7; ++i) {
    PageReport p;
    // Slugs are plain ASCII in a run; the report takes anything.
    p.slug = slugs->emplace_back("page-" + std::to_string(i) +
                                 (i == 3   ? "-\xc3\xa9t\xc3\xa9"
                                  : i == 5 ? "-\"q\\\x01\xff"
                                           : ""));
    p.links = i;
    p.change = changes[i % 3];
    r.pages.push_back(p);
  }
  r.removed_pages = {"gone", "also\ngone"};
  r.links_total = 21;
  r.duplicate_links = 4;
  r.pages_picked = 5;
  r.timings = {{"config", 0.5}, {"feeds", 0.125}};

  const std::string text = ReportToJson(r);
  CHECK(text == Reference(r));
  const Json parsed = Json::parse(text);
  REQUIRE(parsed["pages"].size() == 7);
  CHECK(parsed["pages"][3]["slug"] == "page-3-\xc3\xa9t\xc3\xa9");
  CHECK(parsed["pages"][4]["change"] == "changed");
  CHECK(parsed["totals"]["pages_added"] == 3);
  CHECK(parsed["totals"]["pages_unchanged"] == 2);
  CHECK(parsed["feeds"][1]["error"].get<std::string>().find("\xef\xbf\xbd") !=
        std::string::npos);  // U+FFFD for the bytes that are not UTF-8.

  r.pages.resize(1);
  CHECK(ReportToJson(r) == Reference(r));
}

}  // namespace
}  // namespace linkpage
