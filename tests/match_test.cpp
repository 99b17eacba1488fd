#include "match.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <set>

#include "test_util.h"
#include "url.h"

namespace linkpage {
namespace {

using test::MakePage;

Link MakeLink(const std::string& feed, const std::string& title,
              const std::string& url, const std::string& description = "",
              std::vector<std::string> categories = {}) {
  Link l;
  l.feed = feed;
  l.title = title;
  l.url = url;
  l.description = description;
  l.categories = std::move(categories);
  return l;
}

std::vector<std::string> Titles(const std::vector<Link>& links) {
  std::vector<std::string> t;
  for (const Link& l : links) t.push_back(l.title);
  return t;
}

// Every field of each link, the categories last: equal when the links are
// equal byte for byte.
std::vector<std::vector<std::string>> Fields(const std::vector<Link>& links) {
  std::vector<std::vector<std::string>> fields;
  for (const Link& l : links) {
    std::vector<std::string>& f = fields.emplace_back(std::vector<std::string>{
        l.feed, l.title, l.url, l.description, l.display_host, l.image, l.price,
        l.currency, l.advertiser, std::to_string(l.categories.size())});
    f.insert(f.end(), l.categories.begin(), l.categories.end());
  }
  return fields;
}

TEST_CASE("match: Terms lower-cases, splits and drops stop words") {
  CHECK(Terms("The Best Massage-Therapy for BACK pain!") ==
        std::vector<std::string>{"massage", "therapy", "back", "pain"});
  CHECK(Terms("Café crème") == std::vector<std::string>{"café", "crème"});
  CHECK(Terms("").empty());
}

TEST_CASE("match: every byte value, in a word or between two") {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    INFO("byte " << b);
    // ASCII letters and digits, and every byte from 0x80 on, are part of
    // a word; A-Z read as a-z.
    const bool in_word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || b >= 0x80;
    const char lower =
        c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    const std::vector<std::string> want =
        in_word ? std::vector<std::string>{std::string("x") + lower + "y"}
                : std::vector<std::string>{"x", "y"};
    CHECK(Terms(std::string("x") + c + "y") == want);
  }
}

TEST_CASE("match: AppendTermHashes is the 32-bit FNV-1a of each term") {
  // Kept in link notes from one run, and one version, to the next.
  auto fnv1a = [](const std::string& s) {
    uint32_t h = 2166136261u;
    for (unsigned char c : s) h = (h ^ c) * 16777619u;
    return h;
  };
  for (const std::string text : {"The Best Massage-Therapy for BACK pain!",
                                 "Café CRÈME 42", "", "  ,,, ", "x"}) {
    std::vector<uint32_t> hashes;
    AppendTermHashes(text, &hashes);
    std::vector<uint32_t> want;
    for (const std::string& t : Terms(text)) want.push_back(fnv1a(t));
    CHECK(hashes == want);
  }
  std::vector<uint32_t> one;
  AppendTermHashes("Massage", &one);
  CHECK(one == std::vector<uint32_t>{0x88afb190u});
}

TEST_CASE("match: scoring prefers title over categories over description") {
  Page page = MakePage("p", "massage", 3);
  LinkIndex index({
      MakeLink("f", "Garden hoses", "https://a.example/1",
               "good for massage"),
      MakeLink("f", "Garden chairs", "https://a.example/2", "",
               {"Massage"}),
      MakeLink("f", "Massage oils", "https://a.example/3"),
      MakeLink("f", "Unrelated", "https://a.example/4"),
  }, {page});
  std::vector<Link> picked = index.Pick(page, {});
  CHECK(Titles(picked) ==
        std::vector<std::string>{"Massage oils", "Garden chairs",
                                 "Garden hoses"});
}

TEST_CASE("match: whole words only, case-insensitive") {
  Page page = MakePage("p", "back", 1);
  LinkIndex index({
      MakeLink("f", "Backpack sale", "https://a.example/1"),
      MakeLink("f", "BACK support belt", "https://a.example/2"),
  }, {page});
  std::vector<Link> picked = index.Pick(page, {});
  REQUIRE(picked.size() == 1);
  CHECK(picked[0].title == "BACK support belt");
}

TEST_CASE("match: stop words in the topic do not match") {
  Page page = MakePage("p", "the best for your pain", 1);
  LinkIndex index({
      MakeLink("f", "The thing for you", "https://a.example/1"),
      MakeLink("f", "Pain relief cream", "https://a.example/2"),
  }, {page});
  std::vector<Link> picked = index.Pick(page, {});
  REQUIRE(picked.size() == 1);
  CHECK(picked[0].title == "Pain relief cream");
}

TEST_CASE("match: keyword phrases found whole score higher") {
  Page page = MakePage("p", "stretching", 1, {"back pain"});
  LinkIndex index({
      MakeLink("f", "Pain in the back of the knee", "https://a.example/1"),
      MakeLink("f", "Back pain stretches", "https://a.example/2"),
  }, {page});
  std::vector<Link> picked = index.Pick(page, {});
  REQUIRE(picked.size() == 1);
  CHECK(picked[0].title == "Back pain stretches");
}

TEST_CASE("match: a phrase stands across stop words, not other words") {
  // "back pain" and "knee brace" are keywords; "of the" are stop words,
  // "lower" is a word no page looks for.
  Page page = MakePage("p", "relief", 3, {"back pain", "knee brace"});
  LinkIndex index({
      MakeLink("f", "Back lower pain relief", "https://a.example/1"),
      MakeLink("f", "Relief", "https://a.example/2", "", {"back of the pain"}),
      MakeLink("f", "Relief for back and pain", "https://a.example/3"),
  }, {page});
  // 1: title back+pain+relief 9. 2: title relief 3, category back+pain 4,
  // phrase elsewhere 1 = 8. 3: title 9, phrase in title 3 = 12.
  CHECK(Titles(index.Pick(page, {})) ==
        std::vector<std::string>{"Relief for back and pain",
                                 "Back lower pain relief", "Relief"});
}

TEST_CASE("match: too few matches are filled from the page's feeds") {
  Page only_a = MakePage("p", "massage", 3, {}, {"a"});
  Page every = MakePage("p", "massage", 4);
  LinkIndex index({
      MakeLink("a", "Massage chair", "https://a.example/1"),
      MakeLink("a", "Garden hose", "https://a.example/2"),
      MakeLink("b", "Kitchen knife", "https://b.example/3"),
      MakeLink("b", "Massage gun", "https://b.example/4"),
  }, {only_a, every});
  std::vector<Link> picked = index.Pick(only_a, {});
  // Only feed "a": one match, then the one other link of "a".
  CHECK(Titles(picked) ==
        std::vector<std::string>{"Massage chair", "Garden hose"});
  picked = index.Pick(every, {});
  REQUIRE(picked.size() == 4);
  CHECK(picked[0].title == "Massage chair");
  CHECK(picked[1].title == "Massage gun");
}

TEST_CASE("match: links are de-duplicated by normalised URL across feeds") {
  Page page = MakePage("p", "massage", 5);
  LinkIndex index({
      MakeLink("a", "Massage chair", "https://Shop.example/chair/"),
      MakeLink("b", "Massage chair again", "https://shop.example:443/chair#x"),
      MakeLink("b", "Massage table", "https://shop.example/table"),
  }, {page});
  CHECK(index.duplicates() == 1);
  CHECK(index.size() == 2);
  std::vector<Link> picked = index.Pick(page, {});
  CHECK(Titles(picked) ==
        std::vector<std::string>{"Massage chair", "Massage table"});

  // A feed all of whose links are duplicates has none to give, and the
  // feeds after it keep theirs.
  Page only_c = MakePage("c", "massage", 5, {}, {"c"});
  Page only_b = MakePage("b", "massage", 5, {}, {"b"});
  LinkIndex dups(
      {
          MakeLink("a", "Massage chair", "https://shop.example/chair"),
          MakeLink("b", "Massage chair again", "https://SHOP.example/chair"),
          MakeLink("c", "Massage table", "https://shop.example/table"),
      },
      {page, only_c, only_b});
  CHECK(dups.duplicates() == 1);
  CHECK(Titles(dups.Pick(only_c, {})) ==
        std::vector<std::string>{"Massage table"});
  CHECK(dups.Pick(only_b, {}).empty());
  CHECK(Titles(dups.Pick(page, {})) ==
        std::vector<std::string>{"Massage chair", "Massage table"});
}

TEST_CASE("match: link params expand {slug} and {feed}") {
  FeedConfig feed;
  feed.name = "offers";
  feed.link_params = {{"subid", "{slug}"}, {"src", "lp-{feed}"}};
  Page page = MakePage("back-pain", "massage", 1);
  LinkIndex index({
      MakeLink("offers", "Massage", "https://a.example/x?id=1#top"),
  }, {page});
  std::vector<Link> picked = index.Pick(page, {feed});
  REQUIRE(picked.size() == 1);
  CHECK(picked[0].url ==
        "https://a.example/x?id=1&subid=back-pain&src=lp-offers#top");
}

TEST_CASE("match: selection is deterministic and does not depend on order "
          "of calls") {
  std::vector<Link> links;
  for (int i = 0; i < 50; ++i) {
    links.push_back(MakeLink("f" + std::to_string(i % 3),
                             "Item " + std::to_string(i) +
                                 (i % 7 == 0 ? " massage" : ""),
                             "https://a.example/" + std::to_string(i)));
  }
  Page p1 = MakePage("one", "massage", 10);
  Page p2 = MakePage("two", "massage", 10);
  LinkIndex a(links, {p1, p2}), b(links, {p2, p1});
  std::vector<Link> first = a.Pick(p1, {});
  b.Pick(p2, {});
  CHECK(Titles(b.Pick(p1, {})) == Titles(first));
  CHECK(Titles(a.Pick(p1, {})) == Titles(first));
  // Different pages get different filler.
  CHECK(Titles(a.Pick(p2, {})) != Titles(first));
}

// Pick() as its comment in match.h states it, written out by brute force:
// every link of the page's feeds scored by every rule, sorted by score
// and position, the best "links_per_page" with a score; then filler, as
// Pick() takes it: unmatched links of the page's feeds from the
// FNV-1a hash of the slug on, wrapping around. Returns link indexes into
// "links", which must be free of duplicate URLs; adds the number of
// filler links to "*filler".
std::vector<size_t> BruteForcePick(const std::vector<Link>& links,
                                   const Page& page, size_t* filler) {
  std::vector<std::string> query = Terms(page.topic);
  std::vector<std::vector<std::string>> phrases;
  for (std::string_view k : page.keywords) {
    std::vector<std::string> t = Terms(k);
    if (t.size() > 1) phrases.push_back(t);
    query.insert(query.end(), t.begin(), t.end());
  }
  std::sort(query.begin(), query.end());
  query.erase(std::unique(query.begin(), query.end()), query.end());
  auto has = [](const std::vector<std::string>& v, const std::string& w) {
    return std::find(v.begin(), v.end(), w) != v.end();
  };
  // Two words that stand together in a field, stop words aside.
  auto add_pairs = [](const std::string& text,
                      std::set<std::pair<std::string, std::string>>* pairs) {
    std::vector<std::string> t = Terms(text);
    for (size_t i = 0; i + 1 < t.size(); ++i) pairs->insert({t[i], t[i + 1]});
  };
  auto allowed = [&](const Link& l) {
    return page.feeds.empty() ||
           std::find(page.feeds.begin(), page.feeds.end(),
                     std::string_view(l.feed)) != page.feeds.end();
  };
  std::vector<int> score(links.size(), 0);
  for (size_t i = 0; i < links.size(); ++i) {
    const Link& l = links[i];
    if (!allowed(l)) continue;
    std::vector<std::string> title = Terms(l.title);
    std::vector<std::string> cats;
    for (const std::string& c : l.categories) {
      for (const std::string& t : Terms(c)) cats.push_back(t);
    }
    std::vector<std::string> desc = Terms(l.description);
    for (const std::string& w : query) {
      score[i] += has(title, w) ? 3 : has(cats, w) ? 2 : has(desc, w) ? 1 : 0;
    }
    std::set<std::pair<std::string, std::string>> title_pairs, other_pairs;
    add_pairs(l.title, &title_pairs);
    for (const std::string& c : l.categories) add_pairs(c, &other_pairs);
    add_pairs(l.description, &other_pairs);
    for (const std::vector<std::string>& p : phrases) {
      bool in_title = true, elsewhere = true;
      for (size_t k = 0; k + 1 < p.size(); ++k) {
        in_title = in_title && title_pairs.count({p[k], p[k + 1]}) > 0;
        elsewhere = elsewhere && other_pairs.count({p[k], p[k + 1]}) > 0;
      }
      score[i] += (in_title ? 3 : 0) + (elsewhere ? 1 : 0);
    }
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < links.size(); ++i) {
    if (score[i] > 0) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return score[a] != score[b] ? score[a] > score[b] : a < b;
  });
  const size_t want = static_cast<size_t>(page.settings.links_per_page);
  if (order.size() > want) order.resize(want);
  if (order.size() < want && !links.empty()) {
    uint32_t hash = 2166136261u;  // FNV-1a
    for (unsigned char c : page.slug) {
      hash ^= c;
      hash *= 16777619u;
    }
    const size_t start = hash % links.size();
    for (size_t k = 0; k < links.size() && order.size() < want; ++k) {
      const size_t i = (start + k) % links.size();
      if (allowed(links[i]) && score[i] == 0) {
        order.push_back(i);
        ++*filler;
      }
    }
  }
  return order;
}

