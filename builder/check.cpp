#include "check.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace linkpage {

namespace {

// The rules compare text with whitespace collapsed: leading and trailing
// whitespace dropped, each inner run of ' ', '\t', '\n' and '\r' read as
// one space.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Appends "s" to "*out" collapsed, "*space" carrying a pending run of
// whitespace from one call to the next.
void CollapseTo(std::string_view s, bool* space, std::string* out) {
  size_t i = 0;
  while (i < s.size()) {
    if (IsSpace(s[i])) {
      *space = !out->empty();
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (*space) out->push_back(' ');
    *space = false;
    out->append(s, start, i - start);
  }
}

std::string Collapse(std::string_view s) {
  // Most texts (site.json fields) are collapsed already.
  bool collapsed = s.empty() || (s.front() != ' ' && s.back() != ' ');
  for (size_t i = 0; collapsed && i < s.size(); ++i) {
    collapsed = s[i] == ' ' ? s[i + 1] != ' ' : !IsSpace(s[i]);
  }
  if (collapsed) return std::string(s);
  std::string out;
  bool space = false;
  CollapseTo(s, &space, &out);
  return out;
}

bool IsText(const pugi::xml_node& n) {
  pugi::xml_node_type t = n.type();
  return t == pugi::node_pcdata || t == pugi::node_cdata;
}

// Calls "f(node)" for every node below "n" in document order, without
// recursion (an article may nest blocks deeper than the stack allows);
// stops when "f" returns false.
template <typename F>
void ForEachDescendant(const pugi::xml_node& n, F f) {
  pugi::xml_node c = n.first_child();
  while (c) {
    if (!f(c)) return;
    if (c.type() == pugi::node_element && c.first_child()) {
      c = c.first_child();
      continue;
    }
    while (c && !c.next_sibling() && c != n) c = c.parent();
    if (!c || c == n) break;
    c = c.next_sibling();
  }
}

// Calls "f(value)" for each text node below "n" in document order, until
// "f" returns false.
template <typename F>
void ForEachText(const pugi::xml_node& n, F f) {
  ForEachDescendant(n, [&](const pugi::xml_node& c) {
    return !IsText(c) || f(std::string_view(c.value()));
  });
}

// The text below "n", collapsed.
std::string Text(const pugi::xml_node& n) {
  std::string out;
  bool space = false;
  ForEachText(n, [&](std::string_view s) {
    CollapseTo(s, &space, &out);
    return true;
  });
  return out;
}

// Text(n) == want, for a collapsed "want", without building Text(n): stops
// at the first byte that differs.
bool TextEquals(const pugi::xml_node& n, std::string_view want) {
  size_t at = 0;
  bool started = false, space = false, equal = true;
  ForEachText(n, [&](std::string_view s) {
    for (char c : s) {
      if (IsSpace(c)) {
        space = started;
        continue;
      }
      if (space) {
        if (at >= want.size() || want[at] != ' ') return equal = false;
        ++at;
        space = false;
      }
      if (at >= want.size() || want[at] != c) return equal = false;
      ++at;
      started = true;
    }
    return true;
  });
  return equal && at == want.size();
}

// Whether "n" has a text child of its own that is not all whitespace.
bool HasOwnText(const pugi::xml_node& n) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_pcdata) continue;
    for (const char* p = c.value(); *p; ++p) {
      if (!IsSpace(*p)) return true;
    }
  }
  return false;
}

bool HasWord(std::string_view list, std::string_view word) {
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && list[i] == ' ') ++i;
    size_t start = i;
    while (i < list.size() && list[i] != ' ') ++i;
    if (list.substr(start, i - start) == word) return true;
  }
  return false;
}

