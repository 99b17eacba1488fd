// Incremental builds after feed changes, against clean builds. A run after
// some feeds changed may pick again the links of only the pages a change
// can concern (pages whose words a changed link has or had, pages that get
// filler links, ...) and keep the others' published links; whatever it
// picks again or keeps, its out/ must be byte-identical to that of a build
// of the same inputs from scratch, without cache or manifest.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "build.h"
#include "test_util.h"

namespace linkpage {
namespace {

namespace fs = std::filesystem;
using test::CopyExampleSite;
using test::ReadFile;
using test::SiteOptions;
using test::TempDir;
using test::Tree;
using test::WriteFile;

// One item of a synthetic feed. "key" is the URL as first made; "url"
// is how this item spells it (NormalizeUrl() gives the same for both).
struct Item {
  std::string title, key, url, description, price;
  std::vector<std::string> tags;
};

// A synthetic local feed: link-feeds/NAME.json, reading
// link-feeds/samples/NAME.json (a mapped JSON document) or NAME.csv.
struct Feed {
  std::string name;
  bool csv = false;
  std::map<std::string, std::string> link_params;
  std::vector<Item> items;
  bool cut_short = false;  // Written as its first half: a broken download.
};

struct PageSpec {
  std::string slug, topic, article;
  std::vector<std::string> keywords;
  std::vector<std::string> feeds;  // Empty: every feed.
  int links_per_page = 0;          // 0: the site's default.
};

// Everything a synthetic site is written from.
struct Model {
  std::vector<Feed> feeds;  // In name order.
  std::vector<PageSpec> pages;
  int links_per_page = 5;
  std::map<std::string, std::string> articles;  // Path -> Markdown.
};

std::string FeedDocument(const Feed& feed) {
  std::string doc;
  if (feed.csv) {
    doc = "title,url,description,price,category\n";
    for (const Item& item : feed.items) {
      doc += item.title + "," + item.url + "," + item.description + "," +
             item.price + "," + (item.tags.empty() ? "" : item.tags[0]) + "\n";
    }
  } else {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (const Item& item : feed.items) {
      items.push_back({{"name", item.title},
                       {"url", item.url},
                       {"summary", item.description},
                       {"price", item.price},
                       {"tags", item.tags}});
    }
    doc = nlohmann::ordered_json{{"data", {{"items", items}}}}.dump(1);
  }
  return feed.cut_short ? doc.substr(0, doc.size() / 2) : doc;
}

std::string FeedDefinition(const Feed& feed) {
  nlohmann::ordered_json def;
  if (feed.csv) {
    def = {{"url", "link-feeds/samples/" + feed.name + ".csv"},
           {"format", "csv"},
           {"mapping",
            {{"header", true},
             {"fields",
              {{"title", "title"},
               {"url", "url"},
               {"description", "description"},
               {"price", "price"},
               {"categories", "category"}}}}}};
  } else {
    def = {{"url", "link-feeds/samples/" + feed.name + ".json"},
           {"format", "json"},
           {"mapping",
            {{"items", "/data/items"},
             {"fields",
              {{"title", "/name"},
               {"url", "/url"},
               {"description", "/summary"},
               {"price", "/price"},
               {"categories", "/tags"}}}}}};
  }
  if (!feed.link_params.empty()) def["link_params"] = feed.link_params;
  return def.dump(1);
}

// The inputs of a site: what a clean build starts from.
const char* const kInputs[] = {"site.json", "link-feeds", "articles",
                               "templates"};

// A site written from a Model: the example site's templates and site
// fields, the model's pages, feeds and articles, in two directories: one
// built again and again in place, and a twin with the same inputs that is
// built from scratch each time. Write() writes only the files whose text
// changed, as a user's edits would.
class SyntheticSite {
 public:
  explicit SyntheticSite(Model initial) : model(std::move(initial)) {
    CopyExampleSite(dir_.path());
    fs::remove_all(dir_ / "link-feeds");
    fs::remove_all(dir_ / "articles");
    for (const char* part : kInputs) {
      if (fs::exists(dir_ / part)) {
        fs::copy(dir_ / part, twin_ / part, fs::copy_options::recursive);
      }
    }
    site_ = nlohmann::ordered_json::parse(ReadFile(dir_ / "site.json"));
    Write();
  }