TEST_CASE("match: Pick agrees with a plain scoring of every link") {
  // A small vocabulary, so that links share many words and scores tie.
  const std::vector<std::string> vocab = {
      "back", "pain", "knee", "brace", "mat", "massage", "gun", "pillow",
      "foam", "roller", "heat", "pad", "the", "of", "for", "with", "Smart",
      "PORTABLE", "cold", "pack", "neck", "sleep", "support", "belt"};
  std::mt19937 rng(20261126);
  auto words = [&](int n) {
    std::string text;
    for (int i = 0; i < n; ++i) {
      text += (i ? " " : "") + vocab[rng() % vocab.size()];
    }
    return text;
  };
  std::vector<Link> links;
  for (int i = 0; i < 3000; ++i) {
    Link l = MakeLink("f" + std::to_string(rng() % 4),
                      "T" + std::to_string(i) + " " + words(1 + rng() % 5),
                      "https://a.example/" + std::to_string(i),
                      words(rng() % 12));
    if (rng() % 3 == 0) l.categories = {words(1 + rng() % 2)};
    links.push_back(l);
  }
  std::vector<Page> pages;
  for (int i = 0; i < 300; ++i) {
    Page p = MakePage("p" + std::to_string(i), words(1 + rng() % 4),
                      1 + static_cast<int>(rng() % 10));
    std::vector<std::string> keywords;
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) {
      keywords.push_back(words(1 + rng() % 3));
    }
    p.keywords = test::Keep(keywords);
    if (rng() % 4 == 0)
      p.feeds =
          test::Keep(std::vector<std::string>{"f" + std::to_string(rng() % 4)});
    pages.push_back(p);
  }
  LinkIndex index(links, pages);
  for (const Page& page : pages) {
    size_t filler = 0;
    std::vector<std::string> want;
    for (size_t i : BruteForcePick(links, page, &filler)) {
      want.push_back(links[i].title);
    }
    std::vector<Link> picked = index.Pick(page, {});
    CHECK(index.PickCount(page) == picked.size());
    INFO("page " << page.slug << " topic \"" << page.topic << "\"");
    CHECK(Titles(picked) == want);
  }
}

