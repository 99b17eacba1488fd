#include "config.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "test_util.h"

namespace linkpage {
namespace {

using test::FakeEnv;
using test::ReadFile;
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
  CHECK(site.pages[0].article() == "articles/one.md");
  CHECK(site.pages[1].article() == "articles/x.md");
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

// Pages hold one copy of each settings text between them, not one each:
// the page_defaults text when they do not set the key, one copy among the
// pages that set equal texts.
TEST_CASE("config: pages share the settings texts") {
  nlohmann::json json = nlohmann::json::parse(kSiteJson);
  json["page_defaults"]["disclosure"] = "Default disclosure.";
  json["page_defaults"]["heading_prefix"] = "";
  nlohmann::json& pages = json["pages"];
  pages[0]["disclosure"] = "Own disclosure.";
  pages[1]["disclosure"] = "Default disclosure.";  // Equal to the default.
  for (const char* slug : {"three", "four"}) {
    pages.push_back({{"slug", slug}, {"topic", slug}});
  }
  pages[2]["disclosure"] = "Own disclosure.";
  pages[3]["closing_line"] = "Bye.";
  TempDir dir;
  Site site;
  std::string err;
  REQUIRE(Load(dir, json.dump(), kFeedJson, &site, &err));
  REQUIRE(site.pages.size() == 4);
  const PageSettings& d = site.defaults;
  const PageSettings& one = site.pages[0].settings;
  const PageSettings& two = site.pages[1].settings;
  const PageSettings& three = site.pages[2].settings;
  const PageSettings& four = site.pages[3].settings;
  CHECK(one.disclosure == "Own disclosure.");
  CHECK(two.disclosure == "Default disclosure.");
  CHECK(three.disclosure == "Own disclosure.");
  CHECK(four.disclosure == "Default disclosure.");
  CHECK(one.disclosure.SharesWith(three.disclosure));
  CHECK(two.disclosure.SharesWith(d.disclosure));
  CHECK(four.disclosure.SharesWith(d.disclosure));
  CHECK_FALSE(one.disclosure.SharesWith(d.disclosure));
  CHECK(four.closing_line == "Bye.");
  CHECK(one.closing_line == "Check out some of the links above.");
  CHECK(one.closing_line.SharesWith(two.closing_line));
  CHECK(one.closing_line.SharesWith(PageSettings().closing_line));
  for (const PageSettings* ps : {&one, &two, &three, &four}) {
    CHECK(ps->heading_prefix.empty());
    CHECK(ps->heading_prefix.SharesWith(d.heading_prefix));
    CHECK(ps->links_per_page == (ps == &one ? 2 : 3));
  }
  // A copy is a reference to the same text; assigning replaces it in
  // that copy only.
  Page copy = site.pages[0];
  CHECK(copy.settings.disclosure.SharesWith(one.disclosure));
  copy.settings.disclosure = "Changed.";
  CHECK(copy.settings.disclosure == "Changed.");
  CHECK(one.disclosure == "Own disclosure.");
  CHECK(std::string_view(copy.settings.disclosure) == "Changed.");
  CHECK(copy.settings.disclosure + "!" == "Changed.!");
  CHECK(">" + copy.settings.disclosure == ">Changed.");
  const std::string& as_string = copy.settings.disclosure;
  CHECK(as_string == "Changed.");
}

// Keywords, feed names and image files, which pages tend to share, are
// held once whatever the number of pages that name them.
TEST_CASE("config: pages share equal keywords, feed names and image files") {
  nlohmann::json json = nlohmann::json::parse(kSiteJson);
  nlohmann::json& pages = json["pages"];
  pages[0]["keywords"] = {"massage chair", "zero gravity"};
  pages[1]["keywords"] = {"zero gravity"};
  pages[0]["image"] = {{"src", "assets/chair.svg"}, {"alt", "A chair"}};
  pages[1]["image"] = {{"src", "assets/chair.svg"}, {"alt", "Another"}};
  TempDir dir;
  Site site;
  std::string err;
  REQUIRE(Load(dir, json.dump(), kFeedJson, &site, &err));
  REQUIRE(site.pages.size() == 2);
  const Page& one = site.pages[0];
  const Page& two = site.pages[1];
  REQUIRE(one.keywords.size() == 2);
  REQUIRE(two.keywords.size() == 1);
  CHECK(one.keywords[1] == "zero gravity");
  CHECK(one.keywords[1].data() == two.keywords[0].data());
  REQUIRE(one.image);
  REQUIRE(two.image);
  CHECK(one.image->src.data() == two.image->src.data());
  CHECK(one.image->alt == "A chair");
  CHECK(two.image->alt == "Another");
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
  err = LoadError(Replace(kSiteJson, "\"article\": \"articles/x.md\"",
                          "\"article\": \"\""));
  CHECK_THAT(err, Catch::Contains("\"pages[two-2].article\" is empty"));
  CHECK_THAT(err, Catch::Contains("site.json"));
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

// The pages of site.json are counted first (every "slug" key) so that the
// page list is allocated once, and a syntax error deep in a large file
// still names its line and column.
TEST_CASE("config: a large site.json is read as it is parsed") {
  nlohmann::json json = nlohmann::json::parse(kSiteJson);
  nlohmann::json& pages = json["pages"];
  pages.clear();
  for (int i = 0; i < 5000; ++i) {
    pages.push_back({{"slug", "page-" + std::to_string(i)},
                     {"topic", std::string(static_cast<size_t>(i % 50), 'x') +
                                   " topic"}});
  }
  std::string text = json.dump(1);
  REQUIRE(text.size() > 4 * 65536);  // Several blocks.
  // One key across the end of the first block (65,536 bytes).
  const size_t key = text.rfind("\"slug\"", 65533);
  text.insert(key, 65533 - key, ' ');
  TempDir dir;
  Site site;
  std::string err;
  REQUIRE(Load(dir, text, kFeedJson, &site, &err));
  REQUIRE(site.pages.size() == 5000);
  CHECK(site.pages[4999].slug == "page-4999");
  CHECK(site.pages.capacity() == site.pages.size());  // Counted, not grown.

  // Errors past the first block: the line and column of the byte where
  // nlohmann stops, as for a file read whole.
  for (size_t at : {text.find("\"slug\": \"page-2500\""), text.rfind(']')}) {
    std::string bad = text;
    bad.insert(at, "}");
    std::string want;
    try {
      nlohmann::json parsed = nlohmann::json::parse(bad);
      FAIL("parsed");
    } catch (const nlohmann::json::parse_error& e) {
      int line = 1, col = 1;
      for (size_t i = 0; i + 1 < e.byte; ++i) {
        if (bad[i] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
      }
      want = "site.json:" + std::to_string(line) + ":" +
             std::to_string(col) + ": JSON syntax error";
    }
    REQUIRE_FALSE(want.empty());
    CHECK_THAT(LoadError(bad), Catch::Contains(want));
  }
}

// Pages are read straight from the parser's events when every page is
// plain (known keys, each once, of the right types); anything else, a null
// value included (the key is then taken as absent), has the file read
// again through a DOM. The two must give the same pages.
// A site.json of 300 pages of random keys, key orders, and texts that need
// escaping in JSON.
nlohmann::ordered_json RandomSite() {
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(kSiteJson);
  json["page_defaults"] = {{"links_per_page", 4},
                           {"disclosure", "Default disclosure."}};
  nlohmann::ordered_json& pages = json["pages"];
  pages.clear();
  std::mt19937 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const std::vector<std::string> words = {"alpha", "b\u00e9ta \"q\"",
                                          "gamma\\delta", "", "x y z"};
  for (int i = 0; i < 300; ++i) {
    std::vector<std::pair<std::string, nlohmann::ordered_json>> fields = {
        {"slug", "p-" + std::to_string(i)},
        {"topic", words[pick(3)] + " topic " + std::to_string(i % 7)}};
    if (pick(3) == 0)
      fields.emplace_back("article",
                          "articles/a" + std::to_string(i % 5) + ".md");
    if (pick(4) == 0)
      fields.emplace_back("article", "articles/p-" + std::to_string(i) + ".md");
    if (pick(2) == 0) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (int k = pick(4); k > 0; --k) list.push_back(words[pick(5)]);
      fields.emplace_back("keywords", list);
    }
    if (pick(3) == 0) {
      fields.emplace_back("feeds", nlohmann::ordered_json::array({"offers"}));
    }
    if (pick(3) == 0) {
      nlohmann::ordered_json image = nlohmann::ordered_json::object();
      if (pick(2) == 0) {
        image["src"] = "assets/" + std::to_string(i % 3) + ".svg";
        image["alt"] = words[pick(5)];
      } else {
        image["alt"] = words[pick(5)];
        image["src"] = "assets/" + std::to_string(i % 3) + ".svg";
      }
      fields.emplace_back("image", image);
    }
    if (pick(4) == 0) fields.emplace_back("links_per_page", pick(101));
    if (pick(5) == 0) fields.emplace_back("heading_prefix", words[pick(5)]);
    if (pick(5) == 0)
      fields.emplace_back("disclosure", "Own " + words[pick(3)]);
    if (pick(5) == 0) fields.emplace_back("closing_line", words[pick(3)]);
    std::shuffle(fields.begin(), fields.end(), rng);
    nlohmann::ordered_json page = nlohmann::ordered_json::object();
    for (auto& [key, value] : fields) page[key] = value;
    pages.push_back(page);
  }
  return json;
}

// Checks that two loads of one site.json gave the same pages.
void CheckSamePages(const Site& a, const Site& b) {
  REQUIRE(a.pages.size() == b.pages.size());
  auto texts = [](std::span<const TextRef> list) {
    return std::vector<std::string>(list.begin(), list.end());
  };
  for (size_t i = 0; i < a.pages.size(); ++i) {
    INFO("page " << i);
    const Page& f = a.pages[i];
    const Page& g = b.pages[i];
    CHECK(f.slug == g.slug);
    CHECK(f.topic == g.topic);
    CHECK(f.article() == g.article());
    CHECK(f.article_file.empty() == g.article_file.empty());
    CHECK(texts(f.keywords) == texts(g.keywords));
    CHECK(texts(f.feeds) == texts(g.feeds));
    REQUIRE(f.image.has_value() == g.image.has_value());
    if (f.image) {
      CHECK(f.image->src == g.image->src);
      CHECK(f.image->alt == g.image->alt);
    }
    CHECK(f.settings.links_per_page == g.settings.links_per_page);
    CHECK(f.settings.heading_prefix.str() == g.settings.heading_prefix.str());
    CHECK(f.settings.disclosure.str() == g.settings.disclosure.str());
    CHECK(f.settings.closing_line.str() == g.settings.closing_line.str());
  }
}

TEST_CASE("config: pages read without a DOM equal those read with one") {
  nlohmann::ordered_json json = RandomSite();
  nlohmann::ordered_json& pages = json["pages"];
  const std::string plain = json.dump(1);
  size_t imageless = 150;
  while (pages[imageless].contains("image")) ++imageless;
  pages[imageless]["image"] = nullptr;  // Absent, but not plain.
  const std::string with_null = json.dump(1);
  REQUIRE(plain != with_null);

  TempDir a, b;
  Site fast, general;
  std::string err;
  REQUIRE(Load(a, plain, kFeedJson, &fast, &err));
  REQUIRE(Load(b, with_null, kFeedJson, &general, &err));
  REQUIRE(fast.pages.size() == 300);
  CheckSamePages(fast, general);
  // What the general way reports, the plain way does too: a page that is
  // not plain at the end of a file otherwise read without a DOM.
  pages[299]["keyword"] = {"alpha"};
  CHECK_THAT(LoadError(json.dump(1)),
             Catch::Contains("unknown key \"pages[p-299].keyword\""));
  pages[299].erase("keyword");
  pages[299]["links_per_page"] = 101;
  CHECK_THAT(LoadError(json.dump(1)),
             Catch::Contains("\"pages[p-299].links_per_page\" must be "
                             "between 0 and 100"));

  // "pages" twice: the pages of both arrays, as the general way reads
  // them, and the second checked as the first.
  std::string twice = kSiteJson;
  twice.insert(twice.rfind('}'),
               ", \"pages\": [{ \"slug\": \"three\", \"topic\": \"t\" }]");
  TempDir dir;
  Site site;
  REQUIRE(Load(dir, twice, kFeedJson, &site, &err));
  REQUIRE(site.pages.size() == 3);
  CHECK(site.pages[2].slug == "three");
  CHECK_THAT(LoadError(Replace(twice, "\"three\"", "\"Three!\"")),
             Catch::Contains("slug \"Three!\" is not valid"));
}

// With a cache directory, what site.json reads to is kept there, and read
// instead of site.json while site.json keeps its stamp.
TEST_CASE("config: site.json is read from its copy while it is unchanged") {
  TempDir dir;
  const std::string cache_dir = dir / ".linkpage-cache";
  std::filesystem::create_directories(cache_dir);
  const std::string copy = cache_dir + "/site-json";
  WriteFile(dir / "site.json", RandomSite().dump(1));
  WriteFile(dir / "link-feeds/offers.json", kFeedJson);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto load = [&](int64_t clock, Site* site) {
    const SiteJsonCache cache{cache_dir, clock * 1000000000LL};
    std::string err;
    REQUIRE(LoadSite(dir.path(), FakeEnv(), site, &err, &cache));
  };
  Site plain, fresh, written, from_copy;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &plain, &err));

