// End to end: the example site, built into temporary directories.
#include "build.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>

#include "config.h"
#include "feeds.h"
#include "lock.h"
#include "publish.h"
#include "test_util.h"

namespace linkpage {
namespace {

namespace fs = std::filesystem;
using test::CopyExampleSite;
using test::FakeEnv;
using test::ReadFile;
using test::SiteOptions;
using test::TempDir;
using test::Tree;
using test::WriteFile;

std::string Text(const pugi::xml_node& n) {
  std::string s;
  for (const pugi::xpath_node& t : n.select_nodes(".//text()")) {
    s += t.node().value();
  }
  return s;
}

// Positions, in document order, of the parts SPEC §5 puts on every page.
struct Anatomy {
  int h1 = -1, disclosure = -1, first_link = -1, last_link = -1,
      article = -1, closing = -1, image = -1, footer = -1, links = 0;
};

Anatomy Scan(const pugi::xml_document& doc, const Site& site,
             const Page& page) {
  Anatomy a;
  int pos = 0;
  struct Walker : pugi::xml_tree_walker {
    std::function<void(pugi::xml_node&)> fn;
    bool for_each(pugi::xml_node& n) override {
      fn(n);
      return true;
    }
  } walker;
  walker.fn = [&](pugi::xml_node& n) {
    ++pos;
    if (n.type() != pugi::node_element) return;
    std::string name = n.name();
    if (name == "h1" && a.h1 < 0) a.h1 = pos;
    if (name == "p" && Text(n) == page.settings.disclosure &&
        a.disclosure < 0) {
      a.disclosure = pos;
    }
    if (name == "a" && std::string(n.attribute("rel").value())
                               .find("sponsored") != std::string::npos) {
      if (a.first_link < 0) a.first_link = pos;
      a.last_link = pos;
      ++a.links;
    }
    if (name == "article" && a.article < 0) a.article = pos;
    if (name == "p" && Text(n) == page.settings.closing_line) a.closing = pos;
    if (name == "img" && a.image < 0 && a.closing > 0) a.image = pos;
    if (name == "footer") a.footer = pos;
  };
  const_cast<pugi::xml_document&>(doc).traverse(walker);
  (void)site;
  return a;
}

void LoadXml(const std::string& path, pugi::xml_document* doc) {
  pugi::xml_parse_result r = doc->load_file(path.c_str());
  INFO(path << ": " << r.description() << " at byte " << r.offset);
  REQUIRE(r);
}

void CheckFooter(const pugi::xml_document& doc, const Site& site) {
  pugi::xml_node footer = doc.select_node("//footer").node();
  REQUIRE(footer);
  std::string text = Text(footer);
  CHECK_THAT(text, Catch::Contains("© 2023 " + site.info.company));
  CHECK_THAT(text, Catch::Contains(site.info.address));
  CHECK_THAT(text, Catch::Contains(site.info.email));
  CHECK(footer.select_node(("//a[@href='mailto:" + site.info.email + "']")
                               .c_str()));
  pugi::xml_node privacy =
      footer.select_node(".//a[@href='/privacy-policy/']").node();
  REQUIRE(privacy);
  CHECK(Text(privacy) == "Privacy Policy");
}

TEST_CASE("build: the example site, page anatomy, footer, privacy, sitemap") {
  TempDir dir;
  CopyExampleSite(dir.path());
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  REQUIRE(site.pages.size() >= 4);
  REQUIRE(site.feeds.size() >= 3);

  std::ostringstream log;
  Report report;
  const std::string report_path = dir / "report.json";
  Options options = SiteOptions(dir.path());
  options.report_path = report_path;
  REQUIRE(Build(options, log, &report) == kExitPublished);
  INFO(log.str());
  const std::string out = dir / "out";

  for (const Page& page : site.pages) {
    INFO("page " << page.slug);
    pugi::xml_document doc;
    LoadXml(out + "/" + page.slug + "/index.html", &doc);
    Anatomy a = Scan(doc, site, page);
    CHECK(Text(doc.select_node("//h1").node()) ==
          page.settings.heading_prefix + " " + page.topic);
    CHECK(a.h1 > 0);
    CHECK(a.disclosure > a.h1);
    CHECK(a.links > 0);
    CHECK(a.links <= page.settings.links_per_page);
    CHECK(a.first_link > a.disclosure);
    CHECK(a.article > a.last_link);
    CHECK(a.closing > a.article);
    CHECK(a.image > a.closing);
    CHECK(a.footer > a.image);
    if (page.image) {
      CHECK(doc.select_node(("//img[@alt='" + page.image->alt + "']").c_str()));
    }
    pugi::xml_node html = doc.child("html");
    CHECK(std::string(html.attribute("lang").value()) == site.info.language);
    CHECK(doc.select_node("//head/title"));
    CHECK(doc.select_node("//head/meta[@name='description']"));
    CHECK(doc.select_node("//head/meta[@name='viewport']"));
    CHECK(std::string(doc.select_node("//head/link[@rel='canonical']")
                          .node()
                          .attribute("href")
                          .value()) ==
          site.info.base_url + "/" + page.slug + "/");
    for (const pugi::xpath_node& link :
         doc.select_nodes("//a[contains(@rel, 'sponsored')]")) {
      std::string href = link.node().attribute("href").value();
      CHECK((href.rfind("https://", 0) == 0 || href.rfind("http://", 0) == 0));
      CHECK(std::string(link.node().attribute("rel").value()) ==
            "sponsored nofollow noopener");
      CHECK(std::string(link.node().attribute("target").value()) == "_blank");
    }
    CheckFooter(doc, site);
    // Hostile sample items never reach a page.
    std::string raw = ReadFile(out + "/" + page.slug + "/index.html");
    CHECK_THAT(raw, !Catch::Contains("<script"));
    CHECK_THAT(raw, !Catch::Contains("javascript:"));
    CHECK_THAT(raw, !Catch::Contains("onerror"));
  }

  pugi::xml_document privacy;
  LoadXml(out + "/privacy-policy/index.html", &privacy);
  CHECK(Text(privacy.select_node("//h1").node()) == "Privacy Policy");
  std::string ptext = Text(privacy);
  for (const char* needle : {"affiliate", "ookie", "third", "Effective date"}) {
    CHECK_THAT(ptext, Catch::Contains(needle));
  }
  CHECK_THAT(ptext, Catch::Contains(site.info.company));
  CHECK(privacy.select_node(
      ("//a[@href='mailto:" + site.info.email + "']").c_str()));
  CheckFooter(privacy, site);

  pugi::xml_document index;
  LoadXml(out + "/index.html", &index);
  CheckFooter(index, site);
  for (const Page& page : site.pages) {
    CHECK(index.select_node(("//a[@href='" + page.slug + "/']").c_str()));
  }

  pugi::xml_document sitemap;
  LoadXml(out + "/sitemap.xml", &sitemap);
  for (const Page& page : site.pages) {
    std::string url = site.info.base_url + "/" + page.slug + "/";
    CHECK(sitemap.select_nodes(("//loc[text()='" + url + "']").c_str())
              .size() == 1);
  }
  CHECK_THAT(ReadFile(out + "/robots.txt"),
             Catch::Contains("Sitemap: " + site.info.base_url +
                             "/sitemap.xml"));
  CHECK(fs::exists(out + "/assets/style.css"));

  nlohmann::json rep = nlohmann::json::parse(ReadFile(report_path));
  CHECK(rep["published"] == true);
  CHECK(rep["feeds"].size() == site.feeds.size());
  CHECK(rep["pages"].size() == site.pages.size());
  CHECK(rep["totals"]["links_placed"].get<int>() > 0);
  int dropped = 0;
  for (const auto& f : rep["feeds"]) dropped += f["dropped_urls"].get<int>();
  CHECK(dropped >= 1);  // The sample's javascript: link.
  CHECK_THAT(log.str(), Catch::Contains("linkpage: published"));
}

TEST_CASE("build: a report that cannot be written is a warning, no temp left") {
  TempDir dir;
  CopyExampleSite(dir.path());
  Options options = SiteOptions(dir.path());
  fs::create_directories(dir / "reports");
  options.report_path = dir / "reports/missing/report.json";
  std::ostringstream log;
  REQUIRE(Build(options, log) == kExitPublished);
  CHECK_THAT(log.str(), Catch::Contains("warning: cannot write the report " +
                                        options.report_path));
  // Written whole or not at all: the report next to it replaces nothing.
  options.report_path = dir / "reports/report.json";
  REQUIRE(Build(options, log) == kExitPublished);
  CHECK(nlohmann::json::parse(ReadFile(options.report_path))["published"] ==
        true);
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir / "reports")) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("build: feed links in upper case or to the site itself publish") {
  TempDir dir;
  CopyExampleSite(dir.path());
  WriteFile(dir / "link-feeds/samples/odd.json", R"({
    "version": "https://jsonfeed.org/version/1.1", "title": "odd",
    "items": [
      {"id": "1", "url": "HTTPS://Shop.Example.org/Massage-Chair",
       "title": "Massage chair"},
      {"id": "2", "url": "https://www.example.com/own-page",
       "title": "Massage on our own site"}]})");
  WriteFile(dir / "link-feeds/odd.json",
            R"({"url": "link-feeds/samples/odd.json"})");
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(ReadFile(dir / "site.json"));
  json["pages"][0]["feeds"] = {"odd"};
  WriteFile(dir / "site.json", json.dump(2));
  std::ostringstream log;
  Report report;
  REQUIRE(Build(SiteOptions(dir.path()), log, &report) == kExitPublished);
  INFO(log.str());
  CHECK(report.pages[0].links == 2);
}