TEST_CASE("match: Pick equals a brute-force pick on random links") {
  // Few words, so that links share many words, scores tie and phrases
  // stand; some stop words and capitals among them.
  const std::vector<std::string> vocab = {
      "back", "pain",  "knee", "brace", "foam", "roller", "heat",
      "Pad",  "SMART", "cold", "the",   "of",   "for",    "with"};
  std::mt19937 rng(7251);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto words = [&](size_t n) {
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      text += (i ? " " : "") + vocab[pick(vocab.size())];
    }
    return text;
  };
  // Link counts around the block sizes of the search (256 links, sub-blocks
  // of 32) and a few past 8 blocks, so that the first bound on the
  // "want"-th best score comes into play for 8 links a page.
  const std::vector<size_t> link_counts = {0,   1,   2,   7,   33,   70,
                                           255, 257, 600, 900, 2100, 2700};
  const size_t rounds = 2 * link_counts.size();
  size_t checked = 0, filler = 0;
  for (size_t round = 0; round < rounds; ++round) {
    const size_t n = link_counts[round % link_counts.size()];
    const size_t feed_count = 1 + pick(4);
    std::vector<Link> links;
    for (size_t i = 0; i < n; ++i) {
      // Titles start with a word of their own so that results compare by
      // title; now and then a URL that normalises like an earlier one.
      std::string url = "https://a.example/" + std::to_string(i);
      if (i > 0 && pick(20) == 0) {
        url = "https://A.example/" + std::to_string(pick(i)) + "#dup";
      }
      Link l = MakeLink("f" + std::to_string(pick(feed_count)),
                        "L" + std::to_string(i) + " " + words(pick(6)), url,
                        words(pick(10)));
      for (size_t c = pick(3); c > 0; --c) {
        l.categories.push_back(words(1 + pick(3)));
      }
      // The other fields, to come out of the index as they went in: some
      // empty, some not ASCII, some longer than 127 bytes.
      l.display_host = pick(4) ? "a.example" : "";
      if (pick(3) == 0) l.image = "https://a.example/i/" + words(pick(40));
      if (pick(2) == 0) l.price = std::to_string(pick(1000)) + ",99";
      if (pick(2) == 0) l.currency = pick(2) ? "EUR" : "€";
      if (pick(5) == 0) l.advertiser = "Bücher-Ecke " + words(pick(30));
      links.push_back(l);
    }
    // Each link count once with each feed's links together (feed order,
    // as GatherFeeds gives them), once with them mixed.
    if (round < link_counts.size()) {
      std::stable_sort(
          links.begin(), links.end(),
          [](const Link& a, const Link& b) { return a.feed < b.feed; });
    }
    std::vector<Page> pages;
    const std::vector<int> wants = {
        0, 1, 2, 8, 8, 8, 13, static_cast<int>(n) + 3, 1000};
    for (int i = 0; i < 24; ++i) {
      Page p = MakePage("p" + std::to_string(round) + "-" + std::to_string(i),
                        words(1 + pick(4)), wants[pick(wants.size())]);
      std::vector<std::string> keywords;
      for (size_t k = pick(5); k > 0; --k) {
        keywords.push_back(words(1 + pick(3)));
      }
      if (i == 23) {
        // A phrase counted 80 times: scores past 255.
        keywords.insert(keywords.end(), 80, "back pain");
      }
      p.keywords = test::Keep(keywords);
      switch (pick(6)) {
        case 0:
          p.feeds = test::Keep(
              std::vector<std::string>{"f" + std::to_string(pick(feed_count))});
          break;
        case 1:
          p.feeds =
              test::Keep({"f0", "f" + std::to_string(pick(feed_count)), "f0"});
          break;
        case 2:
          p.feeds =
              test::Keep({"f" + std::to_string(pick(feed_count)), "none"});
          break;
        default:
          break;  // Every feed.
      }
      pages.push_back(p);
    }

    LinkIndex index(links, pages);
    std::vector<Link> kept;  // As the index holds them: duplicates out.
    std::set<std::string> seen;
    for (const Link& l : links) {
      if (seen.insert(NormalizeUrl(l.url)).second) kept.push_back(l);
    }
    REQUIRE(index.size() == kept.size());
    for (const Page& page : pages) {
      std::vector<Link> want;
      for (size_t i : BruteForcePick(kept, page, &filler)) {
        want.push_back(kept[i]);
      }
      std::vector<Link> picked = index.Pick(page, {});
      INFO("round " << round << ", page " << page.slug << ", topic \""
                    << page.topic << "\", " << kept.size() << " links");
      CHECK(Titles(picked) == Titles(want));
      CHECK(Fields(picked) == Fields(want));
      CHECK(index.PickCount(page) == picked.size());
      ++checked;
    }
  }
  CHECK(checked == rounds * 24);
  CHECK(filler > 0);
}

