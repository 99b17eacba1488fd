// Feed documents to Link records.
//
// How text is decoded -- exactly once, per field:
//
// * HTML-bearing fields: RSS <description> and <content:encoded>, Atom
//   text constructs with type="html" or type="xhtml", JSON Feed
//   "content_html". The string the XML or JSON parser hands over is HTML
//   (the XML layer of escaping is already gone), so CleanText runs with
//   already_decoded=false: tags are stripped, then HTML entities decoded
//   once. XML source "&lt;p&gt;Save &amp;amp; relax" is the HTML
//   "<p>Save &amp; relax", which reads "Save & relax".
// * Plain-text fields: RSS <title>, Atom type="text" (the default), JSON
//   Feed "title"/"summary"/"content_text", Google Merchant g: fields and
//   every field of a mapped format (xml, json, csv). The parser's string
//   is already text, so CleanText runs with already_decoded=true: markup
//   that feeds commonly entity-encode into titles ("&lt;b&gt;Spa&lt;/b&gt;")
//   is stripped, but entities are not decoded a second time. XML source
//   "Tom &amp;amp; Jerry" is the text "Tom &amp; Jerry" and stays so.
// * A plain-text XML element that holds child elements (unescaped XHTML
//   pasted into a feed) is serialised back to markup and read as HTML,
//   which gives the same text as the parser's decoding with tags stripped.
#include "feeds.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <forward_list>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bytes16.h"
#include "text.h"
#include "url.h"

namespace linkpage {
namespace {

using Json = nlohmann::json;
namespace dom = simdjson::dom;

constexpr const char* kAtomNs = "http://www.w3.org/2005/Atom";
constexpr const char* kGoogleNs = "http://base.google.com/ns/1.0";
constexpr const char* kMediaNs = "http://search.yahoo.com/mrss/";
constexpr const char* kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr const char* kRss1Ns = "http://purl.org/rss/1.0/";
constexpr const char* kRss2UserlandNs = "http://backend.userland.com/rss2";
constexpr const char* kContentNs = "http://purl.org/rss/1.0/modules/content/";
constexpr const char* kDcNs = "http://purl.org/dc/elements/1.1/";
constexpr const char* kXhtmlNs = "http://www.w3.org/1999/xhtml";

constexpr int kMaxJsonDepth = 64;
constexpr int kMaxXmlDepth = 256;  // Element nesting.
// A CSV header row keeps this many column names; a data row keeps only the
// columns the mapping reads, so a row of millions of empty fields costs
// nothing.
constexpr size_t kMaxCsvColumns = 10000;
constexpr size_t kMaxCategories = 20;
constexpr size_t kMaxCategoryBytes = 100;
constexpr size_t kMaxShortFieldBytes = 100;

// ---------------------------------------------------------------------------
// Small helpers.

bool IsSpaceByte(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && IsSpaceByte(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpaceByte(s.back())) s.remove_suffix(1);
  return s;
}

std::string Trim(std::string_view s) { return std::string(TrimView(s)); }

// Inline: most callers pass a literal, whose comparison then needs no call.
inline bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0;
}

// The document without a UTF-8 byte order mark and leading whitespace.
std::string_view SkipBomAndSpace(std::string_view bytes) {
  if (StartsWith(bytes, "\xEF\xBB\xBF")) bytes.remove_prefix(3);
  while (!bytes.empty() && IsSpaceByte(bytes.front())) bytes.remove_prefix(1);
  return bytes;
}

bool HasUtf16Bom(std::string_view bytes) {
  return StartsWith(bytes, "\xFF\xFE") || StartsWith(bytes, "\xFE\xFF");
}

// 1-based line and column (in bytes) of "offset" in "text".
std::string Location(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " +
         std::to_string(offset - line_start + 1);
}

std::string FeedPrefix(const FeedConfig& feed) {
  return "feed \"" + feed.name + "\": ";
}

// ---------------------------------------------------------------------------
// Items as read from a document, before cleaning. Candidates are in order of
// preference.
//
// Values are views: of the parsed document (pugixml's strings, the JSON
// DOM's, the CSV bytes) where the value is there as one piece, else of
// storage the RawItem owns. Copying every field out of the document was
// most of the cost of reading a feed.

struct Text {
  std::string_view text;
  bool html = false;
};

// One RawItem serves every item of a feed: Clear() keeps the vectors'
// memory for the next.
struct RawItem {
  std::vector<Text> titles;
  std::vector<std::string_view> urls;  // The first non-empty one is used.
  std::vector<Text> descriptions;
  std::vector<std::string_view> images;  // The first placeable one is used.
  std::string_view display_host;
  std::string_view price;
  std::string_view currency;
  std::string_view advertiser;
  std::vector<std::string_view> categories;

  RawItem() = default;
  RawItem(const RawItem&) = delete;
  RawItem& operator=(const RawItem&) = delete;

  // Keeps "s" until Clear() and returns a view of it.
  std::string_view Own(std::string s) {
    owned_.push_front(std::move(s));
    return owned_.front();
  }

  void Clear() {
    titles.clear();
    urls.clear();
    descriptions.clear();
    images.clear();
    display_host = price = currency = advertiser = {};
    categories.clear();
    owned_.clear();
  }

 private:
  std::forward_list<std::string> owned_;  // Never moves its strings.
};

// Cleans raw items into Links and keeps the counts.
class ItemSink {
 public:
  ItemSink(const FeedConfig& feed, std::vector<Link>* links, FeedStats* stats)
      : feed_(feed), links_(links), stats_(stats) {}
  ItemSink(const ItemSink&) = delete;
  ItemSink& operator=(const ItemSink&) = delete;

  // Counts an item node; false when it is past the cap and must be skipped.
  bool Count() { return ++stats_->items <= kMaxItemsPerFeed; }

  // Makes room for the links of a document's "items" items, so that they
  // are not moved while the vector grows. Only for the first 4,096 (1.3
  // MB): a hostile document's empty items make no links. A vector with
  // links or room already (its caller's) is left as it is.
  void Reserve(size_t items) {
    constexpr size_t kMaxReserved = 4096;
    if (links_->capacity() == 0) {
      links_->reserve(std::min(items, kMaxReserved));
    }
  }

  void Add(const RawItem& raw) {
    std::string_view url;
    for (std::string_view candidate : raw.urls) {
      url = TrimView(candidate);
      if (!url.empty()) break;
    }
    // "" exactly when the URL is not placeable: checked and read at once.
    std::string url_host = DisplayHost(url);
    if (url_host.empty()) {
      ++stats_->dropped_urls;
      return;
    }
    std::string title = FirstClean(raw.titles, kMaxTitleBytes);
    if (title.empty()) {
      ++stats_->dropped_untitled;
      return;
    }
    Link& link = links_->emplace_back();
    link.feed = feed_.name;
    link.title = std::move(title);
    link.url = std::string(url);
    link.description = FirstClean(raw.descriptions, kMaxDescriptionBytes);
    std::string host = CleanText(raw.display_host, 253);
    for (char& c : host) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    link.display_host = host.empty() ? std::move(url_host) : std::move(host);
    for (std::string_view candidate : raw.images) {
      std::string_view image = TrimView(candidate);
      if (IsPlaceableUrl(image)) {
        link.image = std::string(image);
        break;
      }
    }
    link.price = CleanText(raw.price, kMaxShortFieldBytes);
    link.currency = CleanText(raw.currency, kMaxShortFieldBytes);
    if (link.currency.empty()) SplitPrice(&link.price, &link.currency);
    link.advertiser = CleanText(raw.advertiser, kMaxShortFieldBytes);
    if (!raw.categories.empty()) {
      link.categories.reserve(std::min(raw.categories.size(), kMaxCategories));
    }
    for (std::string_view c : raw.categories) {
      if (link.categories.size() >= kMaxCategories) break;
      std::string clean = CleanText(c, kMaxCategoryBytes);
      if (!clean.empty() &&
          std::find(link.categories.begin(), link.categories.end(), clean) ==
              link.categories.end()) {
        link.categories.push_back(std::move(clean));
      }
    }
  }

 private:
  static std::string FirstClean(const std::vector<Text>& candidates,
                                size_t max_bytes) {
    for (const Text& t : candidates) {
      std::string clean = CleanText(t.text, max_bytes, !t.html);
      if (!clean.empty()) return clean;
    }
    return "";
  }