TEST_CASE("build: a deeply nested article does not crash the build") {
  TempDir dir;
  CopyExampleSite(dir.path());
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  WriteFile(dir / site.pages[0].article(),
            std::string(100000, '>') + " deep\n");
  std::ostringstream log;
  int status = Build(SiteOptions(dir.path()), log);
  INFO(log.str());
  CHECK((status == kExitPublished || status == kExitFailed));
}

TEST_CASE("build: --out must not be the site or hold it") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  CHECK(Build(SiteOptions(dir.path(), dir.path()), log) == kExitFailed);
  CHECK(Build(SiteOptions(dir.path(), dir / ".."), log) == kExitFailed);
  CHECK_THAT(log.str(), Catch::Contains("is the site directory or holds it"));
  CHECK(fs::exists(dir / "site.json"));
}

TEST_CASE("build: items past the cap are logged and reported") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::string csv = "title,url\n";
  for (int i = 0; i <= kMaxItemsPerFeed; ++i) {
    csv += "Massage " + std::to_string(i) + ",https://c.example/" +
           std::to_string(i) + "\n";
  }
  WriteFile(dir / "link-feeds/samples/big.csv", csv);
  WriteFile(dir / "link-feeds/big.json", R"({"url": "link-feeds/samples/big.csv",
    "format": "csv", "mapping": {"fields": {"title": "title", "url": "url"}}})");
  std::ostringstream log;
  Report report;
  REQUIRE(Build(SiteOptions(dir.path()), log, &report) == kExitPublished);
  CHECK_THAT(log.str(), Catch::Contains("warning: feed \"big\": 100001 items, "
                                        "only the first 100000 used"));
  auto it = std::find_if(report.feeds.begin(), report.feeds.end(),
                         [](const FeedReport& f) { return f.name == "big"; });
  REQUIRE(it != report.feeds.end());
  const FeedReport& big = *it;
  CHECK(big.ignored_items == 1);
  CHECK(big.links == kMaxItemsPerFeed);
}

