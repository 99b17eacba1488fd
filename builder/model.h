// Plain data passed between the pipeline stages. No behaviour lives here.
#ifndef LINKPAGE_MODEL_H_
#define LINKPAGE_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace linkpage {

// site.json "site".
struct SiteInfo {
  std::string title;
  std::string base_url;  // Without a trailing slash.
  std::string language = "en";
  std::string company;
  std::string address;
  std::string email;
  int copyright_year = 0;  // 0: not set in site.json.
};

// site.json "page_defaults"; every key can be overridden per page.
struct PageSettings {
  std::string heading_prefix = "Latest Information On Your Search For:";
  int links_per_page = 5;
  std::string disclosure =
      "This page contains sponsored and affiliate links. We may earn a "
      "commission when you click them or buy through them.";
  std::string closing_line = "Check out some of the links above.";
};

struct Image {
  std::string src;
  std::string alt;
};

struct Page {
  std::string slug;
  std::string topic;
  std::string article;  // Path relative to the site directory.
  std::vector<std::string> keywords;
  std::vector<std::string> feeds;  // Empty: every feed of the site.
  std::optional<Image> image;
  PageSettings settings;
};

// How a mapped feed (format xml, json or csv) locates items and fields.
// "items" is an XPath (xml) or a JSON pointer (json); unused for csv.
// "fields" maps a Link field name ("title", "url", ...) to an XPath
// relative to the item, a JSON pointer relative to the item, or a CSV
// column name or zero-based index.
struct FeedMapping {
  std::string items;
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> namespaces;  // xml: prefix -> URI.
  char delimiter = ',';                           // csv only.
  bool header = true;                             // csv: first row names.
};

// link-feeds/NAME.json.
struct FeedConfig {
  std::string name;
  std::string file;  // The JSON file that defined this feed.
  std::string url;   // After ${VAR} expansion.
  std::string format = "auto";
  int timeout_seconds = 20;
  int64_t max_bytes = 10 * 1024 * 1024;
  int max_stale_hours = 72;
  bool required = false;
  std::vector<std::pair<std::string, std::string>> headers;      // Expanded.
  std::vector<std::pair<std::string, std::string>> link_params;  // Ordered.
  FeedMapping mapping;
};

struct Site {
  std::string dir;  // The site directory, as given.
  SiteInfo info;
  PageSettings defaults;
  std::vector<Page> pages;
  std::vector<FeedConfig> feeds;  // Sorted by name.
};

// One link taken from a feed. All text is plain (decoded, tag-free,
// whitespace collapsed, valid UTF-8); escaping happens only at render time.
struct Link {
  std::string feed;  // Name of the feed it came from.
  std::string title;
  std::string url;  // Absolute http(s) URL.
  std::string description;
  std::string display_host;
  std::string image;
  std::string price;
  std::string currency;
  std::string advertiser;
  std::vector<std::string> categories;
};

// What parsing one feed produced, besides its links.
struct FeedStats {
  int items = 0;             // Item nodes seen.
  int dropped_urls = 0;      // Items dropped for a non-http(s) or bad URL.
  int dropped_untitled = 0;  // Items dropped for having no title.
  int ignored_items = 0;     // Items past kMaxItemsPerFeed, not read.
};

}  // namespace linkpage

#endif  // LINKPAGE_MODEL_H_