  // "19.99 USD" or "USD 19.99" -> "19.99" and "USD" (Google Merchant).
  static void SplitPrice(std::string* price, std::string* currency) {
    size_t space = price->find(' ');
    if (space == std::string::npos ||
        price->find(' ', space + 1) != std::string::npos) {
      return;
    }
    std::string a = price->substr(0, space), b = price->substr(space + 1);
    auto is_code = [](const std::string& s) {
      return s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) {
               return c >= 'A' && c <= 'Z';
             });
    };
    if (is_code(b)) {
      *price = a;
      *currency = b;
    } else if (is_code(a)) {
      *price = b;
      *currency = a;
    }
  }

  const FeedConfig& feed_;
  std::vector<Link>* links_;
  FeedStats* stats_;
};

// ---------------------------------------------------------------------------
// XML.

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

void AppendEscaped(std::string_view s, std::string* out) {
  for (char c : s) {
    switch (c) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      default:
        out->push_back(c);
    }
  }
}

bool IsTextNode(pugi::xml_node node) {
  const pugi::xml_node_type type = node.type();
  return type == pugi::node_pcdata || type == pugi::node_cdata;
}

// The text directly inside "node" (text and CDATA children), for values
// such as URLs: a view of the document when it is one piece, else of
// storage in "*item".
std::string_view DirectText(pugi::xml_node node, RawItem* item) {
  std::string_view first;
  std::string joined;
  int pieces = 0;
  // first_child() and next_sibling(), not children(): a step costs two
  // calls into the library instead of the iterators' three, and every item
  // of a feed reads several such values.
  for (pugi::xml_node child = node.first_child(); child;
       child = child.next_sibling()) {
    if (!IsTextNode(child)) continue;
    if (++pieces == 1) {
      first = child.value();
    } else {
      if (pieces == 2) joined = first;
      joined += child.value();
    }
  }
  return pieces <= 1 ? first : item->Own(std::move(joined));
}

// The content of a field element. If it holds elements, its content is
// serialised back to markup and marked as HTML.
Text FieldText(pugi::xml_node node, bool html, RawItem* item) {
  Text t;
  t.html = html;
  // DirectText, unless an element turns up.
  std::string_view first;
  std::string joined;
  int pieces = 0;
  for (pugi::xml_node child = node.first_child(); child;
       child = child.next_sibling()) {
    const pugi::xml_node_type type = child.type();
    if (type == pugi::node_element) {
      pieces = -1;
      break;
    }
    if (type != pugi::node_pcdata && type != pugi::node_cdata) continue;
    if (++pieces == 1) {
      first = child.value();
    } else {
      if (pieces == 2) joined = first;
      joined += child.value();
    }
  }
  if (pieces >= 0) {
    t.text = pieces <= 1 ? first : item->Own(std::move(joined));
    return t;
  }
  StringWriter writer;
  for (pugi::xml_node child : node.children()) {
    if (IsTextNode(child)) {
      AppendEscaped(child.value(), &writer.out);
    } else if (child.type() == pugi::node_element) {
      child.print(writer, "", pugi::format_raw);
    }
  }
  // The printed markup escapes text, so decoding once more is right.
  t.html = true;
  t.text = item->Own(std::move(writer.out));
  return t;
}

// ASCII case-insensitive comparison with a lower-case "lower".
bool EqualsNoCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[k]) return false;
  }
  return true;
}

// An Atom text construct (title, summary, content).
bool AtomText(pugi::xml_node node, RawItem* item, Text* out) {
  std::string_view type = TrimView(node.attribute("type").value());
  if (!node.attribute("src").empty()) return false;  // Out-of-line content.
  if (type.empty() || EqualsNoCase(type, "text")) {
    *out = FieldText(node, false, item);
  } else if (EqualsNoCase(type, "html")) {
    *out = FieldText(node, true, item);
  } else if (EqualsNoCase(type, "xhtml")) {
    *out = FieldText(node, true, item);
    out->html = true;
  } else {
    return false;  // Some other media type: not text.
  }
  return true;
}

// pugixml is not namespace aware. This pass renames every element and
// attribute by the namespace URI it is bound to, so the readers can compare
// names literally: an element bound to a URI in "uri_to_prefix" gets that
// prefix (an empty prefix means no prefix). Elements in other namespaces
// get "?" as prefix (so "g:" in a foreign namespace never matches) unless
// "keep_unknown", where they keep their names unless they would collide
// with a mapped prefix. Undeclared prefixes are kept as written: sloppy
// feeds often use "g:" without declaring it.
//
// The same walk refuses documents nested deeper than kMaxXmlDepth: pugixml
// parses and walks without recursion, but no feed nests that deep, and
// later readers (XPath from the mapping, serialising mixed content) need
// not be trusted with it.
class NamespaceRenamer : public pugi::xml_tree_walker {
 public:
  // "only_root_declares": no element but the root declares a namespace
  // (OnlyRootDeclares()).
  NamespaceRenamer(const std::map<std::string, std::string>& uri_to_prefix,
                   bool keep_unknown, bool only_root_declares)
      : uri_to_prefix_(uri_to_prefix),
        keep_unknown_(keep_unknown),
        only_root_declares_(only_root_declares) {
    for (const auto& [uri, prefix] : uri_to_prefix_) prefixes_.insert(prefix);
  }

  bool too_deep() const { return too_deep_; }

  bool for_each(pugi::xml_node& node) override {
    if (node.type() != pugi::node_element) return true;
    if (depth() >= kMaxXmlDepth) {
      too_deep_ = true;
      return false;
    }
    if (!names_kept_) Visit(node, depth());
    return true;
  }

  static bool IsDeclaration(const char* name) {
    return name[0] == 'x' && std::strncmp(name, "xmlns", 5) == 0 &&
           (name[5] == '\0' || name[5] == ':');
  }

 private:
  void Visit(pugi::xml_node node, int d) {
    bool changed = false;
    while (!scope_.empty() && scope_.back().first >= d) {
      bindings_[scope_.back().second].pop_back();
      scope_.pop_back();
      changed = true;
    }
    for (pugi::xml_attribute a = node.first_attribute(); a;
         a = a.next_attribute()) {
      const char* name = a.name();
      if (!IsDeclaration(name)) continue;
      std::string prefix(name[5] == ':' ? name + 6 : "");
      bindings_[prefix].push_back(a.value());
      scope_.emplace_back(d, std::move(prefix));
      changed = true;
    }
    if (changed) {
      cache_.clear();
      keeps_all_ = KeepsAll();
    }
    // No namespace declared, or none that renames: every name stays, and
    // with the root's declarations the only ones, every name below too.
    if (scope_.empty() || keeps_all_) {
      names_kept_ = only_root_declares_;
      return;
    }
    if (Rename(node.name(), true)) node.set_name(renamed_.c_str());
    for (pugi::xml_attribute a = node.first_attribute(); a;
         a = a.next_attribute()) {
      const char* name = a.name();
      // Unprefixed attributes are in no namespace.
      if (IsDeclaration(name) || !std::strchr(name, ':')) continue;
      if (Rename(name, false)) a.set_name(renamed_.c_str());
    }
  }

  // What names with one prefix become while the bindings stay as they are.
  struct Decision {
    std::string prefix;
    bool is_element;
    bool rename;              // False: keep the name.
    std::string new_prefix;   // With its ':', or "" for none.
  };

  const std::string* Lookup(std::string_view prefix) const {
    auto it = bindings_.find(std::string(prefix));
    if (it == bindings_.end() || it->second.empty()) return nullptr;
    return &it->second.back();
  }

  const Decision& Decide(std::string_view prefix, bool is_element) {
    for (const Decision& d : cache_) {
      if (d.is_element == is_element && d.prefix == prefix) return d;
    }
    if (cache_.size() >= kMaxCached) cache_.clear();
    Decision& d = cache_.emplace_back();
    d.prefix = prefix;
    d.is_element = is_element;
    d.rename = false;
    if (prefix.empty() && !is_element) return d;
    const std::string* uri = Lookup(prefix);
    if (!uri || uri->empty()) return d;  // Undeclared or no namespace.
    auto it = uri_to_prefix_.find(*uri);
    d.rename = true;
    if (it != uri_to_prefix_.end()) {
      d.new_prefix = it->second.empty() ? "" : it->second + ":";
    } else if (!keep_unknown_) {
      d.new_prefix = "?:";
    } else if (prefixes_.count(std::string(prefix))) {
      d.new_prefix = "_" + std::string(prefix) + ":";
    } else {
      d.rename = false;
    }
    // Names that would come out as written are kept without building them
    // anew: a feed's "g:" bound to the Google namespace, or a default
    // namespace read without prefix (RSS 1.0's, Atom's in an Atom feed).
    // Then a name written ":title", which no namespace-aware reader takes
    // for a name, is kept as written too.
    if (d.rename &&
        (prefix.empty() ? d.new_prefix.empty()
                        : d.new_prefix.size() == prefix.size() + 1 &&
                              StartsWith(d.new_prefix, prefix))) {
      d.rename = false;
    }
    return d;
  }