std::string Rule(const char* rule, const std::string& what) {
  return std::string("rule \"") + rule + "\": " + what;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsPrivacyHref(std::string_view href, std::string_view base_url) {
  constexpr std::string_view kPath = "/privacy-policy/";
  return href == kPath || href == "../privacy-policy/" ||
         href == "privacy-policy/" ||
         (href.size() == base_url.size() + kPath.size() &&
          StartsWith(href, base_url) &&
          href.substr(base_url.size()) == kPath);
}

// The element names the rules look at.
enum class Tag { kOther, kA, kArticle, kFooter, kH1, kHeader, kImg };

// Equal to std::strcmp(s, lit) == 0, inline: names are short, and this runs
// for every element.
bool Is(const char* s, const char* lit) {
  while (*lit && *s == *lit) ++s, ++lit;
  return *s == *lit;
}

Tag TagOf(const pugi::xml_node& n) {
  const char* name = n.name();
  switch (name[0]) {
    case 'a':
      return name[1] == '\0'        ? Tag::kA
             : Is(name, "article") ? Tag::kArticle
                                   : Tag::kOther;
    case 'f':
      return Is(name, "footer") ? Tag::kFooter : Tag::kOther;
    case 'h':
      return Is(name, "h1")       ? Tag::kH1
             : Is(name, "header") ? Tag::kHeader
                                  : Tag::kOther;
    case 'i':
      return Is(name, "img") ? Tag::kImg : Tag::kOther;
    default:
      return Tag::kOther;
  }
}

// What one walk over the elements of a page finds. Element positions are
// indexes in document order.
struct Scan {
  // Inputs: the topic page's texts (collapsed), or nullptr for the other
  // pages, which need only the first <h1> and <footer>.
  const PageSettings* topic = nullptr;
  std::string disclosure_text;
  std::string closing_text;
  std::string_view base_url;

  pugi::xml_node h1;
  pugi::xml_node footer;
  int disclosure = -1, first_link = -1, last_link = -1, closing = -1,
      image = -1, article = -1;
  // The first link that leaves the site without rel="sponsored" (outside
  // <article>, <header> and <footer>); empty when there is none.
  pugi::xml_node unsponsored;
  // The hrefs of the sponsored links, pointing into the document.
  std::vector<std::string_view> hrefs;
};

// Rules on one element, "i" its position, "shielded" whether an ancestor
// is an <article>, <header> or <footer>, "after_article" whether it follows
// the first <article> and all that <article> holds.
void VisitTopic(const pugi::xml_node& n, Tag tag, int i, bool shielded,
                bool after_article, Scan* s) {
  // Only elements with text of their own can be the disclosure or the
  // closing line; skipping the rest keeps this linear.
  const bool want_disclosure = s->disclosure < 0 && !s->disclosure_text.empty();
  const bool want_closing =
      after_article && s->closing < 0 && !s->closing_text.empty();
  if ((want_disclosure || want_closing) && HasOwnText(n)) {
    if (want_disclosure && TextEquals(n, s->disclosure_text)) {
      s->disclosure = i;
    }
    if (want_closing && TextEquals(n, s->closing_text)) s->closing = i;
  }
  if (s->article < 0 && tag == Tag::kArticle) s->article = i;
  if (tag == Tag::kA && !shielded) {
    if (pugi::xml_attribute href_attr = n.attribute("href")) {
      std::string_view href = href_attr.value();
      bool sponsored = HasWord(n.attribute("rel").value(), "sponsored");
      bool external = (StartsWithNoCase(href, "http://") ||
                       StartsWithNoCase(href, "https://")) &&
                      !(StartsWith(href, s->base_url) &&
                        href.size() > s->base_url.size() &&
                        href[s->base_url.size()] == '/') &&
                      href != s->base_url;
      if (external || sponsored) {
        if (!sponsored) {
          if (!s->unsponsored) s->unsponsored = n;
        } else {
          if (s->first_link < 0) s->first_link = i;
          s->last_link = i;
          s->hrefs.push_back(href);
        }
      }
    }
  }
  if (s->closing >= 0 && s->image < 0 && tag == Tag::kImg &&
      *n.attribute("alt").value() != '\0') {
    s->image = i;
  }
}

// Links below these elements are the owner's own.
bool Shields(Tag tag) {
  return tag == Tag::kArticle || tag == Tag::kHeader || tag == Tag::kFooter;
}

// Walks every element of "doc" once, in document order, without recursion.
void ScanPage(const pugi::xml_document& doc, Scan* s) {
  int i = -1;
  int shields = 0;  // Open elements that shield links (see Shields).
  pugi::xml_node article;
  bool after_article = false;
  pugi::xml_node n = doc.first_child();
  while (n) {
    const bool element = n.type() == pugi::node_element;
    Tag tag = Tag::kOther;
    if (element) {
      ++i;
      tag = TagOf(n);
      if (tag == Tag::kH1 && !s->h1) s->h1 = n;
      if (tag == Tag::kFooter && !s->footer) s->footer = n;
      if (s->topic) {
        VisitTopic(n, tag, i, shields > 0, after_article, s);
        if (s->article == i) article = n;
      }
    }
    pugi::xml_node child = element ? n.first_child() : pugi::xml_node();
    if (child) {
      shields += Shields(tag);
      n = child;
      continue;
    }
    // Leave "n" and each ancestor that has no next sibling.
    for (;;) {
      if (n == article) after_article = true;
      if (pugi::xml_node next = n.next_sibling()) {
        n = next;
        break;
      }
      n = n.parent();
      if (!n || n == doc) {
        n = pugi::xml_node();
        break;
      }
      shields -= Shields(TagOf(n));
    }
  }
}

// The footer rule on the page's first <footer>, "footer" (null: none).
std::string CheckFooter(const pugi::xml_node& footer, const Site& site,
                        int year) {
  if (!footer) return Rule("footer", "the page has no <footer>");
  std::string text = Text(footer);
  const SiteInfo& s = site.info;
  std::string copyright =
      "© " + std::to_string(year) + " " + Collapse(s.company);
  if (text.find(copyright) == std::string::npos) {
    return Rule("footer", "the footer lacks \"" + copyright + "\"");
  }
  if (text.find(Collapse(s.address)) == std::string::npos) {
    return Rule("footer", "the footer lacks the address \"" + s.address + "\"");
  }
  bool mailto = false, privacy = false;
  std::string mailto_href = "mailto:" + s.email;
  // Every <a href> below the footer.
  ForEachDescendant(footer, [&](const pugi::xml_node& n) {
    if (n.type() == pugi::node_element && TagOf(n) == Tag::kA) {
      if (pugi::xml_attribute href_attr = n.attribute("href")) {
        std::string_view href = href_attr.value();
        mailto |= href == mailto_href && Text(n) == s.email;
        privacy |= IsPrivacyHref(href, s.base_url) &&
                   Text(n) == "Privacy Policy";
      }
    }
    return true;
  });
  if (!mailto) {
    return Rule("footer", "the footer lacks a mailto: link showing " +
                              s.email);
  }
  if (!privacy) {
    return Rule("footer", "the footer lacks the \"Privacy Policy\" link to "
                          "/privacy-policy/");
  }
  return "";
}

std::string CheckTopic(const Scan& scan, const Page& page,
                       const std::vector<Link>* links) {
  const PageSettings& ps = page.settings;
  std::string heading = Collapse(ps.heading_prefix.empty()
                                     ? std::string(page.topic)
                                     : ps.heading_prefix + " " + page.topic);
  if (!scan.h1 || !TextEquals(scan.h1, heading)) {
    return Rule("heading", "the first <h1> must read \"" + heading + "\"" +
                               (scan.h1 ? ", found \"" + Text(scan.h1) + "\""
                                        : ""));
  }
  if (scan.unsponsored) {
    return Rule("sponsored-rel",
                "the link to " +
                    std::string(scan.unsponsored.attribute("href").value()) +
                    " lacks rel=\"sponsored\"");
  }
  if (links) {
    for (const Link& link : *links) {
      if (std::find(scan.hrefs.begin(), scan.hrefs.end(), link.url) ==
          scan.hrefs.end()) {
        return Rule("links", "the link to " + link.url +
                                 " was placed but is not on the page with "
                                 "rel=\"sponsored\"");
      }
    }
  }
  if (!scan.disclosure_text.empty()) {
    if (scan.disclosure < 0) {
      return Rule("disclosure", "the disclosure \"" + scan.disclosure_text +
                                    "\" is missing");
    }
    if (scan.first_link >= 0 && scan.disclosure > scan.first_link) {
      return Rule("disclosure", "the disclosure must come before the first "
                                "sponsored link");
    }
  }
  if (scan.article < 0) {
    return Rule("article", "the article must sit in an <article> element");
  }
  if (scan.last_link >= 0 && scan.last_link > scan.article) {
    return Rule("links-above-article",
                "every sponsored link must come before the article");
  }
  if (!scan.closing_text.empty() && scan.closing < 0) {
    return Rule("closing-line", "\"" + scan.closing_text +
                                    "\" must follow the article");
  }
  if (scan.image < 0) {
    return Rule("image", "an <img> with alt text (the page image or the "
                         "placeholder) must follow the closing line");
  }
  return "";
}

// Names as pugixml's parser reads them (its chartype table): a letter,
// '_' or ':', then those, digits, '-' and '.'. pugixml takes bytes from
// 0x80 on as name characters too; ScanWithoutDom leaves such names to it.
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == ':';
}

bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Decides without a DOM whether pugixml loads "s" with parse_default
// without an error, and finds where the first <footer> element (in
// document order) begins and ends in it (both npos: none). Returns false
// when it cannot tell: for every page pugixml rejects, and for the pages
// it accepts that use what this scanner does not read (NUL bytes, names
// with bytes from 0x80 on, a DOCTYPE holding quotes, '<' or an internal
// subset). The caller then asks pugixml.
//
// It follows pugixml's parse_tree (1.13): text, inside elements or not,
// runs to the next '<' and is never an error; a start tag is a name, then
// attributes (a name, '=', a quoted value that runs to the same quote and
// is followed by whitespace, '/' or '>'), each after whitespace, then '>'
// or "/>"; an end tag names the innermost open element, whitespace may
// follow the name; comments, CDATA sections and processing instructions
// run to their first "-->", "]]>" and "?>"; every element is closed at the
// end, and there is one at least.
bool ScanWithoutDom(std::string_view s, size_t* footer_begin,
                    size_t* footer_end) {
  constexpr size_t npos = std::string_view::npos;
  *footer_begin = *footer_end = npos;
  if (s.find('\0') != npos) return false;
  std::vector<std::string_view> open;  // Names of the open elements.
  size_t footer_depth = npos;  // open.size() inside the first <footer>.
  bool any_element = false;
  const size_t n = s.size();
  size_t i = 0;
  auto skip_space = [&] {
    while (i < n && IsSpace(s[i])) ++i;
  };
  while (i < n) {
    const size_t lt = s.find('<', i);
    if (lt == npos) break;  // Text up to the end.
    i = lt + 1;
    if (i >= n) return false;
    const char c = s[i];
    if (IsNameStart(c)) {  // A start tag.
      const size_t name_begin = i;
      while (i < n && IsNameChar(s[i])) ++i;
      const std::string_view name = s.substr(name_begin, i - name_begin);
      if (i >= n) return false;
      bool empty = false;
      const char after = s[i++];
      if (after == '/') {
        if (i >= n || s[i] != '>') return false;
        ++i;
        empty = true;
      } else if (IsSpace(after)) {
        for (;;) {  // Attributes.
          skip_space();
          if (i >= n) return false;
          if (IsNameStart(s[i])) {
            while (i < n && IsNameChar(s[i])) ++i;
            if (i >= n) return false;
            char eq = s[i++];
            if (IsSpace(eq)) {
              skip_space();
              if (i >= n) return false;
              eq = s[i++];
            }
            if (eq != '=') return false;
            skip_space();
            if (i >= n || (s[i] != '"' && s[i] != '\'')) return false;
            const size_t quote = s.find(s[i], i + 1);
            if (quote == npos) return false;
            i = quote + 1;
            if (i < n && IsNameStart(s[i])) return false;
          } else if (s[i] == '/') {
            if (i + 1 >= n || s[i + 1] != '>') return false;
            i += 2;
            empty = true;
            break;
          } else if (s[i] == '>') {
            ++i;
            break;
          } else {
            return false;
          }
        }
      } else if (after != '>') {
        return false;
      }
      any_element = true;
      const bool first_footer = *footer_begin == npos && name == "footer";
      if (first_footer) *footer_begin = lt;
      if (empty) {
        if (first_footer) *footer_end = i;
      } else {
        if (first_footer) footer_depth = open.size();
        open.push_back(name);
      }
    } else if (c == '/') {  // An end tag.
      if (open.empty()) return false;
      ++i;
      const std::string_view name = open.back();
      size_t k = 0;
      for (; i < n && IsNameChar(s[i]); ++i, ++k) {
        if (k >= name.size() || s[i] != name[k]) return false;
      }
      if (k != name.size()) return false;
      skip_space();
      if (i >= n || s[i] != '>') return false;
      ++i;
      open.pop_back();
      if (open.size() == footer_depth) {
        *footer_end = i;
        footer_depth = npos;
      }
    } else if (c == '?') {  // A processing instruction or declaration.
      ++i;
      if (i >= n || !IsNameStart(s[i])) return false;
      const size_t end = s.find("?>", i);
      if (end == npos) return false;
      i = end + 2;
    } else if (c == '!') {
      const std::string_view rest = s.substr(i + 1);
      size_t end;
      if (rest.substr(0, 2) == "--") {
        end = s.find("-->", i + 3);
        if (end == npos) return false;
        i = end + 3;
      } else if (rest.substr(0, 7) == "[CDATA[") {
        end = s.find("]]>", i + 8);
        if (end == npos) return false;
        i = end + 3;
      } else if (rest.substr(0, 7) == "DOCTYPE" && open.empty()) {
        end = s.find_first_of("<>\"'", i + 8);
        if (end == npos || s[end] != '>') return false;
        i = end + 1;
      } else {
        return false;
      }
    } else {
      return false;
    }
  }
  return open.empty() && any_element;
}

}  // namespace