  void Write() {
    nlohmann::ordered_json json = site_;
    json["page_defaults"]["links_per_page"] = model.links_per_page;
    json["pages"] = nlohmann::ordered_json::array();
    for (const PageSpec& p : model.pages) {
      nlohmann::ordered_json page = {
          {"slug", p.slug}, {"topic", p.topic}, {"article", p.article}};
      if (!p.keywords.empty()) page["keywords"] = p.keywords;
      if (!p.feeds.empty()) page["feeds"] = p.feeds;
      if (p.links_per_page > 0) page["links_per_page"] = p.links_per_page;
      json["pages"].push_back(page);
    }
    Put("site.json", json.dump(2));
    for (const Feed& f : model.feeds) {
      Put("link-feeds/" + f.name + ".json", FeedDefinition(f));
      Put("link-feeds/samples/" + f.name + (f.csv ? ".csv" : ".json"),
          FeedDocument(f));
    }
    for (const auto& [path, text] : model.articles) Put(path, text);
  }

  // Builds the site in place, incrementally; returns out/'s files.
  std::map<std::string, std::string> BuildInPlace(Report* report) const {
    return BuildIn(dir_.path(), report);
  }

  // Builds the twin from scratch: all but its inputs (out/, the cache,
  // the manifest) is removed first. Returns out/'s files.
  std::map<std::string, std::string> CleanBuild(Report* report) const {
    for (const auto& entry : fs::directory_iterator(twin_.path())) {
      if (std::find(std::begin(kInputs), std::end(kInputs),
                    entry.path().filename().string()) == std::end(kInputs)) {
        fs::remove_all(entry.path());
      }
    }
    return BuildIn(twin_.path(), report);
  }

  Model model;

 private:
  static std::map<std::string, std::string> BuildIn(const std::string& dir,
                                                    Report* report) {
    std::ostringstream log;
    const int status = Build(SiteOptions(dir), log, report);
    INFO(log.str());
    REQUIRE(status == kExitPublished);
    return Tree(dir + "/out");
  }

  void Put(const std::string& rel, const std::string& text) {
    auto [it, added] = written_.try_emplace(rel, text);
    if (!added && it->second == text) return;
    it->second = text;
    WriteFile(dir_ / rel, text);
    WriteFile(twin_ / rel, text);
  }