  // Whether no name is renamed under the bindings in scope: each prefix
  // bound, the empty one too, is renamed to itself. Undeclared prefixes
  // are kept, and unprefixed attributes are in no namespace.
  bool KeepsAll() {
    for (const auto& [prefix, uris] : bindings_) {
      if (uris.empty()) continue;
      if (Decide(prefix, true).rename) return false;
      if (!prefix.empty() && Decide(prefix, false).rename) return false;
    }
    return true;
  }

  // True, with the new name in renamed_, when "qname" must be renamed.
  // Inline: it runs for every element of a document that renames.
  [[gnu::always_inline]] bool Rename(std::string_view qname, bool is_element) {
    size_t colon = qname.find(':');
    std::string_view prefix =
        colon == std::string_view::npos ? "" : qname.substr(0, colon);
    std::string_view local =
        colon == std::string_view::npos ? qname : qname.substr(colon + 1);
    const Decision& d = Decide(prefix, is_element);
    if (!d.rename) return false;
    renamed_.assign(d.new_prefix);
    renamed_.append(local);
    return renamed_ != qname;
  }

  static constexpr size_t kMaxCached = 16;

  const std::map<std::string, std::string>& uri_to_prefix_;
  const bool keep_unknown_;
  const bool only_root_declares_;
  bool names_kept_ = false;  // No name left to rename: the walk checks depth.
  std::set<std::string> prefixes_;
  // Declarations in scope: (depth, prefix) in document order, and for each
  // prefix its URIs, innermost last. Lookups stay cheap however deep.
  std::vector<std::pair<int, std::string>> scope_;
  std::map<std::string, std::vector<std::string>> bindings_;
  // Decisions for the bindings in scope (cleared when they change): most
  // documents declare their namespaces once, on the root.
  std::vector<Decision> cache_;
  bool keeps_all_ = true;  // KeepsAll() for the bindings in scope.
  std::string renamed_;
  bool too_deep_ = false;
};

const std::map<std::string, std::string>& KnownNamespaces() {
  static const auto* known = new std::map<std::string, std::string>{
      {kAtomNs, "atom"},       {kGoogleNs, "g"}, {kMediaNs, "media"},
      {kRdfNs, "rdf"},         {kRss1Ns, ""},    {kRss2UserlandNs, ""},
      {kContentNs, "content"}, {kDcNs, "dc"},    {kXhtmlNs, ""}};
  return *known;
}

// Whether the root element of "doc" is Atom's <feed>: named "feed" and
// bound to the Atom namespace by its own declarations (the only ones that
// can bind it; of a declaration written twice the last counts, as in the
// renaming pass).
bool IsAtomFeedRoot(const pugi::xml_document& doc) {
  pugi::xml_node root = doc.document_element();
  std::string_view name = root.name();
  const size_t colon = name.find(':');
  const std::string_view prefix =
      colon == std::string_view::npos ? "" : name.substr(0, colon);
  if (name.substr(colon == std::string_view::npos ? 0 : colon + 1) != "feed") {
    return false;
  }
  std::string_view uri;
  for (pugi::xml_attribute a : root.attributes()) {
    const char* attr = a.name();
    if (NamespaceRenamer::IsDeclaration(attr) &&
        std::string_view(attr[5] == ':' ? attr + 6 : "") == prefix) {
      uri = a.value();
    }
  }
  return uri == kAtomNs;
}

// The names feeds are read by: KnownNamespaces(), except in a document
// whose root is Atom's <feed>. There Atom's elements keep their local
// names, as those of a bare <feed> in no namespace do, so that the usual
// Atom feed (Atom the default namespace, "g:" or "media:" as written) has
// no name to rename. As in RSS, elements in no namespace and in XHTML's
// read as the feed's own; the RSS namespaces are foreign there.
const std::map<std::string, std::string>& FeedNamespaces(
    const pugi::xml_document& doc) {
  static const auto* atom = [] {
    auto* names = new std::map<std::string, std::string>(KnownNamespaces());
    (*names)[kAtomNs] = "";
    names->erase(kRss1Ns);
    names->erase(kRss2UserlandNs);
    return names;
  }();
  return IsAtomFeedRoot(doc) ? *atom : KnownNamespaces();
}

// Whether no element of "doc", parsed from "bytes" as "result" says, but
// the root declares a namespace. Element and attribute names are read as
// written, never through references, so in an ASCII-compatible encoding
// each declaration is the word "xmlns" in the bytes: when the root's
// declarations account for every one, there is no other. (Text that holds
// the word only makes the answer a safe "no".)
bool OnlyRootDeclares(const pugi::xml_document& doc, std::string_view bytes,
                      const pugi::xml_parse_result& result) {
  if (result.encoding != pugi::encoding_utf8 &&
      result.encoding != pugi::encoding_latin1) {
    return false;
  }
  size_t declarations = 0;
  for (pugi::xml_attribute a : doc.document_element().attributes()) {
    declarations += NamespaceRenamer::IsDeclaration(a.name());
  }
  size_t words = 0;
  for (size_t at = bytes.find("xmlns"); at != std::string_view::npos;
       at = bytes.find("xmlns", at + 5)) {
    if (++words > declarations) return false;
  }
  return words == declarations;
}

// Renames namespaced names (see NamespaceRenamer) of "doc", parsed from
// "bytes" as "result" says; false when elements nest deeper than
// kMaxXmlDepth, in which case the document is left half renamed and must
// not be read.
bool RenameNamespaces(pugi::xml_document* doc, std::string_view bytes,
                      const pugi::xml_parse_result& result,
                      const std::map<std::string, std::string>& uri_to_prefix,
                      bool keep_unknown) {
  NamespaceRenamer renamer(uri_to_prefix, keep_unknown,
                           OnlyRootDeclares(*doc, bytes, result));
  doc->traverse(renamer);
  return !renamer.too_deep();
}

// Parses XML and renames its namespaced names (RenameNamespaces) by
// "uri_to_prefix", or by FeedNamespaces() when it is null.
// "*root_name" is the root element's name as written. DOCTYPEs are skipped
// and pugixml never expands external or user-defined entities, so entity
// tricks cannot blow up or reach out.
bool LoadXml(const FeedConfig& feed, std::string_view bytes,
             const std::map<std::string, std::string>* uri_to_prefix,
             bool keep_unknown, pugi::xml_document* doc, std::string* root_name,
             std::string* err) {
  pugi::xml_parse_result result = doc->load_buffer(
      bytes.data(), bytes.size(), pugi::parse_default, pugi::encoding_auto);
  if (!result) {
    *err =
        FeedPrefix(feed) + "not well-formed XML at " +
        Location(bytes,
                 static_cast<size_t>(std::max<ptrdiff_t>(result.offset, 0))) +
        ": " + result.description();
    return false;
  }
  *root_name = doc->document_element().name();
  if (!RenameNamespaces(doc, bytes, result,
                        uri_to_prefix ? *uri_to_prefix : FeedNamespaces(*doc),
                        keep_unknown)) {
    doc->reset();
    *err = FeedPrefix(feed) + "XML elements nested deeper than " +
           std::to_string(kMaxXmlDepth) + " levels; refusing to read it";
    return false;
  }
  return true;
}

// "rss", "atom" or "" for a document whose namespaces have been renamed.
std::string XmlKind(const pugi::xml_document& doc) {
  std::string_view root = doc.document_element().name();
  if (root == "rss" || root == "rdf:RDF") return "rss";
  // An Atom namespace is expected; a bare <feed> is accepted too.
  if (root == "atom:feed" || root == "feed") return "atom";
  return "";
}

// Google Merchant and Media RSS elements, shared by RSS and Atom items.
struct Extensions {
  std::string_view g_link;
  std::vector<Text> g_titles;
  std::vector<Text> g_descriptions;
  std::vector<std::string_view> g_categories;
  std::vector<std::string_view> images;