TEST_CASE("match: links come out of the index byte for byte") {
  // Fields of every size: lengths of one, two and three bytes as the
  // index stores them (up to 127, 16383 and more), links larger than a
  // block of the index's storage (64 KiB) between small ones; empty
  // fields, many categories, text not ASCII, a NUL byte.
  std::vector<Link> links;
  links.push_back(MakeLink("a", "Plain", "https://a.example/plain"));
  Link full = MakeLink("b", "Grüße, 日本語 und 🙂 massage",
                       "https://b.example/ü?q=ä&r=" + std::string(20000, 'r'),
                       std::string(127, 'd'));
  full.display_host = "bücher.example";
  full.image = "https://b.example/" + std::string(128, 'i') + ".png";
  full.price = "12,50";
  full.currency = "€";
  full.advertiser = std::string("nul\0byte", 8);
  for (int c = 0; c < 300; ++c) {
    full.categories.push_back("Kategorie " + std::to_string(c) +
                              (c % 2 ? " ü" : ""));
  }
  links.push_back(full);
  for (int i = 0; i < 2000; ++i) {
    Link l = MakeLink(i % 3 ? "a" : "b", "Link " + std::to_string(i),
                      "https://a.example/" + std::to_string(i),
                      std::string(static_cast<size_t>(i % 700), 'x'));
    if (i % 5 == 0) l.categories = {"massage", "", "Δ"};
    if (i == 700) {
      l.description = std::string(200000, 'h');
      l.categories = {std::string(16383, 'c'), std::string(16384, 'C'), ""};
      l.image = "https://a.example/" + std::string(70000, 'g');
    }
    if (i == 701) l.title = "massage " + std::string(65536, 't');
    links.push_back(l);
  }
  // Links with every field empty but those a feed must give, and the
  // first link again: a duplicate, dropped.
  links.push_back(MakeLink("c", "Empty", "https://c.example/"));
  links.push_back(MakeLink("c", "Plain again", "https://A.example/plain#x"));

  FeedConfig b;
  b.name = "b";
  b.link_params = {{"src", "lp-{feed}-{slug}"}};
  const int all = static_cast<int>(links.size()) + 5;
  std::vector<Page> pages = {MakePage("every", "massage", all),
                             MakePage("only-b", "massage", all, {}, {"b"}),
                             MakePage("filler", "nothing", 20, {}, {"c"})};
  LinkIndex index(links, pages);
  std::vector<Link> kept(links.begin(), links.end() - 1);
  CHECK(index.duplicates() == 1);
  REQUIRE(index.size() == kept.size());
  for (const Page& page : pages) {
    size_t filler = 0;
    std::vector<Link> want;
    for (size_t i : BruteForcePick(kept, page, &filler)) {
      Link& l = want.emplace_back(kept[i]);
      if (l.feed == "b") {
        l.url = AppendQuery(l.url, {{"src", "lp-b-" + page.slug}});
      }
    }
    std::vector<Link> picked = index.Pick(page, {b});
    INFO("page " << page.slug);
    CHECK(picked.size() == index.PickCount(page));
    CHECK(Titles(picked) == Titles(want));
    CHECK(Fields(picked) == Fields(want));
  }
}

TEST_CASE("match: links_per_page zero and empty index") {
  Page five = MakePage("p", "x", 5);
  Page none = MakePage("p", "x", 0);
  LinkIndex empty(std::vector<Link>{}, {five});
  CHECK(empty.Pick(five, {}).empty());
  LinkIndex one({MakeLink("f", "x", "https://a.example/")}, {none});
  CHECK(one.Pick(none, {}).empty());
}

}  // namespace
}  // namespace linkpage
