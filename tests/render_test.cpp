#include "render.h"

#include <catch2/catch.hpp>
#include <kainjow/mustache.hpp>
#include <string>
#include <vector>

#include "test_util.h"

namespace linkpage {
namespace {

using test::TempDir;
using test::WriteFile;

Site TestSite() {
  Site site;
  site.info.title = "T & Co";
  site.info.base_url = "https://www.example.com";
  site.info.company = "Example <LLC>";
  site.info.address = "1 \"Main\" St";
  site.info.email = "help@example.com";
  Page page;
  page.slug = "one";
  page.topic = "massage";
  site.pages.push_back(page);
  return site;
}

void WriteTemplates(const TempDir& dir, const std::string& page) {
  WriteFile(dir / "page.mustache", page);
  WriteFile(dir / "index.mustache",
            "{{#pages}}<a href=\"{{href}}\">{{heading}}</a>{{/pages}}");
  WriteFile(dir / "privacy.mustache", "{{company}} {{effective_date}}");
  WriteFile(dir / "partials/footer.mustache", "<footer>© {{year}} {{company}}</footer>");
}

TEST_CASE("render: every variable is HTML-escaped, article raw") {
  TempDir dir;
  WriteTemplates(dir, "<h1>{{heading}}</h1>{{#links}}<a href=\"{{url}}\" "
                      "title=\"{{description}}\">{{title}}</a>{{/links}}"
                      "<div>{{{article}}}</div>{{> footer}}");
  Renderer r;
  std::string err;
  REQUIRE(r.Load(dir.path(), &err));
  Site site = TestSite();
  Link link;
  link.title = "<script>alert(1)</script>";
  link.url = "https://a.example/?a=1&b=\"2\"";
  link.description = "\" onmouseover=\"alert(1)";
  std::string html =
      r.RenderPage(site, 2024, site.pages[0], {link}, "<p>Hi &amp; bye</p>");
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_THAT(html, !Catch::Contains("<script"));
  CHECK_THAT(html,
             Catch::Contains("href=\"https://a.example/?a=1&amp;b=&quot;2&quot;\""));
  CHECK_THAT(html, Catch::Contains(
                       "title=\"&quot; onmouseover=&quot;alert(1)\""));
  CHECK_THAT(html, Catch::Contains("<div><p>Hi &amp; bye</p></div>"));
  CHECK_THAT(html,
             Catch::Contains("<footer>© 2024 Example &lt;LLC&gt;</footer>"));
  CHECK_THAT(html, Catch::Contains(
                       "<h1>Latest Information On Your Search For: massage</h1>"));
}

TEST_CASE("render: feed text is escaped once, in every field") {
  TempDir dir;
  WriteTemplates(dir, "{{#links}}[{{title}}|{{url}}|{{description}}|"
                      "{{display_host}}|{{price}}|{{advertiser}}|{{image}}|"
                      "{{feed}}]{{/links}}<t>{{title}}</t><d>{{description}}"
                      "</d>");
  Renderer r;
  std::string err;
  REQUIRE(r.Load(dir.path(), &err));
  Site site = TestSite();
  const std::string hostile = "<b>x</b> \"q\" 'a' & &amp; >";
  const std::string escaped =
      "&lt;b&gt;x&lt;/b&gt; &quot;q&quot; &apos;a&apos; &amp; &amp;amp; &gt;";
  Link link;
  link.title = hostile;
  link.url = "https://a.example/?" + hostile;
  link.description = hostile;
  link.display_host = hostile;
  link.price = "1<2";
  link.currency = "X&Y";
  link.advertiser = hostile;
  link.image = hostile;
  link.feed = hostile;
  site.pages[0].topic = test::Keep(hostile);
  std::string html =
      r.RenderPage(site, 2024, site.pages[0], {link}, "<p>raw</p>");
  CHECK(html == "[" + escaped + "|https://a.example/?" + escaped + "|" +
                    escaped + "|" + escaped + "|1&lt;2 X&amp;Y|" + escaped +
                    "|" + escaped + "|" + escaped + "]<t>" + escaped +
                    " | T &amp; Co</t><d>raw</d>");
  // A NUL byte does not end the escaping.
  link.title = std::string("a\0<b>", 5);
  html = r.RenderPage(site, 2024, site.pages[0], {link}, "");
  CHECK_THAT(html, Catch::Contains("[" + std::string("a\0&lt;b&gt;", 11) +
                                   "|"));
  // Text without anything to escape, long and short, comes out as it is.
  link.title = std::string(300, 'a');
  link.url = "https://b.example/";
  html = r.RenderPage(site, 2024, site.pages[0], {link}, "");
  CHECK_THAT(html, Catch::Contains("[" + std::string(300, 'a') +
                                   "|https://b.example/|"));
}

// RenderPage reuses the page data of the previous page: nothing of one page
// may show on the next.
TEST_CASE("render: nothing of one page leaks into the next") {
  TempDir dir;
  WriteTemplates(dir,
                 "{{heading}};{{#image}}<img src=\"{{root}}{{src}}\" "
                 "alt=\"{{alt}}\"/>{{/image}}{{^image}}no image{{/image}};"
                 "{{#has_links}}{{#links}}<a href=\"{{url}}\">{{title}}</a>"
                 "{{#description}}<p>{{description}}</p>{{/description}}"
                 "{{#price}}<s>{{price}}</s>{{/price}}"
                 "{{#image}}<i>{{image}}</i>{{/image}}{{/links}}{{/has_links}}"
                 "{{^has_links}}none{{/has_links}};{{{article}}};"
                 "{{description}};{{canonical}}");
  Renderer r;
  std::string err;
  REQUIRE(r.Load(dir.path(), &err));
  Site site = TestSite();
  Page a = site.pages[0];
  a.image = Image{"img/a.png", "An A"};
  Page b = site.pages[0];
  b.slug = "two";
  b.topic = "other";
  b.settings.heading_prefix = "";
  std::vector<Link> links(3);
  for (int i = 0; i < 3; ++i) {
    links[i].title = "T" + std::to_string(i);
    links[i].url = "https://x.example/" + std::to_string(i);
    links[i].description = "D" + std::to_string(i);
    links[i].price = "1" + std::to_string(i);
    links[i].currency = "USD";
    links[i].image = "https://img.example/" + std::to_string(i);
  }
  const std::string page_a =
      "Latest Information On Your Search For: massage;"
      "<img src=\"../img/a.png\" alt=\"An A\"/>;"
      "<a href=\"https://x.example/0\">T0</a><p>D0</p><s>$10</s>"
      "<i>https://img.example/0</i>"
      "<a href=\"https://x.example/1\">T1</a><p>D1</p><s>$11</s>"
      "<i>https://img.example/1</i>"
      "<a href=\"https://x.example/2\">T2</a><p>D2</p><s>$12</s>"
      "<i>https://img.example/2</i>;"
      "<p>First paragraph.</p>;First paragraph.;"
      "https://www.example.com/one/";
  CHECK(r.RenderPage(site, 2024, a, links, "<p>First paragraph.</p>") ==
        page_a);
  std::vector<Link> fewer = {links[1]};
  fewer[0].description = "";
  fewer[0].price = "";
  fewer[0].image = "";
  const std::string page_b =
      "other;no image;<a href=\"https://x.example/1\">T1</a>;<p>B</p>;B;"
      "https://www.example.com/two/";
  CHECK(r.RenderPage(site, 2024, b, fewer, "<p>B</p>") == page_b);
  CHECK(r.RenderPage(site, 2024, b, {}, "") ==
        "other;no image;none;;;https://www.example.com/two/");
  CHECK(r.RenderPage(site, 2024, a, links, "<p>First paragraph.</p>") ==
        page_a);
  // More links than the list had room for (its items move), then fewer,
  // then more again.
  std::vector<Link> many(40);
  std::string many_links;
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].title = "M" + std::to_string(i);
    many[i].url = "https://m.example/" + std::to_string(i);
    if (i % 3 == 0) many[i].description = "d" + std::to_string(i);
    many_links += "<a href=\"" + many[i].url + "\">" + many[i].title + "</a>";
    if (i % 3 == 0) many_links += "<p>" + many[i].description + "</p>";
  }
  const std::string page_many = "other;no image;" + many_links +
                                ";<p>B</p>;B;https://www.example.com/two/";
  for (int round = 0; round < 2; ++round) {
    CHECK(r.RenderPage(site, 2024, b, many, "<p>B</p>") == page_many);
    CHECK(r.RenderPage(site, 2024, a, links, "<p>First paragraph.</p>") ==
          page_a);
    CHECK(r.RenderPage(site, 2024, b, fewer, "<p>B</p>") == page_b);
  }
  // Another Renderer on this thread starts from the same reused data.
  Renderer r2;
  r2.LoadFrom(r);
  CHECK(r2.RenderPage(site, 2024, b, fewer, "<p>B</p>") == page_b);
}

