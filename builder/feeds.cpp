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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text.h"
#include "url.h"

namespace linkpage {
namespace {

using Json = nlohmann::json;

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

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
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

struct Text {
  std::string text;
  bool html = false;
};

struct RawItem {
  std::vector<Text> titles;
  std::vector<std::string> urls;  // The first non-empty one is used.
  std::vector<Text> descriptions;
  std::vector<std::string> images;  // The first placeable one is used.
  std::string display_host;
  std::string price;
  std::string currency;
  std::string advertiser;
  std::vector<std::string> categories;
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

  void Add(const RawItem& raw) {
    std::string url;
    for (const std::string& candidate : raw.urls) {
      url = Trim(candidate);
      if (!url.empty()) break;
    }
    if (!IsPlaceableUrl(url)) {
      ++stats_->dropped_urls;
      return;
    }
    std::string title = FirstClean(raw.titles, kMaxTitleBytes);
    if (title.empty()) {
      ++stats_->dropped_untitled;
      return;
    }
    Link link;
    link.feed = feed_.name;
    link.title = std::move(title);
    link.url = std::move(url);
    link.description = FirstClean(raw.descriptions, kMaxDescriptionBytes);
    std::string host = ToLower(CleanText(raw.display_host, 253));
    link.display_host = host.empty() ? DisplayHost(link.url) : host;
    for (const std::string& candidate : raw.images) {
      std::string image = Trim(candidate);
      if (IsPlaceableUrl(image)) {
        link.image = std::move(image);
        break;
      }
    }
    link.price = CleanText(raw.price, kMaxShortFieldBytes);
    link.currency = CleanText(raw.currency, kMaxShortFieldBytes);
    if (link.currency.empty()) SplitPrice(&link.price, &link.currency);
    link.advertiser = CleanText(raw.advertiser, kMaxShortFieldBytes);
    std::set<std::string> seen;
    for (const std::string& c : raw.categories) {
      if (link.categories.size() >= kMaxCategories) break;
      std::string clean = CleanText(c, kMaxCategoryBytes);
      if (!clean.empty() && seen.insert(clean).second) {
        link.categories.push_back(std::move(clean));
      }
    }
    links_->push_back(std::move(link));
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

// The text directly inside "node" (text and CDATA children), for values
// such as URLs.
std::string DirectText(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      out += child.value();
    }
  }
  return out;
}

// The content of a field element. If it holds elements, its content is
// serialised back to markup and marked as HTML.
Text FieldText(pugi::xml_node node, bool html) {
  Text t;
  t.html = html;
  bool has_elements = false;
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_element) has_elements = true;
  }
  if (!has_elements) {
    t.text = DirectText(node);
    return t;
  }
  StringWriter writer;
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      AppendEscaped(child.value(), &writer.out);
    } else if (child.type() == pugi::node_element) {
      child.print(writer, "", pugi::format_raw);
    }
  }
  if (!html) {
    // The printed markup escapes text, so decoding once more is right.
    t.html = true;
  }
  t.text = std::move(writer.out);
  return t;
}

