#include "check.h"

#include <algorithm>
#include <cctype>
#include <catch2/catch.hpp>
#include <map>
#include <pugixml.hpp>
#include <random>
#include <sstream>

#include "build.h"
#include "config.h"
#include "render.h"
#include "test_util.h"

namespace linkpage {
namespace {

using test::CopyExampleSite;
using test::FakeEnv;
using test::ReadFile;
using test::TempDir;
using test::WriteFile;

// The rules as CheckPage applied them before it was made one walk over the
// page (XPath queries, a list of every element, each element's text built
// as a string): the reference the differential test below holds CheckPage
// to. Kept verbatim but for this function's name.
namespace reference {


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
                                     ? std::string(page.topic)
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


std::string ReferenceCheckPage(std::string_view html, const Site& site,
                               int year, PageKind kind, const Page* page,
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

}  // namespace reference

struct Fixture {
  Site site;
  Renderer renderer;
  std::vector<Link> links;
  std::string html;     // A compliant topic page.
  std::string privacy;  // The compliant privacy page.
  const Page& page() const { return site.pages[0]; }

  Fixture() {
    std::string err;
    REQUIRE(LoadSite(test::SourceDir(), FakeEnv(), &site, &err));
    REQUIRE(renderer.Load(test::SourceDir() + "/templates", &err));
    for (int i = 0; i < 2; ++i) {
      Link l;
      l.title = "Offer " + std::to_string(i);
      l.url = "https://shop.example/" + std::to_string(i);
      l.display_host = "shop.example";
      links.push_back(l);
    }
    html = renderer.RenderPage(site, 2023, page(), links,
                               "<p>Article text.</p>");
    privacy = renderer.RenderPrivacy(site, 2023);
  }