TEST_CASE("render: template syntax errors name the template and line") {
  TempDir dir;
  WriteTemplates(dir, "<h1>\n{{heading}}\n{{#links}}\n<p>\n");
  Renderer r;
  std::string err;
  CHECK_FALSE(r.Load(dir.path(), &err));
  CHECK_THAT(err, Catch::Contains("page.mustache:3:") &&
                      Catch::Contains("Unclosed section \"links\""));

  WriteTemplates(dir, "ok\n{{> footer}}");
  WriteFile(dir / "partials/footer.mustache", "line1\n{{year\n");
  CHECK_FALSE(r.Load(dir.path(), &err));
  CHECK_THAT(err, Catch::Contains("footer.mustache:2:") &&
                      Catch::Contains("Unclosed tag"));
}

TEST_CASE("render: a missing partial is named") {
  TempDir dir;
  WriteTemplates(dir, "a\n{{> sidebar}}");
  Renderer r;
  std::string err;
  CHECK_FALSE(r.Load(dir.path(), &err));
  CHECK_THAT(err, Catch::Contains("page.mustache:2:1: partial \"sidebar\" "
                                  "not found"));
}

TEST_CASE("render: a partial including itself is refused") {
  TempDir dir;
  WriteTemplates(dir, "{{> loop}}");
  WriteFile(dir / "partials/loop.mustache", "x{{> loop}}");
  Renderer r;
  std::string err;
  CHECK_FALSE(r.Load(dir.path(), &err));
  CHECK_THAT(err, Catch::Contains("nested more than 8 deep"));
}