TEST_CASE("build: two builds are byte-identical") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  Options a = SiteOptions(dir.path(), dir / "a");
  a.jobs = 1;
  Options b = SiteOptions(dir.path(), dir / "b");
  b.jobs = 3;  // The number of render threads changes nothing.
  REQUIRE(Build(a, log) == kExitPublished);
  REQUIRE(Build(b, log) == kExitPublished);
  auto tree_a = Tree(dir / "a");
  CHECK(tree_a.size() > 6);
  CHECK(tree_a == Tree(dir / "b"));
}

TEST_CASE("build: a missing article fails the run and names the page") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir.path()), log) == kExitPublished);
  auto before = Tree(dir / "out");
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  const Page& last = site.pages.back();
  fs::remove(dir / last.article());
  std::ostringstream log2;
  CHECK(Build(SiteOptions(dir.path()), log2) == kExitFailed);
  CHECK_THAT(log2.str(), Catch::Contains("page \"" + last.slug + "\""));
  CHECK(Tree(dir / "out") == before);
}

TEST_CASE("build: a parse note that lies about its links fails the run once") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir.path()), log) == kExitPublished);
  const auto before = Tree(dir / "out");
  // A parse note whose key still matches its document but whose hash of
  // the links does not: no link notes are found under that hash, so the
  // document is parsed again, and gives other links than the note says.
  std::string name, note;
  for (const auto& e : fs::directory_iterator(dir / ".linkpage-cache/parsed")) {
    const std::string n = e.path().filename().string();
    if (n.find('@') == std::string::npos && (name.empty() || n < name))
      name = n;
  }
  REQUIRE_FALSE(name.empty());
  const std::string path = dir / (".linkpage-cache/parsed/" + name);
  note = ReadFile(path);
  const size_t last = note.rfind(' ');
  REQUIRE(last != std::string::npos);
  WriteFile(path, note.substr(0, last + 1) + "123456789abcdef\n");
  std::ostringstream failed;
  CHECK(Build(SiteOptions(dir.path()), failed) == kExitFailed);
  CHECK_THAT(failed.str(), Catch::Contains("feed \"" + name + "\""));
  CHECK_THAT(failed.str(), Catch::Contains("parse note"));
  CHECK(Tree(dir / "out") == before);
  // The note is dropped: the next run parses anew and publishes the same.
  CHECK_FALSE(fs::exists(path));
  std::ostringstream again;
  CHECK(Build(SiteOptions(dir.path()), again) == kExitPublished);
  CHECK(Tree(dir / "out") == before);
}

