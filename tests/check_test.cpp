#include "check.h"

#include <catch2/catch.hpp>
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
  CHECK_THAT(log4.str(), Catch::Contains(site.pages[1].slug) &&
                             Catch::Contains("sponsored-rel"));
}

}  // namespace
}  // namespace linkpage