  TempDir dir_, twin_;
  nlohmann::ordered_json site_;                 // The example's site.json.
  std::map<std::string, std::string> written_;  // Path -> text.
};

// The report's figures that depend on the inputs alone are the same.
void CheckSameFigures(const Report& incremental, const Report& clean) {
  CHECK(incremental.links_total == clean.links_total);
  CHECK(incremental.duplicate_links == clean.duplicate_links);
  REQUIRE(incremental.feeds.size() == clean.feeds.size());
  for (size_t i = 0; i < clean.feeds.size(); ++i) {
    INFO("feed " << clean.feeds[i].name);
    CHECK(incremental.feeds[i].status == clean.feeds[i].status);
    CHECK(incremental.feeds[i].items == clean.feeds[i].items);
    CHECK(incremental.feeds[i].links == clean.feeds[i].links);
  }
  REQUIRE(incremental.pages.size() == clean.pages.size());
  for (size_t i = 0; i < clean.pages.size(); ++i) {
    INFO("page " << clean.pages[i].slug);
    CHECK(incremental.pages[i].slug == clean.pages[i].slug);
    CHECK(incremental.pages[i].links == clean.pages[i].links);
  }
}

// The slugs of the pages the report says were added or changed.
std::vector<std::string> ChangedPages(const Report& report) {
  std::vector<std::string> slugs;
  for (const PageReport& p : report.pages) {
    if (p.change != "unchanged") slugs.emplace_back(p.slug);
  }
  return slugs;
}

// Words pages look for; feed text is made mostly of them.
const char* const kPageWords[] = {
    "massage", "pillow",  "mattress", "posture", "desk",     "chair",
    "stretch", "yoga",    "foam",     "roller",  "heat",     "lumbar",
    "support", "sleep",   "knee",     "neck",    "shoulder", "brace",
    "cushion", "belt",    "spine",    "ice",     "walking",  "shoe",
    "insole",  "balance", "band",     "mat",     "therapy",  "recovery"};
// Keyword phrases, which score more where their words stand together.
const char* const kPhrases[] = {"foam roller", "knee brace",   "lumbar support",
                                "yoga mat",    "neck pillow",  "walking shoe",
                                "ice therapy", "sleep cushion"};
// Words of feed text that no page looks for.
const char* const kOrphanWords[] = {"deluxe",  "compact", "classic", "bundle",
                                    "edition", "zephyr",  "quartz",  "nimbus"};
// Words of a few pages that feed text has only after some edits: those
// pages get filler links, and now and then lose them.
const char* const kRareWords[] = {"harp", "kite", "opal", "tulip"};
// Stop words, which score nothing.
const char* const kStopWords[] = {"for", "with", "and", "the"};

const char* const kFeedNames[] = {"alpha", "bravo", "charlie", "delta"};

// The paths whose bytes differ between two trees, or that one lacks.
std::vector<std::string> Differences(
    const std::map<std::string, std::string>& a,
    const std::map<std::string, std::string>& b) {
  std::vector<std::string> paths;
  for (const auto& [path, bytes] : a) {
    auto it = b.find(path);
    if (it == b.end() || it->second != bytes) paths.push_back(path);
  }
  for (const auto& [path, bytes] : b) {
    if (!a.count(path)) paths.push_back(path);
  }
  return paths;
}

// Random sites and edits from a seed; the same seed gives the same ones
// everywhere (no std:: distribution, whose results vary by library).
class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  size_t Below(size_t n) { return rng_() % n; }
  bool OneIn(size_t n) { return Below(n) == 0; }
  template <size_t N>
  std::string Of(const char* const (&words)[N]) {
    return words[Below(N)];
  }

  // A keyword phrase, now and then with its words the other way round
  // (which scores them as words, not as the phrase).
  std::string Phrase() {
    const std::string phrase = Of(kPhrases);
    if (!OneIn(4)) return phrase;
    const size_t space = phrase.find(' ');
    return phrase.substr(space + 1) + " " + phrase.substr(0, space);
  }

  // 2-4 words from "words", now and then one no page uses, perhaps with a
  // stop word between.
  template <size_t N>
  std::string Title(const char* const (&words)[N]) {
    std::string title;
    for (size_t n = 2 + Below(3); n > 0; --n) {
      if (!title.empty()) title += OneIn(4) ? " " + Of(kStopWords) + " " : " ";
      title += OneIn(5) ? Of(kOrphanWords) : Of(words);
    }
    return title;
  }

  // A title of page words, one in three with a keyword phrase.
  std::string FeedTitle() {
    return OneIn(3) ? Phrase() + " " + Title(kPageWords) : Title(kPageWords);
  }

  std::string Description() {
    std::string text = Of(kOrphanWords);
    if (OneIn(4)) text += " " + Phrase();
    for (size_t n = 2 + Below(4); n > 0; --n) {
      text += " " + (OneIn(3) ? Of(kStopWords) : Of(kPageWords));
    }
    return text;
  }

  std::string Price() {
    return std::to_string(5 + Below(95)) + "." + std::to_string(10 + Below(90));
  }

  std::string NewUrl() {
    const char* const kHosts[] = {"shop.example", "deals.example.net",
                                  "www.store.example.org"};
    return std::string("https://") + kHosts[Below(3)] + "/p/" +
           std::to_string(next_url_++);
  }

