// The notes of a run's links, and what they tell a later run: which pages
// a change of the links can concern.
#include "linknotes.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "hash.h"
#include "match.h"
#include "sources.h"
#include "test_util.h"

namespace linkpage {
namespace {

namespace fs = std::filesystem;
using test::MakePage;
using test::TempDir;

Link MakeLink(const std::string& feed, const std::string& title,
              const std::string& url, const std::string& price = "") {
  Link l;
  l.feed = feed;
  l.title = title;
  l.url = url;
  l.price = price;
  return l;
}

// Every field of each link: equal when the links are equal byte for byte.
std::vector<std::vector<std::string>> Fields(const std::vector<Link>& links) {
  std::vector<std::vector<std::string>> fields;
  for (const Link& l : links) {
    fields.push_back({l.feed, l.title, l.url, l.description, l.price});
  }
  return fields;
}

// The feeds of a site, by name, in name order.
using Feeds = std::map<std::string, std::vector<Link>>;

// Writes the notes of every feed of "feeds" to "cache_dir", as a run that
// parsed them does, and returns their state.
LinksState Note(const std::string& cache_dir, const Feeds& feeds) {
  LinksState state;
  std::vector<uint64_t> hashes;
  for (const auto& [name, links] : feeds) {
    const uint64_t hash = LinksHash(links);
    std::string err;
    REQUIRE(WriteLinkNotes(LinkNotesPath(cache_dir, name, hash),
                           NoteLinks(links),
                           LinkRecords(name, std::vector<Link>(links)), &err));
    state.feeds.emplace_back(name, hash);
    hashes.push_back(hash);
  }
  state.hash = StateHash(hashes);
  return state;
}

std::vector<Link> All(const Feeds& feeds) {
  std::vector<Link> all;
  for (const auto& [name, links] : feeds) {
    all.insert(all.end(), links.begin(), links.end());
  }
  return all;
}

TEST_CASE("linknotes: notes are read back as written; torn ones are not",
          "[linknotes]") {
  TempDir dir;
  std::vector<Link> links = {
      MakeLink("f", "Quiet Massage Chair", "https://a/1"),
      MakeLink("f", "the chair", "https://A/1?")};
  links[1].categories = {"Massage chairs"};
  links[1].description = "A chair for the back.";
  const LinkNotes notes = NoteLinks(links);
  REQUIRE(notes.links.size() == 2);
  // Equal normalised URLs, different content.
  CHECK(notes.links[0].url == notes.links[1].url);
  CHECK(notes.links[0].content != notes.links[1].content);
  // Words as Terms() gives them (the stop words "the" and "for" are not),
  // once each, with the weight of the best field they are in.
  auto word = [](std::string_view w, uint32_t weight) {
    std::vector<uint32_t> hash;
    AppendTermHashes(w, &hash);
    return (hash.at(0) & ~3u) | weight;
  };
  std::vector<uint32_t> words = {word("chair", 3), word("massage", 2),
                                 word("chairs", 2), word("back", 1)};
  std::sort(words.begin(), words.end());
  CHECK(std::vector<uint32_t>(notes.words.begin() + notes.links[1].words_begin,
                              notes.words.begin() + notes.links[1].words_end) ==
        words);

  const uint64_t hash = LinksHash(links);
  const std::string path = LinkNotesPath(dir.path(), "f", hash);
  std::string err;
  CHECK_FALSE(WriteLinkNotes(path, notes, LinkRecords("f"), &err));
  REQUIRE(WriteLinkNotes(path, notes,
                         LinkRecords("f", std::vector<Link>(links)), &err));
  LinkNotes read;
  LinkRecords records("f");
  REQUIRE(ReadLinkNotes(path, hash, &read, &records));
  CHECK(read.words == notes.words);
  REQUIRE(read.links.size() == notes.links.size());
  for (size_t i = 0; i < read.links.size(); ++i) {
    CHECK(read.links[i].content == notes.links[i].content);
    CHECK(read.links[i].url == notes.links[i].url);
    CHECK(read.links[i].words_begin == notes.links[i].words_begin);
    CHECK(read.links[i].words_end == notes.links[i].words_end);
  }
  // The links come back too, whole.
  REQUIRE(records.size() == links.size());
  CHECK(LinksHash(records) == hash);
  for (size_t i = 0; i < links.size(); ++i) {
    const Link l = records.At(i);
    CHECK(l.feed == "f");
    CHECK(l.title == links[i].title);
    CHECK(l.url == links[i].url);
    CHECK(l.description == links[i].description);
    CHECK(l.categories == links[i].categories);
  }
  // Either may be left out.
  LinkRecords only("f");
  REQUIRE(ReadLinkNotes(path, hash, nullptr, &only));
  CHECK(only.size() == links.size());
  REQUIRE(ReadLinkNotes(path, hash, &read, nullptr));
  // Notes of other links, or links of another feed, are not read.
  CHECK_FALSE(ReadLinkNotes(path, hash + 1, &read, nullptr));
  LinkRecords other_feed("g");
  CHECK_FALSE(ReadLinkNotes(path, hash, nullptr, &other_feed));

  const std::string bytes = test::ReadFile(path);
  for (size_t cut : {size_t{0}, size_t{10}, bytes.size() - 1}) {
    INFO("cut at " << cut);
    test::WriteFile(path, bytes.substr(0, cut));
    CHECK_FALSE(ReadLinkNotes(path, hash, &read, nullptr));
  }
  // A flipped bit: in the notes (the checksum), in a record's sizes (ditto),
  // in a record's length (the record is not one), in a record's text (its
  // hash).
  const size_t records_at =
      bytes.size() - records.record(0).size() - records.record(1).size();
  const size_t sizes_at = records_at - 2 * sizeof(uint32_t);
  for (size_t at : {size_t{60}, sizes_at, records_at, bytes.size() - 3}) {
    INFO("flipped at " << at);
    std::string flipped = bytes;
    flipped[at] ^= 1;
    test::WriteFile(path, flipped);
    LinkRecords none("f");
    CHECK_FALSE(ReadLinkNotes(path, hash, &read, &none));
  }
  // The notes alone do not depend on the records' bytes.
  std::string text_flipped = bytes;
  text_flipped[bytes.size() - 3] ^= 1;
  test::WriteFile(path, text_flipped);
  CHECK(ReadLinkNotes(path, hash, &read, nullptr));
  CHECK_FALSE(ReadLinkNotes(dir / "none", hash, &read, nullptr));
}

TEST_CASE("linknotes: the published state is kept, other versions' notes go",
          "[linknotes]") {
  TempDir dir;
  const Feeds v1 = {{"a", {MakeLink("a", "one", "https://x/1")}},
                    {"b.2", {MakeLink("b.2", "two", "https://x/2")}}};
  Feeds v2 = v1;
  v2["a"][0].title = "uno";
  const LinksState s1 = Note(dir.path(), v1);
  const LinksState s2 = Note(dir.path(), v2);
  std::string err;
  REQUIRE(WritePublishedLinks(dir.path(), s2, &err));
  LinksState read;
  REQUIRE(ReadPublishedLinks(dir.path(), &read));
  CHECK(read.hash == s2.hash);
  CHECK(read.feeds == s2.feeds);
  CHECK_FALSE(fs::exists(LinkNotesPath(dir.path(), "a", s1.feeds[0].second)));
  CHECK(fs::exists(LinkNotesPath(dir.path(), "a", s2.feeds[0].second)));
  CHECK(fs::exists(LinkNotesPath(dir.path(), "b.2", s2.feeds[1].second)));

  // Cut short, or a feed's line edited: it does not add up.
  const std::string text = test::ReadFile(dir / "published-links");
  test::WriteFile(dir / "published-links",
                  text.substr(0, text.rfind('\n', text.size() - 2) + 1));
  CHECK_FALSE(ReadPublishedLinks(dir.path(), &read));
  std::string edited = text;
  edited[edited.find('\n') + 1] ^= 1;
  test::WriteFile(dir / "published-links", edited);
  CHECK_FALSE(ReadPublishedLinks(dir.path(), &read));
  test::WriteFile(dir / "published-links", "linkpage-published-links 1\n");
  CHECK_FALSE(ReadPublishedLinks(dir.path(), &read));
}

TEST_CASE("linknotes: a change concerns the pages with its words",
          "[linknotes]") {
  TempDir dir;
  Feeds before = {{"a",
                   {MakeLink("a", "massage chair", "https://x/1"),
                    MakeLink("a", "massage oil", "https://x/2"),
                    MakeLink("a", "knee brace", "https://x/3")}},
                  {"b",
                   {MakeLink("b", "posture brace", "https://x/4"),
                    MakeLink("b", "massage ball", "https://x/5")}}};
  const LinksState s0 = Note(dir.path(), before);
  const Page massage = MakePage("m", "massage", 1);
  const Page knee = MakePage("k", "knee", 1);
  const Page posture_b = MakePage("p", "posture", 1, {}, {"b"});
  const Page knee_b = MakePage("kb", "knee", 1, {}, {"b"});

  SECTION("a retitled link") {
    Feeds after = before;
    after["a"][2].title = "knee sleeve";
    const LinkChanges c(dir.path(), s0, Note(dir.path(), after));
    CHECK(c.Concerns(knee, PickNote{false, 1}));
    CHECK_FALSE(c.Concerns(massage, PickNote{false, 1}));
    CHECK_FALSE(
        c.Concerns(knee_b, PickNote{false, 1}));  // Does not take feed a.
    CHECK(c.Concerns(massage, PickNote{}));       // Filler: any change.
    CHECK(c.duplicates() == 0);
  }
  SECTION("a changed link that scores below the page's cut") {
    Feeds after = before;
    after["a"][2].title = "knee massage";  // Was "knee brace".
    const LinkChanges c(dir.path(), s0, Note(dir.path(), after));
    // "massage" in the title scores 3: a page whose picked links all
    // score 4 or more cannot get it, nor can the old link (no "massage").
    CHECK_FALSE(c.Concerns(massage, PickNote{false, 4}));
    CHECK(c.Concerns(massage, PickNote{false, 3}));
    // Both words in the title: 6; as a keyword phrase, 4 more.
    const Page both = MakePage("b", "massage knee", 1);
    CHECK_FALSE(c.Concerns(both, PickNote{false, 7}));
    CHECK(c.Concerns(both, PickNote{false, 6}));
    const Page phrase = MakePage("ph", "pain", 1, {"knee massage"});
    CHECK(c.Concerns(phrase, PickNote{false, 10}));
    CHECK_FALSE(c.Concerns(phrase, PickNote{false, 11}));
    // Unknown cut (an older note): any page with one of the words.
    CHECK(c.Concerns(massage, PickNote{false, 0}));
  }
  SECTION("many changed links: by words alone, whatever the cut") {
    Feeds after = before;
    for (int i = 0; i < 100; ++i) {
      after["b"].push_back(
          MakeLink("b", "posture", "https://x/n" + std::to_string(i)));
    }
    const LinkChanges c(dir.path(), s0, Note(dir.path(), after));
    CHECK(c.Concerns(posture_b, PickNote{false, 100}));
    CHECK_FALSE(c.Concerns(knee_b, PickNote{false, 1}));
  }
  SECTION("a link whose price alone changed") {
    Feeds after = before;
    after["b"][0].price = "9.99";
    const LinkChanges c(dir.path(), s0, Note(dir.path(), after));
    CHECK(c.Concerns(posture_b, PickNote{false, 1}));
    CHECK_FALSE(c.Concerns(knee_b, PickNote{false, 1}));
  }
  SECTION("links added and removed") {
    Feeds after = before;
    after["a"].erase(after["a"].begin());
    after["b"].push_back(MakeLink("b", "knee pad", "https://x/6"));
    const LinkChanges c(dir.path(), s0, Note(dir.path(), after));
    CHECK(c.Concerns(massage, PickNote{false, 1}));  // "massage chair" went.
    CHECK(c.Concerns(knee_b, PickNote{false, 1}));   // "knee pad" came.
    CHECK_FALSE(c.Concerns(posture_b, PickNote{false, 1}));
  }
  SECTION("links of one feed in another order") {
    before["c"] = {MakeLink("c", "alpha", "https://x/c1"),
                   MakeLink("c", "bravo", "https://x/c2"),
                   MakeLink("c", "charlie", "https://x/c3"),
                   MakeLink("c", "delta", "https://x/c4"),
                   MakeLink("c", "echo", "https://x/c5")};
    const LinksState s1 = Note(dir.path(), before);
    auto page = [](const std::string& word) {
      return MakePage(word, word, 1, {}, {"c"});
    };
    // The last one moved to the front: the others kept their order, and
    // only pages that it could be given are concerned.
    Feeds after = before;
    std::rotate(after["c"].begin(), after["c"].end() - 1, after["c"].end());
    const LinkChanges moved(dir.path(), s1, Note(dir.path(), after));
    CHECK(moved.Concerns(page("echo"), PickNote{false, 1}));
    for (const char* word : {"alpha", "bravo", "charlie", "delta"}) {
      CHECK_FALSE(moved.Concerns(page(word), PickNote{false, 1}));
    }
    // Reversed: at most one link kept its place among the others.
    after = before;
    std::reverse(after["c"].begin(), after["c"].end());
    const LinkChanges reversed(dir.path(), s1, Note(dir.path(), after));
    int concerned = 0;
    for (const char* word : {"alpha", "bravo", "charlie", "delta", "echo"}) {
      concerned += reversed.Concerns(page(word), PickNote{false, 1});
    }
    CHECK(concerned == 4);
    CHECK_FALSE(reversed.Concerns(MakePage("ka", "knee", 1, {}, {"a"}),
                                  PickNote{false, 1}));
  }
  SECTION("a duplicate URL: the link kept instead is a change") {
    Feeds after = before;
    // Feed a's "knee brace" now has the URL of feed b's "posture brace",
    // which is dropped as a duplicate of it.
    after["a"][2].url = "https://x/4";
    const LinkChanges c(dir.path(), s0, Note(dir.path(), after));
    CHECK(c.Concerns(posture_b, PickNote{false, 1}));
    CHECK(c.duplicates() == 1);
  }
  SECTION("a change in links dropped as duplicates concerns no page") {
    before["b"].push_back(MakeLink("b", "massage chair", "https://x/1#b"));
    const LinksState s1 = Note(dir.path(), before);
    Feeds after = before;
    after["b"].back().title = "massage chair for knees";
    const LinkChanges c(dir.path(), s1, Note(dir.path(), after));
    CHECK_FALSE(c.Concerns(knee, PickNote{false, 1}));
    CHECK(c.duplicates() == 1);
  }
  SECTION("without the notes of a version, every page") {
    Feeds after = before;
    after["a"][2].title = "knee sleeve";
    const LinksState s1 = Note(dir.path(), after);
    fs::remove(LinkNotesPath(dir.path(), "a", s0.feeds[0].second));
    const LinkChanges c(dir.path(), s0, s1);
    CHECK(c.Concerns(posture_b, PickNote{false, 1}));
    CHECK(c.duplicates() == -1);
    // Torn notes are as good as none, and are removed.
    Note(dir.path(), before);
    const std::string torn = LinkNotesPath(dir.path(), "b", s0.feeds[1].second);
    test::WriteFile(torn, test::ReadFile(torn).substr(0, 40));
    const LinkChanges c2(dir.path(), s0, s1);
    CHECK(c2.Concerns(posture_b, PickNote{false, 1}));
    CHECK_FALSE(fs::exists(torn));
  }
  SECTION("no change") {
    const LinkChanges c(dir.path(), s0, s0);
    CHECK_FALSE(c.Concerns(massage, PickNote{}));
  }
}

// The property the build relies on, on random links and pages: a page the
// change does not concern is given the same links by a LinkIndex of the
// new links as by one of the old.
TEST_CASE("linknotes: a page not concerned is given the same links",
          "[linknotes]") {
  TempDir dir;
  std::mt19937 rng(20261127);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const std::vector<std::string> words = {
      "massage", "chair", "knee", "brace", "back", "pillow",
      "sleep",   "foam",  "heat", "pad",   "the",  "posture"};
  auto text = [&](int n) {
    std::string t;
    for (int i = 0; i < n; ++i) t += (i ? " " : "") + words[pick(12)];
    return t;
  };
  const std::vector<std::string> names = {"a", "b", "c"};
  auto random_link = [&](const std::string& feed) {
    Link l = MakeLink(feed, text(1 + pick(3)),
                      "https://shop.test/p" + std::to_string(pick(40)),
                      std::to_string(pick(3)));
    if (pick(2)) l.description = text(pick(4));
    return l;
  };
  std::vector<FeedConfig> configs(3);
  for (int f = 0; f < 3; ++f) configs[f].name = names[f];

  int kept = 0, concerned = 0, changed = 0;
  for (int round = 0; round < 400; ++round) {
    INFO("round " << round);
    Feeds before;
    for (const std::string& name : names) {
      for (int i = pick(9); i > 0; --i)
        before[name].push_back(random_link(name));
    }
    Feeds after = before;
    for (int edits = 1 + pick(2); edits > 0; --edits) {
      const std::string& name = names[pick(3)];
      std::vector<Link>& links = after[name];
      const int kind = pick(6);
      if (links.empty() || kind == 0) {
        links.insert(links.begin() + pick(static_cast<int>(links.size()) + 1),
                     random_link(name));
      } else {
        Link& l = links[pick(static_cast<int>(links.size()))];
        if (kind == 1) l.title = text(1 + pick(3));
        if (kind == 2) l.price += "0";
        if (kind == 3) l.url = "https://shop.test/p" + std::to_string(pick(40));
        if (kind == 4) {
          links.erase(links.begin() + pick(static_cast<int>(links.size())));
        }
        if (kind == 5) {
          std::swap(links[pick(static_cast<int>(links.size()))],
                    links[pick(static_cast<int>(links.size()))]);
        }
      }
    }
    // Feeds left empty are not part of the links (no usable links).
    for (Feeds* feeds : {&before, &after}) {
      for (auto it = feeds->begin(); it != feeds->end();) {
        it = it->second.empty() ? feeds->erase(it) : std::next(it);
      }
    }
    std::vector<Page> pages;
    for (int p = 0; p < 8; ++p) {
      std::vector<std::string> keywords, feeds;
      if (pick(2)) keywords.push_back(text(2));
      for (const std::string& name : names) {
        if (pick(3) == 0) feeds.push_back(name);
      }
      pages.push_back(MakePage("page-" + std::to_string(p), text(1 + pick(2)),
                               1 + pick(4), keywords, feeds));
    }
    const LinksState s0 = Note(dir.path(), before);
    const LinksState s1 = Note(dir.path(), after);
    const LinkChanges changes(dir.path(), s0, s1);
    const LinkIndex old_index(All(before), pages);
    const LinkIndex new_index(All(after), pages);
    if (s0.hash != s1.hash) {  // Else nothing is compared.
      CHECK(changes.duplicates() == new_index.duplicates());
    }
    for (const Page& page : pages) {
      INFO("page " << page.slug << ", topic " << std::string(page.topic));
      PickNote note;
      const auto old_links = Fields(old_index.Pick(page, configs, &note));
      const auto new_links = Fields(new_index.Pick(page, configs));
      if (changes.Concerns(page, note)) {
        ++concerned;
        changed += old_links != new_links;
      } else {
        ++kept;
        CHECK(old_links == new_links);
      }
    }
  }
  // Both kinds of page were met, and concerned pages do change.
  CHECK(kept > 300);
  CHECK(changed > 100);
  CHECK(concerned > changed);
}

}  // namespace
}  // namespace linkpage