  void Clear() {
    g_link = {};
    g_titles.clear();
    g_descriptions.clear();
    g_categories.clear();
    images.clear();
  }
};

// What the RSS and Atom readers collect per item, reused across items.
struct XmlItem {
  RawItem item;
  Extensions ext;
  std::vector<Text> descriptions;  // RSS <description>, Atom <summary>.
  std::vector<Text> contents;
  std::vector<std::string_view> alternates;  // Atom.
  std::vector<std::string_view> enclosure_images;

  void Clear() {
    item.Clear();
    ext.Clear();
    descriptions.clear();
    contents.clear();
    alternates.clear();
    enclosure_images.clear();
  }
};

bool IsImageType(std::string_view type) {
  type = TrimView(type);
  return type.size() >= 6 && EqualsNoCase(type.substr(0, 6), "image/");
}

void ReadMedia(pugi::xml_node node, Extensions* ext) {
  std::string_view name = node.name();
  if (name == "media:content") {
    if (IsImageType(node.attribute("type").value()) ||
        std::string_view(node.attribute("medium").value()) == "image") {
      ext->images.push_back(node.attribute("url").value());
    }
    for (pugi::xml_node thumb : node.children("media:thumbnail")) {
      ext->images.push_back(thumb.attribute("url").value());
    }
  } else if (name == "media:thumbnail") {
    ext->images.push_back(node.attribute("url").value());
  }
}

// Returns true when "child" was an extension element.
bool ReadExtension(pugi::xml_node child, std::string_view name, RawItem* item,
                   Extensions* ext) {
  if (StartsWith(name, "media:")) {
    if (name == "media:group") {
      for (pugi::xml_node m : child.children()) ReadMedia(m, ext);
    } else {
      ReadMedia(child, ext);
    }
    return true;
  }
  if (!StartsWith(name, "g:")) return false;
  name.remove_prefix(2);
  if (name == "link") {
    if (ext->g_link.empty()) ext->g_link = DirectText(child, item);
  } else if (name == "image_link") {
    ext->images.insert(ext->images.begin(), DirectText(child, item));
  } else if (name == "price") {
    if (item->price.empty()) item->price = DirectText(child, item);
  } else if (name == "brand") {
    if (item->advertiser.empty()) item->advertiser = DirectText(child, item);
  } else if (name == "title") {
    ext->g_titles.push_back(FieldText(child, false, item));
  } else if (name == "description") {
    ext->g_descriptions.push_back(FieldText(child, false, item));
  } else if (name == "product_type" || name == "google_product_category") {
    ext->g_categories.push_back(DirectText(child, item));
  }
  return true;
}

// Appends the extension candidates after the item's own.
void MergeExtensions(const Extensions& ext, RawItem* item) {
  item->titles.insert(item->titles.end(), ext.g_titles.begin(),
                      ext.g_titles.end());
  item->descriptions.insert(item->descriptions.end(),
                            ext.g_descriptions.begin(),
                            ext.g_descriptions.end());
  item->categories.insert(item->categories.end(), ext.g_categories.begin(),
                          ext.g_categories.end());
  item->images.insert(item->images.end(), ext.images.begin(),
                      ext.images.end());
}

// The fields RSS and Atom read alike (descriptions, then contents;
// extensions; enclosure images), then the item into "sink".
void AddXmlItem(XmlItem* x, ItemSink* sink) {
  RawItem& item = x->item;
  item.descriptions.insert(item.descriptions.end(), x->descriptions.begin(),
                           x->descriptions.end());
  item.descriptions.insert(item.descriptions.end(), x->contents.begin(),
                           x->contents.end());
  MergeExtensions(x->ext, &item);
  item.images.insert(item.images.end(), x->enclosure_images.begin(),
                     x->enclosure_images.end());
  sink->Add(item);
}


void ReadRssItem(pugi::xml_node node, XmlItem* x, ItemSink* sink) {
  if (!sink->Count()) return;
  x->Clear();
  RawItem& item = x->item;
  std::string_view link, guid;
  for (pugi::xml_node child = node.first_child(); child;
       child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = child.name();
    if (ReadExtension(child, name, &item, &x->ext)) continue;
    if (name == "title") {
      item.titles.push_back(FieldText(child, false, &item));
    } else if (name == "link") {
      if (link.empty()) link = TrimView(DirectText(child, &item));
    } else if (name == "guid") {
      std::string_view perma =
          TrimView(child.attribute("isPermaLink").value());
      std::string_view value = TrimView(DirectText(child, &item));
      if (guid.empty() && !EqualsNoCase(perma, "false") &&
          IsPlaceableUrl(value)) {
        guid = value;
      }
    } else if (name == "description") {
      x->descriptions.push_back(FieldText(child, true, &item));
    } else if (name == "content:encoded") {
      x->contents.push_back(FieldText(child, true, &item));
    } else if (name == "category" || name == "dc:subject") {
      item.categories.push_back(DirectText(child, &item));
    } else if (name == "enclosure") {
      if (IsImageType(child.attribute("type").value())) {
        x->enclosure_images.push_back(child.attribute("url").value());
      }
    }
  }
  // Link order: <link>, then g:link, then a permalink <guid>. A present but
  // unusable <link> is not replaced: the item is dropped and counted.
  item.urls.push_back(link);
  item.urls.push_back(x->ext.g_link);
  item.urls.push_back(guid);
  AddXmlItem(x, sink);
}

void ReadRss(const pugi::xml_document& doc, ItemSink* sink) {
  std::vector<pugi::xml_node> items;
  pugi::xml_node root = doc.document_element();
  for (pugi::xml_node channel : root.children("channel")) {
    for (pugi::xml_node item : channel.children("item")) items.push_back(item);
  }
  // RSS 1.0 puts items beside the channel; some RSS 0.9x feeds do too.
  for (pugi::xml_node item : root.children("item")) items.push_back(item);
  sink->Reserve(items.size());
  XmlItem x;
  for (pugi::xml_node item : items) ReadRssItem(item, &x, sink);
}

// The local name of an Atom element, "" for another: Atom's elements are
// unprefixed once renamed (see FeedNamespaces()), or written "atom:" with
// the prefix undeclared, as sloppy feeds do.
std::string_view AtomName(std::string_view name) {
  if (StartsWith(name, "atom:")) return name.substr(5);
  return name.find(':') == std::string_view::npos ? name : "";
}

void ReadAtomEntry(pugi::xml_node node, XmlItem* x, ItemSink* sink) {
  if (!sink->Count()) return;
  x->Clear();
  RawItem& item = x->item;
  for (pugi::xml_node child = node.first_child(); child;
       child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = child.name();
    if (ReadExtension(child, name, &item, &x->ext)) continue;
    name = AtomName(name);
    Text text;
    if (name == "title") {
      if (AtomText(child, &item, &text)) item.titles.push_back(text);
    } else if (name == "link") {
      std::string_view rel = TrimView(child.attribute("rel").value());
      std::string_view href = child.attribute("href").value();
      if (rel.empty() || rel == "alternate") {
        x->alternates.push_back(href);
      } else if (rel == "enclosure" &&
                 IsImageType(child.attribute("type").value())) {
        x->enclosure_images.push_back(href);
      }
    } else if (name == "summary") {
      if (AtomText(child, &item, &text)) x->descriptions.push_back(text);
    } else if (name == "content") {
      if (AtomText(child, &item, &text)) x->contents.push_back(text);
    } else if (name == "category") {
      std::string_view term = child.attribute("term").value();
      item.categories.push_back(TrimView(term).empty()
                                    ? child.attribute("label").value()
                                    : term);
    }
  }
  // The first alternate link (rel absent or "alternate"), never rel="self"
  // or an enclosure; then g:link.
  item.urls.push_back(x->alternates.empty() ? std::string_view()
                                            : x->alternates.front());
  item.urls.push_back(x->ext.g_link);
  AddXmlItem(x, sink);
}

void ReadAtom(const pugi::xml_document& doc, ItemSink* sink) {
  std::vector<pugi::xml_node> entries;
  for (pugi::xml_node entry = doc.document_element().first_child(); entry;
       entry = entry.next_sibling()) {
    if (entry.type() == pugi::node_element &&
        AtomName(entry.name()) == "entry") {
      entries.push_back(entry);
    }
  }
  sink->Reserve(entries.size());
  XmlItem x;
  for (pugi::xml_node entry : entries) ReadAtomEntry(entry, &x, sink);
}

// ---------------------------------------------------------------------------
// JSON.

