// The run report (--report FILE): what happened to every feed and page.
#ifndef LINKPAGE_REPORT_H_
#define LINKPAGE_REPORT_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkpage {

struct FeedReport {
  std::string name;
  // "fresh": fetched or read now; "not_modified": the server said the
  // cached copy is current; "stale": fell back to the last good copy;
  // "dropped": no usable copy, links left out; "failed": a required feed
  // with no usable copy.
  std::string status;
  std::string source;
  int items = 0;
  int links = 0;
  int dropped_urls = 0;
  int dropped_untitled = 0;
  int ignored_items = 0;  // Past the per-feed item cap, not read.
  long long bytes = 0;
  bool from_cache = false;
  double age_hours = 0;  // Age of the copy used; 0 when fresh.
  std::string error;     // Why the feed is degraded, if it is.
  double seconds = 0;
  long http_status = 0;  // Last HTTP status seen; 0: none (local, offline).
  int attempts = 0;      // HTTP requests made, retries included.
};

struct PageReport {
  std::string_view slug;  // Into Report::text.
  int links = 0;
  std::string_view change;  // "added", "changed" or "unchanged".
};

struct Report {
  bool published = false;
  std::string error;  // Why nothing was published.
  std::vector<FeedReport> feeds;
  std::vector<PageReport> pages;
  // Holds the text the views of "pages" point into (the site's pages'
  // text: 100,000 slugs need not be copied).
  std::shared_ptr<const void> text;
  std::vector<std::string> removed_pages;  // Slugs gone from site.json.
  int links_total = 0;
  int duplicate_links = 0;
  // Topic pages whose links were picked in this run; the others kept the
  // links of their published copy, as nothing they depend on changed.
  int pages_picked = 0;
  std::vector<std::pair<std::string, double>> timings;  // Stage, seconds.
};

// The report as pretty-printed JSON.
std::string ReportToJson(const Report& report);

// Writes the report to "path" (atomically: temp file, then rename).
bool WriteReport(const Report& report, const std::string& path,
                 std::string* err);

}  // namespace linkpage

#endif  // LINKPAGE_REPORT_H_