bool CheckedWithoutDom(std::string_view html) {
  size_t begin, end;
  return ScanWithoutDom(html, &begin, &end);
}

std::string CheckPage(std::string_view html, const Site& site, int year,
                      PageKind kind, const Page* page,
                      const std::vector<Link>* links) {
  if (kind == PageKind::kIndex) {
    // The home page lists every page: with 100,000 pages it is 14 MB, and
    // its DOM would take twice that again. When the scan finds the page
    // well-formed, only its footer, the one rule left, is parsed.
    size_t begin, end;
    if (ScanWithoutDom(html, &begin, &end)) {
      if (begin == std::string_view::npos) {
        return CheckFooter(pugi::xml_node(), site, year);
      }
      pugi::xml_document footer;
      if (footer.load_buffer(html.data() + begin, end - begin,
                             pugi::parse_default, pugi::encoding_utf8)) {
        return CheckFooter(footer.first_child(), site, year);
      }
      // Not reached (the scan found the element well-formed): the DOM of
      // the whole page decides.
    }
  }
  // pugixml parses in place; the copy goes to a buffer kept from page to
  // page (unless the page is unusually large) instead of one pugixml would
  // allocate for each.
  constexpr size_t kKeptBuffer = 1 << 20;
  thread_local std::string kept;
  std::string large;
  std::string& buffer = html.size() <= kKeptBuffer ? kept : large;
  // With a NUL after the page, as load_buffer's own copy has: pugixml
  // takes the last byte of its buffer as the end, and a page that ends
  // badly would otherwise be reported at another byte or for another
  // reason than load_buffer reports.
  buffer.assign(html);
  buffer.push_back('\0');
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer_inplace(
      buffer.data(), buffer.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) {
    return Rule("well-formed", std::string("not well-formed XML at byte ") +
                                   std::to_string(r.offset) + ": " +
                                   r.description());
  }
  Scan scan;
  const bool topic = kind == PageKind::kTopic && page;
  if (topic) {
    scan.topic = &page->settings;
    scan.disclosure_text = Collapse(page->settings.disclosure);
    scan.closing_text = Collapse(page->settings.closing_line);
    scan.base_url = site.info.base_url;
  }
  ScanPage(doc, &scan);
  if (topic) {
    std::string e = CheckTopic(scan, *page, links);
    if (!e.empty()) return e;
  }
  if (kind == PageKind::kPrivacy) {
    if (!scan.h1 || !TextEquals(scan.h1, "Privacy Policy")) {
      return Rule("privacy", "the privacy page's <h1> must read \"Privacy "
                             "Policy\"");
    }
    std::string body = Text(doc);
    for (const std::string* field : {&site.info.company, &site.info.email}) {
      if (body.find(Collapse(*field)) == std::string::npos) {
        return Rule("privacy", "the privacy page must name \"" + *field +
                                   "\"");
      }
    }
  }
  return CheckFooter(scan.footer, site, year);
}

}  // namespace linkpage