// Nesting depth of a JSON text, counted without parsing, so that hostile
// input is rejected before a recursive structure is built.
int JsonDepth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

// The code unit of a "\uXXXX" escape at "i", or -1.
int EscapedUnit(std::string_view s, size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    if (!IsHexDigit(s[k])) return -1;
    v = v * 16 + (s[k] <= '9' ? s[k] - '0' : (s[k] | 0x20) - 'a' + 10);
  }
  return v;
}

// Unpaired UTF-16 surrogate escapes ("\ud800") are legal JSON syntax but
// make the parser fail the whole document; they become "\ufffd" (same
// length, so error positions stay right).
void FixJsonSurrogates(std::string* text) {
  std::string& s = *text;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!in_string) {
      in_string = s[i] == '"';
      continue;
    }
    if (s[i] == '"') {
      in_string = false;
    } else if (s[i] == '\\') {
      int unit = EscapedUnit(s, i);
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        int low = EscapedUnit(s, i + 6);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          i += 11;
          continue;
        }
      }
      if (unit >= 0xD800 && unit <= 0xDFFF) s.replace(i + 2, 4, "fffd");
      ++i;  // Skip the escaped character.
    }
  }
}

// True when "s" may hold a "\uD800"-"\uDFFF" escape (FixJsonSurrogates
// has nothing to do otherwise).
bool MayHoldSurrogateEscape(std::string_view s) {
  for (size_t i = s.find('\\'); i != std::string_view::npos;
       i = s.find('\\', i + 1)) {
    if (i + 3 < s.size() && s[i + 1] == 'u' && (s[i + 2] | 0x20) == 'd' &&
        IsHexDigit(s[i + 3]) && !(s[i + 3] >= '0' && s[i + 3] <= '7')) {
      return true;
    }
  }
  return false;
}

// "text" without a UTF-8 byte order mark, which simdjson does not take.
std::string_view WithoutBom(std::string_view text) {
  return StartsWith(text, "\xEF\xBB\xBF") ? text.substr(3) : text;
}

// Parses a JSON document into "*root", a view of "*parser", which keeps
// its values. Returns "" or the error, after which no value is read; a
// number beyond a double's range throws nlohmann_json's out_of_range, as
// it always has (ParseFeed reports it).
//
// simdjson parses it. A document it refuses is read as linkpage always has
// read JSON: nesting deeper than kMaxJsonDepth is refused, invalid UTF-8
// and unpaired surrogate escapes become U+FFFD, and nlohmann_json decides
// what the rest is: a syntax error, reported where nlohmann finds it, or
// one of the few documents nlohmann accepts and simdjson does not (an
// integer beyond 64 bits, bytes after a NUL that ends the text), read
// through nlohmann's serialisation of it, in which such an integer is a
// double.
std::string LoadJson(std::string_view bytes, dom::parser* parser,
                     dom::element* root) {
  // simdjson does not count an empty innermost array or object: at
  // kMaxJsonDepth it accepts part of what JsonDepth does, and nothing
  // more; once JsonDepth has passed, it is given one level more.
  if (parser->allocate(bytes.size(), kMaxJsonDepth) == simdjson::SUCCESS &&
      !parser->parse(WithoutBom(bytes)).get(*root)) {
    return "";
  }
  if (JsonDepth(bytes) > kMaxJsonDepth) {
    return "JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
           " levels; refusing to parse it";
  }
  if (simdjson::error_code e =
          parser->allocate(bytes.size(), kMaxJsonDepth + 1)) {
    return std::string("JSON cannot be read: ") + simdjson::error_message(e);
  }
  std::string fixed;
  std::string_view text = bytes;
  if (!IsValidUtf8(bytes) || MayHoldSurrogateEscape(bytes)) {
    fixed = FixUtf8(bytes);
    FixJsonSurrogates(&fixed);
    text = fixed;
  }
  if (!parser->parse(WithoutBom(text)).get(*root)) return "";
  std::string canonical;
  try {
    canonical = Json::parse(text.data(), text.data() + text.size()).dump();
  } catch (const Json::parse_error& e) {
    std::string detail = e.what();
    size_t col = detail.find("column ");
    size_t sep = col == std::string::npos ? col : detail.find(": ", col);
    detail = sep == std::string::npos ? "" : ": " + detail.substr(sep + 2);
    return "JSON syntax error at " +
           Location(text, e.byte > 0 ? e.byte - 1 : 0) + detail;
  }
  fixed = std::string();  // Held no longer than needed.
  if (simdjson::error_code e = parser->parse(canonical).get(*root)) {
    return std::string("JSON cannot be read: ") + simdjson::error_message(e);
  }
  return "";
}

// The value of the last member "key" of "obj" (nlohmann_json keeps the last
// of repeated keys, and so does linkpage).
bool Member(dom::object obj, std::string_view key, dom::element* out) {
  bool found = false;
  for (dom::key_value_pair member : obj) {
    if (member.key == key) {
      *out = member.value;
      found = true;
    }
  }
  return found;
}

// The string at "key" of "obj", or "" (a view of the document).
std::string_view JsonString(dom::object obj, std::string_view key) {
  dom::element v;
  std::string_view s;
  if (!Member(obj, key, &v) || v.get_string().get(s)) return {};
  return s;
}

bool IsJsonFeed(dom::element json) {
  dom::object obj;
  if (json.get_object().get(obj)) return false;
  std::string_view version = JsonString(obj, "version");
  if (version.find("jsonfeed.org") != std::string_view::npos) return true;
  dom::element items;
  return Member(obj, "items", &items) && items.is_array();
}

// The text members of a JSON Feed item that linkpage reads.
enum JsonFeedText {
  kTitle,
  kUrl,
  kExternalUrl,
  kSummary,
  kContentText,
  kContentHtml,
  kImage,
  kBannerImage,
};
constexpr std::string_view kJsonFeedTexts[] = {
    "title",        "url",          "external_url", "summary",
    "content_text", "content_html", "image",        "banner_image"};

void ReadJsonFeed(dom::element json, ItemSink* sink) {
  dom::object root;
  dom::element items_value;
  dom::array items;
  if (json.get_object().get(root) || !Member(root, "items", &items_value) ||
      items_value.get_array().get(items)) {
    return;
  }
  RawItem item;
  for (dom::element value : items) {
    if (!sink->Count()) continue;
    item.Clear();
    dom::object obj;
    if (value.get_object().get(obj)) {
      sink->Add(item);  // Counted as an item without a usable URL.
      continue;
    }
    // One pass over the members, the last of a repeated key winning.
    std::array<std::string_view, std::size(kJsonFeedTexts)> texts{};
    std::optional<dom::element> tags, authors, author;
    for (dom::key_value_pair member : obj) {
      const std::string_view key = member.key;
      if (key == "tags") {
        tags = member.value;
      } else if (key == "authors") {
        authors = member.value;
      } else if (key == "author") {
        author = member.value;
      }
      for (size_t k = 0; k < texts.size(); ++k) {
        if (key == kJsonFeedTexts[k]) {
          if (member.value.get_string().get(texts[k])) texts[k] = {};
          break;
        }
      }
    }
    item.titles.push_back({texts[kTitle], false});
    item.urls.push_back(texts[kUrl]);
    item.urls.push_back(texts[kExternalUrl]);
    item.descriptions.push_back({texts[kSummary], false});
    item.descriptions.push_back({texts[kContentText], false});
    item.descriptions.push_back({texts[kContentHtml], true});
    item.images.push_back(texts[kImage]);
    item.images.push_back(texts[kBannerImage]);
    if (dom::array list; tags && !tags->get_array().get(list)) {
      for (dom::element tag : list) {
        if (std::string_view s; !tag.get_string().get(s)) {
          item.categories.push_back(s);
        }
      }
    }
    // JSON Feed 1.1 "authors", 1.0 "author".
    dom::array list;
    dom::object first;
    if (authors && !authors->get_array().get(list) && list.size() > 0 &&
        !list.at(0).get_object().get(first)) {
      item.advertiser = JsonString(first, "name");
    } else if (dom::object one; author && !author->get_object().get(one)) {
      item.advertiser = JsonString(one, "name");
    }
    sink->Add(item);
  }
}

// ---------------------------------------------------------------------------
// Mapped formats: every field is plain text (see the top of this file).

// The Link fields a mapping can fill.
enum class Field {
  kTitle,
  kUrl,
  kDescription,
  kDisplayHost,
  kImage,
  kPrice,
  kCurrency,
  kAdvertiser,
  kCategories,
  kOther,  // Not read.
};