TEST_CASE("render: a missing template is named") {
  TempDir dir;
  Renderer r;
  std::string err;
  CHECK_FALSE(r.Load(dir.path(), &err));
  CHECK_THAT(err, Catch::Contains("page.mustache: cannot read"));
}

TEST_CASE("render: index, privacy, sitemap, robots") {
  TempDir dir;
  WriteTemplates(dir, "x");
  Renderer r;
  std::string err;
  REQUIRE(r.Load(dir.path(), &err));
  Site site = TestSite();
  CHECK(r.RenderIndex(site, 2023) ==
        "<a href=\"one/\">Latest Information On Your Search For: "
        "massage</a>");
  CHECK(r.RenderPrivacy(site, 2023) ==
        "Example &lt;LLC&gt; January 1, 2023");
  std::string sitemap = SitemapXml(site);
  CHECK_THAT(sitemap,
             Catch::Contains("<loc>https://www.example.com/one/</loc>"));
  CHECK_THAT(sitemap, Catch::Contains("<loc>https://www.example.com/</loc>"));
  CHECK(RobotsTxt(site) ==
        "User-agent: *\nAllow: /\n\nSitemap: "
        "https://www.example.com/sitemap.xml\n");
}

// The home page as RenderIndex made it before it rendered the list without
// a kainjow object per page: the data of every page built up front, then
// kainjow's own render. The reference RenderIndex is held to, byte for
// byte.
std::string ReferenceIndex(const Renderer& r, const Site& site, int year) {
  namespace mu = kainjow::mustache;
  mu::mustache tmpl(r.index_source());  // kainjow's html_escape: the same.
  REQUIRE(tmpl.is_valid());
  const SiteInfo& s = site.info;
  mu::data d;
  d.set("lang", s.language);
  d.set("site_title", s.title);
  d.set("base_url", s.base_url);
  d.set("company", s.company);
  d.set("address", s.address);
  d.set("email", s.email);
  d.set("year", std::to_string(year));
  d.set("root", "");
  d.set("canonical", s.base_url + "/");
  d.set("title", s.title);
  d.set("description",
        s.title + ": " + std::to_string(site.pages.size()) + " topics");
  mu::data list(mu::data::type::list);
  for (const Page& page : site.pages) {
    mu::data p;
    p.set("slug", std::string(page.slug));
    p.set("topic", std::string(page.topic));
    p.set("heading", page.settings.heading_prefix.empty()
                         ? std::string(page.topic)
                         : page.settings.heading_prefix + " " + page.topic);
    p.set("href", page.slug + "/");
    list.push_back(p);
  }
  d.set("pages", list);
  std::string out;
  tmpl.render(d, [&out](const std::string& piece) { out += piece; });
  return out;
}

