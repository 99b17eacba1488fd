#include "config.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace linkpage {
namespace {

using test::FakeEnv;
using test::TempDir;
using test::WriteFile;

const char* kSiteJson = R"({
  "site": {
    "title": "Test Site",
    "base_url": "https://www.example.com/",
    "language": "en",
    "company": "Example LLC",
    "address": "1 Main St, Springfield",
    "email": "help@example.com"
  },
  "page_defaults": { "links_per_page": 3 },
  "pages": [
    { "slug": "one", "topic": "first topic", "keywords": ["alpha"],
      "feeds": ["offers"], "links_per_page": 2,
      "image": { "src": "assets/a.svg", "alt": "An A" } },
    { "slug": "two-2", "topic": "second topic", "article": "articles/x.md" }
  ]
})";

const char* kFeedJson = R"({
  "name": "offers",
  "url": "link-feeds/samples/offers.xml",
  "format": "rss",
  "link_params": { "subid": "{slug}", "a": "{feed}" }
})";

// Writes a site with "site_json" and one feed "offers", then loads it.
bool Load(const TempDir& dir, const std::string& site_json,
          const std::string& feed_json, Site* site, std::string* err,
          const EnvLookup& env = FakeEnv()) {
  WriteFile(dir / "site.json", site_json);
  WriteFile(dir / "link-feeds/offers.json", feed_json);
  return LoadSite(dir.path(), env, site, err);
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// Loads a site expected to fail; returns the error.
std::string LoadError(const std::string& site_json,
                      const std::string& feed_json = kFeedJson,
                      const EnvLookup& env = FakeEnv()) {
  TempDir dir;
  Site site;
  std::string err;
  CHECK_FALSE(Load(dir, site_json, feed_json, &site, &err, env));
  CHECK_FALSE(err.empty());
  return err;
}

TEST_CASE("config: a valid site loads with defaults and overrides") {
  TempDir dir;
  Site site;
  std::string err;
  REQUIRE(Load(dir, kSiteJson, kFeedJson, &site, &err));
  CHECK(site.info.base_url == "https://www.example.com");
  CHECK(site.info.copyright_year == 0);
  REQUIRE(site.pages.size() == 2);
  CHECK(site.pages[0].settings.links_per_page == 2);
  CHECK(site.pages[1].settings.links_per_page == 3);
  CHECK(site.pages[0].settings.closing_line ==
        "Check out some of the links above.");
  CHECK(site.pages[0].article == "articles/one.md");
  CHECK(site.pages[1].article == "articles/x.md");
  REQUIRE(site.pages[0].image);
  CHECK(site.pages[0].image->alt == "An A");
  CHECK_FALSE(site.pages[1].image);
  CHECK(site.pages[1].feeds.empty());
  REQUIRE(site.feeds.size() == 1);
  const FeedConfig& feed = site.feeds[0];
  CHECK(feed.name == "offers");
  CHECK(feed.format == "rss");
  CHECK(feed.timeout_seconds == 20);
  CHECK(feed.max_bytes == 10485760);
  CHECK(feed.max_stale_hours == 72);
  REQUIRE(feed.link_params.size() == 2);
  CHECK(feed.link_params[0].first == "subid");  // Order kept from the file.
  CHECK(feed.link_params[1].first == "a");
}

TEST_CASE("config: required site fields") {
  for (const char* key : {"company", "address", "email", "title"}) {
    nlohmann::json json = nlohmann::json::parse(kSiteJson);
    json["site"].erase(key);
    std::string err = LoadError(json.dump());
    CHECK_THAT(err, Catch::Contains("site.json") &&
                        Catch::Contains(std::string("\"site.") + key +
                                        "\" is required"));
  }
}

TEST_CASE("config: empty company is an error") {
  std::string err =
      LoadError(Replace(kSiteJson, "\"Example LLC\"", "\"  \""));
  CHECK_THAT(err, Catch::Contains("\"site.company\" must not be empty"));
}

TEST_CASE("config: bad and duplicate slugs are named") {
  std::string err = LoadError(Replace(kSiteJson, "\"two-2\"", "\"Two_2\""));
  CHECK_THAT(err, Catch::Contains("slug \"Two_2\" is not valid"));
  err = LoadError(Replace(kSiteJson, "\"two-2\"", "\"one\""));
  CHECK_THAT(err, Catch::Contains("duplicate page slug \"one\""));
  err = LoadError(Replace(kSiteJson, "\"two-2\"", "\"\""));
  CHECK_THAT(err, Catch::Contains("slug \"\" is not valid"));
  err = LoadError(Replace(kSiteJson, "\"two-2\"", "\"privacy-policy\""));
  CHECK_THAT(err, Catch::Contains("\"privacy-policy\" is reserved"));
  err = LoadError(Replace(kSiteJson, "\"two-2\"", "\"assets\""));
  CHECK_THAT(err, Catch::Contains("\"assets\" is reserved"));
}

TEST_CASE("config: unknown keys are named with the file") {
  std::string err = LoadError(
      Replace(kSiteJson, "\"language\": \"en\"", "\"langauge\": \"en\""));
  CHECK_THAT(err, Catch::Contains("site.json") &&
                      Catch::Contains("unknown key \"site.langauge\""));
  err = LoadError(Replace(kSiteJson, "\"keywords\"", "\"keyword\""));
  CHECK_THAT(err, Catch::Contains("unknown key \"pages[one].keyword\""));
  err = LoadError(Replace(kSiteJson, "\"pages\"", "\"extra\": 1, \"pages\""));
  CHECK_THAT(err, Catch::Contains("unknown key \"extra\""));
  err = LoadError(kSiteJson, Replace(kFeedJson, "\"format\"", "\"fromat\""));
  CHECK_THAT(err, Catch::Contains("offers.json") &&
                      Catch::Contains("unknown key \"fromat\""));
  err = LoadError(Replace(kSiteJson, "\"alt\"", "\"title\""));
  CHECK_THAT(err, Catch::Contains("pages[one].image"));
}

TEST_CASE("config: wrong types are named") {
  std::string err = LoadError(
      Replace(kSiteJson, "\"links_per_page\": 3", "\"links_per_page\": \"3\""));
  CHECK_THAT(err, Catch::Contains("\"page_defaults.links_per_page\" must be "
                                  "an integer"));
  err = LoadError(
      Replace(kSiteJson, "\"keywords\": [\"alpha\"]", "\"keywords\": \"alpha\""));
  CHECK_THAT(err, Catch::Contains("\"pages[one].keywords\" must be an array"));
  err = LoadError(kSiteJson, Replace(kFeedJson, "\"format\": \"rss\"",
                                     "\"format\": \"rss\", \"required\": 1"));
  CHECK_THAT(err, Catch::Contains("\"required\" must be true or false"));
  err = LoadError(
      Replace(kSiteJson, "\"links_per_page\": 3", "\"links_per_page\": -1"));
  CHECK_THAT(err, Catch::Contains("must be between 0 and 100"));
}

TEST_CASE("config: JSON syntax errors give file, line and column") {
  std::string json = kSiteJson;
  json = Replace(json, "\"title\": \"Test Site\",", "\"title\": \"Test Site\"");
  std::string err = LoadError(json);
  CHECK_THAT(err, Catch::Contains("site.json:4:") &&
                      Catch::Contains("JSON syntax error"));
  err = LoadError(kSiteJson, "{ \"url\": }");
  CHECK_THAT(err, Catch::Contains("offers.json:1:10: JSON syntax error"));
}

TEST_CASE("config: missing site.json says what to do") {
  TempDir dir;
  Site site;
  std::string err;
  CHECK_FALSE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  CHECK_THAT(err, Catch::Contains("site.json: cannot read"));
}

TEST_CASE("config: ${VAR} expansion in url and headers") {
  std::string feed = R"({ "url": "https://x.example/${PATH_PART}?k=${KEY}",
    "headers": { "Authorization": "Bearer ${TOKEN}" } })";
  TempDir dir;
  Site site;
  std::string err;
  REQUIRE(Load(dir, kSiteJson, feed, &site, &err,
               FakeEnv({{"PATH_PART", "feed.xml"},
                        {"KEY", "k1"},
                        {"TOKEN", "s3cret"}})));
  CHECK(site.feeds[0].url == "https://x.example/feed.xml?k=k1");
  REQUIRE(site.feeds[0].headers.size() == 1);
  CHECK(site.feeds[0].headers[0].second == "Bearer s3cret");

  err = LoadError(kSiteJson, feed,
                  FakeEnv({{"PATH_PART", "f"}, {"KEY", "k"}}));
  CHECK_THAT(err, Catch::Contains("offers.json") &&
                      Catch::Contains("TOKEN, which is not set"));
  err = LoadError(kSiteJson, R"({ "url": "https://x/${UNSET_ONE}" })");
  CHECK_THAT(err, Catch::Contains("UNSET_ONE"));
}

