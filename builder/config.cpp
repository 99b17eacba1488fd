#include "config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cctype>
#include <istream>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace linkpage {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

const char* TypeName(const Json& j) { return j.type_name(); }

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return !in.bad();
}

// Advances "*line" and "*col" over "text".
void CountLineCol(std::string_view text, int* line, int* col) {
  for (char c : text) {
    if (c == '\n') {
      ++*line;
      *col = 1;
    } else {
      ++*col;
    }
  }
}

// The message of a JSON syntax error "e" at "line":"col" of "file".
std::string SyntaxError(const Json::parse_error& e, const std::string& file,
                        int line, int col) {
  std::string what = e.what();
  // Drop nlohmann's "[json.exception...] parse error at ...: " prefix.
  size_t colon = what.find(": ");
  if (colon != std::string::npos) what = what.substr(colon + 2);
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) +
         ": JSON syntax error: " + what;
}

// Parses JSON text, reporting syntax errors with line and column.
bool ParseJson(const std::string& text, const std::string& file, Json* out,
               std::string* err,
               const Json::parser_callback_t& callback = nullptr) {
  try {
    *out = Json::parse(text, callback);
    return true;
  } catch (const Json::parse_error& e) {
    size_t pos = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    int line = 1, col = 1;
    CountLineCol(std::string_view(text).substr(0, pos), &line, &col);
    *err = SyntaxError(e, file, line, col);
    return false;
  }
}

// ParseJson of the file "in" (at its start), read as it is parsed rather
// than held whole.
bool ParseJsonStream(std::istream& in, const std::string& file, Json* out,
                     std::string* err,
                     const Json::parser_callback_t& callback) {
  try {
    *out = Json::parse(in, callback);
    return true;
  } catch (const Json::parse_error& e) {
    // The line and column of the error, from the file read again.
    size_t left = e.byte == 0 ? 0 : e.byte - 1;
    int line = 1, col = 1;
    in.clear();
    in.seekg(0);
    char buf[1 << 14];
    while (left > 0 && in) {
      in.read(buf, static_cast<std::streamsize>(std::min(left, sizeof buf)));
      const size_t got = static_cast<size_t>(in.gcount());
      if (got == 0) break;
      CountLineCol(std::string_view(buf, got), &line, &col);
      left -= got;
    }
    *err = SyntaxError(e, file, line, col);
    return false;
  }
}

// Reads the members of one JSON object, remembering which keys were asked
// for so that every other key can be reported as unknown.
class Fields {
 public:
  Fields(const Json& obj, std::string file, std::string where)
      : obj_(obj), file_(std::move(file)), where_(std::move(where)) {}

  const std::string& error() const { return err_; }
  bool ok() const { return err_.empty(); }

  // Each getter leaves "*out" alone when the key is absent and not
  // required. Returns true when the key was present.
  bool String(const char* key, std::string* out, bool required = false) {
    const Json* v = Get(key, required);
    if (!v) return false;
    if (!v->is_string()) return Fail(key, "must be a string");
    *out = v->get<std::string>();
    return true;
  }

  bool Int(const char* key, int64_t lo, int64_t hi, int64_t* out,
           bool required = false) {
    const Json* v = Get(key, required);
    if (!v) return false;
    if (!v->is_number_integer()) return Fail(key, "must be an integer");
    int64_t n = v->get<int64_t>();
    if (n < lo || n > hi) {
      return Fail(key, "must be between " + std::to_string(lo) + " and " +
                           std::to_string(hi) + ", found " +
                           std::to_string(n));
    }
    *out = n;
    return true;
  }

  bool IntField(const char* key, int lo, int hi, int* out) {
    int64_t n = *out;
    bool present = Int(key, lo, hi, &n);
    *out = static_cast<int>(n);
    return present;
  }

  bool Bool(const char* key, bool* out) {
    const Json* v = Get(key, false);
    if (!v) return false;
    if (!v->is_boolean()) return Fail(key, "must be true or false");
    *out = v->get<bool>();
    return true;
  }

  bool StringList(const char* key, std::vector<std::string>* out) {
    const Json* v = Get(key, false);
    if (!v) return false;
    if (!v->is_array()) return Fail(key, "must be an array of strings");
    out->clear();
    out->reserve(v->size());  // Every page has lists: no slack in them.
    for (const Json& item : *v) {
      if (!item.is_string()) return Fail(key, "must be an array of strings");
      out->push_back(item.get<std::string>());
    }
    return true;
  }