  // "key" (https://HOST/PATH) as another feed might spell it.
  std::string Respelled(const std::string& key) {
    const size_t path = key.find('/', 8);
    switch (Below(4)) {
      case 0: {
        std::string upper = key;
        for (size_t i = 8; i < path; ++i) {
          upper[i] = static_cast<char>(std::toupper(upper[i]));
        }
        return upper;
      }
      case 1:
        return key.substr(0, path) + ":443" + key.substr(path);
      case 2:
        return key + "/";
      default:
        return key;
    }
  }

  // Shares the URL of "other" (in its own spelling).
  void ShareUrl(const Item& other, Item* item) {
    item->key = other.key;
    item->url = Respelled(other.key);
  }

  Item NewItem() {
    Item item;
    item.title = Title(kPageWords);
    item.key = item.url = NewUrl();
    item.description = Description();
    item.price = Price();
    for (size_t n = Below(3); n > 0; --n) item.tags.push_back(Of(kPageWords));
    // One in three has a keyword phrase in its title, and half of those
    // in its description or first category too: what a phrase scores most.
    if (OneIn(3)) {
      const std::string phrase = Phrase();
      item.title = phrase + " " + item.title;
      if (OneIn(2)) {
        if (OneIn(2)) {
          item.description += " " + phrase;
        } else {
          item.tags.insert(item.tags.begin(), phrase);
        }
      }
    }
    return item;
  }

  // A random non-empty set of feeds, in name order.
  std::vector<std::string> SomeFeeds() {
    std::vector<std::string> names;
    while (names.empty()) {
      for (const char* name : kFeedNames) {
        if (OneIn(3)) names.push_back(name);
      }
    }
    return names;
  }

  std::string Keyword() {
    if (OneIn(8)) return Of(kRareWords);
    switch (Below(3)) {
      case 0:
        return Of(kPageWords);
      case 1:
        return Of(kPhrases);
      default:
        return Of(kPageWords) + " " + Of(kPageWords);
    }
  }

  PageSpec NewPage() {
    const int n = next_page_++;
    PageSpec page;
    page.slug = "page-" + std::to_string(n);
    page.article = "articles/a" + std::to_string(n % 5) + ".md";
    if (n % 12 == 11) {  // Rare words only: filler.
      page.topic = Of(kRareWords) + " for " + Of(kRareWords);
      page.keywords = {Of(kRareWords)};
    } else {
      page.topic = Of(kPageWords) + " " + Of(kStopWords) + " " + Of(kPageWords);
      for (size_t k = Below(4); k > 0; --k) page.keywords.push_back(Keyword());
    }
    if (OneIn(3)) page.feeds = SomeFeeds();
    if (OneIn(4)) page.links_per_page = 4 + static_cast<int>(Below(5));
    return page;
  }

  Model NewSite() {
    Model m;
    for (size_t f = 0; f < std::size(kFeedNames); ++f) {
      Feed feed;
      feed.name = kFeedNames[f];
      feed.csv = f % 2 == 1;
      if (f == 0) feed.link_params = {{"subid", "{slug}"}};
      if (f == 2) feed.link_params = {{"src", "{feed}"}};
      for (size_t n = 20 + Below(21); n > 0; --n) {
        Item item = NewItem();
        // Some URLs are in earlier feeds too: those links are dropped.
        if (f > 0 && OneIn(7)) {
          const Feed& earlier = m.feeds[Below(f)];
          ShareUrl(earlier.items[Below(earlier.items.size())], &item);
        }
        feed.items.push_back(item);
      }
      m.feeds.push_back(feed);
    }
    while (m.pages.size() < 40) m.pages.push_back(NewPage());
    for (int a = 0; a < 5; ++a) {
      m.articles["articles/a" + std::to_string(a) + ".md"] =
          "# Article " + std::to_string(a) + "\n\nAbout " + Of(kPageWords) +
          ".\n";
    }
    return m;
  }