TEST_CASE("config: feed url schemes and formats") {
  std::string err = LoadError(kSiteJson, R"({ "url": "ftp://x/feed" })");
  CHECK_THAT(err, Catch::Contains("scheme \"ftp\" is not supported"));
  err = LoadError(kSiteJson,
                  R"({ "url": "a.xml", "format": "yaml" })");
  CHECK_THAT(err, Catch::Contains("\"format\" must be one of"));
  err = LoadError(kSiteJson, R"({ "url": "a.csv", "format": "csv" })");
  CHECK_THAT(err, Catch::Contains("needs a \"mapping\""));
  err = LoadError(kSiteJson, R"({ "format": "rss" })");
  CHECK_THAT(err, Catch::Contains("\"url\" is required"));
}

TEST_CASE("config: pages naming an unknown feed") {
  std::string err =
      LoadError(Replace(kSiteJson, "[\"offers\"]", "[\"offerz\"]"));
  CHECK_THAT(err, Catch::Contains("page \"one\" names feed \"offerz\""));
}

TEST_CASE("config: mapped feed definitions") {
  TempDir dir;
  Site site;
  std::string err;
  REQUIRE(Load(dir, kSiteJson, R"({
    "url": "a.csv", "format": "csv",
    "mapping": { "delimiter": "|", "header": false,
                 "fields": { "title": 1, "url": "4" } } })",
               &site, &err));
  CHECK(site.feeds[0].mapping.delimiter == '|');
  CHECK_FALSE(site.feeds[0].mapping.header);
  CHECK(site.feeds[0].mapping.fields.at("title") == "1");
  std::string e = LoadError(kSiteJson, R"({
    "url": "a.xml", "format": "xml",
    "mapping": { "items": "//item", "fields": { "title": "name" } } })");
  CHECK_THAT(e, Catch::Contains("\"mapping.fields.url\" is required"));
  e = LoadError(kSiteJson, R"({
    "url": "a.xml", "format": "xml",
    "mapping": { "items": "//item",
                 "fields": { "title": "t", "url": "u", "colour": "c" } } })");
  CHECK_THAT(e, Catch::Contains("unknown field \"mapping.fields.colour\""));
}

TEST_CASE("config: ExpandVars") {
  std::string out, err;
  CHECK(ExpandVars("a${X}b${X}", FakeEnv({{"X", "1"}}), "ctx", &out, &err));
  CHECK(out == "a1b1");
  CHECK_FALSE(ExpandVars("a${X", FakeEnv({{"X", "1"}}), "ctx", &out, &err));
  CHECK_THAT(err, Catch::Contains("unterminated"));
}

}  // namespace
}  // namespace linkpage