// Sites of 0, 1 and 3 pages, with text that needs escaping and text that
// looks like a template.
std::vector<Site> IndexSites() {
  std::vector<Site> sites;
  Site site = TestSite();
  site.pages.clear();
  sites.push_back(site);
  site = TestSite();
  sites.push_back(site);
  Page p = site.pages[0];
  p.slug = "two";
  p.topic = "<b>\"quoted\" & 'single'</b>";
  p.settings.heading_prefix = "";
  site.pages.push_back(p);
  p.slug = "three";
  p.topic = "{{slug}} {{#pages}}x{{/pages}}";
  p.settings.heading_prefix = "Read:";
  site.pages.push_back(p);
  sites.push_back(site);
  return sites;
}

TEST_CASE("render: the home page equals kainjow's render of the page list") {
  // Templates that place the list in every way Mustache allows: on lines
  // of its own (standalone tags, whose lines are dropped), inline, indented,
  // with CRLF, nested, inverted, inside other sections, with lookups of
  // ".", dotted names, names of the page list and the root, and partial
  // tags (behind changed delimiters) that name a page's key.
  const std::vector<std::string> templates = {
      "{{#pages}}<a href=\"{{href}}\">{{heading}}</a>{{/pages}}",
      "<ul>\n{{#pages}}\n<li>{{slug}}|{{topic}}|{{heading}}|{{href}}|"
      "{{site_title}}|{{year}}</li>\n{{/pages}}\n</ul>\n{{^pages}}\nnone\n"
      "{{/pages}}\nend",
      "  {{#pages}}  \n  <li>{{{heading}}}</li>\n  {{/pages}}  \n  x  \n",
      "{{#pages}}\r\n{{slug}}\r\n{{/pages}}\r\n{{^pages}}\r\n-\r\n{{/pages}}",
      "{{! comment }}\n{{#pages}}{{! in }}\n{{&topic}}\n{{/pages}}\n",
      "{{#pages}}{{/pages}}{{^pages}}empty{{/pages}}[{{pages}}]",
      "{{#pages}}{{.}}{{#.}}[{{slug}}]{{/.}}{{^.}}x{{/.}}{{/pages}}",
      "{{#pages}}{{#slug}}<{{.}}>{{/slug}}{{^missing}}-{{/missing}}"
      "{{pages.x}}{{slug.x}}{{#heading}}{{topic}}{{/heading}}"
      "{{^topic}}no{{/topic}}{{/pages}}",
      "{{#pages}}{{slug}}:{{#pages}}{{href}},{{/pages}};{{slug}}\n{{/pages}}",
      "{{#pages}}{{#slug}}{{#pages}}({{.}}{{slug}}){{/pages}}{{.}}{{/slug}}"
      "{{/pages}}",
      "{{#site_title}}{{#pages}}{{slug}}{{title}}|{{canonical}}{{/pages}}"
      "{{/site_title}}",
      "{{#pages}}{{slug.length}}{{heading.x.y}}{{a..b}}{{.x}}{{x.}}"
      "{{/pages}}",
      "{{=<% %>=}}<%#pages%><%> heading%>|<%> slug%>;<%/pages%>",
      "{{#pages}}\n  {{#heading}}\n  {{heading}}\n  {{/heading}}\n"
      "{{/pages}}",
      "{{#pages}}{{#pages}}{{#pages}}{{slug}}{{/pages}}{{/pages}}{{/pages}}",
  };
  int compared = 0;
  for (const std::string& tmpl : templates) {
    TempDir dir;
    WriteTemplates(dir, "x");
    WriteFile(dir / "index.mustache", tmpl);
    Renderer r;
    std::string err;
    REQUIRE(r.Load(dir.path(), &err));
    for (const Site& site : IndexSites()) {
      INFO(tmpl << "\n" << site.pages.size() << " pages");
      CHECK(r.RenderIndex(site, 2023) == ReferenceIndex(r, site, 2023));
      ++compared;
    }
  }
  // The repository's own template, on the example site.
  Site example;
  std::string err;
  REQUIRE(LoadSite(test::SourceDir(), test::FakeEnv(), &example, &err));
  Renderer r;
  REQUIRE(r.Load(test::SourceDir() + "/templates", &err));
  CHECK(r.RenderIndex(example, 2023) == ReferenceIndex(r, example, 2023));
  CHECK(compared == static_cast<int>(templates.size() * 3));
}