  // Applies one random edit of a feed's items to "m"; returns what it did.
  // (No edit leaves a feed without items.)
  std::string EditFeeds(Model* m) {
    for (;;) {
      const size_t f = Below(m->feeds.size());
      Feed& other =
          m->feeds[(f + 1 + Below(m->feeds.size() - 1)) % m->feeds.size()];
      const std::string what = EditFeed(&m->feeds[f], &other);
      if (!what.empty()) return "feed " + m->feeds[f].name + ": " + what;
    }
  }

  // Applies one random edit to "*feed" (some take "*other" too); returns
  // what it did, or "" when the edit drawn does not apply.
  std::string EditFeed(Feed* feed, Feed* other) {
    std::vector<Item>& items = feed->items;
    const size_t i = Below(items.size());
    auto at = [&](size_t k) {
      return items.begin() + static_cast<ptrdiff_t>(k);
    };
    switch (Below(24)) {
      case 0:
      case 1:
      case 2:
        items[i].title = FeedTitle();
        return "item " + std::to_string(i) + " retitled";
      case 3:
        items[i].title = Title(kOrphanWords);
        return "item " + std::to_string(i) + " retitled to words no page uses";
      case 4:
        items[i].title = Title(kRareWords);
        return "item " + std::to_string(i) + " retitled to rare page words";
      case 5:
        items[i].price = Price();
        return "item " + std::to_string(i) + "'s price changed";
      case 6:
        items[i].description = Description();
        return "item " + std::to_string(i) + "'s description changed";
      case 7:
      case 8:
      case 9: {
        Item item = NewItem();
        std::string shared;
        if (OneIn(3)) {
          ShareUrl(other->items[Below(other->items.size())], &item);
          shared =
              ", with the URL of an item of " + other->name + ": " + item.url;
        }
        const size_t k = OneIn(3)   ? 0
                         : OneIn(2) ? items.size()
                                    : Below(items.size() + 1);
        items.insert(at(k), item);
        return "an item added at " + std::to_string(k) + shared;
      }
      case 10:
      case 11:
        if (items.size() < 2) return "";
        items.erase(at(i));
        return "item " + std::to_string(i) + " removed";
      case 12: {
        const size_t j = Below(items.size());
        if (i == j) return "";
        std::swap(items[i], items[j]);
        return "items " + std::to_string(i) + " and " + std::to_string(j) +
               " swapped";
      }
      case 13:
      case 14:
        if (i == 0) return "";
        std::rotate(items.begin(), at(i), at(i + 1));
        return "item " + std::to_string(i) + " moved to the front";
      case 15:
      case 16:
      case 17: {
        if (items.size() < 2) return "";
        // Often to either end of "other": there the links kept before and
        // after may all stay in order, and only the item's feed tells.
        const size_t k = OneIn(2)   ? Below(other->items.size() + 1)
                         : OneIn(2) ? 0
                                    : other->items.size();
        other->items.insert(other->items.begin() + static_cast<ptrdiff_t>(k),
                            items[i]);
        items.erase(at(i));
        return "item " + std::to_string(i) + " moved to feed " + other->name +
               " at " + std::to_string(k);
      }
      case 18:
      case 19:
        ShareUrl(other->items[Below(other->items.size())], &items[i]);
        return "item " + std::to_string(i) + " given the URL of an item of " +
               other->name + ": " + items[i].url;
      case 20:
        items[i].key = items[i].url = NewUrl();
        return "item " + std::to_string(i) + " given a URL of its own";
      case 21:
        if (items.size() < 2) return "";
        items = {items[i]};
        return "emptied of all but item " + std::to_string(i);
      case 22:
        // Without a feed cache (offline, local files), the clean build
        // reads the same broken document.
        feed->cut_short = true;
        return "cut short (its document does not parse, or has fewer items)";
      default:
        if (OneIn(2)) {
          std::reverse(items.begin(), items.end());
          return "its items reversed";
        }
        for (size_t n = 5 + Below(10); n > 0; --n) {
          items.insert(at(Below(items.size() + 1)), NewItem());
        }
        return "many items added";
    }
  }