  bool StringMap(const char* key,
                 std::vector<std::pair<std::string, std::string>>* out) {
    const Json* v = Get(key, false);
    if (!v) return false;
    if (!v->is_object()) {
      return Fail(key, "must be an object of string values");
    }
    out->clear();
    for (const auto& [k, item] : v->items()) {
      if (!item.is_string()) {
        return Fail(key, "must be an object of string values (\"" + k +
                             "\" is " + TypeName(item) + ")");
      }
      out->emplace_back(k, item.get<std::string>());
    }
    return true;
  }

  const Json* Object(const char* key, bool required = false) {
    const Json* v = Get(key, required);
    if (!v) return nullptr;
    if (!v->is_object()) {
      Fail(key, "must be an object");
      return nullptr;
    }
    return v;
  }

  const Json* Array(const char* key, bool required = false) {
    const Json* v = Get(key, required);
    if (!v) return nullptr;
    if (!v->is_array()) {
      Fail(key, "must be an array");
      return nullptr;
    }
    return v;
  }

  // Reports the first key of the object that no getter asked for.
  // An unknown key is reported before anything else: a misspelt required
  // key should say "unknown key", not "required".
  bool CheckUnknown() {
    for (const auto& [k, v] : obj_.items()) {
      if (std::find(known_.begin(), known_.end(), k) == known_.end()) {
        std::vector<std::string_view> names = known_;
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        std::string list;
        for (std::string_view name : names) {
          list += (list.empty() ? "" : ", ") + std::string(name);
        }
        err_ = file_ + ": unknown key \"" + Path(k) + "\" (known keys here: " +
               list + "); remove it or fix its spelling";
        return false;
      }
    }
    return ok();
  }

  bool Fail(const std::string& key, const std::string& what) {
    if (err_.empty()) {
      err_ = file_ + ": \"" + Path(key) + "\" " + what;
    }
    return false;
  }

  std::string Path(const std::string& key) const {
    return where_.empty() ? key : where_ + "." + key;
  }

 private:
  const Json* Get(const char* key, bool required) {
    known_.push_back(key);
    if (!ok()) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      if (required) Fail(key, "is required");
      return nullptr;
    }
    return &*it;
  }

  const Json& obj_;
  std::string file_;
  std::string where_;
  std::vector<std::string_view> known_;  // Keys asked for (literals).
  std::string err_;
};

// Which PageSettings a page sets itself (bits), the rest coming from
// page_defaults.
enum : unsigned {
  kHeadingPrefix = 1,
  kLinksPerPage = 2,
  kDisclosure = 4,
  kClosingLine = 8,
};

unsigned ReadSettings(Fields* f, PageSettings* s) {
  unsigned present = 0;
  std::string text;
  if (f->String("heading_prefix", &text)) {
    s->heading_prefix = std::move(text);
    present |= kHeadingPrefix;
  }
  if (f->IntField("links_per_page", 0, 100, &s->links_per_page)) {
    present |= kLinksPerPage;
  }
  if (f->String("disclosure", &text)) {
    s->disclosure = std::move(text);
    present |= kDisclosure;
  }
  if (f->String("closing_line", &text)) {
    s->closing_line = std::move(text);
    present |= kClosingLine;
  }
  return present;
}