TEST_CASE("build: config errors exit 1 before anything is written") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::string json = ReadFile(dir / "site.json");
  json.replace(json.find("\"company\""), 9, "\"compnay\"");
  WriteFile(dir / "site.json", json);
  std::ostringstream log;
  CHECK(Build(SiteOptions(dir.path()), log) == kExitFailed);
  CHECK_THAT(log.str(), Catch::Contains("unknown key \"site.compnay\""));
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("build: copyright year from SOURCE_DATE_EPOCH, then the clock") {
  Site site;
  CHECK(CopyrightYear(site, FakeEnv(), 1700000000) == 2023);
  CHECK(CopyrightYear(site, FakeEnv({{"SOURCE_DATE_EPOCH", "1000000000"}}),
                      1700000000) == 2001);
  site.info.copyright_year = 2019;
  CHECK(CopyrightYear(site, FakeEnv({{"SOURCE_DATE_EPOCH", "1000000000"}}),
                      1700000000) == 2019);
}

// Runs the linkpage binary with "args"; returns its exit status and output.
int RunBinary(const std::string& args, std::string* output) {
  std::string cmd = std::string(LINKPAGE_BINARY) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  output->clear();
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("cli: --help, --version and usage errors") {
  std::string out;
  CHECK(RunBinary("--help", &out) == 0);
  CHECK_THAT(out, Catch::Contains("build") && Catch::Contains("check"));
  CHECK(RunBinary("--version", &out) == 0);
  CHECK_THAT(out, Catch::Contains("linkpage " LINKPAGE_VERSION));
  CHECK(RunBinary("", &out) == 2);
  CHECK(RunBinary("build --no-such-flag", &out) == 2);
  CHECK(RunBinary("frobnicate", &out) == 2);
  CHECK(RunBinary("build --jobs 0", &out) == 2);
}

TEST_CASE("cli: build and check on a copy of the example site") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::string out;
  const auto inputs = Tree(dir.path());
  CHECK(RunBinary("check --site " + dir.path(), &out) == 0);
  // It writes nothing: no output, no cache, no note.
  CHECK_FALSE(fs::exists(dir / "out"));
  CHECK_FALSE(fs::exists(dir / ".linkpage-cache"));
  CHECK(Tree(dir.path()) == inputs);
  CHECK(RunBinary("build --offline --site " + dir.path(), &out) == 0);
  CHECK(fs::exists(dir / "out/index.html"));
  // Nor after a build: the cache stays as the build left it.
  const auto built = Tree(dir.path());
  CHECK(RunBinary("check --site " + dir.path(), &out) == 0);
  CHECK(Tree(dir.path()) == built);
  CHECK(RunBinary("build --site " + dir.path() + "/nonexistent", &out) == 1);
  CHECK_THAT(out, Catch::Contains("site.json: cannot read"));
  CHECK_FALSE(fs::exists(dir / "nonexistent"));  // Not made by the build.
}

// Modification times of every file below "dir".
std::map<std::string, int64_t> MTimes(const std::string& dir) {
  std::map<std::string, int64_t> times;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    struct stat st {};
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    times[fs::relative(e.path(), dir).string()] =
        st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  }
  return times;
}

// Sets every file below "dir" to an old mtime, so that a rewrite shows.
void AgeFiles(const std::string& dir) {
  struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      REQUIRE(::utimensat(AT_FDCWD, e.path().c_str(), old, 0) == 0);
    }
  }
}