// A site of several thousand pages: the page is sized from a sample of
// pages before it is rendered, and does not grow on the way.
TEST_CASE("render: a large home page is sized up front") {
  Renderer r;
  std::string err;
  REQUIRE(r.Load(test::SourceDir() + "/templates", &err));
  Site site = TestSite();
  const Page first = site.pages[0];
  site.pages.clear();
  for (int i = 0; i < 5000; ++i) {
    Page p = first;
    p.slug = test::Keep("page-" + std::to_string(i));
    p.topic =
        test::Keep(std::string(static_cast<size_t>(i % 97), 't') + " & more");
    if (i % 7 == 0) p.settings.heading_prefix = "";
    site.pages.push_back(p);
  }
  const std::string html = r.RenderIndex(site, 2023);
  CHECK(html == ReferenceIndex(r, site, 2023));
  // A string that grew would have doubled its capacity at least once.
  CHECK(html.capacity() >= html.size());
  CHECK(html.capacity() < html.size() + html.size() / 2);
}

TEST_CASE("render: the sitemap escapes the URLs it lists") {
  Site site = TestSite();
  site.info.base_url = "https://x.example/a&b";
  site.pages[0].slug = "o'ne";
  std::string sitemap = SitemapXml(site, "2024-01-02");
  CHECK(sitemap ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
        "  <url><loc>https://x.example/a&amp;b/</loc>"
        "<lastmod>2024-01-02</lastmod></url>\n"
        "  <url><loc>https://x.example/a&amp;b/o&apos;ne/</loc>"
        "<lastmod>2024-01-02</lastmod></url>\n"
        "  <url><loc>https://x.example/a&amp;b/privacy-policy/</loc>"
        "<lastmod>2024-01-02</lastmod></url>\n"
        "</urlset>\n");
  // Allocated once, at its size (libstdc++ allocates what reserve() asks).
  CHECK(sitemap.capacity() == sitemap.size());
}

TEST_CASE("render: FormatPrice") {
  CHECK(FormatPrice("19.99", "USD") == "$19.99");
  CHECK(FormatPrice("5", "EUR") == "€5");
  CHECK(FormatPrice("7.50", "CHF") == "7.50 CHF");
  CHECK(FormatPrice("7.50", "") == "7.50");
  CHECK(FormatPrice("", "USD") == "");
}

}  // namespace
}  // namespace linkpage