// Reads pages[index] of site.json "file" into "*page", its text into
// "*text", the text that pages tend to share (keywords, feed names, image
// files) once into "*shared"; "*own" receives the settings it sets itself.
bool ReadPage(const Json& p, size_t index, const std::string& file,
              StringArena* text, ArenaInterner* shared, Page* page,
              unsigned* own, std::string* err) {
  std::string where = "pages[" + std::to_string(index) + "]";
  if (!p.is_object()) {
    *err = file + ": \"" + where + "\" must be an object";
    return false;
  }
  if (p.contains("slug") && p["slug"].is_string()) {
    where = "pages[" + p["slug"].get<std::string>() + "]";
  }
  Fields f(p, file, where);
  std::string slug, topic, article;
  std::vector<std::string> keywords, feeds;
  f.String("slug", &slug, true);
  f.String("topic", &topic, true);
  article = "articles/" + slug + ".md";
  if (f.String("article", &article) && article.empty()) {
    f.Fail("article",
           "is empty; name the article's file, or leave the key "
           "out to use articles/SLUG.md");
  }
  f.StringList("keywords", &keywords);
  if (f.StringList("feeds", &feeds) && feeds.empty() && f.ok()) {
    f.Fail("feeds", "is empty; name at least one feed, or leave the key "
                    "out to use every feed");
  }
  std::optional<std::pair<std::string, std::string>> image;
  if (const Json* img = f.Object("image")) {
    Fields im(*img, file, where + ".image");
    image.emplace();
    im.String("src", &image->first, true);
    im.String("alt", &image->second, true);
    if (!im.CheckUnknown()) {
      *err = im.error();
      return false;
    }
  }
  *own = ReadSettings(&f, &page->settings);
  if (!f.CheckUnknown()) {
    *err = f.error();
    return false;
  }
  if (slug.empty() ||
      slug.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
          std::string::npos) {
    *err = file + ": page slug \"" + slug +
           "\" is not valid: use only a-z, 0-9 and '-'";
    return false;
  }
  if (topic.find_first_not_of(" \t\r\n") == std::string::npos) {
    *err = file + ": page \"" + slug + "\" has an empty topic";
    return false;
  }
  if (slug == "privacy-policy" || slug == "assets") {
    *err = file + ": page slug \"" + slug + "\" is reserved (out/" + slug +
           "/ holds the " + (slug == "assets" ? "assets" : "privacy policy") +
           "); choose another slug";
    return false;
  }
  page->slug = text->Add(slug);
  page->topic = text->Add(topic);
  if (article != "articles/" + slug + ".md") {
    page->article_file = text->Add(article);
  }
  auto list = [&](const std::vector<std::string>& items) {
    std::vector<TextRef> refs;
    refs.reserve(items.size());
    for (const std::string& item : items) refs.push_back(shared->Add(item));
    return text->Add(std::span<const TextRef>(refs));
  };
  page->keywords = list(keywords);
  page->feeds = list(feeds);
  if (image) {
    page->image = Image{shared->Add(image->first), shared->Add(image->second)};
  }
  return true;
}