  // Applies one random edit of site.json, a feed definition or an
  // article to "m"; returns what it did.
  std::string EditSite(Model* m) {
    PageSpec& page = m->pages[Below(m->pages.size())];
    switch (Below(7)) {
      case 0:
        page.keywords.push_back(Keyword());
        return page.slug + ": keyword \"" + page.keywords.back() + "\" added";
      case 1:
        page.feeds = OneIn(3) ? std::vector<std::string>() : SomeFeeds();
        return page.slug + ": its feeds changed";
      case 2:
        if (OneIn(2)) {
          m->links_per_page = 3 + static_cast<int>(Below(6));
          return "the default links_per_page changed";
        }
        page.links_per_page = 2 + static_cast<int>(Below(7));
        return page.slug + ": its links_per_page changed";
      case 3:
        m->articles[page.article] += "\nMore on " + Of(kPageWords) + ".\n";
        return page.article + " edited";
      case 4:
        m->pages.push_back(NewPage());
        return m->pages.back().slug + " added";
      case 5: {
        const std::string slug = page.slug;
        m->pages.erase(m->pages.begin() + (&page - m->pages.data()));
        return slug + " removed";
      }
      default: {
        Feed& feed = m->feeds[Below(m->feeds.size())];
        feed.link_params["ref"] = "r" + std::to_string(Below(100)) + "-{slug}";
        return "feed " + feed.name + ": its link_params changed";
      }
    }
  }

