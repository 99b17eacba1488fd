// End to end: hostile feeds of every format go through the real pipeline
// (fetch, parse, match, render, publish) and the rendered page is checked
// for anything that came from the feed and could run or lead elsewhere.
#include <catch2/catch.hpp>
#include <cctype>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <string>

#include "build.h"
#include "test_util.h"

namespace linkpage {
namespace {

using test::CopyExampleSite;
using test::FakeEnv;
using test::ReadFile;
using test::TempDir;
using test::WriteFile;

struct HostileCase {
  const char* format;
  const char* fixture;
  const char* mapping;  // JSON, or "" for the self-describing formats.
  int items;
  int dropped_urls;
  int links;
};

const HostileCase kCases[] = {
    {"rss", "hostile_rss.xml", "", 15, 8, 6},
    {"atom", "hostile_atom.xml", "", 5, 3, 2},
    {"jsonfeed", "hostile_jsonfeed.json", "", 9, 4, 4},
    {"xml", "hostile_xml.xml",
     R"({"items": "//product", "fields": {"title": "name",
         "url": "buy-url", "description": "description",
         "image": "image-url", "price": "price", "currency": "currency"}})",
     14, 8, 6},
    {"json", "hostile_json.json",
     R"({"items": "/data/items", "fields": {"title": "/name",
         "url": "/links/click", "description": "/summary",
         "image": "/images/0/url"}})",
     12, 7, 5},
    {"csv", "hostile_csv.csv",
     R"({"fields": {"title": "product_name", "url": "aw_deep_link",
         "description": "description", "image": "merchant_image_url"}})",
     10, 6, 4},
};

const char kSlug[] = "massage-therapy-for-back-pain";

// Points the example site's first page at one feed, "hostile", read from
// "fixture", with room for every link it has.
void MakeHostileSite(const std::string& dir, const HostileCase& c) {
  CopyExampleSite(dir);
  WriteFile(dir + "/link-feeds/samples/hostile.feed",
            ReadFile(test::SourceDir() + "/tests/data/feeds/" + c.fixture));
  std::string feed = std::string(R"({"name": "hostile", "format": ")") +
                     c.format +
                     R"(", "url": "link-feeds/samples/hostile.feed")";
  if (*c.mapping) feed += std::string(R"(, "mapping": )") + c.mapping;
  WriteFile(dir + "/link-feeds/hostile.json", feed + "}\n");
  nlohmann::ordered_json site =
      nlohmann::ordered_json::parse(ReadFile(dir + "/site.json"));
  for (auto& page : site["pages"]) {
    if (page["slug"] == kSlug) {
      page["feeds"] = {"hostile"};
      page["links_per_page"] = 50;
    }
  }
  WriteFile(dir + "/site.json", site.dump(2));
}

std::string Lower(std::string s) {
  for (char& ch : s) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return s;
}

// The scheme of a URL ("" for a relative one), lower case. Leading
// spaces and controls are skipped, as browsers do.
std::string Scheme(const std::string& url) {
  size_t i = 0;
  while (i < url.size() && static_cast<unsigned char>(url[i]) <= ' ') ++i;
  size_t start = i;
  while (i < url.size() &&
         (std::isalnum(static_cast<unsigned char>(url[i])) || url[i] == '+' ||
          url[i] == '.' || url[i] == '-')) {
    ++i;
  }
  if (i == start || i >= url.size() || url[i] != ':' ||
      !std::isalpha(static_cast<unsigned char>(url[start]))) {
    return "";
  }
  return Lower(url.substr(start, i - start));
}

// True when some tag in "html" carries an on...= attribute.
bool HasHandlerAttribute(const std::string& html) {
  const std::string lower = Lower(html);
  size_t lt = 0;
  while ((lt = lower.find('<', lt)) != std::string::npos) {
    size_t gt = lower.find('>', lt);
    std::string tag = lower.substr(lt, gt == std::string::npos ? gt : gt - lt);
    for (size_t on = tag.find(" on"); on != std::string::npos;
         on = tag.find(" on", on + 1)) {
      size_t k = on + 3;
      while (k < tag.size() && std::isalpha(static_cast<unsigned char>(tag[k]))) ++k;
      while (k < tag.size() && tag[k] == ' ') ++k;
      if (k > on + 3 && k < tag.size() && tag[k] == '=') return true;
    }
    if (gt == std::string::npos) break;
    lt = gt;
  }
  return false;
}