TEST_CASE("build: an unchanged rebuild touches no file, a changed feed only "
          "its pages") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  Report first;
  REQUIRE(Build(SiteOptions(dir.path()), log, &first) == kExitPublished);
  AgeFiles(dir / "out");
  auto before = MTimes(dir / "out");
  Report report;
  REQUIRE(Build(SiteOptions(dir.path()), log, &report) == kExitPublished);
  CHECK(MTimes(dir / "out") == before);
  for (const PageReport& p : report.pages) CHECK(p.change == "unchanged");
  // Nothing parsed or picked again, the same figures reported.
  CHECK(report.links_total == first.links_total);
  CHECK(report.duplicate_links == first.duplicate_links);
  REQUIRE(report.pages.size() == first.pages.size());
  for (size_t i = 0; i < first.pages.size(); ++i) {
    CHECK(report.pages[i].links == first.pages[i].links);
  }
  for (const FeedReport& f : report.feeds) CHECK(f.links > 0);

  // sleep-products feeds only the page that takes every feed.
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  std::string all_feeds_page;
  for (const Page& p : site.pages) {
    if (p.feeds.empty()) all_feeds_page = p.slug;
  }
  REQUIRE_FALSE(all_feeds_page.empty());
  std::string atom = ReadFile(dir / "link-feeds/samples/sleep-products.atom");
  size_t changed_titles = 0;
  for (size_t at = 0; (at = atom.find("<title>", at)) != std::string::npos;
       at += 7) {
    atom.insert(at + 7, "New ");
    ++changed_titles;
  }
  REQUIRE(changed_titles > 1);
  WriteFile(dir / "link-feeds/samples/sleep-products.atom", atom);
  Report report2;
  REQUIRE(Build(SiteOptions(dir.path()), log, &report2) == kExitPublished);
  auto after = MTimes(dir / "out");
  std::vector<std::string> changed;
  for (const auto& [path, t] : after) {
    if (before[path] != t) changed.push_back(path);
  }
  CHECK(changed == std::vector<std::string>{all_feeds_page + "/index.html"});
  for (const PageReport& p : report2.pages) {
    CHECK(p.change == (p.slug == all_feeds_page ? "changed" : "unchanged"));
  }
}

TEST_CASE("build: a site reached by another path parses no feed again") {
  TempDir dir;
  fs::create_directory(dir / "site");
  CopyExampleSite(dir / "site");
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir / "site"), log) == kExitPublished);
  AgeFiles(dir / "site/.linkpage-cache/parsed");
  const auto notes = MTimes(dir / "site/.linkpage-cache/parsed");
  REQUIRE_FALSE(notes.empty());
  // As when cron names the site by one path and a person by another.
  fs::create_directory_symlink(dir / "site", dir / "link");
  Report report;
  REQUIRE(Build(SiteOptions(dir / "link"), log, &report) == kExitPublished);
  CHECK(MTimes(dir / "site/.linkpage-cache/parsed") == notes);
  for (const PageReport& p : report.pages) CHECK(p.change == "unchanged");
}

TEST_CASE("build: after any edit, an incremental build equals a clean one") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir.path()), log) == kExitPublished);
  auto edit_json = [&](const std::string& rel,
                       const std::function<void(nlohmann::json*)>& edit) {
    nlohmann::json j = nlohmann::json::parse(ReadFile(dir / rel));
    edit(&j);
    WriteFile(dir / rel, j.dump(1));
  };
  const std::vector<std::pair<std::string, std::function<void()>>> edits = {
      {"a keyword added",
       [&] {
         edit_json("site.json", [](nlohmann::json* j) {
           for (auto& page : (*j)["pages"]) {
             page["keywords"].push_back("mattress topper");
           }
         });
       }},
      {"a page's feeds narrowed",
       [&] {
         edit_json("site.json", [](nlohmann::json* j) {
           (*j)["pages"][0]["feeds"] = {"awin-back-care"};
         });
       }},
      {"links_per_page raised",
       [&] {
         edit_json("site.json", [](nlohmann::json* j) {
           (*j)["page_defaults"]["links_per_page"] = 7;
         });
       }},
      {"a feed's link parameters changed",
       [&] {
         edit_json("link-feeds/wellness-offers.json", [](nlohmann::json* j) {
           (*j)["link_params"]["src"] = "night-{feed}";
         });
       }},
      {"a feed item retitled",
       [&] {
         std::string atom =
             ReadFile(dir / "link-feeds/samples/sleep-products.atom");
         size_t at = atom.find("<title>", atom.find("<entry"));
         REQUIRE(at != std::string::npos);
         atom.insert(at + 7, "Quiet ");
         WriteFile(dir / "link-feeds/samples/sleep-products.atom", atom);
       }},
      {"an article edited",
       [&] {
         const std::string md = dir / "articles/massage-therapy-for-back-pain.md";
         WriteFile(md, ReadFile(md) + "\nOne more line.\n");
       }},
  };
  int n = 0;
  for (const auto& [what, edit] : edits) {
    INFO(what);
    const auto before = Tree(dir / "out");
    edit();
    Report incremental, clean;
    REQUIRE(Build(SiteOptions(dir.path()), log, &incremental) ==
            kExitPublished);
    // Clean: no parse notes either, every feed is parsed.
    fs::remove_all(dir / ".linkpage-cache/parsed");
    const std::string fresh = dir / ("clean-" + std::to_string(n++));
    REQUIRE(Build(SiteOptions(dir.path(), fresh), log, &clean) ==
            kExitPublished);
    const auto after = Tree(dir / "out");
    CHECK(after != before);
    CHECK(after == Tree(fresh));
    CHECK(incremental.links_total == clean.links_total);
    CHECK(incremental.duplicate_links == clean.duplicate_links);
    REQUIRE(incremental.pages.size() == clean.pages.size());
    for (size_t i = 0; i < clean.pages.size(); ++i) {
      CHECK(incremental.pages[i].links == clean.pages[i].links);
    }
  }
}

