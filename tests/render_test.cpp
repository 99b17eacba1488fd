#include "render.h"

#include <catch2/catch.hpp>

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

TEST_CASE("render: FormatPrice") {
  CHECK(FormatPrice("19.99", "USD") == "$19.99");
  CHECK(FormatPrice("5", "EUR") == "€5");
  CHECK(FormatPrice("7.50", "CHF") == "7.50 CHF");
  CHECK(FormatPrice("7.50", "") == "7.50");
  CHECK(FormatPrice("", "USD") == "");
}

}  // namespace
}  // namespace linkpage
