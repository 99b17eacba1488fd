#include "config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "file.h"
#include "hash.h"
#include "records.h"

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
bool ParseJson(std::string_view text, const std::string& file, Json* out,
               std::string* err,
               const Json::parser_callback_t& callback = nullptr) {
  try {
    *out = Json::parse(text.begin(), text.end(), callback);
    return true;
  } catch (const Json::parse_error& e) {
    size_t pos = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    int line = 1, col = 1;
    CountLineCol(text.substr(0, pos), &line, &col);
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

// One page of site.json as read, before it is checked and stored.
struct RawPage {
  std::string slug;
  std::string topic;
  std::optional<std::string> article;
  std::vector<std::string> keywords;
  std::vector<std::string> feeds;
  std::optional<std::pair<std::string, std::string>> image;  // src, alt.
};

// Checks what the fields of "raw" say together and stores it in "*page":
// its text into "*text", the text that pages tend to share (keywords,
// feed names, image files) once into "*shared".
bool StorePage(const RawPage& raw, const std::string& file, StringArena* text,
               ArenaInterner* shared, Page* page, std::string* err) {
  const std::string& slug = raw.slug;
  if (slug.empty() || !std::all_of(slug.begin(), slug.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    *err = file + ": page slug \"" + slug +
           "\" is not valid: use only a-z, 0-9 and '-'";
    return false;
  }
  if (raw.topic.find_first_not_of(" \t\r\n") == std::string::npos) {
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
  page->topic = text->Add(raw.topic);
  if (raw.article && *raw.article != "articles/" + slug + ".md") {
    page->article_file = text->Add(*raw.article);
  }
  auto list = [&](const std::vector<std::string>& items) {
    thread_local std::vector<TextRef> refs;  // Reused from page to page.
    refs.clear();
    for (const std::string& item : items) refs.push_back(shared->Add(item));
    return text->Add(std::span<const TextRef>(refs));
  };
  page->keywords = list(raw.keywords);
  page->feeds = list(raw.feeds);
  if (raw.image) {
    page->image =
        Image{shared->Add(raw.image->first), shared->Add(raw.image->second)};
  }
  return true;
}

// Reads pages[index] of site.json "file" into "*page" (see StorePage);
// "*own" receives the settings it sets itself.
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
  RawPage raw;
  f.String("slug", &raw.slug, true);
  f.String("topic", &raw.topic, true);
  if (std::string article; f.String("article", &article)) {
    if (article.empty()) {
      f.Fail("article",
             "is empty; name the article's file, or leave the key "
             "out to use articles/SLUG.md");
    }
    raw.article = std::move(article);
  }
  f.StringList("keywords", &raw.keywords);
  if (f.StringList("feeds", &raw.feeds) && raw.feeds.empty() && f.ok()) {
    f.Fail("feeds", "is empty; name at least one feed, or leave the key "
                    "out to use every feed");
  }
  if (const Json* img = f.Object("image")) {
    Fields im(*img, file, where + ".image");
    raw.image.emplace();
    im.String("src", &raw.image->first, true);
    im.String("alt", &raw.image->second, true);
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
  return StorePage(raw, file, text, shared, page, err);
}

// A copy of what site.json reads to, kept in the cache directory and read
// instead of site.json while the file keeps its stamp: lexing JSON is most
// of the time of a build that finds nothing changed. The copy holds, after
// a header line and the stamp (8 bytes), each page as a record (its size,
// a varint, then its fields: see Put(); records.h has the encoding) in
// site order; then an empty
// record, the rest of site.json as JSON text, the count of pages, and a
// hash of all of it. Pages are kept as read (RawPage), not as checked:
// they are checked again as they are read back.
constexpr std::string_view kSiteCopyHeader = "linkpage site.json copy 1\n";

// A page's record: its fields, and the settings it sets itself.
enum : unsigned { kHasArticle = 1, kHasImage = 2 };

void Put(const RawPage& raw, const PageSettings& settings, unsigned own,
         std::string* out) {
  AppendText(raw.slug, out);
  AppendText(raw.topic, out);
  AppendVarint((raw.article ? unsigned{kHasArticle} : 0u) |
                   (raw.image ? unsigned{kHasImage} : 0u),
               out);
  if (raw.article) AppendText(*raw.article, out);
  for (const std::vector<std::string>* list : {&raw.keywords, &raw.feeds}) {
    AppendVarint(list->size(), out);
    for (const std::string& item : *list) AppendText(item, out);
  }
  if (raw.image) {
    AppendText(raw.image->first, out);
    AppendText(raw.image->second, out);
  }
  AppendVarint(own, out);
  if (own & kHeadingPrefix) AppendText(settings.heading_prefix.str(), out);
  if (own & kLinksPerPage) AppendVarint(settings.links_per_page, out);
  if (own & kDisclosure) AppendText(settings.disclosure.str(), out);
  if (own & kClosingLine) AppendText(settings.closing_line.str(), out);
}

// Reads a record Put() wrote into "*raw", whose strings keep their
// capacity from one page to the next.
bool Get(CheckedReader* in, RawPage* raw, PageSettings* settings,
         unsigned* own) {
  raw->slug = in->Text();
  raw->topic = in->Text();
  const uint64_t has = in->Varint();
  if (has & kHasArticle) {
    if (!raw->article) raw->article.emplace();
    *raw->article = in->Text();
  } else {
    raw->article.reset();
  }
  for (std::vector<std::string>* list : {&raw->keywords, &raw->feeds}) {
    const uint64_t count = in->Varint();
    if (count > in->rest().size()) return false;  // Each takes a byte.
    list->resize(count);
    for (std::string& item : *list) item = in->Text();
  }
  if (has & kHasImage) {
    if (!raw->image) raw->image.emplace();
    raw->image->first = in->Text();
    raw->image->second = in->Text();
  } else {
    raw->image.reset();
  }
  *own = static_cast<unsigned>(in->Varint());
  if (*own & kHeadingPrefix) settings->heading_prefix = in->Text();
  if (*own & kLinksPerPage) {
    settings->links_per_page =
        static_cast<int>(std::min<uint64_t>(in->Varint(), 100));
  }
  if (*own & kDisclosure) settings->disclosure = in->Text();
  if (*own & kClosingLine) settings->closing_line = in->Text();
  return in->ok() && in->done();
}

// Writes a copy as site.json is read: each page as it comes, the rest at
// the end. Nothing is left of it unless Commit() is called.
class SiteCopyWriter {
 public:
  SiteCopyWriter(const fs::path& path, uint64_t stamp) : out_(path) {
    out_.Append(kSiteCopyHeader);
    char bytes[8];
    std::memcpy(bytes, &stamp, sizeof bytes);
    out_.Append(std::string_view(bytes, sizeof bytes));
    sum_.Add(static_cast<int64_t>(stamp));
  }

  void AddPage(const RawPage& raw, const PageSettings& settings, unsigned own) {
    record_.clear();
    Put(raw, settings, own, &record_);
    size_.clear();
    AppendVarint(record_.size(), &size_);
    out_.Append(size_);
    out_.Append(record_);
    sum_.Add(record_);
    ++pages_;
  }

  bool Commit(const Json& root, std::string* err) {
    std::string tail;
    AppendVarint(0, &tail);
    const std::string rest = root.dump();
    AppendText(rest, &tail);
    AppendVarint(pages_, &tail);
    sum_.Add(rest).Add(static_cast<int64_t>(pages_));
    const uint64_t sum = sum_.value();
    char bytes[8];
    std::memcpy(bytes, &sum, sizeof bytes);
    tail.append(bytes, sizeof bytes);
    out_.Append(tail);
    return out_.Commit(err);
  }

 private:
  AtomicWriter out_;
  Hasher sum_;
  size_t pages_ = 0;
  std::string record_, size_;
};

// The page count of the copy "bytes" of a site.json of stamp "stamp" (0:
// it is not one: of another stamp, or damaged), and "*records" the part
// that holds its page records, "*rest" the rest of site.json.
size_t CheckSiteCopy(std::string_view bytes, uint64_t stamp,
                     std::string_view* records, std::string_view* rest) {
  if (bytes.size() < kSiteCopyHeader.size() + 16 ||
      bytes.substr(0, kSiteCopyHeader.size()) != kSiteCopyHeader) {
    return 0;
  }
  uint64_t copy_stamp, copy_sum;
  std::memcpy(&copy_stamp, bytes.data() + kSiteCopyHeader.size(), 8);
  std::memcpy(&copy_sum, bytes.data() + bytes.size() - 8, 8);
  if (copy_stamp != stamp) return 0;
  const std::string_view body = bytes.substr(
      kSiteCopyHeader.size() + 8, bytes.size() - kSiteCopyHeader.size() - 16);
  CheckedReader in(body);
  Hasher sum;
  sum.Add(static_cast<int64_t>(stamp));
  size_t pages = 0;
  for (std::string_view record; !(record = in.Text()).empty(); ++pages) {
    sum.Add(record);
  }
  *records = body.substr(0, body.size() - in.rest().size());
  *rest = in.Text();
  const uint64_t count = in.Varint();
  sum.Add(*rest).Add(static_cast<int64_t>(count));
  if (!in.ok() || !in.done() || count != pages || sum.value() != copy_sum ||
      pages == 0) {
    return 0;
  }
  return pages;
}

// A SAX handler (nlohmann's interface) that reads site.json without a DOM
// of its pages, which would cost more than all the rest of the load: each
// page goes straight into a RawPage, reused from page to page, then into
// site->pages. The rest of the file (site, page_defaults) is built into
// "root" as a DOM, with "pages" an empty array. It takes the plain case
// only: every page an object of known keys, each once, with values of the
// right types and ranges, that StorePage accepts. On anything else (a
// syntax error too) it stops; the caller then reads the file the general
// way (ReadPage), which reports the error, or takes what this one does
// not (a null value means the key is not there).
class SiteJsonReader {
 public:
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  // "copy", when given, receives each page read.
  SiteJsonReader(const std::string& file, Site* site, ArenaInterner* shared,
                 std::vector<unsigned>* own, SiteCopyWriter* copy)
      : file_(file), site_(site), shared_(shared), own_(own), copy_(copy) {}

  Json root;

  bool null() { return Value(nullptr); }
  bool boolean(bool b) { return Value(b); }
  bool number_integer(Json::number_integer_t n) {
    return state_ == kPage ? Count(n) : Value(n);
  }
  bool number_unsigned(Json::number_unsigned_t n) {
    if (state_ != kPage) return Value(n);
    return Count(n <= 100 ? static_cast<Json::number_integer_t>(n) : -1);
  }
  bool number_float(Json::number_float_t n, const string_t&) {
    return Value(n);
  }
  bool binary(binary_t&) { return Stop(); }
  bool string(string_t& s) {
    switch (state_) {
      case kTop:
        return Value(std::move(s));
      case kList:
        list_->push_back(std::move(s));
        return true;
      case kImage:
        (field_ == kSrc ? raw_.image->first : raw_.image->second) =
            std::move(s);
        return true;
      case kPage:
        return Text(std::move(s));
      default:
        return Stop();
    }
  }
  bool start_object(std::size_t) {
    switch (state_) {
      case kTop:
        return Open(Json::object());
      case kPages:
        raw_.slug.clear();
        raw_.topic.clear();
        raw_.article.reset();
        raw_.keywords.clear();
        raw_.feeds.clear();
        raw_.image.reset();
        page_ = Page();
        seen_ = 0;
        own_bits_ = 0;
        state_ = kPage;
        return true;
      case kPage:
        if (field_ != kImageKey) return Stop();
        raw_.image.emplace();
        state_ = kImage;
        return true;
      default:
        return Stop();
    }
  }
  bool end_object() {
    switch (state_) {
      case kTop:
        open_.pop_back();
        return true;
      case kImage:
        state_ = kPage;
        return (seen_ & Bit(kSrc)) && (seen_ & Bit(kAlt));
      case kPage:
        state_ = kPages;
        return EndPage();
      default:
        return Stop();
    }
  }
  bool start_array(std::size_t) {
    switch (state_) {
      case kTop:
        if (open_.size() == 1 && open_[0] == &root && key_ == "pages" &&
            !pages_read_) {
          pages_read_ = true;
          root["pages"] = Json::array();
          state_ = kPages;
          return true;
        }
        return Open(Json::array());
      case kPage:
        if (field_ != kKeywords && field_ != kFeeds) return Stop();
        list_ = field_ == kKeywords ? &raw_.keywords : &raw_.feeds;
        state_ = kList;
        return true;
      default:
        return Stop();
    }
  }
  bool end_array() {
    switch (state_) {
      case kTop:
        open_.pop_back();
        return true;
      case kPages:
        state_ = kTop;
        return true;
      case kList:
        state_ = kPage;
        return true;
      default:
        return Stop();
    }
  }
  bool key(string_t& k) {
    if (state_ == kTop) {
      // A second "pages" (the general way reads the pages of both).
      if (open_.size() == 1 && pages_read_ && k == "pages") return Stop();
      key_ = std::move(k);
      return true;
    }
    static constexpr std::pair<std::string_view, Field> kPageKeys[] = {
        {"slug", kSlug},
        {"topic", kTopic},
        {"article", kArticle},
        {"keywords", kKeywords},
        {"feeds", kFeeds},
        {"image", kImageKey},
        {"heading_prefix", kHeadingPrefixKey},
        {"links_per_page", kLinksPerPageKey},
        {"disclosure", kDisclosureKey},
        {"closing_line", kClosingLineKey}};
    static constexpr std::pair<std::string_view, Field> kImageKeys[] = {
        {"src", kSrc}, {"alt", kAlt}};
    field_ = kNone;
    if (state_ == kPage) {
      for (auto [name, field] : kPageKeys) {
        if (k == name) field_ = field;
      }
    } else if (state_ == kImage) {
      for (auto [name, field] : kImageKeys) {
        if (k == name) field_ = field;
      }
    }
    if (field_ == kNone || (seen_ & Bit(field_))) return Stop();
    seen_ |= Bit(field_);
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) {
    return Stop();
  }

 private:
  enum State { kTop, kPages, kPage, kList, kImage };
  enum Field {
    kNone,
    kSlug,
    kTopic,
    kArticle,
    kKeywords,
    kFeeds,
    kImageKey,
    kHeadingPrefixKey,
    kLinksPerPageKey,
    kDisclosureKey,
    kClosingLineKey,
    kSrc,
    kAlt
  };
  static unsigned Bit(Field f) { return 1u << f; }

  static bool Stop() { return false; }

  // A value outside the pages, into the DOM.
  template <typename T>
  bool Value(T&& v) {
    if (state_ != kTop) return Stop();
    Place(Json(std::forward<T>(v)));
    return true;
  }
  bool Open(Json container) {
    open_.push_back(Place(std::move(container)));
    return true;
  }
  Json* Place(Json v) {
    if (open_.empty()) {
      root = std::move(v);
      return &root;
    }
    Json& parent = *open_.back();
    if (parent.is_object()) {
      Json& slot = parent[key_];
      slot = std::move(v);
      return &slot;
    }
    parent.push_back(std::move(v));
    return &parent.back();
  }

  // A page's string value.
  bool Text(std::string s) {
    PageSettings& ps = page_.settings;
    switch (field_) {
      case kSlug:
        raw_.slug = std::move(s);
        return true;
      case kTopic:
        raw_.topic = std::move(s);
        return true;
      case kArticle:
        raw_.article = std::move(s);
        return !raw_.article->empty();
      case kHeadingPrefixKey:
        ps.heading_prefix = std::move(s);
        own_bits_ |= kHeadingPrefix;
        return true;
      case kDisclosureKey:
        ps.disclosure = std::move(s);
        own_bits_ |= kDisclosure;
        return true;
      case kClosingLineKey:
        ps.closing_line = std::move(s);
        own_bits_ |= kClosingLine;
        return true;
      default:
        return Stop();
    }
  }
  // A page's number.
  bool Count(Json::number_integer_t n) {
    if (field_ != kLinksPerPageKey || n < 0 || n > 100) return Stop();
    page_.settings.links_per_page = static_cast<int>(n);
    own_bits_ |= kLinksPerPage;
    return true;
  }

  bool EndPage() {
    std::string err;
    if (!(seen_ & Bit(kSlug)) || !(seen_ & Bit(kTopic)) ||
        ((seen_ & Bit(kFeeds)) && raw_.feeds.empty()) ||
        !StorePage(raw_, file_, site_->page_text.get(), shared_, &page_,
                   &err)) {
      return Stop();
    }
    if (copy_) copy_->AddPage(raw_, page_.settings, own_bits_);
    site_->pages.push_back(std::move(page_));
    own_->push_back(own_bits_);
    return true;
  }

  const std::string& file_;
  Site* site_;
  ArenaInterner* shared_;
  std::vector<unsigned>* own_;
  SiteCopyWriter* copy_;
  State state_ = kTop;
  std::vector<Json*> open_;  // DOM containers open, the innermost last.
  std::string key_;          // The DOM's key for the next value.
  bool pages_read_ = false;
  RawPage raw_;
  Page page_;
  Field field_ = kNone;
  unsigned seen_ = 0;  // Bit(field): the key was given.
  std::vector<std::string>* list_ = nullptr;
  unsigned own_bits_ = 0;
};

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

// Largest site.json read (and copy of it).
constexpr int64_t kMaxSiteJsonBytes = int64_t{1} << 30;

// Reads the pages of the copy at "path" of site.json "file" of stamp
// "stamp" into "*site" (its settings texts into "*own") and the rest of
// site.json into "*root". False when there is no such copy, or it is
// damaged, or it holds a page that is no longer valid: the caller then
// reads site.json.
bool ReadSiteCopy(const fs::path& path, uint64_t stamp, const std::string& file,
                  Site* site, std::vector<unsigned>* own, Json* root) {
  std::string bytes, why;
  if (ReadWholeFile(path.string(), kMaxSiteJsonBytes, &bytes, &why) !=
      ReadResult::kOk) {
    return false;
  }
  std::string_view records, rest;
  const size_t pages = CheckSiteCopy(bytes, stamp, &records, &rest);
  if (pages == 0) return false;
  try {
    *root = Json::parse(rest);
  } catch (const Json::exception&) {
    return false;
  }
  site->pages.reserve(pages);
  own->reserve(pages);
  ArenaInterner shared(site->page_text.get());
  CheckedReader in(records);
  std::string err;
  RawPage raw;
  for (std::string_view record; !(record = in.Text()).empty();) {
    CheckedReader fields(record);
    Page page;
    unsigned bits = 0;
    if (!Get(&fields, &raw, &page.settings, &bits) ||
        !StorePage(raw, file, site->page_text.get(), &shared, &page, &err)) {
      return false;
    }
    site->pages.push_back(std::move(page));
    own->push_back(bits);
  }
  return true;
}

bool LoadSiteJson(const std::string& dir, const SiteJsonCache* cache,
                  Site* site, std::string* err) {
  const std::string file = (fs::path(dir) / "site.json").string();
  std::vector<unsigned> own;  // Per page: the settings it sets itself.
  std::string page_error;
  Json root;
  auto start_again = [&] {
    site->pages = std::vector<Page>();
    own.clear();
    site->page_text = std::make_shared<StringArena>();
    root = Json();
  };
  // The copy of an earlier run, while site.json keeps its stamp.
  const uint64_t stamp = cache ? FileStamp(file, cache->now_ns) : 0;
  const fs::path copy_path =
      cache ? fs::path(cache->dir) / "site-json" : fs::path();
  bool read =
      stamp != 0 && ReadSiteCopy(copy_path, stamp, file, site, &own, &root);
  if (!read) start_again();
  // Read whole (35 MB at 100,000 pages), and let go once read.
  std::string bytes;
  std::string_view text;
  if (!read) {
    std::string why;
    if (ReadWholeFile(file, kMaxSiteJsonBytes, &bytes, &why) !=
        ReadResult::kOk) {
      *err = file + ": cannot read the site configuration (" +
             (why.empty() ? "larger than " + std::to_string(kMaxSiteJsonBytes) +
                                " bytes"
                          : why) +
             "); is --site the right directory?";
      return false;
    }
    text = bytes;
    // Room for every page up front (each has one "slug" key): growing the
    // vector as pages come would hold two copies at the last doubling.
    size_t slug_keys = 0;
    constexpr std::string_view kSlug = "\"slug\"";
    const std::boyer_moore_horspool_searcher search(kSlug.begin(), kSlug.end());
    for (auto at = text.begin();
         (at = std::search(at, text.end(), search)) != text.end();
         at += kSlug.size()) {
      ++slug_keys;
    }
    slug_keys = std::min(slug_keys, text.size() / 24);  // A page takes more.
    site->pages.reserve(slug_keys);
    own.reserve(slug_keys);
    // Each page is read as soon as the parser has it and is not kept as
    // JSON: a DOM of 100,000 pages would cost several times the file.
    std::optional<SiteCopyWriter> copy;
    if (stamp != 0) copy.emplace(copy_path, stamp);
    ArenaInterner shared_text(site->page_text.get());
    SiteJsonReader reader(file, site, &shared_text, &own,
                          copy ? &*copy : nullptr);
    try {
      read = Json::sax_parse(text.begin(), text.end(), &reader);
    } catch (const Json::exception&) {
      read = false;
    }
    if (read) {
      root = std::move(reader.root);
      // Best effort: without it, the next run reads site.json.
      std::string ignored;
      if (copy) copy->Commit(root, &ignored);
    }
  }
  if (!read) {
    // Read again, the general way, which says what is wrong.
    start_again();
    ArenaInterner shared_text(site->page_text.get());
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
    if (!ParseJson(text, file, &root, err, on_event)) return false;
  }
  std::string().swap(bytes);  // Read: let it go.
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
              std::string* err, const SiteJsonCache* cache) {
  *site = Site();
  site->dir = dir;
  if (!LoadSiteJson(dir, cache, site, err)) return false;

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
