#include "check.h"

#include <algorithm>
#include <cctype>

#include <pugixml.hpp>

namespace linkpage {

namespace {

std::string Collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

// Appends the text below "n" in document order, without recursion (an
// article may nest blocks deeper than the stack allows).
void AppendText(const pugi::xml_node& n, std::string* s) {
  pugi::xml_node c = n.first_child();
  while (c) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      *s += c.value();
    }
    if (c.type() == pugi::node_element && c.first_child()) {
      c = c.first_child();
      continue;
    }
    while (c && !c.next_sibling() && c != n) c = c.parent();
    if (!c || c == n) break;
    c = c.next_sibling();
  }
}

std::string Text(const pugi::xml_node& n) {
  std::string s;
  AppendText(n, &s);
  return Collapse(s);
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

bool Inside(pugi::xml_node n, std::initializer_list<const char*> names) {
  for (n = n.parent(); n; n = n.parent()) {
    for (const char* name : names) {
      if (std::string_view(n.name()) == name) return true;
    }
  }
  return false;
}

std::string Rule(const char* rule, const std::string& what) {
  return std::string("rule \"") + rule + "\": " + what;
}

// Elements in document order, without recursion.
std::vector<pugi::xml_node> Elements(const pugi::xml_document& doc) {
  struct Walker : pugi::xml_tree_walker {
    std::vector<pugi::xml_node> out;
    bool for_each(pugi::xml_node& n) override {
      if (n.type() == pugi::node_element) out.push_back(n);
      return true;
    }
  } walker;
  const_cast<pugi::xml_document&>(doc).traverse(walker);
  return walker.out;
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

bool IsPrivacyHref(const std::string& href, const std::string& base_url) {
  return href == "/privacy-policy/" || href == "../privacy-policy/" ||
         href == "privacy-policy/" || href == base_url + "/privacy-policy/";
}

std::string CheckFooter(const pugi::xml_document& doc, const Site& site,
                        int year) {
  pugi::xml_node footer = doc.select_node("//footer").node();
  if (!footer) return Rule("footer", "the page has no <footer>");
  std::string text = Text(footer);
  const SiteInfo& s = site.info;
  std::string copyright = "© " + std::to_string(year) + " " + Collapse(s.company);
  if (text.find(copyright) == std::string::npos) {
    return Rule("footer", "the footer lacks \"" + copyright + "\"");
  }
  if (text.find(Collapse(s.address)) == std::string::npos) {
    return Rule("footer", "the footer lacks the address \"" + s.address + "\"");
  }
  bool mailto = false, privacy = false;
  for (const pugi::xpath_node& a : footer.select_nodes(".//a[@href]")) {
    std::string href = a.node().attribute("href").value();
    mailto |= href == "mailto:" + s.email && Text(a.node()) == s.email;
    privacy |= IsPrivacyHref(href, s.base_url) &&
               Text(a.node()) == "Privacy Policy";
  }
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

std::string CheckTopic(const pugi::xml_document& doc, const Site& site,
                       const Page& page, const std::vector<Link>* links) {
  const PageSettings& ps = page.settings;
  std::vector<pugi::xml_node> els = Elements(doc);
  // Index one past the last element inside els[i]: its descendants follow
  // it in document order.
  auto end_of = [&](int i) -> int {
    struct Counter : pugi::xml_tree_walker {
      int elements = 0;
      bool for_each(pugi::xml_node& n) override {
        elements += n.type() == pugi::node_element;
        return true;
      }
    } counter;
    els[i].traverse(counter);
    return i + 1 + counter.elements;
  };

  std::string heading = Collapse(ps.heading_prefix.empty()
                                     ? page.topic
                                     : ps.heading_prefix + " " + page.topic);
  pugi::xml_node h1 = doc.select_node("//h1").node();
  if (!h1 || Text(h1) != heading) {
    return Rule("heading", "the first <h1> must read \"" + heading + "\"" +
                               (h1 ? ", found \"" + Text(h1) + "\"" : ""));
  }

  int disclosure = -1, first_link = -1, last_link = -1, closing = -1,
      image = -1;
  int article = -1, article_end = -1;
  std::string disclosure_text = Collapse(ps.disclosure);
  std::string closing_text = Collapse(ps.closing_line);
  std::vector<std::string> hrefs;
  for (int i = 0; i < static_cast<int>(els.size()); ++i) {
    const pugi::xml_node& n = els[i];
    std::string_view name = n.name();
    // Only elements with text of their own can be the disclosure or the
    // closing line; skipping the rest keeps this linear.
    bool has_text = false;
    for (pugi::xml_node c = n.first_child(); c && !has_text;
         c = c.next_sibling()) {
      has_text = c.type() == pugi::node_pcdata &&
                 std::string_view(c.value()).find_first_not_of(" \t\r\n") !=
                     std::string_view::npos;
    }
    std::string text = has_text ? Text(n) : std::string();
    if (disclosure < 0 && !disclosure_text.empty() && has_text &&
        text == disclosure_text) {
      disclosure = i;
    }
    if (name == "article" && article < 0) {
      article = i;
      article_end = end_of(i);
    }
    if (name == "a" && n.attribute("href")) {
      std::string href = n.attribute("href").value();
      bool sponsored = HasWord(n.attribute("rel").value(), "sponsored");
      bool external = (StartsWithNoCase(href, "http://") ||
                       StartsWithNoCase(href, "https://")) &&
                      href.rfind(site.info.base_url + "/", 0) != 0 &&
                      href != site.info.base_url;
      if ((external || sponsored) &&
          !Inside(n, {"article", "header", "footer"})) {
        if (!sponsored) {
          return Rule("sponsored-rel",
                      "the link to " + href + " lacks rel=\"sponsored\"");
        }
        if (first_link < 0) first_link = i;
        last_link = i;
        hrefs.push_back(href);
      }
    }
    if (article >= 0 && i >= article_end && closing < 0 &&
        !closing_text.empty() && has_text && text == closing_text) {
      closing = i;
    }
    if (closing >= 0 && image < 0 && name == "img" && n.attribute("alt") &&
        std::string_view(n.attribute("alt").value()).size() > 0) {
      image = i;
    }
  }
  if (links) {
    for (const Link& link : *links) {
      if (std::find(hrefs.begin(), hrefs.end(), link.url) == hrefs.end()) {
        return Rule("links", "the link to " + link.url +
                                 " was placed but is not on the page with "
                                 "rel=\"sponsored\"");
      }
    }
  }
  if (!disclosure_text.empty()) {
    if (disclosure < 0) {
      return Rule("disclosure", "the disclosure \"" + disclosure_text +
                                    "\" is missing");
    }
    if (first_link >= 0 && disclosure > first_link) {
      return Rule("disclosure", "the disclosure must come before the first "
                                "sponsored link");
    }
  }
  if (article < 0) {
    return Rule("article", "the article must sit in an <article> element");
  }
  if (last_link >= 0 && last_link > article) {
    return Rule("links-above-article",
                "every sponsored link must come before the article");
  }
  if (!closing_text.empty() && closing < 0) {
    return Rule("closing-line", "\"" + closing_text +
                                    "\" must follow the article");
  }
  if (image < 0) {
    return Rule("image", "an <img> with alt text (the page image or the "
                         "placeholder) must follow the closing line");
  }
  return "";
}

}  // namespace

std::string CheckPage(std::string_view html, const Site& site, int year,
                      PageKind kind, const Page* page,
                      const std::vector<Link>* links) {
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(
      html.data(), html.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) {
    return Rule("well-formed", std::string("not well-formed XML at byte ") +
                                   std::to_string(r.offset) + ": " +
                                   r.description());
  }
  if (kind == PageKind::kTopic && page) {
    std::string e = CheckTopic(doc, site, *page, links);
    if (!e.empty()) return e;
  }
  if (kind == PageKind::kPrivacy) {
    pugi::xml_node h1 = doc.select_node("//h1").node();
    if (!h1 || Text(h1) != "Privacy Policy") {
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
  return CheckFooter(doc, site, year);
}

}  // namespace linkpage