void CheckPage(const std::string& path, const HostileCase& c) {
  const std::string raw = ReadFile(path);
  REQUIRE_FALSE(raw.empty());
  const std::string lower = Lower(raw);
  CHECK(lower.find("<script") == std::string::npos);
  CHECK(lower.find("<svg") == std::string::npos);
  CHECK(lower.find("<img src=x") == std::string::npos);
  // No event-handler attribute inside any tag.
  CHECK_FALSE(HasHandlerAttribute(raw));

  // The page is well-formed XML; read every attribute.
  pugi::xml_document doc;
  REQUIRE(doc.load_string(raw.c_str()));
  int sponsored = 0;
  for (const pugi::xpath_node& n : doc.select_nodes("//*")) {
    for (const pugi::xml_attribute& a : n.node().attributes()) {
      const std::string name = Lower(a.name());
      INFO("<" << n.node().name() << " " << name << "=\"" << a.value()
               << "\">");
      CHECK(name.rfind("on", 0) != 0);
      if (name == "href" || name == "src" || name == "action" ||
          name == "formaction" || name == "srcset") {
        const std::string scheme = Scheme(a.value());
        CHECK((scheme.empty() || scheme == "http" || scheme == "https" ||
               scheme == "mailto"));
      }
    }
  }
  for (const pugi::xpath_node& n :
       doc.select_nodes("//a[contains(@rel, 'sponsored')]")) {
    const std::string href = n.node().attribute("href").value();
    INFO(href);
    CHECK((href.rfind("https://", 0) == 0 || href.rfind("http://", 0) == 0));
    CHECK(href.find("evil") == std::string::npos);
    ++sponsored;
  }
  CHECK(sponsored == c.links);
}

TEST_CASE("hostile: feeds of every format render safe pages", "[hostile]") {
  for (const HostileCase& c : kCases) {
    DYNAMIC_SECTION(c.format) {
      TempDir dir;
      MakeHostileSite(dir.path(), c);
      Options options;
      options.site_dir = dir.path();
      options.offline = true;
      options.env = FakeEnv();
      options.now = 1700000000;
      options.report_path = dir / "report.json";
      std::ostringstream log;
      Report report;
      REQUIRE(Build(options, log, &report) == kExitPublished);
      INFO(log.str());
      CheckPage(dir / (std::string("out/") + kSlug + "/index.html"), c);

      // The report counts what was dropped, per feed.
      nlohmann::json rep = nlohmann::json::parse(ReadFile(dir / "report.json"));
      bool found = false;
      for (const auto& f : rep["feeds"]) {
        if (f["name"] != "hostile") continue;
        found = true;
        CHECK(f["status"] == "fresh");
        CHECK(f["items"].get<int>() == c.items);
        CHECK(f["dropped_urls"].get<int>() == c.dropped_urls);
        CHECK(f["links"].get<int>() == c.links);
      }
      CHECK(found);
    }
  }
}

// A feed that is empty, over max_bytes, too deep or a CSV that never ends
// costs its own links only: the build publishes and names the feed.
TEST_CASE("hostile: unusable feeds are dropped by name, the site builds",
          "[hostile]") {
  struct Broken {
    const char* name;
    const char* format;
    std::string bytes;
    const char* expect;
    int max_bytes = 10485760;
  };
  std::string deep_xml = "<rss><channel>";
  for (int i = 0; i < 100000; ++i) deep_xml += "<a>";
  for (int i = 0; i < 100000; ++i) deep_xml += "</a>";
  deep_xml += "</channel></rss>";
  const Broken kBroken[] = {
      {"zero-bytes", "rss", "", "document is empty"},
      {"too-big", "rss", std::string(995, ' ') + "<rss/>",  // 1001 bytes.
       "larger than max_bytes (1000)", 1000},
      {"deep-json", "jsonfeed", "{\"items\": " + std::string(100000, '['),
       "JSON nested deeper than 64 levels"},
      {"deep-xml", "rss", deep_xml,
       "XML elements nested deeper than 256 levels"},
      {"open-csv", "csv", "T,https://a.example.com/\n\"never closed\n",
       "CSV quoted field opened at line 2, column 1 is never closed"},
  };
  for (const Broken& b : kBroken) {
    DYNAMIC_SECTION(b.name) {
      TempDir dir;
      CopyExampleSite(dir.path());
      WriteFile(dir / "link-feeds/samples/broken.feed", b.bytes);
      std::string feed = std::string(R"({"name": ")") + b.name +
                         R"(", "format": ")" + b.format +
                         R"(", "max_bytes": )" + std::to_string(b.max_bytes) +
                         ","
                         R"( "url": "link-feeds/samples/broken.feed")";
      if (std::string(b.format) == "csv") {
        feed += R"(, "mapping": {"header": false,
                   "fields": {"title": "0", "url": "1"}})";
      }
      WriteFile(dir / (std::string("link-feeds/") + b.name + ".json"),
                feed + "}\n");
      Options options;
      options.site_dir = dir.path();
      options.offline = true;
      options.env = FakeEnv();
      options.now = 1700000000;
      std::ostringstream log;
      Report report;
      REQUIRE(Build(options, log, &report) == kExitPublished);
      INFO(log.str());
      bool found = false;
      for (const FeedReport& f : report.feeds) {
        if (f.name != b.name) continue;
        found = true;
        CHECK(f.status == "dropped");
        CHECK(f.links == 0);
        CHECK_THAT(f.error, Catch::Contains(b.expect));
      }
      CHECK(found);
      CHECK_THAT(log.str(),
                 Catch::Contains(std::string("feed \"") + b.name + "\""));
    }
  }
}

}  // namespace
}  // namespace linkpage
