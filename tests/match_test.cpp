#include "match.h"

#include <catch2/catch.hpp>

namespace linkpage {
namespace {

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

Page MakePage(const std::string& slug, const std::string& topic, int n,
              std::vector<std::string> keywords = {},
              std::vector<std::string> feeds = {}) {
  Page p;
  p.slug = slug;
  p.topic = topic;
  p.settings.links_per_page = n;
  p.keywords = std::move(keywords);
  p.feeds = std::move(feeds);
  return p;
}

std::vector<std::string> Titles(const std::vector<Link>& links) {
  std::vector<std::string> t;
  for (const Link& l : links) t.push_back(l.title);
  return t;
}

TEST_CASE("match: Terms lower-cases, splits and drops stop words") {
  CHECK(Terms("The Best Massage-Therapy for BACK pain!") ==
        std::vector<std::string>{"massage", "therapy", "back", "pain"});
  CHECK(Terms("Café crème") == std::vector<std::string>{"café", "crème"});
  CHECK(Terms("").empty());
}

TEST_CASE("match: scoring prefers title over categories over description") {
  LinkIndex index({
      MakeLink("f", "Garden hoses", "https://a.example/1",
               "good for massage"),
      MakeLink("f", "Garden chairs", "https://a.example/2", "",
               {"Massage"}),
      MakeLink("f", "Massage oils", "https://a.example/3"),
      MakeLink("f", "Unrelated", "https://a.example/4"),
  });
  std::vector<Link> picked = index.Pick(MakePage("p", "massage", 3), {});
  CHECK(Titles(picked) ==
        std::vector<std::string>{"Massage oils", "Garden chairs",
                                 "Garden hoses"});
}

TEST_CASE("match: whole words only, case-insensitive") {
  LinkIndex index({
      MakeLink("f", "Backpack sale", "https://a.example/1"),
      MakeLink("f", "BACK support belt", "https://a.example/2"),
  });
  std::vector<Link> picked = index.Pick(MakePage("p", "back", 1), {});
  REQUIRE(picked.size() == 1);
  CHECK(picked[0].title == "BACK support belt");
}

TEST_CASE("match: stop words in the topic do not match") {
  LinkIndex index({
      MakeLink("f", "The thing for you", "https://a.example/1"),
      MakeLink("f", "Pain relief cream", "https://a.example/2"),
  });
  std::vector<Link> picked =
      index.Pick(MakePage("p", "the best for your pain", 1), {});
  REQUIRE(picked.size() == 1);
  CHECK(picked[0].title == "Pain relief cream");
}

TEST_CASE("match: keyword phrases found whole score higher") {
  LinkIndex index({
      MakeLink("f", "Pain in the back of the knee", "https://a.example/1"),
      MakeLink("f", "Back pain stretches", "https://a.example/2"),
  });
  std::vector<Link> picked =
      index.Pick(MakePage("p", "stretching", 1, {"back pain"}), {});
  REQUIRE(picked.size() == 1);
  CHECK(picked[0].title == "Back pain stretches");
}

TEST_CASE("match: too few matches are filled from the page's feeds") {
  LinkIndex index({
      MakeLink("a", "Massage chair", "https://a.example/1"),
      MakeLink("a", "Garden hose", "https://a.example/2"),
      MakeLink("b", "Kitchen knife", "https://b.example/3"),
      MakeLink("b", "Massage gun", "https://b.example/4"),
  });
  std::vector<Link> picked =
      index.Pick(MakePage("p", "massage", 3, {}, {"a"}), {});
  // Only feed "a": one match, then the one other link of "a".
  CHECK(Titles(picked) ==
        std::vector<std::string>{"Massage chair", "Garden hose"});
  picked = index.Pick(MakePage("p", "massage", 4), {});
  REQUIRE(picked.size() == 4);
  CHECK(picked[0].title == "Massage chair");
  CHECK(picked[1].title == "Massage gun");
}

TEST_CASE("match: links are de-duplicated by normalised URL across feeds") {
  LinkIndex index({
      MakeLink("a", "Massage chair", "https://Shop.example/chair/"),
      MakeLink("b", "Massage chair again", "https://shop.example:443/chair#x"),
      MakeLink("b", "Massage table", "https://shop.example/table"),
  });
  CHECK(index.duplicates() == 1);
  CHECK(index.size() == 2);
  std::vector<Link> picked = index.Pick(MakePage("p", "massage", 5), {});
  CHECK(Titles(picked) ==
        std::vector<std::string>{"Massage chair", "Massage table"});
}

TEST_CASE("match: link params expand {slug} and {feed}") {
  FeedConfig feed;
  feed.name = "offers";
  feed.link_params = {{"subid", "{slug}"}, {"src", "lp-{feed}"}};
  LinkIndex index({
      MakeLink("offers", "Massage", "https://a.example/x?id=1#top"),
  });
  std::vector<Link> picked =
      index.Pick(MakePage("back-pain", "massage", 1), {feed});
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
  LinkIndex a(links), b(links);
  Page p1 = MakePage("one", "massage", 10);
  Page p2 = MakePage("two", "massage", 10);
  std::vector<Link> first = a.Pick(p1, {});
  b.Pick(p2, {});
  CHECK(Titles(b.Pick(p1, {})) == Titles(first));
  CHECK(Titles(a.Pick(p1, {})) == Titles(first));
  // Different pages get different filler.
  CHECK(Titles(a.Pick(p2, {})) != Titles(first));
}

TEST_CASE("match: links_per_page zero and empty index") {
  LinkIndex empty({});
  CHECK(empty.Pick(MakePage("p", "x", 5), {}).empty());
  LinkIndex one({MakeLink("f", "x", "https://a.example/")});
  CHECK(one.Pick(MakePage("p", "x", 0), {}).empty());
}

}  // namespace
}  // namespace linkpage