Field FieldOf(std::string_view name) {
  static const std::pair<std::string_view, Field> kFields[] = {
      {"title", Field::kTitle},
      {"url", Field::kUrl},
      {"description", Field::kDescription},
      {"display_host", Field::kDisplayHost},
      {"image", Field::kImage},
      {"price", Field::kPrice},
      {"currency", Field::kCurrency},
      {"advertiser", Field::kAdvertiser},
      {"categories", Field::kCategories}};
  for (const auto& [n, f] : kFields) {
    if (n == name) return f;
  }
  return Field::kOther;
}

// Sets "field" of "*item" from a value of the mapping. Every value counts
// for categories; for the other fields only a field's first value is
// passed.
void SetMappedField(Field field, Text v, RawItem* item) {
  switch (field) {
    case Field::kCategories:
      item->categories.push_back(v.text);
      break;
    case Field::kTitle:
      item->titles.push_back(v);
      break;
    case Field::kUrl:
      item->urls.push_back(v.text);
      break;
    case Field::kDescription:
      item->descriptions.push_back(v);
      break;
    case Field::kDisplayHost:
      item->display_host = v.text;
      break;
    case Field::kImage:
      item->images.push_back(v.text);
      break;
    case Field::kPrice:
      item->price = v.text;
      break;
    case Field::kCurrency:
      item->currency = v.text;
      break;
    case Field::kAdvertiser:
      item->advertiser = v.text;
      break;
    case Field::kOther:
      break;
  }
}

// True for an XML name without a colon, in ASCII: the names a mapping's
// simple field paths use.
bool IsSimpleNcName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t k = 0; k < s.size(); ++k) {
    const char c = s[k];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || c == '_' || (k > 0 && (digit || c == '-' || c == '.')))) {
      return false;
    }
  }
  return true;
}

// "name" or "prefix:name".
bool IsSimpleQName(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return IsSimpleNcName(s);
  return IsSimpleNcName(s.substr(0, colon)) &&
         IsSimpleNcName(s.substr(colon + 1));
}

// A field of a mapped XML feed.
struct XmlField {
  Field field = Field::kOther;
  std::unique_ptr<pugi::xpath_query> query;
  std::string name;  // For a child or attribute name, see XmlFieldReader.

  // Sets the field of "*item" from the XPath, relative to "context".
  void Evaluate(pugi::xml_node context, RawItem* item) const {
    if (query->return_type() != pugi::xpath_type_node_set) {
      SetMappedField(field, {item->Own(query->evaluate_string(context)), false},
                     item);
      return;
    }
    pugi::xpath_node_set found = query->evaluate_node_set(context);
    found.sort();
    for (const pugi::xpath_node& n : found) {
      if (n.attribute()) {
        SetMappedField(field, {n.attribute().value(), false}, item);
      } else if (n.node().type() == pugi::node_element) {
        SetMappedField(field, FieldText(n.node(), false, item), item);
      } else {
        SetMappedField(field, {n.node().value(), false}, item);
      }
      if (field != Field::kCategories) break;
    }
  }
};

// Reads the fields of mapped XML items. Most mappings name a child element
// ("name") or an attribute ("@sku") of the item: those are read in one walk
// over the item's children and one over its attributes, which selects what
// the XPath selects (pugixml compares names literally; "@xmlns..." never
// matches, so it is left to XPath) without evaluating XPath for every
// field of every item. Other fields are evaluated as XPath.
class XmlFieldReader {
 public:
  void Add(XmlField f, std::string_view expr) {
    if (IsSimpleQName(expr)) {
      f.name = expr;
      children_.push_back(std::move(f));
    } else if (StartsWith(expr, "@") && IsSimpleQName(expr.substr(1)) &&
               !StartsWith(expr, "@xmlns")) {
      f.name = expr.substr(1);
      attributes_.push_back(std::move(f));
    } else {
      others_.push_back(std::move(f));
    }
  }

  // Sets the fields of "*item" from the item node "context".
  void Read(pugi::xml_node context, RawItem* item) {
    if (!children_.empty()) {
      done_.assign(children_.size(), false);
      size_t left = children_.size();
      for (pugi::xml_node n = context.first_child(); n && left > 0;
           n = n.next_sibling()) {
        if (n.type() != pugi::node_element) continue;
        const char* name = n.name();
        for (size_t k = 0; k < children_.size(); ++k) {
          const XmlField& f = children_[k];
          // The first byte first: most names differ there.
          if (done_[k] || name[0] != f.name[0] ||
              std::strcmp(name, f.name.c_str()) != 0) {
            continue;
          }
          SetMappedField(f.field, FieldText(n, false, item), item);
          if (f.field != Field::kCategories) {
            done_[k] = true;
            --left;
          }
        }
      }
    }
    if (!attributes_.empty()) {
      done_.assign(attributes_.size(), false);
      for (pugi::xml_attribute a = context.first_attribute(); a;
           a = a.next_attribute()) {
        const char* name = a.name();
        for (size_t k = 0; k < attributes_.size(); ++k) {
          const XmlField& f = attributes_[k];
          if (done_[k] || std::strcmp(name, f.name.c_str()) != 0) continue;
          SetMappedField(f.field, {a.value(), false}, item);
          if (f.field != Field::kCategories) done_[k] = true;
        }
      }
    }
    for (const XmlField& f : others_) f.Evaluate(context, item);
  }

 private:
  std::vector<XmlField> children_, attributes_, others_;
  std::vector<bool> done_;
};

bool ParseMappedXml(const FeedConfig& feed, std::string_view bytes,
                    ItemSink* sink, std::string* err) {
  std::map<std::string, std::string> uri_to_prefix;
  for (const auto& [prefix, uri] : feed.mapping.namespaces) {
    uri_to_prefix[uri] = prefix;
  }
  pugi::xml_document doc;
  std::string root_name;
  if (!LoadXml(feed, bytes, &uri_to_prefix, /*keep_unknown=*/true, &doc,
               &root_name, err)) {
    return false;
  }

  auto compile = [&](const std::string& where, const std::string& expr,
                     std::unique_ptr<pugi::xpath_query>* q) {
    std::string problem;
    try {
      *q = std::make_unique<pugi::xpath_query>(expr.c_str());
      if (!(*q)->result()) problem = (*q)->result().description();
    } catch (const pugi::xpath_exception& e) {
      problem = e.what();
    }
    if (!problem.empty()) {
      *err = FeedPrefix(feed) + "\"mapping." + where + "\" is not a valid " +
             "XPath (\"" + expr + "\"): " + problem;
      return false;
    }
    return true;
  };
  std::unique_ptr<pugi::xpath_query> items_query;
  if (!compile("items", feed.mapping.items, &items_query)) return false;
  if (items_query->return_type() != pugi::xpath_type_node_set) {
    *err = FeedPrefix(feed) + "\"mapping.items\" must select nodes (\"" +
           feed.mapping.items + "\")";
    return false;
  }
  XmlFieldReader fields;
  for (const auto& [field, expr] : feed.mapping.fields) {
    XmlField f;
    if (!compile("fields." + field, expr, &f.query)) return false;
    f.field = FieldOf(field);
    if (f.field != Field::kOther) fields.Add(std::move(f), expr);
  }

  pugi::xpath_node_set items = items_query->evaluate_node_set(doc);
  RawItem item;
  for (const pugi::xpath_node& item_node : items) {
    if (!sink->Count()) continue;
    item.Clear();
    pugi::xml_node context =
        item_node.node() ? item_node.node() : item_node.parent();
    fields.Read(context, &item);
    sink->Add(item);
  }
  return true;
}

// A JSON pointer from the mapping; "name" is read as "/name".
bool MakePointer(const std::string& text, Json::json_pointer* ptr) {
  try {
    *ptr =
        Json::json_pointer(text.empty() || text[0] == '/' ? text : "/" + text);
  } catch (const Json::exception&) {
    return false;
  }
  return true;
}

// A JSON pointer as its reference tokens, for Walk.
std::vector<std::string> PointerTokens(Json::json_pointer ptr) {
  std::vector<std::string> tokens;
  while (!ptr.empty()) {
    tokens.push_back(ptr.back());
    ptr.pop_back();
  }
  std::reverse(tokens.begin(), tokens.end());
  return tokens;
}