TEST_CASE("build: an article is read again when its stamp changes") {
  // A clock a minute ahead: the files just written count as settled, so
  // articles are stamped and, while the stamp holds, not read.
  TempDir dir;
  CopyExampleSite(dir.path());
  Options options = SiteOptions(dir.path());
  options.now = static_cast<int64_t>(std::time(nullptr)) + 60;
  std::ostringstream log;
  REQUIRE(Build(options, log) == kExitPublished);
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  const Page& page = site.pages[0];
  const std::string md = dir / page.article();
  const std::string html = dir / ("out/" + page.slug + "/index.html");
  // The manifest line of the page holds a stamp.
  const std::string manifest = ReadFile(dir / ".out.linkpage-manifest");
  const size_t line = manifest.find(page.slug + "/index.html\t");
  REQUIRE(line != std::string::npos);
  std::istringstream fields(manifest.substr(
      manifest.find('\t', line) + 1,
      manifest.find('\n', line) - manifest.find('\t', line) - 1));
  std::string inputs, sources, size, mtime, tag, stamp;
  fields >> inputs >> sources >> size >> mtime >> tag >> stamp;
  CHECK(stamp != "0");

  auto build = [&](Report* report) {
    REQUIRE(Build(options, log, report) == kExitPublished);
    for (const PageReport& p : report->pages) {
      if (p.slug == page.slug) return std::string(p.change);
    }
    FAIL("no report for the page");
    return std::string();
  };
  Report r1;
  CHECK(build(&r1) == "unchanged");
  CHECK(r1.pages[0].links > 0);

  // Same size, same modification time, other bytes: the change time
  // gives it away.
  struct stat st {};
  REQUIRE(::stat(md.c_str(), &st) == 0);
  std::string text = ReadFile(md);
  const size_t at = text.find_first_of("abcdefghijklmnopqrstuvwxyz");
  REQUIRE(at != std::string::npos);
  text[at] = text[at] == 'x' ? 'y' : 'x';
  WriteFile(md, text);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  REQUIRE(::utimensat(AT_FDCWD, md.c_str(), times, 0) == 0);
  options.now = static_cast<int64_t>(std::time(nullptr)) + 60;
  Report r2;
  CHECK(build(&r2) == "changed");

  // Touched, bytes unchanged: read, found equal, kept.
  REQUIRE(::utimensat(AT_FDCWD, md.c_str(), nullptr, 0) == 0);
  options.now = static_cast<int64_t>(std::time(nullptr)) + 60;
  Report r3;
  CHECK(build(&r3) == "unchanged");

  // Just written (within the last two seconds of the run's clock): not
  // trusted, read every time.
  WriteFile(md, text + "\nA new closing paragraph.\n");
  options.now = static_cast<int64_t>(std::time(nullptr));
  Report r4;
  CHECK(build(&r4) == "changed");
  CHECK(ReadFile(html).find("A new closing paragraph.") != std::string::npos);
}