 private:
  std::mt19937 rng_;
  int next_url_ = 0;
  int next_page_ = 0;
};

TEST_CASE(
    "incremental: after random feed edits, an incremental build "
    "equals a clean one",
    "[incremental]") {
  // Each round edits the feeds 1-3 times (one round in five edits
  // site.json, a feed definition or an article too), builds the site in
  // place, where the previous round's cache and manifest let the build
  // keep pages, and builds its twin, of the same inputs, from scratch:
  // both out/ trees must be byte-identical, with the same report figures.
  constexpr uint32_t kSeed = 20240601;
  constexpr int kRounds = 20;
  Generator gen(kSeed);
  SyntheticSite site(gen.NewSite());
  Report first;
  std::map<std::string, std::string> before = site.BuildInPlace(&first);
  int changed_rounds = 0;
  for (int round = 1; round <= kRounds; ++round) {
    for (Feed& feed : site.model.feeds) feed.cut_short = false;
    std::string what;
    for (size_t n = 1 + gen.Below(3); n > 0; --n) {
      what += gen.EditFeeds(&site.model) + "; ";
    }
    if (gen.OneIn(5)) what += gen.EditSite(&site.model) + "; ";
    site.Write();
    INFO("seed " << kSeed << ", round " << round << ": " << what);

    Report incremental, clean;
    const auto after = site.BuildInPlace(&incremental);
    CHECK(Differences(after, site.CleanBuild(&clean)).empty());
    CheckSameFigures(incremental, clean);
    // Each page's "change" says whether its bytes changed.
    for (const PageReport& p : incremental.pages) {
      const std::string path = std::string(p.slug) + "/index.html";
      INFO("page " << p.slug);
      CHECK(p.change == (!before.count(path)              ? "added"
                         : before[path] != after.at(path) ? "changed"
                                                          : "unchanged"));
    }
    changed_rounds += after != before;
    before = after;
  }
  // The edits are not idle: most rounds change the site.
  CHECK(changed_rounds > kRounds / 2);
}

// A site of 18 pages, each on a word of its own, and two feeds, each
// with 4 links for every page ("WORD gadget 0" to "3") after 4 links
// that match no page ("gizmo widget 0" to "3"). Every third page takes
// only feed "one", every third only "two", the others both. A 19th page,
// on "sea salt", takes only "two", where 4 links have the phrase in the
// title and the description. With 3 links a page, no page gets filler.
Model SelectiveSite() {
  const char* const kWords[] = {"amber",  "birch",  "cedar", "dahlia", "ember",
                                "fennel", "garnet", "hazel", "iris",   "jasper",
                                "kelp",   "lilac",  "maple", "nutmeg", "olive",
                                "pecan",  "quince", "rowan"};
  Model m;
  m.links_per_page = 3;
  m.articles["articles/a.md"] = "# Words\n\nAbout words.\n";
  for (const char* name : {"one", "two"}) {
    Feed feed;
    feed.name = name;
    feed.csv = feed.name == "two";
    auto add = [&](const std::string& title, const std::string& url) {
      feed.items.push_back({title, url, url, "", "9.99", {}});
    };
    for (int k = 0; k < 4; ++k) {
      add("gizmo widget " + std::to_string(k),
          "https://" + feed.name + ".example/none/" + std::to_string(k));
    }
    for (const std::string word : kWords) {
      for (int k = 0; k < 4; ++k) {
        add(word + " gadget " + std::to_string(k), "https://" + feed.name +
                                                       ".example/" + word +
                                                       "/" + std::to_string(k));
      }
    }
    m.feeds.push_back(feed);
  }
  for (int k = 0; k < 4; ++k) {
    const std::string url = "https://two.example/salt/" + std::to_string(k);
    m.feeds[1].items.push_back({"sea salt gadget " + std::to_string(k),
                                url,
                                url,
                                "fine sea salt",
                                "9.99",
                                {}});
  }
  for (size_t i = 0; i < std::size(kWords); ++i) {
    PageSpec page;
    page.slug = std::string("page-") + kWords[i];
    page.topic = std::string("the best ") + kWords[i];
    page.article = "articles/a.md";
    if (i % 3 == 0) page.feeds = {"two"};
    if (i % 3 == 1) page.feeds = {"one"};
    m.pages.push_back(page);
  }
  m.pages.push_back(
      {"page-sea-salt", "sea salt", "articles/a.md", {"sea salt"}, {"two"}, 0});
  return m;
}

// The position of the item titled "title" in "feed".
ptrdiff_t Position(const Feed& feed, const std::string& title) {
  auto it = std::find_if(feed.items.begin(), feed.items.end(),
                         [&](const Item& item) { return item.title == title; });
  REQUIRE(it != feed.items.end());
  return it - feed.items.begin();
}

TEST_CASE(
    "incremental: a feed change picks again only the pages it can "
    "concern",
    "[incremental]") {
  // One change after another, each of which can concern one page at most
  // of the 19, and the out/ of each build equal to a clean build's.
  SyntheticSite site(SelectiveSite());
  Model& m = site.model;
  Feed& one = m.feeds[0];
  Feed& two = m.feeds[1];
  REQUIRE(m.pages.size() == 19);
  // "amber" and "dahlia" take only feed "two", "cedar" takes both.
  REQUIRE(m.pages[0].feeds == std::vector<std::string>{"two"});
  REQUIRE(m.pages[3].feeds == std::vector<std::string>{"two"});
  REQUIRE(m.pages[2].feeds.empty());
  Report first;
  site.BuildInPlace(&first);
  REQUIRE(first.pages_picked == 19);
  auto rebuild = [&] {
    site.Write();
    Report incremental, clean;
    CHECK(Differences(site.BuildInPlace(&incremental), site.CleanBuild(&clean))
              .empty());
    CheckSameFigures(incremental, clean);
    return incremental;
  };
  const std::vector<std::string> amber = {"page-amber"};
  {
    INFO("nothing changed: nothing is picked");
    const Report r = rebuild();
    CHECK(ChangedPages(r).empty());
    CHECK(r.pages_picked == 0);
  }
  {
    INFO("an item retitled to the words of one page");
    // It matched nothing; now it matches "amber" and, first of the ties,
    // is shown there.
    two.items[Position(two, "gizmo widget 0")].title = "amber gizmo";
    const Report r = rebuild();
    CHECK(ChangedPages(r) == amber);
    CHECK(r.pages_picked <= 1);
  }
  {
    INFO("an item retitled between words no page uses");
    two.items[Position(two, "gizmo widget 1")].title = "doohickey whatsit";
    const Report r = rebuild();
    CHECK(ChangedPages(r).empty());
    CHECK(r.pages_picked == 0);
  }
  {
    INFO("an item one page shows removed");
    // "cedar" shows the first three cedar links of feed "one"; the fourth
    // takes the place of the first.
    one.items.erase(one.items.begin() + Position(one, "cedar gadget 0"));
    const Report r = rebuild();
    CHECK(ChangedPages(r) == std::vector<std::string>{"page-cedar"});
    CHECK(r.pages_picked <= 1);
  }
  {
    INFO("an earlier feed's item takes the URL of a link one page shows");
    // Feed "one" comes first: its item, which matches nothing, is kept
    // and the amber link of feed "two" is dropped as its duplicate. The
    // changed item's words concern no page; the dropped link's do.
    REQUIRE(two.items[Position(two, "amber gadget 0")].url ==
            "https://two.example/amber/0");
    one.items[Position(one, "gizmo widget 0")].url =
        "https://TWO.example/amber/0/";
    const Report r = rebuild();
    CHECK(ChangedPages(r) == amber);
    CHECK(r.pages_picked <= 1);
  }
  {
    INFO("an item moved to the front of the feed of a page it matches");
    // Not shown, it comes first of the ties now. Links that change order
    // concern every page that takes their feed: the 6 pages that take
    // only feed "one" are not picked again, 13 may be.
    const ptrdiff_t at = Position(two, "amber gadget 3");
    std::rotate(two.items.begin(), two.items.begin() + at,
                two.items.begin() + at + 1);
    const Report r = rebuild();
    CHECK(ChangedPages(r) == amber);
    CHECK(r.pages_picked <= 13);
  }
  {
    INFO("an item moved to the feed of a page it matches");
    // From feed "one" to the front of "two", which is all "dahlia" takes.
    const ptrdiff_t at = Position(one, "dahlia gadget 0");
    two.items.insert(two.items.begin(), one.items[at]);
    one.items.erase(one.items.begin() + at);
    const Report r = rebuild();
    CHECK(ChangedPages(r) == std::vector<std::string>{"page-dahlia"});
    CHECK(r.pages_picked <= 1);
  }
  {
    INFO("a link that scores just the cut of a page, with a keyword phrase");
    // It scores as much as the links "sea salt" shows (3 for each word, 4
    // for the phrase, in the title and elsewhere), and comes before them.
    Item& item = two.items[Position(two, "gizmo widget 3")];
    item.title = "sea salt gizmo";
    item.description = "coarse sea salt";
    const Report r = rebuild();
    CHECK(ChangedPages(r) == std::vector<std::string>{"page-sea-salt"});
    CHECK(r.pages_picked <= 1);
  }
  {
    INFO("a page added: only it picks links");
    // "zircon" matches no link: the page gets filler.
    m.pages.push_back(
        {"page-zircon", "the best zircon", "articles/a.md", {}, {}, 0});
    const Report r = rebuild();
    CHECK(ChangedPages(r) == std::vector<std::string>{"page-zircon"});
    CHECK(r.pages_picked == 1);
  }
  {
    INFO(
        "with a filler page, a change of words no page uses concerns it "
        "alone");
    // The filler is of links that match nothing, as the retitled one did
    // and does.
    two.items[Position(two, "gizmo widget 2")].title = "thingamajig gizmo";
    const Report r = rebuild();
    CHECK(r.pages_picked <= 1);
  }
}

}  // namespace
}  // namespace linkpage