// An Atom text construct (title, summary, content).
bool AtomText(pugi::xml_node node, Text* out) {
  std::string type = ToLower(Trim(node.attribute("type").value()));
  if (!node.attribute("src").empty()) return false;  // Out-of-line content.
  if (type.empty() || type == "text") {
    *out = FieldText(node, false);
  } else if (type == "html") {
    *out = FieldText(node, true);
  } else if (type == "xhtml") {
    *out = FieldText(node, true);
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
class NamespaceRenamer : public pugi::xml_tree_walker {
 public:
  NamespaceRenamer(const std::map<std::string, std::string>& uri_to_prefix,
                   bool keep_unknown)
      : uri_to_prefix_(uri_to_prefix), keep_unknown_(keep_unknown) {
    for (const auto& [uri, prefix] : uri_to_prefix_) prefixes_.insert(prefix);
  }

  bool for_each(pugi::xml_node& node) override {
    if (node.type() != pugi::node_element) return true;
    const int d = depth();
    while (!scope_.empty() && scope_.back().first >= d) {
      bindings_[scope_.back().second].pop_back();
      scope_.pop_back();
    }
    for (pugi::xml_attribute a : node.attributes()) {
      std::string_view name = a.name();
      if (name == "xmlns" || StartsWith(name, "xmlns:")) {
        std::string prefix(name.size() > 5 ? name.substr(6) : "");
        bindings_[prefix].push_back(a.value());
        scope_.emplace_back(d, std::move(prefix));
      }
    }
    std::string renamed;
    if (Rename(node.name(), true, &renamed)) node.set_name(renamed.c_str());
    for (pugi::xml_attribute a : node.attributes()) {
      std::string_view name = a.name();
      if (name == "xmlns" || StartsWith(name, "xmlns:") ||
          name.find(':') == std::string_view::npos) {
        continue;  // Unprefixed attributes are in no namespace.
      }
      if (Rename(name, false, &renamed)) a.set_name(renamed.c_str());
    }
    return true;
  }

 private:
  const std::string* Lookup(std::string_view prefix) const {
    auto it = bindings_.find(std::string(prefix));
    if (it == bindings_.end() || it->second.empty()) return nullptr;
    return &it->second.back();
  }

  bool Rename(std::string_view qname, bool is_element, std::string* out) {
    size_t colon = qname.find(':');
    std::string_view prefix =
        colon == std::string_view::npos ? "" : qname.substr(0, colon);
    std::string_view local =
        colon == std::string_view::npos ? qname : qname.substr(colon + 1);
    if (prefix.empty() && !is_element) return false;
    const std::string* uri = Lookup(prefix);
    if (!uri || uri->empty()) return false;  // Undeclared or no namespace.
    auto it = uri_to_prefix_.find(*uri);
    if (it != uri_to_prefix_.end()) {
      *out = it->second.empty() ? std::string(local)
                                : it->second + ":" + std::string(local);
    } else if (!keep_unknown_) {
      *out = "?:" + std::string(local);
    } else if (prefixes_.count(std::string(prefix))) {
      *out = "_" + std::string(prefix) + ":" + std::string(local);
    } else {
      return false;
    }
    return *out != qname;
  }

  const std::map<std::string, std::string>& uri_to_prefix_;
  const bool keep_unknown_;
  std::set<std::string> prefixes_;
  // Declarations in scope: (depth, prefix) in document order, and for each
  // prefix its URIs, innermost last. Lookups stay cheap however deep.
  std::vector<std::pair<int, std::string>> scope_;
  std::map<std::string, std::vector<std::string>> bindings_;
};

const std::map<std::string, std::string>& KnownNamespaces() {
  static const auto* known = new std::map<std::string, std::string>{
      {kAtomNs, "atom"},       {kGoogleNs, "g"}, {kMediaNs, "media"},
      {kRdfNs, "rdf"},         {kRss1Ns, ""},    {kRss2UserlandNs, ""},
      {kContentNs, "content"}, {kDcNs, "dc"},    {kXhtmlNs, ""}};
  return *known;
}

// True when elements nest deeper than kMaxXmlDepth. pugixml parses and
// walks without recursion, but no feed nests that deep, and later readers
// (XPath from the mapping, serialising mixed content) need not be trusted
// with it.
bool TooDeep(pugi::xml_document* doc) {
  struct Probe : pugi::xml_tree_walker {
    bool too_deep = false;
    bool for_each(pugi::xml_node& node) override {
      if (node.type() == pugi::node_element && depth() >= kMaxXmlDepth) {
        too_deep = true;
        return false;
      }
      return true;
    }
  } probe;
  doc->traverse(probe);
  return probe.too_deep;
}

// Parses XML; DOCTYPEs are skipped and pugixml never expands external or
// user-defined entities, so entity tricks cannot blow up or reach out.
bool LoadXml(const FeedConfig& feed, std::string_view bytes,
             pugi::xml_document* doc, std::string* root_name,
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
  if (TooDeep(doc)) {
    doc->reset();
    *err = FeedPrefix(feed) + "XML elements nested deeper than " +
           std::to_string(kMaxXmlDepth) + " levels; refusing to read it";
    return false;
  }
  *root_name = doc->document_element().name();
  return true;
}

void RenameNamespaces(pugi::xml_document* doc,
                      const std::map<std::string, std::string>& uri_to_prefix,
                      bool keep_unknown) {
  NamespaceRenamer renamer(uri_to_prefix, keep_unknown);
  doc->traverse(renamer);
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
  std::string g_link;
  std::vector<Text> g_titles;
  std::vector<Text> g_descriptions;
  std::vector<std::string> g_categories;
  std::vector<std::string> images;
};

bool IsImageType(std::string_view type) {
  return StartsWith(ToLower(Trim(type)), "image/");
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
bool ReadExtension(pugi::xml_node child, RawItem* item, Extensions* ext) {
  std::string_view name = child.name();
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
    if (ext->g_link.empty()) ext->g_link = DirectText(child);
  } else if (name == "image_link") {
    ext->images.insert(ext->images.begin(), DirectText(child));
  } else if (name == "price") {
    if (item->price.empty()) item->price = DirectText(child);
  } else if (name == "brand") {
    if (item->advertiser.empty()) item->advertiser = DirectText(child);
  } else if (name == "title") {
    ext->g_titles.push_back(FieldText(child, false));
  } else if (name == "description") {
    ext->g_descriptions.push_back(FieldText(child, false));
  } else if (name == "product_type" || name == "google_product_category") {
    ext->g_categories.push_back(DirectText(child));
  }
  return true;
}

// Appends the extension candidates after the item's own.
void MergeExtensions(Extensions&& ext, RawItem* item) {
  for (auto& t : ext.g_titles) item->titles.push_back(std::move(t));
  for (auto& t : ext.g_descriptions) {
    item->descriptions.push_back(std::move(t));
  }
  for (auto& c : ext.g_categories) item->categories.push_back(std::move(c));
  for (auto& i : ext.images) item->images.push_back(std::move(i));
}

void ReadRssItem(pugi::xml_node node, ItemSink* sink) {
  if (!sink->Count()) return;
  RawItem item;
  Extensions ext;
  std::string link, guid;
  std::vector<Text> descriptions, contents;
  std::vector<std::string> enclosure_images;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = child.name();
    if (ReadExtension(child, &item, &ext)) continue;
    if (name == "title") {
      item.titles.push_back(FieldText(child, false));
    } else if (name == "link") {
      if (link.empty()) link = Trim(DirectText(child));
    } else if (name == "guid") {
      std::string perma = ToLower(Trim(child.attribute("isPermaLink").value()));
      std::string value = Trim(DirectText(child));
      if (guid.empty() && perma != "false" && IsPlaceableUrl(value)) {
        guid = value;
      }
    } else if (name == "description") {
      descriptions.push_back(FieldText(child, true));
    } else if (name == "content:encoded") {
      contents.push_back(FieldText(child, true));
    } else if (name == "category" || name == "dc:subject") {
      item.categories.push_back(DirectText(child));
    } else if (name == "enclosure") {
      if (IsImageType(child.attribute("type").value())) {
        enclosure_images.push_back(child.attribute("url").value());
      }
    }
  }
  // Link order: <link>, then g:link, then a permalink <guid>. A present but
  // unusable <link> is not replaced: the item is dropped and counted.
  item.urls = {link, ext.g_link, guid};
  for (auto& d : descriptions) item.descriptions.push_back(std::move(d));
  for (auto& c : contents) item.descriptions.push_back(std::move(c));
  MergeExtensions(std::move(ext), &item);
  for (auto& i : enclosure_images) item.images.push_back(std::move(i));
  sink->Add(item);
}

void ReadRss(const pugi::xml_document& doc, ItemSink* sink) {
  pugi::xml_node root = doc.document_element();
  for (pugi::xml_node channel : root.children("channel")) {
    for (pugi::xml_node item : channel.children("item")) {
      ReadRssItem(item, sink);
    }
  }
  // RSS 1.0 puts items beside the channel; some RSS 0.9x feeds do too.
  for (pugi::xml_node item : root.children("item")) ReadRssItem(item, sink);
}

void ReadAtomEntry(pugi::xml_node node, const std::string& p, ItemSink* sink) {
  if (!sink->Count()) return;
  RawItem item;
  Extensions ext;
  std::vector<std::string> alternates, enclosure_images;
  std::vector<Text> summaries, contents;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    if (ReadExtension(child, &item, &ext)) continue;
    std::string_view name = child.name();
    if (!StartsWith(name, p)) continue;
    name.remove_prefix(p.size());
    Text text;
    if (name == "title") {
      if (AtomText(child, &text)) item.titles.push_back(std::move(text));
    } else if (name == "link") {
      std::string rel = Trim(child.attribute("rel").value());
      std::string href = child.attribute("href").value();
      if (rel.empty() || rel == "alternate") {
        alternates.push_back(href);
      } else if (rel == "enclosure" &&
                 IsImageType(child.attribute("type").value())) {
        enclosure_images.push_back(href);
      }
    } else if (name == "summary") {
      if (AtomText(child, &text)) summaries.push_back(std::move(text));
    } else if (name == "content") {
      if (AtomText(child, &text)) contents.push_back(std::move(text));
    } else if (name == "category") {
      std::string term = child.attribute("term").value();
      item.categories.push_back(
          Trim(term).empty() ? child.attribute("label").value() : term);
    }
  }
  // The first alternate link (rel absent or "alternate"), never rel="self"
  // or an enclosure; then g:link.
  item.urls.push_back(alternates.empty() ? "" : alternates.front());
  item.urls.push_back(ext.g_link);
  for (auto& s : summaries) item.descriptions.push_back(std::move(s));
  for (auto& c : contents) item.descriptions.push_back(std::move(c));
  MergeExtensions(std::move(ext), &item);
  for (auto& i : enclosure_images) item.images.push_back(std::move(i));
  sink->Add(item);
}