TEST_CASE("build: what is read ahead of a published page and of a new one") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir.path()), log) == kExitPublished);
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  Publisher publisher(dir / "out");
  REQUIRE(publisher.Begin(&err));
  const Page& page = site.pages[0];
  const std::string article = dir / page.article();
  const std::string html = dir / ("out/" + page.slug + "/index.html");
  REQUIRE(fs::is_regular_file(article));
  REQUIRE(fs::is_regular_file(html));

  // Published: the statuses its renderer looks at, no contents.
  const PageReadAhead kept = ReadAheadFor(site, page, publisher);
  CHECK(kept.contents.empty());
  REQUIRE(kept.statuses.size() == 2);
  CHECK(fs::exists(kept.statuses[0]));
  CHECK(fs::exists(kept.statuses[1]));
  CHECK(fs::equivalent(kept.statuses[0], article));
  CHECK(fs::equivalent(kept.statuses[1], html));
  CHECK(kept.Fetch() == 2);

  // Not published yet: the article, whose contents will be read.
  Page fresh = page;
  fresh.slug = "not-published-yet";
  WriteFile(dir / fresh.article(), "A new page.\n");
  const PageReadAhead made = ReadAheadFor(site, fresh, publisher);
  CHECK(made.statuses.empty());
  REQUIRE(fs::exists(made.contents));
  CHECK(fs::equivalent(made.contents, dir / fresh.article()));
  CHECK(made.Fetch() == 1);
}

TEST_CASE("build: a published page edited by hand is made anew") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir.path()), log) == kExitPublished);
  REQUIRE(Build(SiteOptions(dir.path()), log) == kExitPublished);
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  const std::string page = dir / ("out/" + site.pages[0].slug + "/index.html");
  const std::string good = ReadFile(page);
  WriteFile(page, "defaced");
  Report report;
  REQUIRE(Build(SiteOptions(dir.path()), log, &report) == kExitPublished);
  CHECK(ReadFile(page) == good);
  CHECK(report.pages[0].change == "changed");
  // The manifest beside out/ is what lets unchanged pages skip rendering;
  // without it every page is rendered and compared again.
  REQUIRE(fs::exists(dir / ".out.linkpage-manifest"));
  fs::remove(dir / ".out.linkpage-manifest");
  REQUIRE(Build(SiteOptions(dir.path()), log, &report) == kExitPublished);
  CHECK(ReadFile(page) == good);
  CHECK(report.pages[0].change == "unchanged");
}

TEST_CASE("build: a run failing mid-way leaves out/ as it was, mtimes "
          "included") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir.path()), log) == kExitPublished);
  AgeFiles(dir / "out");
  const auto bytes = Tree(dir / "out");
  const auto times = MTimes(dir / "out");
  Site site;
  std::string err;
  REQUIRE(LoadSite(dir.path(), FakeEnv(), &site, &err));
  // A new feed title changes every page, so each failure below comes after
  // pages were already staged.
  const std::string feed = dir / "link-feeds/samples/wellness-offers.xml";
  std::string xml = ReadFile(feed);
  xml.replace(xml.find("<title>"), 7, "<title>Changed ");
  WriteFile(feed, xml);
  const std::string article = dir / site.pages.back().article();
  const std::string page_tmpl = dir / "templates/page.mustache";
  const std::string good_tmpl = ReadFile(page_tmpl);
  SECTION("an unreadable article on the last page") {
    fs::remove(article);
    fs::create_directory(article);  // Exists, but cannot be read as a file.
  }
  SECTION("a template syntax error") {
    WriteFile(page_tmpl, good_tmpl + "{{#unclosed}}");
  }
  SECTION("a compliance violation") {
    std::string t = good_tmpl;
    t.replace(t.find("{{closing_line}}"), 16, "");
    WriteFile(page_tmpl, t);
  }
  std::ostringstream log2;
  CHECK(Build(SiteOptions(dir.path()), log2) == kExitFailed);
  INFO(log2.str());
  CHECK(Tree(dir / "out") == bytes);
  CHECK(MTimes(dir / "out") == times);
}

TEST_CASE("build: pages whose slug left site.json disappear") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir.path()), log) == kExitPublished);
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(ReadFile(dir / "site.json"));
  std::string gone = json["pages"].back()["slug"];
  json["pages"].erase(json["pages"].size() - 1);
  WriteFile(dir / "site.json", json.dump(2));
  Report report;
  REQUIRE(Build(SiteOptions(dir.path()), log, &report) == kExitPublished);
  CHECK_FALSE(fs::exists(dir / ("out/" + gone)));
  CHECK(report.removed_pages == std::vector<std::string>{gone});
  CHECK_THAT(ReadFile(dir / "out/sitemap.xml"), !Catch::Contains(gone));
}