// "en", "en-US", "zh-Hant-TW": 2 or 3 letters, then subtags of 2 to 8
// letters or digits.
bool IsLanguageTag(const std::string& tag) {
  size_t start = 0;
  for (int part = 0;; ++part) {
    size_t end = tag.find('-', start);
    std::string sub = tag.substr(start, end == std::string::npos
                                            ? std::string::npos
                                            : end - start);
    size_t lo = 2, hi = part == 0 ? 3 : 8;
    if (sub.size() < lo || sub.size() > hi) return false;
    for (char c : sub) {
      if (!std::isalpha(static_cast<unsigned char>(c)) &&
          (part == 0 || !std::isdigit(static_cast<unsigned char>(c)))) {
        return false;
      }
    }
    if (end == std::string::npos) return true;
    start = end + 1;
  }
}

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool LoadSiteJson(const std::string& dir, Site* site, std::string* err) {
  const std::string file = (fs::path(dir) / "site.json").string();
  // Parsed as it is read, not read whole first: site.json of 100,000 pages
  // is 35 MB, as much again as the pages read from it.
  std::ifstream in(file, std::ios::binary);
  // Room for every page up front (each has one "slug" key): growing the
  // vector as pages come would hold two copies at the last doubling. The
  // keys are counted in a first pass over the file, a block at a time.
  size_t slug_keys = 0, file_size = 0;
  {
    constexpr std::string_view kSlug = "\"slug\"";
    std::string window;  // The end of the previous block, then a block.
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      const size_t got = static_cast<size_t>(in.gcount());
      file_size += got;
      window.append(buf, got);
      // A key seen here has a byte of this block: none is counted twice.
      for (size_t at = 0; (at = window.find(kSlug, at)) != std::string::npos;
           at += kSlug.size()) {
        ++slug_keys;
      }
      window.erase(0, window.size() - std::min(window.size(),
                                               kSlug.size() - 1));
    }
  }
  if (!in.eof() || in.bad()) {
    *err = file + ": cannot read the site configuration; is --site the "
                  "right directory?";
    return false;
  }
  in.clear();
  in.seekg(0);
  // Each page is read as soon as the parser has it and is not kept as
  // JSON: a DOM of 100,000 pages would cost several times the file.
  std::vector<unsigned> own;  // Per page: the settings it sets itself.
  ArenaInterner shared_text(site->page_text.get());
  std::string page_error;
  std::string root_key;
  bool in_pages = false;
  size_t page_count = 0;
  auto on_event = [&](int depth, Json::parse_event_t event, Json& parsed) {
    using E = Json::parse_event_t;
    if (depth == 1 && event == E::key) {
      root_key = parsed.get<std::string>();
    } else if (depth == 1 && root_key == "pages" &&
               (event == E::array_start || event == E::array_end)) {
      in_pages = event == E::array_start;
    } else if (depth == 2 && in_pages &&
               (event == E::object_end || event == E::array_end ||
                event == E::value)) {
      const size_t index = page_count++;
      Page page;
      unsigned bits = 0;
      if (page_error.empty() &&
          ReadPage(parsed, index, file, site->page_text.get(), &shared_text,
                   &page, &bits, &page_error)) {
        site->pages.push_back(std::move(page));
        own.push_back(bits);
      }
      return false;  // Read: drop it from the DOM.
    }
    return true;
  };
  slug_keys = std::min(slug_keys, file_size / 24);  // A page takes more.
  site->pages.reserve(slug_keys);
  own.reserve(slug_keys);
  Json root;
  if (!ParseJsonStream(in, file, &root, err, on_event)) return false;
  if (!root.is_object()) {
    *err = file + ": the top level must be a JSON object";
    return false;
  }
  Fields top(root, file, "");
  const Json* site_obj = top.Object("site", true);
  const Json* defaults_obj = top.Object("page_defaults");
  top.Array("pages", true);  // Its items were read by on_event.
  if (!top.CheckUnknown()) {
    *err = top.error();
    return false;
  }

  Fields s(*site_obj, file, "site");
  SiteInfo& info = site->info;
  s.String("title", &info.title, true);
  s.String("base_url", &info.base_url, true);
  s.String("language", &info.language);
  s.String("company", &info.company, true);
  s.String("address", &info.address, true);
  s.String("email", &info.email, true);
  s.IntField("copyright_year", 1900, 9999, &info.copyright_year);
  if (!s.CheckUnknown()) {
    *err = s.error();
    return false;
  }
  for (auto [key, value] : {std::pair{"company", &info.company},
                            std::pair{"address", &info.address},
                            std::pair{"email", &info.email},
                            std::pair{"title", &info.title}}) {
    if (value->find_first_not_of(" \t\r\n") == std::string::npos) {
      *err = file + ": \"site." + key + "\" must not be empty";
      return false;
    }
  }
  if (info.email.find('@') == std::string::npos ||
      info.email.find_first_of(" \t<>\"") != std::string::npos) {
    *err = file + ": \"site.email\" is not an e-mail address: \"" +
           info.email + "\"";
    return false;
  }
  if (!StartsWith(info.base_url, "http://") &&
      !StartsWith(info.base_url, "https://")) {
    *err = file + ": \"site.base_url\" must start with http:// or https://";
    return false;
  }
  while (!info.base_url.empty() && info.base_url.back() == '/') {
    info.base_url.pop_back();
  }
  if (!IsLanguageTag(info.language)) {
    *err = file + ": \"site.language\" is not a language tag such as \"en\" "
                  "or \"en-US\": \"" + info.language + "\"";
    return false;
  }

  if (defaults_obj) {
    Fields d(*defaults_obj, file, "page_defaults");
    ReadSettings(&d, &site->defaults);
    if (!d.CheckUnknown()) {
      *err = d.error();
      return false;
    }
  }

  if (!page_error.empty()) {
    *err = page_error;
    return false;
  }
  // Pages share one copy of each text: the page_defaults one when they do
  // not set the key, and one copy among those that set equal texts, so that
  // 100,000 pages do not hold 100,000 copies of the disclosure.
  const PageSettings& d = site->defaults;
  std::unordered_map<std::string_view, SharedText> shared;  // Views values.
  for (const SharedText* t :
       {&d.heading_prefix, &d.disclosure, &d.closing_line}) {
    shared.try_emplace(std::string_view(*t), *t);
  }
  for (size_t i = 0; i < site->pages.size(); ++i) {
    PageSettings& ps = site->pages[i].settings;
    for (auto [bit, t, fallback] :
         {std::tuple{kHeadingPrefix, &ps.heading_prefix, &d.heading_prefix},
          std::tuple{kDisclosure, &ps.disclosure, &d.disclosure},
          std::tuple{kClosingLine, &ps.closing_line, &d.closing_line}}) {
      if (!(own[i] & bit)) {
        *t = *fallback;
      } else if (auto [it, added] =
                     shared.try_emplace(std::string_view(*t), *t);
                 !added) {
        *t = it->second;
      }
    }
    if (!(own[i] & kLinksPerPage)) ps.links_per_page = d.links_per_page;
  }
  std::unordered_set<std::string_view> slugs;
  slugs.reserve(site->pages.size());
  for (const Page& page : site->pages) {
    if (!slugs.insert(page.slug).second) {
      *err = file + ": duplicate page slug \"" + std::string(page.slug) +
             "\"; every page needs its own slug";
      return false;
    }
  }
  return true;
}