// The value a JSON pointer, given as its tokens, points at in "json", as
// nlohmann's contains() and at() find it: an array index is "0" or digits
// without a leading zero, below the array's size.
bool Walk(dom::element json, const std::vector<std::string>& tokens,
          dom::element* out) {
  dom::element v = json;
  for (const std::string& token : tokens) {
    dom::object obj;
    dom::array array;
    if (!v.get_object().get(obj)) {
      if (!Member(obj, token, &v)) return false;
    } else if (!v.get_array().get(array)) {
      if (token.empty() || token.size() > 19 ||
          (token.size() > 1 && token[0] == '0')) {
        return false;
      }
      size_t index = 0;
      for (char c : token) {
        if (c < '0' || c > '9') return false;
        index = index * 10 + static_cast<size_t>(c - '0');
      }
      if (array.at(index).get(v)) return false;
    } else {
      return false;
    }
  }
  *out = v;
  return true;
}

// The text of a string, number or boolean: a view of the document's
// string, or of "*item"'s storage. Numbers read as nlohmann_json writes
// them ("19.99", "3", "1.0", "1e+100").
bool ScalarText(dom::element v, RawItem* item, std::string_view* out) {
  switch (v.type()) {
    case dom::element_type::STRING:
      *out = v.get_string().value_unsafe();
      return true;
    case dom::element_type::INT64:
      *out = item->Own(std::to_string(v.get_int64().value_unsafe()));
      return true;
    case dom::element_type::UINT64:
      *out = item->Own(std::to_string(v.get_uint64().value_unsafe()));
      return true;
    case dom::element_type::DOUBLE:
      *out = item->Own(Json(v.get_double().value_unsafe()).dump());
      return true;
    case dom::element_type::BOOL:
      *out = v.get_bool().value_unsafe() ? "true" : "false";
      return true;
    default:
      return false;
  }
}

bool ParseMappedJson(const FeedConfig& feed, std::string_view bytes,
                     ItemSink* sink, std::string* err) {
  dom::parser parser;
  dom::element json;
  if (std::string e = LoadJson(bytes, &parser, &json); !e.empty()) {
    *err = FeedPrefix(feed) + e;
    return false;
  }
  Json::json_pointer items_ptr;
  if (!MakePointer(feed.mapping.items, &items_ptr)) {
    *err = FeedPrefix(feed) + "\"mapping.items\" is not a valid JSON " +
           "pointer (\"" + feed.mapping.items + "\")";
    return false;
  }
  std::vector<std::pair<Field, std::vector<std::string>>> fields;
  for (const auto& [field, text] : feed.mapping.fields) {
    Json::json_pointer ptr;
    if (!MakePointer(text, &ptr)) {
      *err = FeedPrefix(feed) + "\"mapping.fields." + field +
             "\" is not a valid JSON pointer (\"" + text + "\")";
      return false;
    }
    Field f = FieldOf(field);
    if (f != Field::kOther) fields.emplace_back(f, PointerTokens(ptr));
  }
  dom::element items_value;
  if (!Walk(json, PointerTokens(items_ptr), &items_value)) {
    return true;  // Nothing there: zero links.
  }
  dom::array items;
  if (items_value.get_array().get(items)) {
    *err = FeedPrefix(feed) + "\"mapping.items\" (\"" + feed.mapping.items +
           "\") does not point at an array";
    return false;
  }
  RawItem item;
  for (dom::element obj : items) {
    if (!sink->Count()) continue;
    item.Clear();
    for (const auto& [field, tokens] : fields) {
      dom::element v;
      if (!Walk(obj, tokens, &v)) continue;
      std::string_view s;
      if (dom::array list; !v.get_array().get(list)) {
        for (dom::element e : list) {
          if (ScalarText(e, &item, &s)) {
            SetMappedField(field, {s, false}, &item);
            if (field != Field::kCategories) break;
          }
        }
      } else if (ScalarText(v, &item, &s)) {
        SetMappedField(field, {s, false}, &item);
      }
    }
    sink->Add(item);
  }
  return true;
}

