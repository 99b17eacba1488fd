// Plain data passed between the pipeline stages. No behaviour lives here
// but SharedText's, a string that copies share.
#ifndef LINKPAGE_MODEL_H_
#define LINKPAGE_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "arena.h"

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

// An immutable string whose copies share one heap copy of the text: a copy
// costs a reference count, not the bytes. It reads as a const std::string&
// or a std::string_view; assigning a new text replaces the shared one for
// this copy only. Safe to copy and destroy from several threads at once.
class SharedText {
 public:
  SharedText() = default;  // "", without an allocation.
  SharedText(std::string text)  // NOLINT: implicit, like std::string's.
      : rep_(text.empty() ? nullptr
                          : std::make_shared<const std::string>(
                                std::move(text))) {}
  SharedText(std::string_view text)  // NOLINT
      : SharedText(std::string(text)) {}
  SharedText(const char* text) : SharedText(std::string(text)) {}  // NOLINT

  const std::string& str() const { return rep_ ? *rep_ : kEmpty; }
  operator const std::string&() const { return str(); }  // NOLINT
  operator std::string_view() const { return str(); }    // NOLINT
  bool empty() const { return str().empty(); }
  size_t size() const { return str().size(); }
  const char* data() const { return str().data(); }
  const char* c_str() const { return str().c_str(); }
  // Whether both hold the one same copy of the text (not only equal text).
  bool SharesWith(const SharedText& other) const { return rep_ == other.rep_; }

  // Comparisons and concatenations with anything that reads as a
  // std::string_view (templates, so that no conversion is ambiguous).
  template <typename T>
    requires std::is_convertible_v<const T&, std::string_view>
  friend bool operator==(const SharedText& a, const T& b) {
    return std::string_view(a.str()) == std::string_view(b);
  }
  template <typename T>
    requires std::is_convertible_v<const T&, std::string_view>
  friend std::string operator+(const SharedText& a, const T& b) {
    return std::string(a.str()).append(std::string_view(b));
  }
  template <typename T>
    requires(std::is_convertible_v<const T&, std::string_view> &&
             !std::is_same_v<T, SharedText>)
  friend std::string operator+(const T& a, const SharedText& b) {
    return std::string(std::string_view(a)).append(b.str());
  }

 private:
  static inline const std::string kEmpty;
  std::shared_ptr<const std::string> rep_;  // nullptr: "".
};

// site.json "page_defaults"; every key can be overridden per page.
//
// The texts are SharedText: LoadSite gives every page that does not set a
// key itself the site's one copy of page_defaults' text (and pages that set
// equal texts one copy between them), and a default-constructed
// PageSettings shares the built-in texts below.
struct PageSettings {
  static const SharedText& DefaultHeadingPrefix() {
    static const SharedText text("Latest Information On Your Search For:");
    return text;
  }
  static const SharedText& DefaultDisclosure() {
    static const SharedText text(
        "This page contains sponsored and affiliate links. We may earn a "
        "commission when you click them or buy through them.");
    return text;
  }
  static const SharedText& DefaultClosingLine() {
    static const SharedText text("Check out some of the links above.");
    return text;
  }

  SharedText heading_prefix = DefaultHeadingPrefix();
  int links_per_page = 5;
  SharedText disclosure = DefaultDisclosure();
  SharedText closing_line = DefaultClosingLine();
};

// A view of text that something else keeps: for a Page, its Site's
// arena (Site::page_text) or a string literal. It is not made from a
// std::string, whose text can go first, but from a std::string_view.
class TextRef : public std::string_view {
 public:
  constexpr TextRef() = default;
  constexpr TextRef(std::string_view text)  // NOLINT: implicit.
      : std::string_view(text) {}
  constexpr TextRef(const char* text)  // NOLINT: implicit, for literals.
      : std::string_view(text) {}
  TextRef(std::string&&) = delete;
  TextRef(const std::string&) = delete;

  // Concatenations with anything that reads as a std::string_view.
  template <typename T>
  requires std::is_convertible_v<const T&, std::string_view>
  friend std::string operator+(const TextRef& a, const T& b) {
    return std::string(a).append(std::string_view(b));
  }
  template <typename T>
  requires(std::is_convertible_v<const T&, std::string_view> &&
           !std::is_base_of_v<std::string_view, T>) friend std::string
  operator+(const T& a, const TextRef& b) {
    return std::string(std::string_view(a)).append(b);
  }
};

struct Image {
  TextRef src;
  TextRef alt;
};

// A site.json page. Its text is kept by the Site (Site::page_text), not by
// the Page: 100,000 pages take some 300 bytes each, rather than three
// times that in std::strings.
struct Page {
  TextRef slug;
  TextRef topic;
  // The article's path relative to the site directory, when it is not
  // the default, articles/SLUG.md (then empty: 100,000 pages need not
  // hold that path each).
  TextRef article_file;
  std::span<const TextRef> keywords;
  std::span<const TextRef> feeds;  // Empty: every feed of the site.
  std::optional<Image> image;
  PageSettings settings;

  // The article's path relative to the site directory.
  std::string article() const {
    return article_file.empty() ? "articles/" + slug + ".md"
                                : std::string(article_file);
  }
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
  // The text of "pages" (shared by the copies of this Site).
  std::shared_ptr<StringArena> page_text = std::make_shared<StringArena>();
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
