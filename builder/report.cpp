#include "report.h"

#include <nlohmann/json.hpp>

#include "file.h"

namespace linkpage {

std::string ReportToJson(const Report& r) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["published"] = r.published;
  if (!r.error.empty()) j["error"] = r.error;
  Json feeds = Json::array();
  int degraded = 0;
  for (const FeedReport& f : r.feeds) {
    if (f.status != "fresh" && f.status != "not_modified") ++degraded;
    Json o;
    o["name"] = f.name;
    o["status"] = f.status;
    o["source"] = f.source;
    o["items"] = f.items;
    o["links"] = f.links;
    o["dropped_urls"] = f.dropped_urls;
    o["dropped_untitled"] = f.dropped_untitled;
    o["ignored_items"] = f.ignored_items;
    o["bytes"] = f.bytes;
    o["from_cache"] = f.from_cache;
    o["age_hours"] = f.age_hours;
    o["error"] = f.error.empty() ? Json(nullptr) : Json(f.error);
    o["seconds"] = f.seconds;
    o["http_status"] = f.http_status;
    o["attempts"] = f.attempts;
    feeds.push_back(o);
  }
  j["feeds"] = feeds;
  Json pages = Json::array();
  int added = 0, changed = 0, unchanged = 0;
  for (const PageReport& p : r.pages) {
    pages.push_back({{"slug", p.slug}, {"links", p.links},
                     {"change", p.change}});
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
                 {"duplicate_links", r.duplicate_links}};
  Json timings = Json::object();
  for (const auto& [stage, seconds] : r.timings) timings[stage] = seconds;
  j["timings_seconds"] = timings;
  // Feed text is untrusted: replace invalid UTF-8 rather than throw.
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

bool WriteReport(const Report& report, const std::string& path,
                 std::string* err) {
  std::string why;
  if (!WriteAtomically(path, ReportToJson(report), &why)) {
    *err = "cannot write the report " + path + ": " + why;
    return false;
  }
  return true;
}

}  // namespace linkpage
