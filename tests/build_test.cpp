// End to end: the example site, built into temporary directories.
#include "build.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>

#include "config.h"
#include "test_util.h"

namespace linkpage {
namespace {

namespace fs = std::filesystem;
using test::CopyExampleSite;
using test::FakeEnv;
using test::ReadFile;
using test::TempDir;
using test::WriteFile;

Options SiteOptions(const std::string& site_dir,
                    const std::string& out_dir = "") {
  Options o;
  o.site_dir = site_dir;
  o.out_dir = out_dir;
  o.offline = true;
  o.env = FakeEnv();
  o.now = 1700000000;
  return o;
}

// Every file below "dir": relative path -> bytes.
std::map<std::string, std::string> Tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      files[fs::relative(e.path(), dir).string()] = ReadFile(e.path());
    }
  }
  return files;
}

bool HasClass(const pugi::xml_node& n, const char* cls) {
  std::string c = n.attribute("class").value();
  std::istringstream ss(c);
  std::string word;
  while (ss >> word) {
    if (word == cls) return true;
  }
  return false;
}

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

TEST_CASE("build: two builds are byte-identical") {
  TempDir dir;
  CopyExampleSite(dir.path());
  std::ostringstream log;
  REQUIRE(Build(SiteOptions(dir.path(), dir / "a"), log) == kExitPublished);
  REQUIRE(Build(SiteOptions(dir.path(), dir / "b"), log) == kExitPublished);
  auto a = Tree(dir / "a");
  auto b = Tree(dir / "b");
  CHECK(a.size() > 6);
  CHECK(a == b);
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
  fs::remove(dir / last.article);
  std::ostringstream log2;
  CHECK(Build(SiteOptions(dir.path()), log2) == kExitFailed);
  CHECK_THAT(log2.str(), Catch::Contains("page \"" + last.slug + "\""));
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
  CHECK(RunBinary("check --site " + dir.path(), &out) == 0);
  CHECK_FALSE(fs::exists(dir / "out"));
  CHECK(RunBinary("build --offline --site " + dir.path(), &out) == 0);
  CHECK(fs::exists(dir / "out/index.html"));
  CHECK(RunBinary("build --site " + dir.path() + "/nonexistent", &out) == 1);
  CHECK_THAT(out, Catch::Contains("site.json: cannot read"));
}

}  // namespace
}  // namespace linkpage