void ReadAtom(const pugi::xml_document& doc, ItemSink* sink) {
  pugi::xml_node root = doc.document_element();
  const std::string p =
      std::string_view(root.name()) == "atom:feed" ? "atom:" : "";
  const std::string entry_name = p + "entry";
  for (pugi::xml_node entry : root.children(entry_name.c_str())) {
    ReadAtomEntry(entry, p, sink);
  }
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

bool LoadJson(const FeedConfig& feed, std::string_view bytes, Json* json,
              std::string* err) {
  if (JsonDepth(bytes) > kMaxJsonDepth) {
    *err = FeedPrefix(feed) + "JSON nested deeper than " +
           std::to_string(kMaxJsonDepth) + " levels; refusing to parse it";
    return false;
  }
  // Invalid UTF-8 in a string would fail the whole parse; U+FFFD instead.
  std::string text = FixUtf8(bytes);
  FixJsonSurrogates(&text);
  try {
    *json = Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string detail = e.what();
    size_t col = detail.find("column ");
    size_t sep = col == std::string::npos ? col : detail.find(": ", col);
    detail = sep == std::string::npos ? "" : ": " + detail.substr(sep + 2);
    *err = FeedPrefix(feed) + "JSON syntax error at " +
           Location(text, e.byte > 0 ? e.byte - 1 : 0) + detail;
    return false;
  }
  return true;
}

std::string JsonString(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool IsJsonFeed(const Json& json) {
  if (!json.is_object()) return false;
  std::string version = JsonString(json, "version");
  if (version.find("jsonfeed.org") != std::string::npos) return true;
  auto items = json.find("items");
  return items != json.end() && items->is_array();
}

void ReadJsonFeed(const Json& json, ItemSink* sink) {
  auto items = json.find("items");
  if (items == json.end() || !items->is_array()) return;
  for (const Json& obj : *items) {
    if (!sink->Count()) continue;
    RawItem item;
    if (!obj.is_object()) {
      sink->Add(item);  // Counted as an item without a usable URL.
      continue;
    }
    item.titles.push_back({JsonString(obj, "title"), false});
    item.urls = {JsonString(obj, "url"), JsonString(obj, "external_url")};
    item.descriptions.push_back({JsonString(obj, "summary"), false});
    item.descriptions.push_back({JsonString(obj, "content_text"), false});
    item.descriptions.push_back({JsonString(obj, "content_html"), true});
    item.images = {JsonString(obj, "image"), JsonString(obj, "banner_image")};
    if (auto tags = obj.find("tags"); tags != obj.end() && tags->is_array()) {
      for (const Json& tag : *tags) {
        if (tag.is_string()) item.categories.push_back(tag.get<std::string>());
      }
    }
    // JSON Feed 1.1 "authors", 1.0 "author".
    if (auto a = obj.find("authors"); a != obj.end() && a->is_array() &&
                                      !a->empty() && a->front().is_object()) {
      item.advertiser = JsonString(a->front(), "name");
    } else if (auto a1 = obj.find("author");
               a1 != obj.end() && a1->is_object()) {
      item.advertiser = JsonString(*a1, "name");
    }
    sink->Add(item);
  }
}

// ---------------------------------------------------------------------------
// Mapped formats: every field is plain text (see the top of this file).

void SetMappedField(const std::string& field, std::vector<Text> values,
                    RawItem* item) {
  if (field == "categories") {
    for (Text& v : values) item->categories.push_back(std::move(v.text));
    return;
  }
  if (values.empty()) return;
  Text& v = values.front();
  if (field == "title") {
    item->titles.push_back(std::move(v));
  } else if (field == "url") {
    item->urls.push_back(std::move(v.text));
  } else if (field == "description") {
    item->descriptions.push_back(std::move(v));
  } else if (field == "display_host") {
    item->display_host = std::move(v.text);
  } else if (field == "image") {
    item->images.push_back(std::move(v.text));
  } else if (field == "price") {
    item->price = std::move(v.text);
  } else if (field == "currency") {
    item->currency = std::move(v.text);
  } else if (field == "advertiser") {
    item->advertiser = std::move(v.text);
  }
}

bool ParseMappedXml(const FeedConfig& feed, std::string_view bytes,
                    ItemSink* sink, std::string* err) {
  pugi::xml_document doc;
  std::string root_name;
  if (!LoadXml(feed, bytes, &doc, &root_name, err)) return false;
  std::map<std::string, std::string> uri_to_prefix;
  for (const auto& [prefix, uri] : feed.mapping.namespaces) {
    uri_to_prefix[uri] = prefix;
  }
  RenameNamespaces(&doc, uri_to_prefix, /*keep_unknown=*/true);

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
  std::vector<std::pair<std::string, std::unique_ptr<pugi::xpath_query>>>
      fields;
  for (const auto& [field, expr] : feed.mapping.fields) {
    std::unique_ptr<pugi::xpath_query> q;
    if (!compile("fields." + field, expr, &q)) return false;
    fields.emplace_back(field, std::move(q));
  }

  pugi::xpath_node_set items = items_query->evaluate_node_set(doc);
  for (const pugi::xpath_node& item_node : items) {
    if (!sink->Count()) continue;
    RawItem item;
    pugi::xml_node context =
        item_node.node() ? item_node.node() : item_node.parent();
    for (const auto& [field, q] : fields) {
      std::vector<Text> values;
      if (q->return_type() == pugi::xpath_type_node_set) {
        pugi::xpath_node_set found = q->evaluate_node_set(context);
        found.sort();
        for (const pugi::xpath_node& n : found) {
          if (n.attribute()) {
            values.push_back({n.attribute().value(), false});
          } else if (n.node().type() == pugi::node_element) {
            values.push_back(FieldText(n.node(), false));
          } else {
            values.push_back({n.node().value(), false});
          }
          if (field != "categories") break;
        }
      } else {
        values.push_back({q->evaluate_string(context), false});
      }
      SetMappedField(field, std::move(values), &item);
    }
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

const Json* Resolve(const Json& json, const Json::json_pointer& ptr) {
  try {
    if (!json.contains(ptr)) return nullptr;
    return &json.at(ptr);
  } catch (const Json::exception&) {
    return nullptr;
  }
}

bool ScalarText(const Json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
  } else if (v.is_number() || v.is_boolean()) {
    *out = v.dump();
  } else {
    return false;
  }
  return true;
}

bool ParseMappedJson(const FeedConfig& feed, std::string_view bytes,
                     ItemSink* sink, std::string* err) {
  Json json;
  if (!LoadJson(feed, bytes, &json, err)) return false;
  Json::json_pointer items_ptr;
  if (!MakePointer(feed.mapping.items, &items_ptr)) {
    *err = FeedPrefix(feed) + "\"mapping.items\" is not a valid JSON " +
           "pointer (\"" + feed.mapping.items + "\")";
    return false;
  }
  std::vector<std::pair<std::string, Json::json_pointer>> fields;
  for (const auto& [field, text] : feed.mapping.fields) {
    Json::json_pointer ptr;
    if (!MakePointer(text, &ptr)) {
      *err = FeedPrefix(feed) + "\"mapping.fields." + field +
             "\" is not a valid JSON pointer (\"" + text + "\")";
      return false;
    }
    fields.emplace_back(field, ptr);
  }
  const Json* items = Resolve(json, items_ptr);
  if (!items) return true;  // Nothing there: zero links.
  if (!items->is_array()) {
    *err = FeedPrefix(feed) + "\"mapping.items\" (\"" + feed.mapping.items +
           "\") does not point at an array";
    return false;
  }
  for (const Json& obj : *items) {
    if (!sink->Count()) continue;
    RawItem item;
    for (const auto& [field, ptr] : fields) {
      const Json* v = Resolve(obj, ptr);
      if (!v) continue;
      std::vector<Text> values;
      std::string s;
      if (v->is_array()) {
        for (const Json& e : *v) {
          if (ScalarText(e, &s)) values.push_back({s, false});
        }
      } else if (ScalarText(*v, &s)) {
        values.push_back({s, false});
      }
      SetMappedField(field, std::move(values), &item);
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
  // kept (later ones are skipped). Returns false at the end of the text,
  // or when a quoted field is never closed (then "error()" says where).
  bool Next(size_t max_fields, std::vector<std::string>* fields) {
    const size_t n = text_.size();
    while (pos_ < n) {
      fields->clear();
      std::string field;
      bool quoted = false, started = false;
      size_t count = 0, quote_start = 0;
      auto end_field = [&] {
        if (count < max_fields) fields->push_back(std::move(field));
        field.clear();
        ++count;
        started = false;
      };
      auto keep = [&](char c) {
        if (count < max_fields) field.push_back(c);
      };
      bool row_done = false;
      while (pos_ < n && !row_done) {
        char c = text_[pos_++];
        if (quoted) {
          if (c != '"') {
            keep(c);
          } else if (pos_ < n && text_[pos_] == '"') {
            keep('"');
            ++pos_;
          } else {
            quoted = false;
          }
        } else if (c == '"' && !started) {
          quoted = started = true;
          quote_start = pos_ - 1;
        } else if (c == delimiter_) {
          end_field();
        } else if (c == '\r' || c == '\n') {
          if (c == '\r' && pos_ < n && text_[pos_] == '\n') ++pos_;
          row_done = true;
        } else {
          keep(c);
          started = true;
        }
      }
      if (quoted) {
        error_ = "CSV quoted field opened at " + Location(text_, quote_start) +
                 " is never closed";
        pos_ = n;
        return false;
      }
      const bool blank = count == 0 && field.empty();  // "" counts too.
      end_field();
      if (!blank) return true;
    }
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  std::string_view text_;
  const char delimiter_;
  size_t pos_ = 0;
  std::string error_;
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
  std::vector<std::string> row;
  std::vector<std::pair<std::string, size_t>> columns;
  if (feed.mapping.header) {
    if (!reader.Next(kMaxCsvColumns, &row)) {
      if (reader.error().empty()) return true;  // No rows at all.
      *err = FeedPrefix(feed) + reader.error();
      return false;
    }
    const std::vector<std::string>& names = row;
    for (const auto& [field, spec] : feed.mapping.fields) {
      // The exact name first, then ignoring case and surrounding spaces.
      size_t index = std::string::npos;
      for (size_t k = 0; k < names.size() && index == std::string::npos; ++k) {
        if (Trim(names[k]) == spec) index = k;
      }
      for (size_t k = 0; k < names.size() && index == std::string::npos; ++k) {
        if (ToLower(Trim(names[k])) == ToLower(Trim(spec))) index = k;
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
      columns.emplace_back(field, index);
    }
  } else {
    for (const auto& [field, spec] : feed.mapping.fields) {
      size_t index = ColumnIndex(spec);
      if (index == std::string::npos) {
        *err = FeedPrefix(feed) + "\"mapping.fields." + field +
               "\" must be a column index when the CSV has no header";
        return false;
      }
      columns.emplace_back(field, index);
    }
  }
  size_t width = 0;
  for (const auto& column : columns) {
    width = std::max(width, column.second + 1);
  }
  while (reader.Next(width, &row)) {
    if (!sink->Count()) continue;
    RawItem item;
    for (const auto& [field, index] : columns) {
      if (index >= row.size()) continue;
      SetMappedField(field, {{row[index], false}}, &item);
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
  if (!LoadXml(feed, bytes, &doc, &root_name, err)) return false;
  RenameNamespaces(&doc, KnownNamespaces(), /*keep_unknown=*/false);
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
  Json json;
  if (!LoadJson(feed, bytes, &json, err)) return false;
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
      if (JsonDepth(bytes) > kMaxJsonDepth) return "";
      std::string text = FixUtf8(bytes);
      FixJsonSurrogates(&text);
      Json json = Json::parse(text, nullptr, false);
      return IsJsonFeed(json) ? "jsonfeed" : "";
    }
    if (LooksLikeXml(bytes)) {
      pugi::xml_document doc;
      if (!doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_default,
                           pugi::encoding_auto) ||
          TooDeep(&doc)) {
        return "";
      }
      RenameNamespaces(&doc, KnownNamespaces(), /*keep_unknown=*/false);
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