bool LoadMapping(const Json& obj, const std::string& file,
                 const std::string& format, FeedMapping* m,
                 std::string* err) {
  Fields f(obj, file, "mapping");
  f.String("items", &m->items, format != "csv");
  std::vector<std::pair<std::string, std::string>> fields, namespaces;
  if (const Json* fo = f.Object("fields", true)) {
    for (const auto& [k, v] : fo->items()) {
      if (v.is_string()) {
        fields.emplace_back(k, v.get<std::string>());
      } else if (format == "csv" && v.is_number_unsigned()) {
        fields.emplace_back(k, std::to_string(v.get<uint64_t>()));
      } else {
        f.Fail("fields." + k, format == "csv"
                                  ? "must be a column name or index"
                                  : "must be a string");
      }
    }
  }
  if (format == "xml") f.StringMap("namespaces", &namespaces);
  if (format == "csv") {
    std::string delimiter = ",";
    if (f.String("delimiter", &delimiter)) {
      if (delimiter == "\\t") delimiter = "\t";
      if (delimiter != "," && delimiter != ";" && delimiter != "|" &&
          delimiter != "\t") {
        f.Fail("delimiter", "must be one of \",\" \";\" \"|\" \"\\t\"");
      }
    }
    m->delimiter = delimiter.empty() ? ',' : delimiter[0];
    f.Bool("header", &m->header);
  }
  if (!f.CheckUnknown()) {
    *err = f.error();
    return false;
  }
  static const std::set<std::string> kFieldNames = {
      "title", "url",      "description", "display_host", "image",
      "price", "currency", "categories",  "advertiser"};
  for (const auto& [k, v] : fields) {
    if (!kFieldNames.count(k)) {
      *err = file + ": unknown field \"mapping.fields." + k +
             "\" (known: title, url, description, display_host, image, "
             "price, currency, categories, advertiser)";
      return false;
    }
    if (format == "csv" && !m->header &&
        v.find_first_not_of("0123456789") != std::string::npos) {
      *err = file + ": \"mapping.fields." + k +
             "\" must be a column index (0, 1, ...) when \"header\" is false";
      return false;
    }
    m->fields[k] = v;
  }
  for (const char* required : {"title", "url"}) {
    if (!m->fields.count(required)) {
      *err = file + ": \"mapping.fields." + required + "\" is required";
      return false;
    }
  }
  for (auto& [k, v] : namespaces) m->namespaces[k] = v;
  return true;
}