  // Just written (within two seconds of the clock): no copy.
  load(now, &fresh);
  CheckSamePages(plain, fresh);
  CHECK_FALSE(std::filesystem::exists(copy));

  // Settled: a copy is made, then read.
  load(now + 60, &written);
  CheckSamePages(plain, written);
  REQUIRE(std::filesystem::exists(copy));
  const std::string bytes = ReadFile(copy);
  load(now + 60, &from_copy);
  CheckSamePages(plain, from_copy);
  CHECK(from_copy.info.company == plain.info.company);
  CHECK(from_copy.info.base_url == plain.info.base_url);
  CHECK(from_copy.defaults.links_per_page == plain.defaults.links_per_page);
  CHECK(ReadFile(copy) == bytes);  // Read, not made again.

  // Damaged, anywhere: not used, and made again.
  for (size_t at : {size_t{3}, size_t{30}, bytes.size() / 2, bytes.size() - 20,
                    bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    WriteFile(copy, damaged);
    Site site;
    load(now + 60, &site);
    CheckSamePages(plain, site);
    CHECK(ReadFile(copy) == bytes);
  }
  WriteFile(copy, bytes.substr(0, bytes.size() / 3));  // Cut short.
  Site cut;
  load(now + 60, &cut);
  CheckSamePages(plain, cut);

  // site.json changed: its stamp did, and the copy is not used.
  nlohmann::ordered_json json = RandomSite();
  json["pages"][7]["topic"] = "a topic of its own";
  WriteFile(dir / "site.json", json.dump(1));
  Site changed;
  load(now + 60, &changed);
  CHECK(changed.pages[7].topic == "a topic of its own");
  CHECK(ReadFile(copy) != bytes);
  // And an error in it is reported, whatever the copy holds.
  json["pages"][9]["keyword"] = "x";
  WriteFile(dir / "site.json", json.dump(1));
  Site bad;
  const SiteJsonCache cache{cache_dir, (now + 60) * 1000000000LL};
  CHECK_FALSE(LoadSite(dir.path(), FakeEnv(), &bad, &err, &cache));
  CHECK_THAT(err, Catch::Contains("unknown key \"pages[p-9].keyword\""));
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