TEST_CASE("build: same SOURCE_DATE_EPOCH, byte-identical output") {
  TempDir dir;
  CopyExampleSite(dir.path());
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(ReadFile(dir / "site.json"));
  json["site"].erase("copyright_year");
  WriteFile(dir / "site.json", json.dump(2));
  Options a = SiteOptions(dir.path(), dir / "a");
  a.env = FakeEnv({{"SOURCE_DATE_EPOCH", "1600000000"}});
  Options b = a;
  b.out_dir = dir / "b";
  b.now = 1900000000;  // A different day: the output must not depend on it.
  std::ostringstream log;
  REQUIRE(Build(a, log) == kExitPublished);
  REQUIRE(Build(b, log) == kExitPublished);
  CHECK(Tree(dir / "a") == Tree(dir / "b"));
  CHECK_THAT(ReadFile(dir / "a/index.html"), Catch::Contains("© 2020 "));
  // The sitemap's lastmod comes from SOURCE_DATE_EPOCH, never the clock.
  CHECK_THAT(ReadFile(dir / "a/sitemap.xml"),
             Catch::Contains("<lastmod>2020-09-13</lastmod>"));
}

TEST_CASE("build: a second run on a locked site exits 1 naming the holder") {
  TempDir dir;
  CopyExampleSite(dir.path());
  fs::create_directories(dir / ".linkpage-cache");
  SiteLock lock;
  std::string err;
  REQUIRE(lock.Acquire(dir / ".linkpage-cache/lock", &err));
  std::string out;
  CHECK(RunBinary("build --offline --site " + dir.path(), &out) == 1);
  CHECK_THAT(out, Catch::Contains("pid " + std::to_string(::getpid())));
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("build: a lock left by a killed run does not block") {
  TempDir dir;
  CopyExampleSite(dir.path());
  fs::create_directories(dir / ".linkpage-cache");
  WriteFile(dir / ".linkpage-cache/lock", "999999\n");  // Stale, unlocked.
  std::string out;
  CHECK(RunBinary("build --offline --site " + dir.path(), &out) == 0);
}

// A site of "n" pages sharing one article, for builds long enough to be
// interrupted.
void MakeLargeSite(const std::string& dir, int n) {
  CopyExampleSite(dir);
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(ReadFile(dir + "/site.json"));
  nlohmann::ordered_json pages = nlohmann::ordered_json::array();
  for (int i = 0; i < n; ++i) {
    pages.push_back({{"slug", "topic-" + std::to_string(i)},
                     {"topic", "massage topic " + std::to_string(i)},
                     {"article", "articles/massage-therapy-for-back-pain.md"}});
  }
  json["pages"] = pages;
  WriteFile(dir + "/site.json", json.dump(2));
}

TEST_CASE("build: SIGKILL at any moment leaves out/ complete") {
  TempDir dir;
  MakeLargeSite(dir.path(), 800);
  const std::string feed = dir / "link-feeds/samples/wellness-offers.xml";
  const std::string feed_a = ReadFile(feed);
  std::string feed_b = feed_a;
  for (size_t at = 0; (at = feed_b.find("<title>", at)) != std::string::npos;
       at += 7) {
    feed_b.insert(at + 7, "B ");
  }
  std::string out;
  WriteFile(feed, feed_b);
  REQUIRE(RunBinary("build --offline --site " + dir.path(), &out) == 0);
  auto tree_b = Tree(dir / "out");
  WriteFile(feed, feed_a);
  auto start = std::chrono::steady_clock::now();
  REQUIRE(RunBinary("build --offline --site " + dir.path(), &out) == 0);
  auto full = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  auto tree_a = Tree(dir / "out");
  REQUIRE(tree_a != tree_b);

  // Killed at 10% to 60% of the time of a full run, until three runs were
  // caught in flight (later runs can be quicker than the one timed: they
  // read site.json from its copy once it is settled).
  int killed = 0;
  for (int i = 0; i < 18 && killed < 3; ++i) {
    WriteFile(feed, i % 2 ? feed_a : feed_b);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 2);
      std::string site = dir.path();
      ::execl(LINKPAGE_BINARY, LINKPAGE_BINARY, "build", "--offline",
              "--site", site.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::usleep(static_cast<useconds_t>(full * (i % 6 + 1) / 10));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    killed += WIFSIGNALED(status);
    auto now = Tree(dir / "out");
    CHECK((now == tree_a || now == tree_b));
  }
  CHECK(killed >= 3);  // Runs were really caught in flight.
  WriteFile(feed, feed_a);
  CHECK(RunBinary("build --offline --site " + dir.path(), &out) == 0);
  CHECK(Tree(dir / "out") == tree_a);
}

}  // namespace
}  // namespace linkpage