bool LoadFeedJson(const fs::path& path, const EnvLookup& env,
                  FeedConfig* feed, std::string* err) {
  const std::string file = path.string();
  std::string text;
  if (!ReadFile(file, &text)) {
    *err = file + ": cannot read this feed definition";
    return false;
  }
  Json root;
  if (!ParseJson(text, file, &root, err)) return false;
  if (!root.is_object()) {
    *err = file + ": a feed definition must be a JSON object";
    return false;
  }
  feed->file = file;
  feed->name = path.stem().string();
  Fields f(root, file, "");
  f.String("name", &feed->name);
  std::string url;
  f.String("url", &url, true);
  f.String("format", &feed->format);
  f.IntField("timeout_seconds", 1, 3600, &feed->timeout_seconds);
  f.Int("max_bytes", 1, int64_t{1} << 32, &feed->max_bytes);
  f.IntField("max_stale_hours", 0, 24 * 365, &feed->max_stale_hours);
  f.Bool("required", &feed->required);
  std::vector<std::pair<std::string, std::string>> headers;
  f.StringMap("headers", &headers);
  f.StringMap("link_params", &feed->link_params);
  const Json* mapping = f.Object("mapping");
  if (!f.CheckUnknown()) {
    *err = f.error();
    return false;
  }
  if (!IsValidFeedName(feed->name)) {
    *err = file + ": feed name \"" + feed->name +
           "\" is not valid: use letters, digits, '-', '_' and '.'";
    return false;
  }
  static const std::set<std::string> kFormats = {
      "auto", "rss", "atom", "jsonfeed", "xml", "json", "csv"};
  if (!kFormats.count(feed->format)) {
    *err = file + ": \"format\" must be one of auto, rss, atom, jsonfeed, "
                  "xml, json, csv; found \"" + feed->format + "\"";
    return false;
  }
  bool mapped = feed->format == "xml" || feed->format == "json" ||
                feed->format == "csv";
  if (mapped && !mapping) {
    *err = file + ": format \"" + feed->format +
           "\" needs a \"mapping\" (see the README, mapped formats)";
    return false;
  }
  if (!mapped && mapping) {
    *err = file + ": \"mapping\" applies only to formats xml, json and csv";
    return false;
  }
  if (mapping && !LoadMapping(*mapping, file, feed->format, &feed->mapping,
                              err)) {
    return false;
  }
  if (!ExpandVars(url, env, file + ": \"url\"", &feed->url, err)) {
    return false;
  }
  size_t scheme_end = feed->url.find("://");
  if (scheme_end != std::string::npos) {
    std::string scheme = feed->url.substr(0, scheme_end);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
    if (scheme != "http" && scheme != "https" && scheme != "file") {
      *err = file + ": \"url\" scheme \"" + scheme +
             "\" is not supported; use http, https, file or a path";
      return false;
    }
  }
  if (feed->url.empty()) {
    *err = file + ": \"url\" is empty";
    return false;
  }
  for (auto& [name, value] : headers) {
    std::string expanded;
    if (!ExpandVars(value, env, file + ": header \"" + name + "\"", &expanded,
                    err)) {
      return false;
    }
    if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos ||
        expanded.find_first_of("\r\n") != std::string::npos) {
      *err = file + ": header \"" + name + "\" is not a valid HTTP header";
      return false;
    }
    feed->headers.emplace_back(name, expanded);
  }
  return true;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

bool ExpandVars(const std::string& text, const EnvLookup& env,
                const std::string& context, std::string* out,
                std::string* err) {
  std::string result;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = text.find("${", i);
    if (start == std::string::npos) {
      result.append(text, i, std::string::npos);
      break;
    }
    result.append(text, i, start - i);
    size_t end = text.find('}', start + 2);
    if (end == std::string::npos) {
      *err = context + ": unterminated \"${\"";
      return false;
    }
    std::string name = text.substr(start + 2, end - start - 2);
    std::optional<std::string> value = env(name);
    if (!value) {
      *err = context + " uses the environment variable " + name +
             ", which is not set; export " + name + " before running";
      return false;
    }
    result += *value;
    i = end + 1;
  }
  *out = std::move(result);
  return true;
}

bool IsValidFeedName(std::string_view name) {
  return !name.empty() && std::isalnum(static_cast<unsigned char>(name[0])) &&
         name.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
             "opqrstuvwxyz0123456789_.-") == std::string_view::npos;
}

bool LoadSite(const std::string& dir, const EnvLookup& env, Site* site,
              std::string* err) {
  *site = Site();
  site->dir = dir;
  if (!LoadSiteJson(dir, site, err)) return false;

  std::vector<fs::path> files;
  std::error_code ec;
  fs::path feed_dir = fs::path(dir) / "link-feeds";
  if (fs::is_directory(feed_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(feed_dir, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") {
        files.push_back(entry.path());
      }
    }
  }
  if (ec) {
    *err = feed_dir.string() + ": cannot list feed definitions: " +
           ec.message();
    return false;
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> names;
  for (const fs::path& path : files) {
    FeedConfig feed;
    if (!LoadFeedJson(path, env, &feed, err)) return false;
    if (!names.insert(feed.name).second) {
      *err = path.string() + ": feed name \"" + feed.name +
             "\" is used by another file in link-feeds/";
      return false;
    }
    site->feeds.push_back(std::move(feed));
  }
  std::sort(site->feeds.begin(), site->feeds.end(),
            [](const FeedConfig& a, const FeedConfig& b) {
              return a.name < b.name;
            });
  for (const Page& page : site->pages) {
    for (std::string_view name : page.feeds) {
      if (!names.count(std::string(name))) {
        *err = (fs::path(dir) / "site.json").string() + ": page \"" +
               std::string(page.slug) + "\" names feed \"" + std::string(name) +
               "\", but no link-feeds/*.json defines it";
        return false;
      }
    }
  }
  return true;
}

}  // namespace linkpage