  std::string Check(const std::string& h) const {
    return CheckPage(h, site, 2023, PageKind::kTopic, &page(), &links);
  }
};

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// Removes the first element that starts with "open" and ends with "close".
std::string Cut(std::string s, const std::string& open,
                const std::string& close, std::string* cut = nullptr) {
  size_t a = s.find(open);
  REQUIRE(a != std::string::npos);
  size_t b = s.find(close, a);
  REQUIRE(b != std::string::npos);
  if (cut) *cut = s.substr(a, b + close.size() - a);
  return s.erase(a, b + close.size() - a);
}

TEST_CASE("check: the default templates comply") {
  Fixture f;
  CHECK(f.Check(f.html) == "");
  CHECK(CheckPage(f.privacy, f.site, 2023, PageKind::kPrivacy, nullptr,
                  nullptr) == "");
  CHECK(CheckPage(f.renderer.RenderIndex(f.site, 2023), f.site, 2023,
                  PageKind::kIndex, nullptr, nullptr) == "");
}

TEST_CASE("check: each rule has a failing page") {
  Fixture f;
  const std::string& h = f.html;
  CHECK_THAT(f.Check(Replace(h, "</main>", "")),
             Catch::StartsWith("rule \"well-formed\""));
  CHECK_THAT(f.Check(Replace(h, "Latest Information", "Old Information")),
             Catch::StartsWith("rule \"heading\""));
  std::string disclosure;
  std::string moved = Cut(h, "<p class=\"disclosure\">", "</p>", &disclosure);
  moved = Replace(moved, "</ul>", "</ul>" + disclosure);
  CHECK_THAT(f.Check(moved), Catch::StartsWith("rule \"disclosure\"") &&
                                 Catch::Contains("before the first"));
  CHECK_THAT(f.Check(Cut(h, "<p class=\"disclosure\">", "</p>")),
             Catch::StartsWith("rule \"disclosure\"") &&
                 Catch::Contains("missing"));
  CHECK_THAT(f.Check(Replace(h, "rel=\"sponsored nofollow noopener\"",
                             "rel=\"nofollow\"")),
             Catch::StartsWith("rule \"sponsored-rel\""));
  std::vector<Link> more = f.links;
  more.push_back(f.links[0]);
  more.back().url = "https://missing.example/";
  CHECK_THAT(CheckPage(h, f.site, 2023, PageKind::kTopic, &f.page(), &more),
             Catch::StartsWith("rule \"links\""));
  CHECK_THAT(f.Check(Replace(Replace(h, "<article class=\"article\">", "<div>"),
                             "</article>", "</div>")),
             Catch::StartsWith("rule \"article\""));
  std::string link;
  moved = Cut(h, "<li class=\"link\">", "</li>", &link);
  moved = Replace(moved, "</article>", "<ul>" + link + "</ul></article>");
  // Inside the article a link is the owner's own; after it, it is not.
  moved = Replace(moved, "<ul>" + link + "</ul></article>",
                  "</article><ul>" + link + "</ul>");
  CHECK_THAT(f.Check(moved), Catch::StartsWith("rule \"links-above-article\""));
  CHECK_THAT(f.Check(Cut(h, "<p class=\"closing-line\">", "</p>")),
             Catch::StartsWith("rule \"closing-line\""));
  std::string closing;
  moved = Cut(h, "<p class=\"closing-line\">", "</p>", &closing);
  moved = Replace(moved, "<article class=\"article\">",
                  closing + "<article class=\"article\">");
  CHECK_THAT(f.Check(moved), Catch::StartsWith("rule \"closing-line\""));
  CHECK_THAT(f.Check(Cut(h, "<figure", "</figure>")),
             Catch::StartsWith("rule \"image\""));
  CHECK_THAT(f.Check(Cut(h, "<footer", "</footer>")),
             Catch::StartsWith("rule \"footer\"") &&
                 Catch::Contains("no <footer>"));
  CHECK_THAT(f.Check(Replace(h, "© 2023", "© 2022")),
             Catch::StartsWith("rule \"footer\"") &&
                 Catch::Contains("© 2023 AM Productions LLC"));
  CHECK_THAT(f.Check(Replace(h, "9903 S. Santa Monica", "1 Other St")),
             Catch::StartsWith("rule \"footer\"") &&
                 Catch::Contains("address"));
  CHECK_THAT(f.Check(Replace(h, "href=\"mailto:", "href=\"https://x/")),
             Catch::StartsWith("rule \"footer\"") &&
                 Catch::Contains("mailto"));
  CHECK_THAT(f.Check(Replace(h, "href=\"/privacy-policy/\"", "href=\"/\"")),
             Catch::StartsWith("rule \"footer\"") &&
                 Catch::Contains("Privacy Policy"));
  CHECK_THAT(CheckPage(Replace(f.privacy, "<h1>Privacy Policy</h1>",
                               "<h1>Policy</h1>"),
                       f.site, 2023, PageKind::kPrivacy, nullptr, nullptr),
             Catch::StartsWith("rule \"privacy\""));
}

TEST_CASE("check: a template that drops the footer fails the build and "
          "leaves out/ alone") {
  TempDir dir;
  CopyExampleSite(dir.path());
  Options o;
  o.site_dir = dir.path();
  o.offline = true;
  o.env = FakeEnv();
  std::ostringstream log;
  REQUIRE(Build(o, log) == kExitPublished);
  std::string before = ReadFile(dir / "out/index.html");
  WriteFile(dir / "templates/page.mustache",
            Replace(ReadFile(dir / "templates/page.mustache"),
                    "{{> footer}}", ""));
  std::ostringstream log2;
  CHECK(Build(o, log2) == kExitFailed);
  CHECK_THAT(log2.str(), Catch::Contains("breaks the compliance rule "
                                         "\"footer\"") &&
                             Catch::Contains("page \""));
  CHECK(ReadFile(dir / "out/index.html") == before);
  // linkpage check finds nothing wrong with the published site (the
  // templates changed, not out/) ...
  std::ostringstream log3;
  CHECK(Check(o, log3) == kExitPublished);
  // ... but does find a page broken after publication.
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  std::string page = dir / ("out/" + site.pages[1].slug + "/index.html");
  WriteFile(page, Replace(ReadFile(page), "rel=\"sponsored nofollow noopener\"",
                          "rel=\"nofollow\""));
  std::ostringstream log4;
  CHECK(Check(o, log4) == kExitFailed);
  CHECK_THAT(log4.str(), Catch::Contains(std::string(site.pages[1].slug)) &&
                             Catch::Contains("sponsored-rel"));
}

// Pages cut, moved and patched at random (seeded): CheckPage must return
// exactly what the reference returns, so that the gate rejects every page
// it rejected before, for the same reason.
TEST_CASE("check: the one-walk rules agree with the reference on mutated "
          "pages") {
  Fixture f;
  std::vector<Link> hostile = f.links;
  hostile[0].title = "<b>bold</b> \"quoted\" 'single' & more";
  hostile[1].description = "  spaced \n out\ttext  ";
  Page with_image = f.page();
  with_image.image = Image{"img/a.png", "An <image> & \"alt\""};
  Page no_prefix = f.page();
  no_prefix.settings.heading_prefix = "";
  no_prefix.settings.closing_line = "  Check   out\nsome links. ";
  struct Base {
    std::string html;
    PageKind kind;
    const Page* page;
    const std::vector<Link>* links;
  };
  const std::vector<Link> none;
  const std::vector<Base> bases = {
      {f.html, PageKind::kTopic, &f.page(), &f.links},
      {f.renderer.RenderPage(f.site, 2023, with_image, hostile,
                             "<h2>Head</h2><p>Some <em>text</em> and a "
                             "<a href=\"https://own.example/\">link</a>.</p>"
                             "<blockquote><p>Check out some of the links "
                             "above.</p></blockquote>"),
       PageKind::kTopic, &with_image, &hostile},
      {f.renderer.RenderPage(f.site, 2023, no_prefix, none,
                             "<p>Nothing <![CDATA[here]]>.</p>"),
       PageKind::kTopic, &no_prefix, &none},
      {f.html, PageKind::kTopic, &f.page(), nullptr},
      {f.privacy, PageKind::kPrivacy, nullptr, nullptr},
      {f.renderer.RenderIndex(f.site, 2023), PageKind::kIndex, nullptr,
       nullptr},
  };
  // Fragments that the rules look for, to be inserted after some '>'.
  const std::string disclosure = f.page().settings.disclosure;
  const std::vector<std::string> inserts = {
      "<a href=\"https://evil.example/\">x</a>",
      "<a href=\"https://shop.example/0\" rel=\"sponsored\">y</a>",
      "<a href=\"HTTP://upper.example/\" rel=\"nofollow\">z</a>",
      "<a href=\"" + f.site.info.base_url + "/own/\">own</a>",
      "<a href=\"" + f.site.info.base_url + "\">home</a>",
      "<a href=\"" + f.site.info.base_url + "evil/\">near</a>",
      "<a rel=\"sponsored\">no href</a>",
      "<article>inner</article>",
      "<article/>",
      "<header><a href=\"https://h.example/\">h</a></header>",
      "<footer>© 2023 AM Productions LLC</footer>",
      "<h1>Other heading</h1>",
      "<h1>  Latest Information On Your Search For:\n" + f.page().topic +
          " </h1>",
      "<p>" + disclosure + "</p>",
      "<p> <b>" + disclosure.substr(0, 10) + "</b>" + disclosure.substr(10) +
          "</p>",
      "<p>Check out some of the links above.</p>",
      "<p>Check out <i>some</i> of the links above. </p>",
      "<p><![CDATA[Check out some of the links above.]]></p>",
      "<img alt=\"\" src=\"a\" />",
      "<img alt=\"x\" src=\"a\" />",
      "<img src=\"a\" />",
      "<a href=\"mailto:info@example.com\">info@example.com</a>",
      "<a href=\"/privacy-policy/\">Privacy Policy</a>",
      "<p>Privacy Policy</p>",
      "&amp;", "&lt;b&gt;", "  \n\t", "<br/>", "</p>", "<p>",
  };
  std::mt19937 rng(20240611);
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  // Positions just after a '>' (or 0), where an insert keeps the page
  // well-formed more often than not.
  auto cut_point = [&](const std::string& s) {
    std::vector<size_t> at = {0};
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '>') at.push_back(i + 1);
    }
    return at[pick(at.size())];
  };
  int checked = 0, rejected = 0;
  std::map<std::string, int> rules;  // Rule broken -> pages.
  for (int round = 0; round < 6000; ++round) {
    const Base& base = bases[pick(bases.size())];
    std::string h = base.html;
    int edits = 1 + static_cast<int>(pick(3));
    for (int e = 0; e < edits; ++e) {
      switch (pick(6)) {
        case 0: {  // Insert a fragment.
          h.insert(cut_point(h), inserts[pick(inserts.size())]);
          break;
        }
        case 1: {  // Remove the text between two tag boundaries.
          size_t a = cut_point(h), b = cut_point(h);
          if (a > b) std::swap(a, b);
          if (b - a < 400) h.erase(a, b - a);
          break;
        }
        case 2: {  // Move an element (open tag .. matching close, roughly).
          size_t a = cut_point(h);
          size_t lt = h.find('<', a);
          if (lt == std::string::npos || lt + 1 >= h.size() ||
              h[lt + 1] == '/') {
            break;
          }
          size_t name_end = h.find_first_of(" />", lt + 1);
          if (name_end == std::string::npos) break;
          std::string close = "</" + h.substr(lt + 1, name_end - lt - 1) + ">";
          size_t end = h.find(close, lt);
          if (end == std::string::npos) break;
          std::string piece = h.substr(lt, end + close.size() - lt);
          h.erase(lt, piece.size());
          h.insert(cut_point(h), piece);
          break;
        }
        case 3: {  // Rename every element of one name.
          static const std::vector<std::pair<std::string, std::string>>
              kRenames = {{"article", "section"}, {"footer", "div"},
                          {"h1", "h2"}, {"main", "header"}, {"p", "span"},
                          {"a", "b"}, {"img", "image"}, {"figure", "footer"}};
          const auto& [from, to] = kRenames[pick(kRenames.size())];
          for (const auto& [a, b] :
               {std::pair{"<" + from + " ", "<" + to + " "},
                std::pair{"<" + from + ">", "<" + to + ">"},
                std::pair{"</" + from + ">", "</" + to + ">"}}) {
            for (size_t at = h.find(a); at != std::string::npos;
                 at = h.find(a, at + b.size())) {
              h.replace(at, a.size(), b);
            }
          }
          break;
        }
        case 4: {  // Change a word.
          static const std::vector<std::pair<std::string, std::string>>
              kSwaps = {{"sponsored", "sponsor"}, {"https://", "ftp://"},
                        {"alt=\"", "title=\""}, {"alt=\"", "alt=\" "},
                        {"Privacy Policy", "Privacy  Policy"},
                        {"Privacy Policy", "Privacy Notice"},
                        {"mailto:", "mail:"}, {"© 2023", "© 2022"},
                        {"</p>", "</p><p> </p>"}, {"Search For", "Search"},
                        {"Productions", "Prod"}, {"9903", "9904"},
                        {"Check out", "Look at"}, {"may earn", "earn"}};
          const auto& [from, to] = kSwaps[pick(kSwaps.size())];
          size_t at = h.find(from, pick(h.size()));
          if (at == std::string::npos) at = h.find(from);
          if (at != std::string::npos) h.replace(at, from.size(), to);
          break;
        }
        default: {  // Change one byte (in text, mostly) to space or letter.
          size_t at = pick(h.size());
          if (h[at] == '<' || h[at] == '>' || h[at] == '&' || h[at] == '"') {
            break;
          }
          h[at] = " \nxA"[pick(4)];
          break;
        }
      }
    }
    std::string want = reference::ReferenceCheckPage(
        h, f.site, 2023, base.kind, base.page, base.links);
    std::string got =
        CheckPage(h, f.site, 2023, base.kind, base.page, base.links);
    INFO("round " << round << "\n" << h);
    REQUIRE(got == want);
    ++checked;
    rejected += !want.empty();
    if (!want.empty()) ++rules[want.substr(0, want.find(':'))];
  }
  for (const auto& [rule, n] : rules) UNSCOPED_INFO(rule << ": " << n);
  CHECK(rules.size() == 11);  // Every rule, "well-formed" included.
  // Both outcomes were exercised, and most rules.
  CHECK(rejected > 1000);
  CHECK(checked - rejected > 1000);
}

// The index page is read without a DOM when the scan can tell that
// pugixml accepts it: the verdict must still be the reference's, on pages
// pugixml accepts and on pages it rejects, at the same byte and for the
// same reason.
TEST_CASE("check: the index page without a DOM agrees with the reference") {
  Fixture f;
  // An index of 60 pages, some with text to escape.
  Site site = f.site;
  const Page first = site.pages[0];
  site.pages.clear();
  for (int i = 0; i < 60; ++i) {
    Page p = first;
    p.slug = test::Keep("page-" + std::to_string(i));
    p.topic = i % 5 == 0 ? "a <b> & \"c\" 'd'"
                         : test::Keep("topic " + std::to_string(i));
    site.pages.push_back(p);
  }
  const std::string index = f.renderer.RenderIndex(site, 2023);
  auto check = [&](const std::string& h) {
    return CheckPage(h, f.site, 2023, PageKind::kIndex, nullptr, nullptr);
  };
  auto reference = [&](const std::string& h) {
    return reference::ReferenceCheckPage(h, f.site, 2023, PageKind::kIndex,
                                         nullptr, nullptr);
  };
  CHECK(CheckedWithoutDom(index));
  CHECK(check(index) == "");
  CHECK(reference(index) == "");

  // Pages made of the index with one fragment put in the <body> (or, for
  // some, in place of the whole page): what pugixml accepts, rejects and
  // what the scan leaves to it.
  std::string footer;
  Cut(index, "<footer", "</footer>", &footer);
  const std::string ok_footer = footer;
  struct Case {
    std::string fragment;
    bool without_dom;  // Whether the scan decides the page.
  };
  const std::vector<Case> cases = {
      {"", true},
      {"<a b=\"1\" c='2'>x</a>", true},
      {"<a b = \"1\"\n c\t=\t'2' >x</a >", true},
      {"<a b=\"1\"c=\"2\">x</a>", false},  // No space between: rejected.
      {"<a b=1>x</a>", false},
      {"<a b>x</a>", false},
      {"<a b=\"<&>\" c='\"'/>", true},
      {"<br/><br /><hr\n/>", true},
      {"<br/ >", false},
      {"<p>a & b &amp; &#60; &unknown; c > d</p>", true},
      {"<p>a < b</p>", false},
      {"< p>x</p>", false},
      {"<1p>x</1p>", false},
      {"<a:b.c-d_e>x</a:b.c-d_e>", true},
      {"<\xc3\xa9>x</\xc3\xa9>", false},  // Accepted, left to pugixml.
      {"<p>caf\xc3\xa9</p>", true},
      {"<!-- c -- x - -->", true},
      {"<!-->-->", true},
      {"<!-- unclosed", false},
      {"<!- x ->", false},
      {"<![CDATA[</footer><footer>]]>", true},
      {"<![CDATA[x]>", false},
      {"<![CDATX[x]]>", false},
      {"<?pi some data?><?xml version=\"1.0\"?>", true},
      {"<? x?>", false},
      {"<?pi unclosed", false},
      {"<!DOCTYPE x>", false},  // Only before the root.
      {"<!ELEMENT x>", false},
      {"</b>", false},
      {"<b>", false},
      {"<b></c>", false},
      {"<b></bb>", false},
      {"<bb></b>", false},
      {"<b></b x>", false},
      {"<footer/>", true},
      {"<footer>" + ok_footer + "</footer>", true},
      {"<footer>© 2023 AM Productions LLC</footer>", true},
      {"<footer><!-- " + ok_footer + " --></footer>", true},
      {std::string("<p>nul\0byte</p>", 15), false},
      {"<p>\r\n\r</p>", true},
  };
  const std::string head = index.substr(0, index.find("<footer"));
  const std::string tail = index.substr(index.find("</footer>") + 9);
  int without_dom = 0;
  for (const Case& c : cases) {
    for (const std::string& h :
         {Replace(index, "<main>", "<main>" + c.fragment),
          Replace(index, "</main>", "</main>" + c.fragment)}) {
      INFO(c.fragment);
      CHECK(check(h) == reference(h));
      CHECK(CheckedWithoutDom(h) == c.without_dom);
      without_dom += CheckedWithoutDom(h);
    }
  }
  // Whole pages.
  const std::vector<std::string> pages = {
      "", "text only", "<", "<a/><", "<a/><b/>", "\xef\xbb\xbf" + index,
      "<!DOCTYPE html SYSTEM \"about:legacy-compat\">" +
          index.substr(index.find('>') + 1),
      "<!DOCTYPE html [ <!ENTITY x \"y\"> ]>" +
          index.substr(index.find('>') + 1),
      "<!doctype html>" + index.substr(index.find('>') + 1),
      index + "<!DOCTYPE again>", index + "trailing text", "text" + index,
      "<![CDATA[x]]>" + index, "<!-- c -->" + index, "<?pi x?>" + index,
      index + "<![CDATA[x]]><!-- c --><?pi x?>", index + "<!-- c",
      index.substr(0, index.size() - 2), index + "<",
      head + Replace(ok_footer, "<footer", "<footer x='1'") + tail,
      head + Replace(ok_footer, "©", "&#169;") + tail,
      head + Replace(ok_footer, "© 2023", "©\r\n2023") + tail,
      head + "<footer>" + ok_footer + "</footer>" + tail,
      head + tail,
  };
  for (const std::string& h : pages) {
    INFO(h.substr(0, 200));
    CHECK(check(h) == reference(h));
  }

  // Pages cut and patched at random, as in the test above, from the index.
  std::mt19937 rng(20240612);
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  const std::vector<std::string> inserts = {
      "<a href=\"x\">y</a>", "<footer>© 2023 AM Productions LLC</footer>",
      "<footer/>", "<!-- c -->", "<![CDATA[<]]>", "<?p x?>", "&amp;", "<",
      ">", "'", "\"", "</p>", "<p>", "<br/>", " ", "\n", "=", "/", "!",
  };
  int rejected = 0, accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string h = index;
    int edits = 1 + static_cast<int>(pick(3));
    for (int e = 0; e < edits; ++e) {
      size_t at = pick(h.size() + 1);
      switch (pick(3)) {
        case 0:
          h.insert(at, inserts[pick(inserts.size())]);
          break;
        case 1:
          h.erase(at, 1 + pick(12));
          break;
        default:
          if (at < h.size()) h[at] = "<>/=\"' x!?-"[pick(12)];
          break;
      }
    }
    std::string want = reference(h);
    INFO("round " << round << "\n" << h);
    REQUIRE(check(h) == want);
    if (CheckedWithoutDom(h)) {
      ++without_dom;
      REQUIRE(want.find("well-formed") == std::string::npos);
    }
    (want.empty() ? accepted : rejected) += 1;
  }
  UNSCOPED_INFO(accepted << " accepted, " << rejected << " rejected, "
                         << without_dom << " read without a DOM");
  CHECK(accepted > 300);
  CHECK(rejected > 1000);
  CHECK(without_dom > 300);
}

}  // namespace
}  // namespace linkpage