// Reads RFC 4180 records one at a time; also accepts LF line ends and a
// UTF-8 BOM. Blank lines are skipped. Memory stays proportional to the
// fields kept, whatever the input.
class CsvReader {
 public:
  CsvReader(std::string_view text, char delimiter)
      : text_(text), delimiter_(delimiter) {
    if (StartsWith(text_, "\xEF\xBB\xBF")) text_.remove_prefix(3);
  }
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next record in "*fields", of which only the first "max_fields" are
  // kept (later ones are skipped). The views are valid until the next
  // call: of the text itself where a field is one piece of it (no doubled
  // quote inside), else of the reader's storage. Returns false at the end
  // of the text, or when a quoted field is never closed (then "error()"
  // says where).
  bool Next(size_t max_fields, std::vector<std::string_view>* fields) {
    const size_t n = text_.size();
    const char* p = text_.data();
    while (pos_ < n) {
      fields->clear();
      refs_.clear();
      owned_used_ = 0;
      Piece field;
      bool quoted = false, started = false;
      size_t count = 0, quote_start = 0;
      auto end_field = [&] {
        if (count < max_fields) refs_.push_back(field);
        field = Piece();
        ++count;
        started = false;
      };
      // Appends text_[from, to) to the field.
      auto keep = [&](size_t from, size_t to) {
        if (count >= max_fields || from == to) return;
        if (field.owned >= 0) {
          owned_[field.owned].append(p + from, to - from);
        } else if (field.begin == field.end) {
          field.begin = from;
          field.end = to;
        } else if (from == field.end) {
          field.end = to;
        } else {  // Not one piece of the text after all.
          if (owned_used_ == owned_.size()) owned_.emplace_back();
          std::string& own = owned_[owned_used_];
          field.owned = static_cast<int>(owned_used_++);
          own.assign(p + field.begin, field.end - field.begin);
          own.append(p + from, to - from);
        }
      };
      bool row_done = false;
      while (pos_ < n && !row_done) {
        if (quoted) {
          const void* q = std::memchr(p + pos_, '"', n - pos_);
          if (!q) {
            keep(pos_, n);
            pos_ = n;
            break;
          }
          const size_t quote = static_cast<const char*>(q) - p;
          keep(pos_, quote);
          pos_ = quote + 1;
          if (pos_ < n && p[pos_] == '"') {
            keep(pos_, pos_ + 1);
            ++pos_;
          } else {
            quoted = false;
          }
          continue;
        }
        const char c = p[pos_];
        if (c == '"' && !started) {
          quoted = started = true;
          quote_start = pos_++;
        } else if (c == delimiter_) {
          ++pos_;
          end_field();
        } else if (c == '\r' || c == '\n') {
          ++pos_;
          if (c == '\r' && pos_ < n && p[pos_] == '\n') ++pos_;
          row_done = true;
        } else {
          // A run of plain bytes; a '"' inside a field is one of them.
          // Sixteen at a time up to the block that ends it, then one by one.
          size_t end = pos_ + 1;
          const unsigned char delimiter =
              static_cast<unsigned char>(delimiter_);
          while (end + 16 <= n) {
            const Bytes16 v = Load16(p + end);
            if (Any((v == delimiter) | (v == '\r') | (v == '\n'))) break;
            end += 16;
          }
          while (end < n && p[end] != delimiter_ && p[end] != '\r' &&
                 p[end] != '\n') {
            ++end;
          }
          keep(pos_, end);
          pos_ = end;
          started = true;
        }
      }
      if (quoted) {
        error_ = "CSV quoted field opened at " + Location(text_, quote_start) +
                 " is never closed";
        pos_ = n;
        return false;
      }
      // "" counts as blank too.
      const bool blank =
          count == 0 && field.owned < 0 && field.begin == field.end;
      end_field();
      if (!blank) {
        for (const Piece& f : refs_) {
          fields->push_back(f.owned >= 0
                                ? std::string_view(owned_[f.owned])
                                : text_.substr(f.begin, f.end - f.begin));
        }
        return true;
      }
    }
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  // A field: text_[begin, end), or owned_[owned] when owned >= 0.
  struct Piece {
    size_t begin = 0, end = 0;
    int owned = -1;
  };

  std::string_view text_;
  const char delimiter_;
  size_t pos_ = 0;
  std::string error_;
  std::vector<Piece> refs_;          // The current record's fields.
  std::vector<std::string> owned_;  // Their storage where needed.
  size_t owned_used_ = 0;
};

// A column index written in the mapping ("0", "12"), or npos.
size_t ColumnIndex(const std::string& spec) {
  if (spec.empty() || spec.size() > 5 ||
      spec.find_first_not_of("0123456789") != std::string::npos) {
    return std::string::npos;
  }
  return std::stoul(spec);
}

bool ParseMappedCsv(const FeedConfig& feed, std::string_view bytes,
                    ItemSink* sink, std::string* err) {
  CsvReader reader(bytes, feed.mapping.delimiter);
  std::vector<std::string_view> row;
  std::vector<std::pair<Field, size_t>> columns;
  if (feed.mapping.header) {
    if (!reader.Next(kMaxCsvColumns, &row)) {
      if (reader.error().empty()) return true;  // No rows at all.
      *err = FeedPrefix(feed) + reader.error();
      return false;
    }
    const std::vector<std::string_view>& names = row;
    for (const auto& [field, spec] : feed.mapping.fields) {
      // The exact name first, then ignoring case and surrounding spaces.
      size_t index = std::string::npos;
      for (size_t k = 0; k < names.size() && index == std::string::npos; ++k) {
        if (TrimView(names[k]) == spec) index = k;
      }
      for (size_t k = 0; k < names.size() && index == std::string::npos; ++k) {
        if (ToLower(TrimView(names[k])) == ToLower(Trim(spec))) index = k;
      }
      if (index == std::string::npos) index = ColumnIndex(spec);
      if (index == std::string::npos) {
        std::string known;
        for (size_t k = 0; k < names.size() && k < 50; ++k) {
          known += (known.empty() ? "" : ", ") + Trim(names[k]);
        }
        if (names.size() > 50) known += ", ...";
        *err = FeedPrefix(feed) + "CSV header has no column \"" + spec +
               "\" (for \"mapping.fields." + field + "\"); columns: " +
               Truncate(known, 2000);
        return false;
      }
      columns.emplace_back(FieldOf(field), index);
    }
  } else {
    for (const auto& [field, spec] : feed.mapping.fields) {
      size_t index = ColumnIndex(spec);
      if (index == std::string::npos) {
        *err = FeedPrefix(feed) + "\"mapping.fields." + field +
               "\" must be a column index when the CSV has no header";
        return false;
      }
      columns.emplace_back(FieldOf(field), index);
    }
  }
  size_t width = 0;
  for (const auto& column : columns) {
    width = std::max(width, column.second + 1);
  }
  RawItem item;
  while (reader.Next(width, &row)) {
    if (!sink->Count()) continue;
    item.Clear();
    for (const auto& [field, index] : columns) {
      if (index >= row.size()) continue;
      SetMappedField(field, {row[index], false}, &item);
    }
    sink->Add(item);
  }
  if (!reader.error().empty()) {
    *err = FeedPrefix(feed) + reader.error();
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------

std::string CannotTell(const FeedConfig& feed, const std::string& found) {
  return FeedPrefix(feed) +
         "cannot tell the format (expected RSS, Atom or JSON Feed" +
         (found.empty() ? "" : ", found " + found) + "); set \"format\"";
}

bool LooksLikeXml(std::string_view bytes) {
  return HasUtf16Bom(bytes) || StartsWith(SkipBomAndSpace(bytes), "<");
}

bool LooksLikeJson(std::string_view bytes) {
  std::string_view s = SkipBomAndSpace(bytes);
  return StartsWith(s, "{") || StartsWith(s, "[");
}

bool ParseXmlFeed(const FeedConfig& feed, std::string_view bytes,
                  const std::string& format, ItemSink* sink, std::string* err) {
  pugi::xml_document doc;
  std::string root_name;
  if (!LoadXml(feed, bytes, nullptr, /*keep_unknown=*/false, &doc, &root_name,
               err)) {
    return false;
  }
  std::string kind = XmlKind(doc);
  if (format == "auto" && kind.empty()) {
    *err = CannotTell(feed, "<" + root_name + ">");
    return false;
  }
  if (format != "auto" && kind != format) {
    *err = FeedPrefix(feed) +
           (format == "rss" ? "expected an RSS document (<rss> root)"
                            : "expected an Atom document (<feed> root)") +
           ", found <" + root_name + ">";
    return false;
  }
  if (kind == "rss") {
    ReadRss(doc, sink);
  } else {
    ReadAtom(doc, sink);
  }
  return true;
}

bool ParseJsonFeed(const FeedConfig& feed, std::string_view bytes,
                   const std::string& format, ItemSink* sink,
                   std::string* err) {
  dom::parser parser;
  dom::element json;
  if (std::string e = LoadJson(bytes, &parser, &json); !e.empty()) {
    *err = FeedPrefix(feed) + e;
    return false;
  }
  if (!IsJsonFeed(json)) {
    if (format == "auto") {
      *err = CannotTell(feed, "JSON that is not a JSON Feed");
    } else {
      *err = FeedPrefix(feed) +
             "expected a JSON Feed document (an object with \"version\" "
             "and \"items\")";
    }
    return false;
  }
  ReadJsonFeed(json, sink);
  return true;
}

bool ParseFeedUnguarded(const FeedConfig& feed, std::string_view bytes,
                        std::vector<Link>* links, FeedStats* stats,
                        std::string* err) {
  static const std::set<std::string> kFormats = {
      "auto", "rss", "atom", "jsonfeed", "xml", "json", "csv"};
  const std::string& format = feed.format;
  if (!kFormats.count(format)) {
    *err = FeedPrefix(feed) + "unknown format \"" + format +
           "\" (expected auto, rss, atom, jsonfeed, xml, json or csv)";
    return false;
  }
  if (SkipBomAndSpace(bytes).empty() && !HasUtf16Bom(bytes)) {
    *err = FeedPrefix(feed) + "document is empty";
    return false;
  }
  if (static_cast<int64_t>(bytes.size()) > feed.max_bytes) {
    *err = FeedPrefix(feed) + "document is " + std::to_string(bytes.size()) +
           " bytes, more than max_bytes (" + std::to_string(feed.max_bytes) +
           "); raise \"max_bytes\"" +
           (feed.file.empty() ? "" : " in " + feed.file) +
           " if that is expected";
    return false;
  }
  ItemSink sink(feed, links, stats);
  if (format == "xml") return ParseMappedXml(feed, bytes, &sink, err);
  if (format == "json") return ParseMappedJson(feed, bytes, &sink, err);
  if (format == "csv") return ParseMappedCsv(feed, bytes, &sink, err);
  if (format == "rss" || format == "atom") {
    return ParseXmlFeed(feed, bytes, format, &sink, err);
  }
  if (format == "jsonfeed") {
    return ParseJsonFeed(feed, bytes, format, &sink, err);
  }
  // auto
  if (LooksLikeXml(bytes)) return ParseXmlFeed(feed, bytes, format, &sink, err);
  if (LooksLikeJson(bytes)) {
    return ParseJsonFeed(feed, bytes, format, &sink, err);
  }
  *err = CannotTell(feed, "");
  return false;
}

}  // namespace

std::string SniffFormat(std::string_view bytes) {
  try {
    if (LooksLikeJson(bytes)) {
      dom::parser parser;
      dom::element json;
      return LoadJson(bytes, &parser, &json).empty() && IsJsonFeed(json)
                 ? "jsonfeed"
                 : "";
    }
    if (LooksLikeXml(bytes)) {
      pugi::xml_document doc;
      pugi::xml_parse_result result = doc.load_buffer(
          bytes.data(), bytes.size(), pugi::parse_default, pugi::encoding_auto);
      if (!result || !RenameNamespaces(&doc, bytes, result, FeedNamespaces(doc),
                                       /*keep_unknown=*/false)) {
        return "";
      }
      return XmlKind(doc);
    }
  } catch (const std::exception&) {
  }
  return "";
}

bool ParseFeed(const FeedConfig& feed, std::string_view bytes,
               std::vector<Link>* links, FeedStats* stats, std::string* err) {
  const size_t links_before = links->size();
  const int items_before = stats->items;
  err->clear();
  bool ok = false;
  try {
    ok = ParseFeedUnguarded(feed, bytes, links, stats, err);
  } catch (const std::exception& e) {
    *err = FeedPrefix(feed) + "cannot be read: " + e.what();
  }
  if (!ok) {
    links->resize(links_before);  // All or nothing.
    return false;
  }
  const int items = stats->items - items_before;
  if (items > kMaxItemsPerFeed) {
    stats->ignored_items += items - kMaxItemsPerFeed;
  }
  return true;
}

}  // namespace linkpage
