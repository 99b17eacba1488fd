#include "feeds.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "config.h"
#include "text.h"

using linkpage::FeedConfig;
using linkpage::FeedStats;
using linkpage::Link;
using linkpage::ParseFeed;
using linkpage::SniffFormat;

namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream in(
      std::string(LINKPAGE_SOURCE_DIR) + "/tests/data/feeds/" + name,
      std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

FeedConfig Feed(const std::string& format, const std::string& name = "test") {
  FeedConfig feed;
  feed.name = name;
  feed.format = format;
  return feed;
}

struct Result {
  bool ok = false;
  std::vector<Link> links;
  FeedStats stats;
  std::string err;
};

Result Parse(const FeedConfig& feed, const std::string& bytes) {
  Result r;
  r.ok = ParseFeed(feed, bytes, &r.links, &r.stats, &r.err);
  return r;
}

Result Parse(const std::string& format, const std::string& bytes) {
  return Parse(Feed(format), bytes);
}

const Link* FindByUrl(const Result& r, const std::string& url) {
  for (const Link& l : r.links) {
    if (l.url == url) return &l;
  }
  return nullptr;
}

std::string Rss(const std::string& items) {
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T"
         "</title>" +
         items + "</channel></rss>";
}

// An RSS 1.0 document: items beside the channel, in the default namespace.
std::string Rdf(const std::string& items) {
  return "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
         "xmlns=\"http://purl.org/rss/1.0/\"><channel><title>C</title>"
         "</channel>" +
         items + "</rdf:RDF>";
}

}  // namespace

// Items come in document order: each channel's, then those beside the
// channels (RSS 1.0, some RSS 0.9x), however the document mixes them.
TEST_CASE("feeds: rss items of every channel, then those beside them",
          "[feeds]") {
  auto item = [](const std::string& t) {
    return "<item><title>" + t + "</title><link>https://a.example/" + t +
           "</link></item>";
  };
  const std::string doc = "<rss version=\"2.0\">" + item("r1") + "<channel>" +
                          item("c1") + item("c2") + "</channel>" + item("r2") +
                          "<channel>" + item("d1") + "</channel></rss>";
  Result r = Parse("rss", doc);
  REQUIRE(r.ok);
  std::vector<std::string> titles;
  for (const Link& link : r.links) titles.push_back(link.title);
  CHECK(titles == std::vector<std::string>{"c1", "c2", "d1", "r1", "r2"});

  // Appended to links already there, which stay as they were.
  Result more;
  more.links.resize(1);
  more.links[0].title = "before";
  REQUIRE(ParseFeed(Feed("rss"), doc, &more.links, &more.stats, &more.err));
  REQUIRE(more.links.size() == 6);
  CHECK(more.links[0].title == "before");
  CHECK(more.links[1].title == "c1");
  CHECK(more.links[5].title == "r2");
}

TEST_CASE("feeds: rss google merchant fields", "[feeds]") {
  Result r =
      Parse(Feed("rss", "wellness-offers"), ReadFixture("rss_merchant.xml"));
  REQUIRE(r.ok);
  CHECK(r.err.empty());
  CHECK(r.stats.items == 7);
  CHECK(r.stats.dropped_urls == 1);  // guid isPermaLink="false", no link.
  CHECK(r.stats.dropped_untitled == 0);
  REQUIRE(r.links.size() == 6);

  const Link& oil = r.links[0];
  CHECK(oil.feed == "wellness-offers");
  CHECK(oil.title == "Deep Tissue Massage Oil");
  CHECK(oil.url == "https://www.shop.example.com/oil?ref=feed&x=1");
  CHECK(oil.display_host == "shop.example.com");
  CHECK(oil.description == "Warming & relaxing For sore backs");
  CHECK(oil.image == "https://cdn.example.com/oil.jpg");
  CHECK(oil.price == "19.99");
  CHECK(oil.currency == "USD");
  CHECK(oil.advertiser == "Acme Wellness");
  CHECK(oil.categories == std::vector<std::string>{"Massage", "Oils",
                                                   "Health > Massage",
                                                   "Health & Beauty"});

  // No <link> and no <title>: g:link and g:title stand in.
  const Link& roller = r.links[1];
  CHECK(roller.title == "Foam Roller");
  CHECK(roller.url == "https://shop.example.com/roller");
  CHECK(roller.description == "A firm roller for the lower back");
  CHECK(roller.price == "24.50");
  CHECK(roller.currency == "EUR");
  CHECK(roller.image.empty());
}

TEST_CASE("feeds: rss guid, content:encoded, enclosure and media", "[feeds]") {
  Result r = Parse("rss", ReadFixture("rss_merchant.xml"));
  REQUIRE(r.ok);
  const Link* guide = FindByUrl(r, "https://guides.example.org/posture");
  REQUIRE(guide);
  CHECK(guide->title == "Posture Guide");
  CHECK(guide->description == "Sit straight & breathe.");
  CHECK(guide->image == "https://cdn.example.com/guide.png");  // Not audio.
  CHECK(FindByUrl(r, "https://guides.example.org/not-a-link") == nullptr);

  const Link* hot = FindByUrl(r, "https://shop.example.com/hot");
  REQUIRE(hot);
  CHECK(hot->title == "Hot deal");  // CDATA markup stripped.
  CHECK(hot->image == "https://cdn.example.com/hot.jpg");

  // Entity-encoded markup in a title is removed; the link is trimmed.
  const Link* spa = FindByUrl(r, "https://shop.example.com/spa");
  REQUIRE(spa);
  CHECK(spa->title == "Spa Deals");
}

TEST_CASE("feeds: double-encoded entities are decoded once", "[feeds]") {
  Result r = Parse("rss", ReadFixture("rss_merchant.xml"));
  REQUIRE(r.ok);
  const Link* tom = FindByUrl(r, "https://shop.example.com/tom");
  REQUIRE(tom);
  // Title (text): XML "Tom &amp;amp; Jerry" is the text "Tom &amp; Jerry".
  CHECK(tom->title == "Tom &amp; Jerry");
  // Description (HTML): XML "&amp;amp;amp;" is the HTML "&amp;amp;",
  // whose text is "&amp;".
  CHECK(tom->description == "Tom &amp; Jerry");

  Result j = Parse("jsonfeed", ReadFixture("jsonfeed.json"));
  REQUIRE(j.ok);
  const Link* ext = FindByUrl(j, "https://stretch.example.com/ext");
  REQUIRE(ext);
  CHECK(ext->title == "Tom &amp; Jerry");
}

TEST_CASE("feeds: google merchant namespace matched by URI", "[feeds]") {
  Result r = Parse("rss", ReadFixture("hostile_rss.xml"));
  REQUIRE(r.ok);
  // The document binds "gm" to the Google namespace and "g" to another.
  const Link* gm = FindByUrl(r, "https://ok.example.com/gm");
  REQUIRE(gm);
  CHECK(gm->advertiser == "RealBrand");
  CHECK(gm->image.empty());
  CHECK(FindByUrl(r, "https://evil.example.com/") == nullptr);

  // Undeclared "g:" prefixes, common in sloppy feeds, still work.
  Result s = Parse("rss", Rss("<item><title>X</title><g:link>https://e.com/u"
                              "</g:link><g:brand>B</g:brand></item>"));
  REQUIRE(s.ok);
  REQUIRE(s.links.size() == 1);
  CHECK(s.links[0].url == "https://e.com/u");
  CHECK(s.links[0].advertiser == "B");
}

// Declarations that rename nothing (the usual "g:" on the root) let the
// renaming pass skip names; one that does, anywhere, counts in its scope.
TEST_CASE("feeds: namespace scopes that rename and that do not", "[feeds]") {
  Result r = Parse(
      "rss",
      "<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">"
      "<channel>"
      "<item><title>A</title><link>https://a.example.com/</link>"
      "<g:brand>GoodA</g:brand></item>"
      "<item xmlns:g=\"urn:other\"><title>B</title>"
      "<link>https://b.example.com/</link><g:brand>Evil</g:brand></item>"
      "<item><title>C</title><link>https://c.example.com/</link>"
      "<g:brand>GoodC</g:brand></item>"
      "<item><title>D</title><link>https://d.example.com/</link>"
      "<x xmlns:g=\"urn:other\"/><g:brand>GoodD</g:brand></item>"
      "<item><title>E</title><link xmlns=\"urn:foreign\">"
      "https://evil.example.com/</link><link>https://e.example.com/</link>"
      "</item>"
      "<item xmlns:gm=\"http://base.google.com/ns/1.0\"><title>F</title>"
      "<link>https://f.example.com/</link><gm:brand>GoodF</gm:brand></item>"
      "</channel></rss>");
  REQUIRE(r.ok);
  REQUIRE(r.links.size() == 6);
  CHECK(r.links[0].advertiser == "GoodA");
  CHECK(r.links[1].advertiser == "");
  CHECK(r.links[2].advertiser == "GoodC");
  CHECK(r.links[3].advertiser == "GoodD");
  CHECK(r.links[4].url == "https://e.example.com/");
  CHECK(r.links[5].advertiser == "GoodF");

  // The same in UTF-16, where a declaration is not the bytes "xmlns"; and
  // with the word in text, where it is not a declaration.
  const std::string foreign =
      "<rss version=\"2.0\"><channel><item xmlns:g=\"urn:other\"><title>B "
      "xmlns</title>"
      "<link>https://b.example.com/</link><g:brand>Evil</g:brand></item>"
      "</channel></rss>";
  std::string utf16 = "\xFF\xFE";
  for (char c : foreign) utf16 += std::string{c, '\0'};
  for (const std::string& doc : {utf16, foreign}) {
    Result f = Parse("rss", doc);
    REQUIRE(f.ok);
    REQUIRE(f.links.size() == 1);
    CHECK(f.links[0].title == "B xmlns");
    CHECK(f.links[0].advertiser == "");
  }

  // ":title" is no name in any namespace, kept as written (not read),
  // whatever the default namespace.
  Result rdf = Parse("rss", Rdf("<item><title>A</title>"
                                "<link>https://a.example.com/</link></item>"
                                "<item><:title>Colon</:title><title>B</title>"
                                "<link>https://b.example.com/</link></item>"));
  REQUIRE(rdf.ok);
  REQUIRE(rdf.links.size() == 2);
  CHECK(rdf.links[0].title == "A");
  CHECK(rdf.links[1].title == "B");
}

// In a document whose root is in the Atom namespace, Atom's elements are
// read by their local names, however the namespace is bound; elsewhere an
// Atom element is not an RSS one.
TEST_CASE("feeds: atom namespace, bound and not", "[feeds]") {
  const std::string atom = "http://www.w3.org/2005/Atom";
  // Bound by a prefix; and undeclared, as sloppy feeds write it: read by
  // the prefix as written.
  const std::pair<std::string, std::string> one_entry[] = {
      {"<a:feed xmlns:a=\"" + atom +
           "\"><a:entry><a:title>P</a:title>"
           "<a:link href=\"https://p.example.com/\"/></a:entry></a:feed>",
       "P"},
      {"<atom:feed><atom:entry><atom:title>S</atom:title>"
       "<atom:link href=\"https://s.example.com/\"/></atom:entry></atom:feed>",
       "S"}};
  for (const auto& [doc, title] : one_entry) {
    Result one = Parse("auto", doc);
    REQUIRE(one.ok);
    REQUIRE(one.links.size() == 1);
    CHECK(one.links[0].title == title);
  }

  // Under Atom as the default namespace, a foreign or RSS element is not
  // Atom's; one in no namespace is read as in a bare <feed>.
  Result mixed = Parse(
      "atom", "<feed xmlns=\"" + atom +
                  "\" xmlns:g=\"http://base.google.com/ns/1.0\">"
                  "<entry><title xmlns=\"http://purl.org/rss/1.0/\">Rss</title>"
                  "<title>A</title><link xmlns=\"urn:foreign\" "
                  "href=\"https://evil.example.com/\"/>"
                  "<link href=\"https://a.example.com/\"/><g:brand>B</g:brand>"
                  "</entry>"
                  "<entry><title xmlns=\"\">None</title>"
                  "<link href=\"https://n.example.com/\"/></entry></feed>");
  REQUIRE(mixed.ok);
  REQUIRE(mixed.links.size() == 2);
  CHECK(mixed.links[0].title == "A");
  CHECK(mixed.links[0].url == "https://a.example.com/");
  CHECK(mixed.links[0].advertiser == "B");
  CHECK(mixed.links[1].title == "None");

  // Of a declaration written twice the last counts, as in the renaming
  // pass: this root is Atom's <feed>, and an RSS 1.0 title not Atom's.
  Result last = Parse(
      "atom", "<feed xmlns=\"\" xmlns=\"" + atom +
                  "\"><entry><title xmlns=\"http://purl.org/rss/1.0/\">"
                  "Rss</title><title>A</title>"
                  "<link href=\"https://a.example.com/\"/></entry></feed>");
  REQUIRE(last.ok);
  REQUIRE(last.links.size() == 1);
  CHECK(last.links[0].title == "A");

  // Undeclared "atom:" inside a feed in the Atom namespace, as written by
  // sloppy feeds.
  Result inner =
      Parse("atom", "<feed xmlns=\"" + atom +
                        "\"><entry><atom:title>I</atom:title>"
                        "<atom:link href=\"https://i.example.com/\"/>"
                        "</entry><atom:entry><title>J</title>"
                        "<link href=\"https://j.example.com/\"/>"
                        "</atom:entry></feed>");
  REQUIRE(inner.ok);
  REQUIRE(inner.links.size() == 2);
  CHECK(inner.links[0].title == "I");
  CHECK(inner.links[1].title == "J");

  // Only <feed> makes an Atom document: an <rss> root in the Atom
  // namespace is neither RSS nor Atom.
  const std::string atom_rss =
      "<rss version=\"2.0\" xmlns=\"" + atom +
      "\"><channel><item><title>T</title><link>https://t.example.com/</link>"
      "</item></channel></rss>";
  CHECK(SniffFormat(atom_rss) == "");
  CHECK_FALSE(Parse("auto", atom_rss).ok);

  // In RSS, an Atom <link> is not the item's link: one written atom:link,
  // or one in a document whose root declares the default namespace twice,
  // the last declaration counting (no namespace).
  const std::string twice =
      "<rss version=\"2.0\" xmlns=\"" + atom +
      "\" xmlns=\"\"><channel><item><title>T</title><link xmlns=\"" + atom +
      "\">https://evil.example.com/</link>"
      "<link>https://t.example.com/</link></item></channel></rss>";
  const std::string prefixed_link =
      "<rss version=\"2.0\" xmlns:atom=\"" + atom +
      "\"><channel><item><title>T</title>"
      "<atom:link href=\"https://evil.example.com/\"/>"
      "<link>https://t.example.com/</link></item></channel></rss>";
  for (const std::string& doc : {twice, prefixed_link}) {
    Result rss = Parse("rss", doc);
    REQUIRE(rss.ok);
    REQUIRE(rss.links.size() == 1);
    CHECK(rss.links[0].url == "https://t.example.com/");
  }
}

TEST_CASE("feeds: rss 1.0 rdf items", "[feeds]") {
  const std::string doc =
      Rdf("<item><title>First</title><link>https://a.example.com/1</link>"
          "<description>D</description></item>");
  CHECK(SniffFormat(doc) == "rss");
  Result r = Parse("rss", doc);
  REQUIRE(r.ok);
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].title == "First");
  CHECK(r.links[0].url == "https://a.example.com/1");
  CHECK(r.links[0].description == "D");
}

TEST_CASE("feeds: atom alternate link chosen over self", "[feeds]") {
  Result r = Parse("atom", ReadFixture("atom_alternate.xml"));
  REQUIRE(r.ok);
  CHECK(r.stats.items == 4);
  CHECK(r.stats.dropped_urls == 1);  // The entry with only rel="self".
  REQUIRE(r.links.size() == 3);

  const Link& cushion = r.links[0];
  CHECK(cushion.url == "https://deals.example.com/cushion");
  CHECK(cushion.title == "Lumbar Support Cushion & More");  // type="html".
  CHECK(cushion.description == "Ergonomic memory foam");
  CHECK(cushion.image == "https://cdn.example.com/cushion.jpg");
  CHECK(cushion.categories == std::vector<std::string>{"cushions", "Office"});

  const Link& plain = r.links[1];
  CHECK(plain.url == "https://deals.example.com/plain");  // No rel.
  CHECK(plain.title == "Plain text title &amp; more");    // type="text".
  CHECK(plain.description == "Stretch daily & rest.");    // xhtml, no script.

  const Link& mat = r.links[2];
  CHECK(mat.url == "https://deals.example.com/mat");  // Not rel="related".
  CHECK(mat.title == "Yoga Mat");
  CHECK(mat.description == "Non-slip surface");
}

TEST_CASE("feeds: json feed 1.1", "[feeds]") {
  Result r = Parse("jsonfeed", ReadFixture("jsonfeed.json"));
  REQUIRE(r.ok);
  CHECK(r.stats.items == 4);
  CHECK(r.stats.dropped_untitled == 1);
  CHECK(r.stats.dropped_urls == 0);
  REQUIRE(r.links.size() == 3);

  const Link& bands = r.links[0];
  CHECK(bands.title == "Resistance Bands");
  CHECK(bands.url == "https://stretch.example.com/bands");
  CHECK(bands.description == "Five bands & a bag");  // content_html.
  CHECK(bands.image == "https://cdn.example.com/bands.jpg");
  CHECK(bands.categories == std::vector<std::string>{"Fitness", "Bands"});
  CHECK(bands.advertiser == "FlexCo");
  CHECK(bands.display_host == "stretch.example.com");

  const Link& ext = r.links[1];
  CHECK(ext.url == "https://stretch.example.com/ext");  // external_url.
  CHECK(ext.description == "Summary wins over content");
  CHECK(ext.image == "https://cdn.example.com/banner.jpg");

  // content_text is plain text: tags stripped, entities kept.
  CHECK(r.links[2].description == "Plain text &amp; more");
}

TEST_CASE("feeds: json feed 1.0 author", "[feeds]") {
  Result r = Parse("jsonfeed",
                   R"({"version": "https://jsonfeed.org/version/1",
                       "items": [{"title": "A", "url": "https://a.com/",
                                  "author": {"name": "Old"}}]})");
  REQUIRE(r.ok);
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].advertiser == "Old");
}

TEST_CASE("feeds: auto sniffs rss, atom and json feed", "[feeds]") {
  const std::string rss = ReadFixture("rss_merchant.xml");
  const std::string atom = ReadFixture("atom_alternate.xml");
  const std::string json = ReadFixture("jsonfeed.json");
  CHECK(SniffFormat(rss) == "rss");
  CHECK(SniffFormat(atom) == "atom");
  CHECK(SniffFormat(json) == "jsonfeed");
  CHECK(SniffFormat("\xEF\xBB\xBF  \n" + json) == "jsonfeed");
  CHECK(SniffFormat("\xEF\xBB\xBF" + rss) == "rss");
  CHECK(SniffFormat(R"({"items": []})") == "jsonfeed");
  CHECK(SniffFormat(R"({"version": "https://jsonfeed.org/version/1.1"})") ==
        "jsonfeed");
  CHECK(SniffFormat(R"({"data": []})") == "");
  CHECK(SniffFormat("<html><body/></html>") == "");
  CHECK(SniffFormat("<feed xmlns=\"urn:other\"/>") == "");
  CHECK(SniffFormat("<rss><broken>") == "");
  CHECK(SniffFormat("title,url\nA,https://a.com/\n") == "");
  CHECK(SniffFormat("") == "");

  Result r = Parse("auto", rss);
  REQUIRE(r.ok);
  CHECK(r.links.size() == 6);
  Result a = Parse("auto", atom);
  REQUIRE(a.ok);
  CHECK(a.links.size() == 3);
  CHECK(a.links[0].url == "https://deals.example.com/cushion");
  Result j = Parse("auto", json);
  REQUIRE(j.ok);
  CHECK(j.links.size() == 3);
}

TEST_CASE("feeds: script in a title is removed", "[feeds]") {
  Result r = Parse("auto", ReadFixture("hostile_rss.xml"));
  REQUIRE(r.ok);
  const Link* spa = FindByUrl(r, "https://ok.example.com/spa");
  REQUIRE(spa);
  CHECK(spa->title == "Spa Deals");
  CHECK(spa->description == "Click here");

  Result a = Parse("auto", ReadFixture("hostile_atom.xml"));
  REQUIRE(a.ok);
  const Link* safe = FindByUrl(a, "https://ok.example.com/safe");
  REQUIRE(safe);
  CHECK(safe->title == "Safe Title");
  CHECK(safe->description == "Shown");
  const Link* xhtml = FindByUrl(a, "https://ok.example.com/xhtml");
  REQUIRE(xhtml);
  CHECK(xhtml->title == "X Y");

  Result j = Parse("auto", ReadFixture("hostile_jsonfeed.json"));
  REQUIRE(j.ok);
  const Link* hello = FindByUrl(j, "https://ok.example.com/hello");
  REQUIRE(hello);
  CHECK(hello->title == "Hello World");
  CHECK(hello->description == "Nice bold &amp; more");

  for (const Result* res : {&r, &a, &j}) {
    for (const Link& l : res->links) {
      CHECK(l.title.find('<') == std::string::npos);
      CHECK(l.title.find("alert") == std::string::npos);
      CHECK(l.description.find('<') == std::string::npos);
      CHECK(l.description.find("alert") == std::string::npos);
    }
  }
}

TEST_CASE("feeds: unsafe link URLs are dropped and counted", "[feeds]") {
  Result r = Parse("rss", ReadFixture("hostile_rss.xml"));
  REQUIRE(r.ok);
  CHECK(r.stats.items == 15);
  // javascript:, JavaScript:, data:, //evil.com, user:pass@, backslash,
  // no link at all, and a g:link in a foreign namespace.
  CHECK(r.stats.dropped_urls == 8);
  CHECK(r.stats.dropped_untitled == 1);
  CHECK(r.links.size() == 6);
  for (const Link& l : r.links) {
    CHECK(l.url.rfind("https://ok.example.com/", 0) == 0);
  }

  Result a = Parse("atom", ReadFixture("hostile_atom.xml"));
  REQUIRE(a.ok);
  CHECK(a.stats.items == 5);
  CHECK(a.stats.dropped_urls == 3);  // javascript:, self only, vbscript:.
  CHECK(a.links.size() == 2);
  CHECK(FindByUrl(a, "https://ok.example.com/related") == nullptr);

  Result j = Parse("jsonfeed", ReadFixture("hostile_jsonfeed.json"));
  REQUIRE(j.ok);
  CHECK(j.stats.items == 9);
  CHECK(j.stats.dropped_urls == 4);      // javascript:, data:, file:, string.
  CHECK(j.stats.dropped_untitled == 1);  // Title is a number.
  REQUIRE(j.links.size() == 4);
  const Link* spaced = FindByUrl(j, "https://ok.example.com/spaced");
  REQUIRE(spaced);               // Surrounding whitespace trimmed.
  CHECK(spaced->image.empty());  // A javascript: image is not kept.
}

TEST_CASE("feeds: each unsafe scheme is dropped", "[feeds]") {
  for (const char* url :
       {"javascript:alert(1)", "data:text/html,x", "//evil.com/x",
        "http://user:pass@host/", "file:///etc/passwd", "ftp://a.com/",
        "https://a.com:99999/", "relative/page.html"}) {
    Result r = Parse("rss", Rss(std::string("<item><title>T</title><link>") +
                                url + "</link></item>"));
    INFO(url);
    REQUIRE(r.ok);
    CHECK(r.links.empty());
    CHECK(r.stats.items == 1);
    CHECK(r.stats.dropped_urls == 1);
  }
}

TEST_CASE("feeds: control characters and invalid UTF-8", "[feeds]") {
  Result r = Parse("rss", ReadFixture("hostile_rss.xml"));
  REQUIRE(r.ok);
  const Link* bell = FindByUrl(r, "https://ok.example.com/bell");
  REQUIRE(bell);
  CHECK(bell->title == "BellRinger[31m Red");  // BEL, ESC, NEL removed.
  const Link* bytes = FindByUrl(r, "https://ok.example.com/bytes");
  REQUIRE(bytes);
  const std::string f = "\xEF\xBF\xBD";
  CHECK(bytes->title ==
        "Bad " + f + f + " bytes " + f + f + f + " and " + f + f + f);

  Result j = Parse("jsonfeed", ReadFixture("hostile_jsonfeed.json"));
  REQUIRE(j.ok);
  const Link* ctl = FindByUrl(j, "https://ok.example.com/ctl");
  REQUIRE(ctl);
  CHECK(ctl->title == "CtlEnd");
  const Link* sur = FindByUrl(j, "https://ok.example.com/surrogate");
  REQUIRE(sur);
  CHECK(sur->title == "Lone surrogate " + f + " here");

  // Invalid UTF-8 inside a JSON string does not fail the document.
  Result bad = Parse("jsonfeed",
                     "{\"items\": [{\"title\": \"A\xFF"
                     "B\", "
                     "\"url\": \"https://a.com/\"}]}");
  REQUIRE(bad.ok);
  REQUIRE(bad.links.size() == 1);
  CHECK(bad.links[0].title == "A" + f + "B");

  for (const Link& l : r.links) CHECK(linkpage::FixUtf8(l.title) == l.title);
}

TEST_CASE("feeds: long titles are truncated", "[feeds]") {
  Result r = Parse("rss", ReadFixture("hostile_rss.xml"));
  REQUIRE(r.ok);
  const Link* long_link = FindByUrl(r, "https://ok.example.com/long");
  REQUIRE(long_link);
  const std::string& t = long_link->title;
  CHECK(t.size() <= linkpage::kMaxTitleBytes);
  CHECK(t.size() == 2 * 98 + 3);  // 98 "é", then "…".
  CHECK(t.substr(t.size() - 3) == "\xE2\x80\xA6");
  CHECK(linkpage::FixUtf8(t) == t);

  std::string desc(5000, 'x');
  Result d = Parse("rss", Rss("<item><title>T</title><link>https://a.com/"
                              "</link><description>" +
                              desc + "</description></item>"));
  REQUIRE(d.links.size() == 1);
  CHECK(d.links[0].description.size() == linkpage::kMaxDescriptionBytes);
}

TEST_CASE("feeds: entities from a DOCTYPE are never expanded", "[feeds]") {
  Result r = Parse("rss", ReadFixture("hostile_rss.xml"));
  REQUIRE(r.ok);
  const Link* ent = FindByUrl(r, "https://ok.example.com/entities");
  REQUIRE(ent);
  CHECK(ent->title == "Entity &xxe; and &lol2;");
}

TEST_CASE("feeds: malformed XML names the feed, line and column", "[feeds]") {
  Result r =
      Parse(Feed("rss", "wellness-offers"), ReadFixture("malformed.xml"));
  CHECK_FALSE(r.ok);
  CHECK(r.links.empty());
  CHECK(r.err ==
        "feed \"wellness-offers\": not well-formed XML at line 4, column 26: "
        "Start-end tags mismatch");

  Result a =
      Parse(Feed("auto", "wellness-offers"), ReadFixture("malformed.xml"));
  CHECK_FALSE(a.ok);
  CHECK(a.err == r.err);

  Result u = Parse(Feed("atom", "x"),
                   "<feed xmlns=\"http://www.w3.org/2005/"
                   "Atom\">\n<entry>");
  CHECK_FALSE(u.ok);
  CHECK(u.err.rfind("feed \"x\": not well-formed XML at line 2, column ", 0) ==
        0);
}

TEST_CASE("feeds: JSON syntax errors name line and column", "[feeds]") {
  Result r = Parse(Feed("jsonfeed", "j"), "{\n  \"items\": [,]\n}");
  CHECK_FALSE(r.ok);
  CHECK(r.err.rfind("feed \"j\": JSON syntax error at line 2, column 13", 0) ==
        0);
  Result a = Parse(Feed("auto", "j"), "{\"items\": ");
  CHECK_FALSE(a.ok);
  CHECK(a.err.rfind("feed \"j\": JSON syntax error at line 1, column ", 0) ==
        0);
}

TEST_CASE("feeds: empty document", "[feeds]") {
  for (const std::string doc : {"", "   \n\t", "\xEF\xBB\xBF \n"}) {
    Result r = Parse(Feed("auto", "empty-feed"), doc);
    CHECK_FALSE(r.ok);
    CHECK(r.err == "feed \"empty-feed\": document is empty");
  }
  Result r = Parse(Feed("rss", "e"), "");
  CHECK(r.err == "feed \"e\": document is empty");
}

TEST_CASE("feeds: wrong or unknown format", "[feeds]") {
  Result html = Parse(Feed("rss", "x"), "<html><body>Hi</body></html>");
  CHECK_FALSE(html.ok);
  CHECK(html.err ==
        "feed \"x\": expected an RSS document (<rss> root), found <html>");

  Result atom = Parse(Feed("atom", "x"), "<rss version=\"2.0\"/>");
  CHECK_FALSE(atom.ok);
  CHECK(atom.err ==
        "feed \"x\": expected an Atom document (<feed> root), found <rss>");

  Result guess = Parse(Feed("auto", "x"), "<html/>");
  CHECK_FALSE(guess.ok);
  CHECK(guess.err ==
        "feed \"x\": cannot tell the format (expected RSS, Atom or JSON Feed, "
        "found <html>); set \"format\"");

  Result text = Parse(Feed("auto", "x"), "just some text");
  CHECK_FALSE(text.ok);
  CHECK(text.err ==
        "feed \"x\": cannot tell the format (expected RSS, Atom or JSON "
        "Feed); set \"format\"");

  Result json = Parse(Feed("jsonfeed", "x"), "[1, 2]");
  CHECK_FALSE(json.ok);
  CHECK(json.err.find("feed \"x\": expected a JSON Feed document") == 0);

  Result unknown = Parse(Feed("yaml", "x"), "<rss/>");
  CHECK_FALSE(unknown.ok);
  CHECK(unknown.err ==
        "feed \"x\": unknown format \"yaml\" (expected auto, rss, atom, "
        "jsonfeed, xml, json or csv)");
}

TEST_CASE("feeds: well-formed documents without items", "[feeds]") {
  for (const std::string doc :
       {"<rss version=\"2.0\"/>", "<rss><channel/></rss>",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"/>",
        "{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}"}) {
    Result r = Parse("auto", doc);
    INFO(doc);
    CHECK(r.ok);
    CHECK(r.links.empty());
    CHECK(r.stats.items == 0);
  }
}

TEST_CASE("feeds: hostile nesting is rejected without a crash", "[feeds]") {
  std::string deep(100000, '[');
  Result r = Parse(Feed("jsonfeed", "deep"), deep);
  CHECK_FALSE(r.ok);
  CHECK(r.err ==
        "feed \"deep\": JSON nested deeper than 64 levels; refusing to parse "
        "it");
  CHECK(SniffFormat("{\"items\": " + deep) == "");
  Result a = Parse(Feed("auto", "deep"), "{\"items\":" + deep);
  CHECK_FALSE(a.ok);

  // 64 levels are fine, 65 are not.
  FeedConfig mapped = Feed("json", "d");
  mapped.mapping.items = "";
  Result fine = Parse(mapped, std::string(64, '[') + std::string(64, ']'));
  CHECK(fine.ok);
  CHECK(fine.stats.items == 1);
  Result too_deep = Parse(mapped, std::string(65, '[') + std::string(65, ']'));
  CHECK_FALSE(too_deep.ok);

  // XML deeper than 256 elements is refused, whatever the format.
  std::string xml = "<rss><channel>";
  for (int i = 0; i < 100000; ++i) xml += "<a>";
  for (int i = 0; i < 100000; ++i) xml += "</a>";
  xml += "</channel></rss>";
  for (const std::string format : {"rss", "auto", "xml"}) {
    FeedConfig deep_xml = Feed(format, "deep-xml");
    deep_xml.mapping.items = "//a";
    deep_xml.mapping.fields = {{"title", "."}, {"url", "@href"}};
    Result x = Parse(deep_xml, xml);
    CHECK_FALSE(x.ok);
    CHECK(x.err ==
          "feed \"deep-xml\": XML elements nested deeper than 256 levels; "
          "refusing to read it");
  }
  CHECK(SniffFormat(xml) == "");
  std::string ok_xml = "<rss><channel>";  // 256 levels with <rss>.
  for (int i = 0; i < 254; ++i) ok_xml += "<a>";
  for (int i = 0; i < 254; ++i) ok_xml += "</a>";
  ok_xml += "</channel></rss>";
  CHECK(Parse("rss", ok_xml).ok);
  CHECK_FALSE(Parse("rss", "<x>" + ok_xml + "</x>").ok);

  // Many nested namespace declarations: lookups must not scan them all.
  std::string ns = "<rss><channel>";
  for (int i = 0; i < 250; ++i) {
    ns += "<a xmlns:p" + std::to_string(i) + "=\"urn:" + std::to_string(i) +
          "\">";
  }
  for (int i = 0; i < 250; ++i) ns += "</a>";
  ns += "<item><title>T</title><link>https://a.com/</link></item>";
  ns += "</channel></rss>";
  Result n = Parse("rss", ns);
  CHECK(n.ok);
  CHECK(n.links.size() == 1);
}

TEST_CASE("feeds: mapped xml with XPath and namespaces", "[feeds]") {
  FeedConfig feed = Feed("xml", "network");
  feed.mapping.items = "/catalog/p:offer";
  feed.mapping.fields = {{"title", "p:name"},
                         {"url", "p:link/@href"},
                         {"price", "p:price"},
                         {"currency", "p:price/@currency"},
                         {"categories", "p:tag"},
                         {"description", "concat(p:name, ' by ', @brand)"}};
  feed.mapping.namespaces = {{"p", "urn:offers"}};
  const std::string doc =
      "<catalog xmlns:o=\"urn:offers\">"
      "<o:offer brand=\"Acme\"><o:name>Heat &amp;amp; Wrap</o:name>"
      "<o:link href=\"https://a.com/wrap\"/><o:price currency=\"USD\">9.50"
      "</o:price><o:tag>Heat</o:tag><o:tag>Back</o:tag></o:offer>"
      "<o:offer><o:name>Bad</o:name><o:link href=\"javascript:x\"/></o:offer>"
      "</catalog>";
  Result r = Parse(feed, doc);
  REQUIRE(r.ok);
  CHECK(r.stats.items == 2);
  CHECK(r.stats.dropped_urls == 1);
  REQUIRE(r.links.size() == 1);
  const Link& l = r.links[0];
  CHECK(l.title == "Heat &amp; Wrap");  // Text: decoded once, by XML.
  CHECK(l.url == "https://a.com/wrap");
  CHECK(l.price == "9.50");
  CHECK(l.currency == "USD");
  CHECK(l.categories == std::vector<std::string>{"Heat", "Back"});
  CHECK(l.description == "Heat &amp; Wrap by Acme");

  feed.mapping.items = "/catalog[";
  Result bad = Parse(feed, doc);
  CHECK_FALSE(bad.ok);
  CHECK(bad.err.rfind("feed \"network\": \"mapping.items\" is not a valid "
                      "XPath (\"/catalog[\")",
                      0) == 0);
}

TEST_CASE("feeds: mapped json with pointers", "[feeds]") {
  FeedConfig feed = Feed("json", "api");
  feed.mapping.items = "/data/offers";
  feed.mapping.fields = {{"title", "/name"},
                         {"url", "/links/0"},
                         {"price", "/price"},
                         {"categories", "/tags"},
                         {"advertiser", "merchant/name"},
                         {"display_host", "/shown"}};
  const std::string doc = R"({"data": {"offers": [
      {"name": "<b>Knee</b> Brace", "links": ["https://b.com/knee"],
       "price": 12.5, "tags": ["Knee", 3], "merchant": {"name": "M"},
       "shown": "B.com"},
      {"name": "No URL"},
      {"name": ["not", "text"], "links": ["https://b.com/arr"]}
  ]}})";
  Result r = Parse(feed, doc);
  REQUIRE(r.ok);
  CHECK(r.stats.items == 3);
  CHECK(r.stats.dropped_urls == 1);
  CHECK(r.stats.dropped_untitled == 0);
  REQUIRE(r.links.size() == 2);
  CHECK(r.links[0].title == "Knee Brace");
  CHECK(r.links[0].url == "https://b.com/knee");
  CHECK(r.links[0].price == "12.5");
  CHECK(r.links[0].categories == std::vector<std::string>{"Knee", "3"});
  CHECK(r.links[0].advertiser == "M");
  CHECK(r.links[0].display_host == "b.com");
  CHECK(r.links[1].title == "not");  // First of an array.

  feed.mapping.items = "/missing";
  Result none = Parse(feed, doc);
  CHECK(none.ok);
  CHECK(none.links.empty());

  feed.mapping.items = "/data";
  Result obj = Parse(feed, doc);
  CHECK_FALSE(obj.ok);
  CHECK(obj.err ==
        "feed \"api\": \"mapping.items\" (\"/data\") does not "
        "point at an array");

  feed.mapping.items = "/bad~2pointer";
  Result badptr = Parse(feed, doc);
  CHECK_FALSE(badptr.ok);
  CHECK(badptr.err.find("is not a valid JSON pointer") != std::string::npos);
}

// JSON is parsed with simdjson; what it refuses is read through
// nlohmann_json, as all JSON was before. Either way the links are the same.
TEST_CASE("feeds: JSON reads the same whichever parser takes it", "[feeds]") {
  SECTION("a repeated key: the last one counts") {
    Result feed =
        Parse("jsonfeed",
              R"({"version": "https://jsonfeed.org/version/1.1", "items": [
            {"title": "First", "url": "https://a.com/1", "title": "Last",
             "tags": ["x"], "tags": ["y", "z"],
             "authors": [{"name": "P", "name": "Q"}]}]})");
    REQUIRE(feed.ok);
    REQUIRE(feed.links.size() == 1);
    CHECK(feed.links[0].title == "Last");
    CHECK(feed.links[0].categories == std::vector<std::string>{"y", "z"});
    CHECK(feed.links[0].advertiser == "Q");

    FeedConfig mapped = Feed("json", "api");
    mapped.mapping.items = "/items";
    mapped.mapping.fields = {{"title", "/t"}, {"url", "/u"}};
    Result m = Parse(mapped, R"({"items": [], "items": [
        {"t": "A", "u": "https://a.com/a", "t": "B"}]})");
    REQUIRE(m.ok);
    REQUIRE(m.links.size() == 1);
    CHECK(m.links[0].title == "B");
  }

  SECTION("a byte order mark") {
    Result r = Parse("jsonfeed",
                     "\xEF\xBB\xBF{\"version\": \"https://jsonfeed.org/"
                     "version/1.1\", \"items\": [{\"title\": \"T\", \"url\": "
                     "\"https://a.com/\"}]}");
    REQUIRE(r.ok);
    REQUIRE(r.links.size() == 1);
    CHECK(r.links[0].title == "T");
  }

  SECTION("numbers and booleans read as nlohmann_json writes them") {
    FeedConfig mapped = Feed("json", "api");
    mapped.mapping.items = "/items";
    mapped.mapping.fields = {{"title", "/t"}, {"url", "/u"}, {"price", "/p"}};
    auto title_and_price = [&](const std::string& t, const std::string& p) {
      Result r =
          Parse(mapped, "{\"items\": [{\"t\": " + t +
                            ", \"u\": \"https://a.com/\", \"p\": " + p + "}]}");
      REQUIRE(r.ok);
      REQUIRE(r.links.size() == 1);
      return r.links[0].title + " " + r.links[0].price;
    };
    CHECK(title_and_price("3", "19.99") == "3 19.99");
    CHECK(title_and_price("-7", "1.0") == "-7 1.0");
    CHECK(title_and_price("-0", "1E2") == "0 100.0");
    CHECK(title_and_price("true", "false") == "true false");
    CHECK(title_and_price("18446744073709551615", "2.5e-7") ==
          "18446744073709551615 2.5e-07");
    // Beyond simdjson: read through nlohmann, as doubles.
    CHECK(title_and_price("123456789012345678901", "7") ==
          "1.2345678901234568e+20 7");
    CHECK(title_and_price("-9223372036854775809", "7") ==
          "-9.223372036854776e+18 7");
    // A number beyond a double's range: neither parser reads the document.
    Result huge = Parse(mapped,
                        R"({"items": [{"t": "A", "u": "https://a.com/",
                                       "p": 1e400}]})");
    CHECK_FALSE(huge.ok);
    CHECK(huge.err.find("feed \"api\": cannot be read: ") == 0);
    CHECK(huge.err.find("number overflow") != std::string::npos);
  }

  SECTION("invalid UTF-8 and a lone surrogate in a big-number document") {
    FeedConfig mapped = Feed("json", "api");
    mapped.mapping.items = "";
    mapped.mapping.fields = {{"title", "/0"}, {"url", "/1"}, {"price", "/2"}};
    Result r = Parse(mapped,
                     "[[\"A\\ud800 \xff\", \"https://a.com/\", "
                     "123456789012345678901]]");
    REQUIRE(r.ok);
    REQUIRE(r.links.size() == 1);
    CHECK(r.links[0].title == "A\xEF\xBF\xBD \xEF\xBF\xBD");
    CHECK(r.links[0].price == "1.2345678901234568e+20");
  }

  SECTION("64 levels, full or not, and no more") {
    FeedConfig mapped = Feed("json", "d");
    mapped.mapping.items = "";
    const std::string full = std::string(64, '[') + "1" + std::string(64, ']');
    Result r = Parse(mapped, full);
    CHECK(r.ok);
    CHECK(r.stats.items == 1);
    const std::string deeper =
        std::string(64, '[') + "[]" + std::string(64, ']');
    Result too_deep = Parse(mapped, deeper);
    CHECK_FALSE(too_deep.ok);
    CHECK(too_deep.err ==
          "feed \"d\": JSON nested deeper than 64 levels; refusing to parse "
          "it");
    // An item's member 61 levels deep: the item is at level 3.
    const std::string feed =
        R"({"version": "https://jsonfeed.org/version/1.1", "items": [
            {"title": "T", "url": "https://a.com/", "x": )" +
        std::string(61, '[') + "0" + std::string(61, ']') + "}]}";
    Result jf = Parse("jsonfeed", feed);
    REQUIRE(jf.ok);
    CHECK(jf.links.size() == 1);
    CHECK(SniffFormat(feed) == "jsonfeed");
  }

  SECTION("a NUL ends the text, as it always has") {
    Result r =
        Parse("jsonfeed",
              std::string(R"({"version": "https://jsonfeed.org/version/1.1",
                                     "items": [{"title": "T",
                                                "url": "https://a.com/"}]})") +
                  std::string("\0 junk", 6));
    REQUIRE(r.ok);
    REQUIRE(r.links.size() == 1);
    CHECK(r.links[0].title == "T");
  }

  SECTION("JSON Feed members of other types") {
    Result r =
        Parse("jsonfeed",
              R"({"version": "https://jsonfeed.org/version/1.1", "items": [
            {"title": 5, "url": "https://a.com/1"},
            {"title": "T", "url": "https://a.com/2", "tags": "x",
             "authors": [], "author": {"name": "Old"}},
            {"title": "U", "url": ["https://a.com/3"],
             "external_url": "https://a.com/4", "authors": ["P"]}]})");
    REQUIRE(r.ok);
    CHECK(r.stats.dropped_untitled == 1);
    REQUIRE(r.links.size() == 2);
    CHECK(r.links[0].categories.empty());
    CHECK(r.links[0].advertiser == "Old");
    CHECK(r.links[1].url == "https://a.com/4");
    CHECK(r.links[1].advertiser.empty());
  }

  SECTION("array indexes in pointers") {
    FeedConfig mapped = Feed("json", "api");
    mapped.mapping.items = "/items";
    mapped.mapping.fields = {{"title", "/t/1"}, {"url", "/u/0"}};
    const std::string doc =
        R"({"items": [{"t": ["a", "b"], "u": ["https://a.com/"]}]})";
    Result r = Parse(mapped, doc);
    REQUIRE(r.ok);
    REQUIRE(r.links.size() == 1);
    CHECK(r.links[0].title == "b");
    mapped.mapping.items = "/pages/1/offers";
    Result nested = Parse(mapped, R"({"pages": [{}, {"offers": [
        {"t": ["a", "b"], "u": ["https://a.com/"]}]}]})");
    REQUIRE(nested.ok);
    REQUIRE(nested.links.size() == 1);
    CHECK(nested.links[0].title == "b");
    mapped.mapping.items = "/items";
    for (const char* title : {"/t/01", "/t/2", "/t/-", "/t/x", "/t/1/0"}) {
      mapped.mapping.fields = {{"title", title}, {"url", "/u/0"}};
      Result none = Parse(mapped, doc);
      REQUIRE(none.ok);
      CHECK(none.links.empty());
      CHECK(none.stats.dropped_untitled == 1);
    }
  }
}

TEST_CASE("feeds: mapped csv", "[feeds]") {
  FeedConfig feed = Feed("csv", "datafeed");
  feed.mapping.fields = {{"title", "Product Name"},
                         {"url", "deeplink"},
                         {"price", "3"},
                         {"categories", "Category"}};
  const std::string doc =
      "\xEF\xBB\xBFProduct Name,DeepLink,Category,Price\r\n"
      "\"Heat Pad, XL\",https://c.com/pad,Heat,19.99\r\n"
      "\"Say \"\"Hi\"\"\",https://c.com/hi,\"Multi\nLine\",5\n"
      "\n"
      "Bad,javascript:x,,1\n"
      "Short row\n";
  Result r = Parse(feed, doc);
  REQUIRE(r.ok);
  CHECK(r.stats.items == 4);
  CHECK(r.stats.dropped_urls == 2);
  REQUIRE(r.links.size() == 2);
  CHECK(r.links[0].title == "Heat Pad, XL");
  CHECK(r.links[0].url == "https://c.com/pad");  // Header matched any case.
  CHECK(r.links[0].price == "19.99");            // By index.
  CHECK(r.links[0].categories == std::vector<std::string>{"Heat"});
  CHECK(r.links[1].title == "Say \"Hi\"");
  CHECK(r.links[1].categories == std::vector<std::string>{"Multi Line"});

  FeedConfig semi = Feed("csv", "semi");
  semi.mapping.delimiter = ';';
  semi.mapping.header = false;
  semi.mapping.fields = {{"title", "1"}, {"url", "0"}};
  Result s = Parse(semi, "https://d.com/a;First\nhttps://d.com/b;Second");
  REQUIRE(s.ok);
  REQUIRE(s.links.size() == 2);
  CHECK(s.links[1].title == "Second");
  CHECK(s.links[1].url == "https://d.com/b");

  feed.mapping.fields["title"] = "Nope";
  Result missing = Parse(feed, doc);
  CHECK_FALSE(missing.ok);
  CHECK(missing.err ==
        "feed \"datafeed\": CSV header has no column \"Nope\" (for "
        "\"mapping.fields.title\"); columns: Product Name, DeepLink, "
        "Category, Price");

  Result open = Parse(semi, "https://d.com/a;\"never closed\n");
  CHECK_FALSE(open.ok);
  CHECK(open.err ==
        "feed \"semi\": CSV quoted field opened at line 1, "
        "column 17 is never closed");
}

TEST_CASE("feeds: categories are capped", "[feeds]") {
  std::string items = "<item><title>T</title><link>https://a.com/</link>";
  for (int i = 0; i < 30; ++i) {
    items += "<category>c" + std::to_string(i) + "</category>";
  }
  items += "<category>" + std::string(300, 'z') + "</category></item>";
  Result r = Parse("rss", Rss(items));
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].categories.size() == 20);
  CHECK(r.links[0].categories.back() == "c19");
}

TEST_CASE("feeds: item cap counts every item", "[feeds]") {
  std::string items;
  const int n = linkpage::kMaxItemsPerFeed + 5;
  items.reserve(static_cast<size_t>(n) * 12);
  for (int i = 0; i < n; ++i) items += "<item></item>";
  Result r = Parse(Feed("rss", "big"), Rss(items));
  REQUIRE(r.ok);
  CHECK(r.stats.items == n);
  CHECK(r.stats.dropped_urls == linkpage::kMaxItemsPerFeed);
  CHECK(r.stats.ignored_items == 5);
  CHECK(r.err.empty());
  // Room is made ahead for the links of at most 4,096 items: empty items
  // make no links, and must not make memory grow (100,000 links' worth
  // would be 31 MB).
  CHECK(r.links.empty());
  CHECK(r.links.capacity() <= 4096);
  std::string entries;
  for (int i = 0; i < 5000; ++i) entries += "<entry></entry>";
  Result atom = Parse("atom", "<feed xmlns=\"http://www.w3.org/2005/Atom\">" +
                                  entries + "</feed>");
  REQUIRE(atom.ok);
  CHECK(atom.stats.items == 5000);
  CHECK(atom.links.capacity() <= 4096);
}


// ---------------------------------------------------------------------------
// The bundled samples of the mapped formats, read through their real
// link-feeds/NAME.json definitions.

namespace {

struct SampleResult {
  Result r;
  FeedConfig feed;
};

SampleResult ParseSample(const std::string& name) {
  linkpage::Site site;
  std::string err;
  REQUIRE(linkpage::LoadSite(
      LINKPAGE_SOURCE_DIR,
      [](const std::string&) -> std::optional<std::string> {
        return std::nullopt;
      },
      &site, &err));
  for (const FeedConfig& feed : site.feeds) {
    if (feed.name != name) continue;
    std::ifstream in(std::string(LINKPAGE_SOURCE_DIR) + "/" + feed.url,
                     std::ios::binary);
    REQUIRE(in);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return {Parse(feed, bytes.str()), feed};
  }
  FAIL("no feed " << name);
  return {};
}

}  // namespace

TEST_CASE("feeds: sample awin csv (BOM, CRLF, quoted fields)", "[feeds]") {
  SampleResult s = ParseSample("awin-back-care");
  CHECK(s.feed.format == "csv");
  CHECK(s.feed.mapping.delimiter == ',');
  const Result& r = s.r;
  REQUIRE(r.ok);
  CHECK(r.err.empty());
  CHECK(r.stats.items == 7);
  CHECK(r.stats.dropped_urls == 0);
  REQUIRE(r.links.size() == 7);
  const Link& first = r.links[0];
  CHECK(first.feed == "awin-back-care");
  CHECK(first.title == "Shiatsu Back Massager, Heated");  // Quoted comma.
  CHECK(first.url ==
        "https://www.awin1.example.com/pclick.php?p=30118001&a=512345&m=7311");
  CHECK(first.price == "49.99");
  CHECK(first.currency == "USD");
  CHECK(first.advertiser == "Calm Back Co.");
  CHECK(first.image == "https://images.example.net/awin/sbm-200.jpg");
  CHECK(first.categories == std::vector<std::string>{"Massage > Back Massagers"});
  CHECK(first.display_host == "awin1.example.com");
  // Doubled quotes, and a CRLF inside a quoted field.
  CHECK(r.links[1].title == "Lumbar Support Pillow \"Memory Foam\" Edition");
  CHECK(r.links[1].description ==
        "Contoured lumbar pillow for office chairs and car seats. Removable, "
        "washable mesh cover.");
  CHECK(r.links[1].price == "29.95");
  CHECK(r.links[6].title == "Foam Roller, High Density (18\")");
  CHECK(r.links[6].url ==
        "https://www.awin1.example.com/pclick.php?p=30118007&a=512345&m=7311");
  CHECK(r.links[6].price == "22.00");
  CHECK(r.links[6].currency == "USD");
}

TEST_CASE("feeds: sample shareasale pipe-delimited, no header", "[feeds]") {
  SampleResult s = ParseSample("shareasale-sleep");
  CHECK(s.feed.mapping.delimiter == '|');
  CHECK_FALSE(s.feed.mapping.header);
  const Result& r = s.r;
  REQUIRE(r.ok);
  CHECK(r.stats.items == 6);
  REQUIRE(r.links.size() == 6);
  CHECK(r.links[0].title == "Medium-Firm Hybrid Mattress, Queen");
  CHECK(r.links[0].url ==
        "https://shareasale.example.com/m-pr.cfm?merchantID=48211&"
        "userID=1234567&productID=9021101");
  CHECK(r.links[0].price == "649.00");
  CHECK(r.links[0].currency == "");  // ShareASale files carry none.
  CHECK(r.links[0].advertiser == "RestWell Sleep");
  CHECK(r.links[0].image ==
        "https://images.example.org/restwell/hybrid-q.jpg");
  CHECK(r.links[0].categories == std::vector<std::string>{"Mattresses"});
  CHECK(r.links[5].title == "Weighted Sleep Mask & Sound Machine Set");
  CHECK(r.links[5].price == "39.00");
}

TEST_CASE("feeds: sample cj product xml", "[feeds]") {
  SampleResult s = ParseSample("cj-posture");
  CHECK(s.feed.format == "xml");
  const Result& r = s.r;
  REQUIRE(r.ok);
  CHECK(r.stats.items == 7);
  REQUIRE(r.links.size() == 7);
  CHECK(r.links[0].title == "Standing Desk Pro, Dual Motor");
  CHECK(r.links[0].url ==
        "https://www.anrdoezrs.example.net/click-7654321-12345678?url=https%"
        "3A%2F%2Fupright.example.com%2Fdesk-pro");
  CHECK(r.links[0].price == "499.00");
  CHECK(r.links[0].currency == "USD");
  CHECK(r.links[0].advertiser == "UpRight Office");
  CHECK(r.links[0].description ==
        "Electric sit-stand desk, 28\" to 48\" high, with four memory presets "
        "& an anti-collision sensor.");
  CHECK(r.links[1].description ==  // CDATA.
        "Ergonomic office chair with adjustable lumbar support, 4D armrests "
        "& a breathable mesh back.");
  CHECK(r.links[6].title == "Ergonomic Rocking Footrest");
  CHECK(r.links[6].price == "42.50");
  CHECK(r.links[6].currency == "EUR");
}

TEST_CASE("feeds: sample sponsored listings xml", "[feeds]") {
  SampleResult s = ParseSample("sponsored-listings");
  CHECK(s.feed.mapping.namespaces.count("s") == 1);
  const Result& r = s.r;
  REQUIRE(r.ok);
  CHECK(r.stats.items == 7);
  REQUIRE(r.links.size() == 7);
  // Entity-encoded <b> in the attribute: decoded by XML, then stripped.
  CHECK(r.links[0].title == "Massage Chairs - Up to 40% Off");
  CHECK(r.links[0].description ==
        "Full-body massage chairs with heat and zero-gravity recline. Free "
        "delivery.");
  CHECK(r.links[0].url ==
        "https://ads.example.net/click?qid=8f2c1&rank=1&r="
        "aHR0cHM6Ly9yZWxheGNoYWlycy5leGFtcGxlLmNvbS8");
  CHECK(r.links[0].display_host == "www.relaxchairs.example.com");
  CHECK(r.links[1].title == "Licensed Massage Therapy Near You");
  CHECK(r.links[2].title == "Back Pain Relief & Recovery");
  CHECK(r.links[4].title == "Chiropractic Care \u2013 Same-Day Visits");
  CHECK(r.links[5].description ==
        "Basalt stones and a heater for at-home hot stone massage.");
  CHECK(r.links[0].price.empty());
}

TEST_CASE("feeds: sample json product api", "[feeds]") {
  SampleResult s = ParseSample("recovery-api");
  CHECK(s.feed.mapping.items == "/data/items");
  const Result& r = s.r;
  REQUIRE(r.ok);
  CHECK(r.stats.items == 7);
  REQUIRE(r.links.size() == 7);
  CHECK(r.links[0].title == "TENS Unit for Back Pain, 24 Modes");
  CHECK(r.links[0].url == "https://api.example.org/r/rec-1001?pub=778");
  CHECK(r.links[0].price == "59.99");  // A JSON number.
  CHECK(r.links[0].currency == "USD");
  CHECK(r.links[0].advertiser == "Recovery Gear");
  CHECK(r.links[0].image == "https://cdn.example.org/recovery/tens-24.jpg");
  CHECK(r.links[0].categories ==
        std::vector<std::string>{"pain relief", "back pain"});
  CHECK(r.links[1].price == "14.99");  // A JSON string.
  CHECK(r.links[1].description ==
        "Ten loops for assisted hamstring, piriformis and lower back "
        "stretches \u2013 with an exercise guide.");
  CHECK(r.links[3].image.empty());  // "images": [].
  CHECK(r.links[6].title == "Foam Roller with Guided Exercise App");
  CHECK(r.links[6].price == "34.0");
  CHECK(r.links[6].currency == "EUR");
}

// ---------------------------------------------------------------------------
// CSV quoting, one case at a time.

namespace {

FeedConfig Csv(char delimiter = ',', bool header = false) {
  FeedConfig feed = Feed("csv", "csv");
  feed.mapping.delimiter = delimiter;
  feed.mapping.header = header;
  feed.mapping.fields = {{"title", "0"}, {"url", "1"}, {"description", "2"}};
  return feed;
}

}  // namespace

TEST_CASE("feeds: csv quoted delimiter", "[feeds][csv]") {
  Result r = Parse(Csv(), "\"Heat, Pad\",https://c.com/a,\"x,y\"\n");
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].title == "Heat, Pad");
  CHECK(r.links[0].description == "x,y");
}

TEST_CASE("feeds: csv doubled quotes", "[feeds][csv]") {
  Result r = Parse(Csv(), "\"Say \"\"hi\"\"\",https://c.com/a,\"\"\"\"\n");
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].title == "Say \"hi\"");
  CHECK(r.links[0].description == "\"");
}

TEST_CASE("feeds: csv newline inside quotes", "[feeds][csv]") {
  Result r = Parse(Csv(), "\"Two\nLines\",https://c.com/a,\"a\r\nb\"\n"
                          "Next,https://c.com/b,\n");
  REQUIRE(r.links.size() == 2);
  CHECK(r.links[0].title == "Two Lines");
  CHECK(r.links[0].description == "a b");
  CHECK(r.links[1].title == "Next");
}

TEST_CASE("feeds: csv CRLF and LF line ends read the same", "[feeds][csv]") {
  const std::string lf = "A,https://c.com/a,d\nB,https://c.com/b,e\n";
  std::string crlf;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  std::string cr = lf;  // Old Mac line ends.
  for (char& c : cr) c = c == '\n' ? '\r' : c;
  for (const std::string& doc : {lf, crlf, cr, lf.substr(0, lf.size() - 1)}) {
    Result r = Parse(Csv(), doc);
    REQUIRE(r.links.size() == 2);
    CHECK(r.links[1].title == "B");
    CHECK(r.links[1].url == "https://c.com/b");  // No stray '\r'.
    CHECK(r.links[1].description == "e");
  }
}

TEST_CASE("feeds: csv byte order mark before the header", "[feeds][csv]") {
  FeedConfig feed = Feed("csv", "bom");
  feed.mapping.fields = {{"title", "name"}, {"url", "link"}};
  Result r = Parse(feed, "\xEF\xBB\xBFname,link\r\nA,https://c.com/a\r\n");
  REQUIRE(r.ok);
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].title == "A");
  // Without stripping it the first column would be "\xEF\xBB\xBFname".
  Result quoted = Parse(feed, "\xEF\xBB\xBF\"name\",link\nB,https://c.com/b\n");
  REQUIRE(quoted.links.size() == 1);
  CHECK(quoted.links[0].title == "B");
}

TEST_CASE("feeds: csv headerless, by index", "[feeds][csv]") {
  FeedConfig feed = Csv();
  feed.mapping.fields = {{"title", "2"}, {"url", "0"}, {"price", "5"}};
  Result r = Parse(feed, "https://c.com/a,x,Third\nhttps://c.com/b,x,T2,,,7\n");
  REQUIRE(r.ok);
  CHECK(r.stats.items == 2);  // No row is taken for a header.
  REQUIRE(r.links.size() == 2);
  CHECK(r.links[0].title == "Third");
  CHECK(r.links[0].price == "");  // Short row: missing columns are empty.
  CHECK(r.links[1].price == "7");
}

TEST_CASE("feeds: csv tab and semicolon delimiters", "[feeds][csv]") {
  Result tab = Parse(Csv('\t'), "A, with comma\thttps://c.com/a\t\"q\tt\"\n");
  REQUIRE(tab.links.size() == 1);
  CHECK(tab.links[0].title == "A, with comma");
  CHECK(tab.links[0].description == "q t");  // Tab in quotes is text.
  Result semi = Parse(Csv(';'), "B;https://c.com/b;\"x;y\"\n");
  REQUIRE(semi.links.size() == 1);
  CHECK(semi.links[0].title == "B");
  CHECK(semi.links[0].description == "x;y");
  // A comma is plain text when the delimiter is ';'.
  Result mixed = Parse(Csv(';'), "C,D;https://c.com/c\n");
  REQUIRE(mixed.links.size() == 1);
  CHECK(mixed.links[0].title == "C,D");
}

// Plain fields are read sixteen bytes at a time: each way a field can
// end, at each place in and after those blocks.
TEST_CASE("feeds: csv fields end wherever their end falls", "[feeds][csv]") {
  for (char delimiter : {',', ';', '\t'}) {
    const std::string d(1, delimiter);
    for (const std::string& end :
         {d, std::string("\n"), std::string("\r\n"), std::string("\r")}) {
      for (size_t k = 1; k <= 40; ++k) {
        const std::string title(k, 'T'), text(k, 'x');
        // A long title, then a long description, each ended by "end".
        const std::string doc = title + d + "https://c.com/a" + d + text + end +
                                "U" + d + "https://c.com/b" + d + "z\n";
        INFO("delimiter " << int(delimiter) << ", end " << int(end[0])
                          << ", length " << k);
        Result r = Parse(Csv(delimiter), doc);
        REQUIRE(r.ok);
        if (end == d) {  // "U" is a fourth field of the one row.
          REQUIRE(r.links.size() == 1);
        } else {
          REQUIRE(r.links.size() == 2);
          CHECK(r.links[1].title == "U");
          CHECK(r.links[1].description == "z");
        }
        CHECK(r.links[0].title == title);
        CHECK(r.links[0].url == "https://c.com/a");
        CHECK(r.links[0].description == text);
      }
    }
  }
}

TEST_CASE("feeds: csv blank lines and empty documents", "[feeds][csv]") {
  Result r = Parse(Csv(), "\n\r\nA,https://c.com/a\n\n\"\"\nB,https://c.com/b");
  CHECK(r.stats.items == 2);
  CHECK(r.links.size() == 2);
  FeedConfig header = Csv(',', true);
  Result only_header = Parse(header, "name,link\n");
  CHECK(only_header.ok);
  CHECK(only_header.stats.items == 0);
}

TEST_CASE("feeds: csv unclosed quote at the end names feed and line",
          "[feeds][csv]") {
  FeedConfig feed = Csv();
  feed.name = "awin";
  Result r = Parse(feed, "A,https://c.com/a\nB,https://c.com/b\n"
                         "C,https://c.com/c,\"never closed\nmore\nlines");
  CHECK_FALSE(r.ok);
  CHECK(r.err ==
        "feed \"awin\": CSV quoted field opened at line 3, column 19 is "
        "never closed");
  CHECK(r.links.empty());  // All or nothing.
  Result lone = Parse(feed, "\"");
  CHECK_FALSE(lone.ok);
  CHECK(lone.err.find("line 1, column 1 is never closed") != std::string::npos);
}

TEST_CASE("feeds: csv wide rows cost only the columns read", "[feeds][csv]") {
  // Five million empty fields: only the first few are kept per row.
  std::string doc = "T,https://c.com/a" + std::string(5000000, ',') + "\n";
  Result r = Parse(Csv(), doc);
  REQUIRE(r.ok);
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].title == "T");
  // A header row keeps at most 10000 names; later columns are not found.
  FeedConfig feed = Csv(',', true);
  feed.mapping.fields = {{"title", "name"}, {"url", "link"}};
  Result wide = Parse(feed, std::string(20000, ',') + "name,link\nA,B\n");
  CHECK_FALSE(wide.ok);
  CHECK(wide.err.find("CSV header has no column \"name\"") !=
        std::string::npos);
  CHECK(wide.err.size() < 2500);
}

// ---------------------------------------------------------------------------
// Limits.

TEST_CASE("feeds: a document over max_bytes is refused by name", "[feeds]") {
  FeedConfig feed = Feed("rss", "huge");
  feed.max_bytes = 100;
  feed.file = "link-feeds/huge.json";
  std::string doc = Rss("<item><title>T</title><link>https://a.com/</link>"
                        "</item>");
  REQUIRE(doc.size() > 100);
  Result r = Parse(feed, doc);
  CHECK_FALSE(r.ok);
  CHECK(r.err == "feed \"huge\": document is " + std::to_string(doc.size()) +
                     " bytes, more than max_bytes (100); raise "
                     "\"max_bytes\" in link-feeds/huge.json if that is "
                     "expected");
  feed.max_bytes = static_cast<int64_t>(doc.size());
  CHECK(Parse(feed, doc).ok);  // Exactly max_bytes is fine.
}

TEST_CASE("feeds: a 0-byte document in every format", "[feeds]") {
  for (const char* format : {"auto", "rss", "atom", "jsonfeed", "xml", "json",
                             "csv"}) {
    FeedConfig feed = Csv();
    feed.format = format;
    feed.name = "zero";
    feed.mapping.items = format == std::string("xml") ? "//item" : "/items";
    Result r = Parse(feed, "");
    INFO(format);
    CHECK_FALSE(r.ok);
    CHECK(r.err == "feed \"zero\": document is empty");
  }
}

TEST_CASE("feeds: item cap in the mapped formats", "[feeds]") {
  const int n = linkpage::kMaxItemsPerFeed + 1;
  std::string csv;
  csv.reserve(static_cast<size_t>(n) * 24);
  for (int i = 0; i < n; ++i) csv += "T,https://c.com/" + std::to_string(i) + "\n";
  Result r = Parse(Csv(), csv);
  REQUIRE(r.ok);
  CHECK(r.stats.items == n);
  CHECK(r.links.size() == static_cast<size_t>(linkpage::kMaxItemsPerFeed));
  CHECK(r.links.back().url == "https://c.com/99999");
  CHECK(r.stats.ignored_items == 1);

  FeedConfig json = Feed("json", "api");
  json.mapping.items = "/items";
  json.mapping.fields = {{"title", "/t"}, {"url", "/u"}};
  std::string doc = "{\"items\": [";
  for (int i = 0; i < n; ++i) {
    doc += std::string(i ? "," : "") + "{\"t\":\"T\",\"u\":\"https://c.com/" +
           std::to_string(i) + "\"}";
  }
  doc += "]}";
  Result j = Parse(json, doc);
  REQUIRE(j.ok);
  CHECK(j.links.size() == static_cast<size_t>(linkpage::kMaxItemsPerFeed));
  CHECK(j.stats.ignored_items == 1);
}

TEST_CASE("feeds: 100000-deep JSON in the mapped format", "[feeds]") {
  FeedConfig feed = Feed("json", "deep-json");
  feed.mapping.items = "/items";
  feed.mapping.fields = {{"title", "/t"}, {"url", "/u"}};
  std::string doc = "{\"items\": [" + std::string(100000, '{') ;
  Result r = Parse(feed, doc);
  CHECK_FALSE(r.ok);
  CHECK(r.err ==
        "feed \"deep-json\": JSON nested deeper than 64 levels; refusing to "
        "parse it");
}

// Found by fuzz_feed_auto: an XHTML title in an unknown namespace is
// renamed "?:div" and serialised as "<?:div>...</?:div>"; "</?" is a bogus
// comment to HTML and must not reach the title as text.
TEST_CASE("feeds: fuzz regression, foreign-namespace xhtml title",
          "[feeds][fuzz]") {
  Result r = Parse("auto", ReadFixture("fuzz_atom_foreign_xhtml_title.xml"));
  REQUIRE(r.ok);
  const Link* mat = FindByUrl(r, "https://deals.example.com/mat");
  REQUIRE(mat);
  CHECK(mat->title == "Yoga Mat");
}

// Found by fuzz_mapped_csv: a field ending in "</" kept it as text.
TEST_CASE("feeds: fuzz regression, csv field ending in \"</\"",
          "[feeds][fuzz]") {
  FeedConfig feed = Feed("csv", "fuzz");
  feed.mapping.delimiter = '|';
  feed.mapping.header = false;
  feed.mapping.fields = {{"title", "1"},       {"url", "4"},
                         {"description", "2"}, {"price", "3"},
                         {"image", "5"},       {"categories", "6"}};
  Result r = Parse(feed, ReadFixture("fuzz_csv_trailing_end_tag.txt"));
  REQUIRE(r.ok);
  REQUIRE_FALSE(r.links.empty());
  for (const Link& l : r.links) {
    for (const std::string& text :
         {l.title, l.description, l.price, l.advertiser}) {
      CHECK(text.find("</") == std::string::npos);
    }
  }
}

// Field values are read as views of the parsed document where they are one
// piece; these pin the cases where they are not.
TEST_CASE("feeds: csv text after a closing quote joins the field",
          "[feeds][csv]") {
  Result r = Parse(Csv(), "\"Heat\" Pad,https://c.com/a,\"a\"\"b\"c\n");
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].title == "Heat Pad");
  CHECK(r.links[0].description == "a\"bc");
}

TEST_CASE("feeds: rss text split by CDATA and comments reads whole",
          "[feeds]") {
  const std::string doc =
      "<rss><channel><item><title>Heat <![CDATA[& Wrap]]> Pad</title>"
      "<link>https://a.com/<!-- c -->wrap</link></item></channel></rss>";
  Result r = Parse("rss", doc);
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].title == "Heat & Wrap Pad");
  CHECK(r.links[0].url == "https://a.com/wrap");
}

TEST_CASE("feeds: mapped xml child and attribute names read directly",
          "[feeds]") {
  FeedConfig feed = Feed("xml", "direct");
  feed.mapping.items = "//offer";
  feed.mapping.fields = {{"title", "text"},   {"url", "@href"},
                         {"price", "div"},     {"categories", "p:tag"},
                         {"currency", "@cur"}, {"advertiser", "node"}};
  feed.mapping.namespaces = {{"p", "urn:offers"}};
  const std::string doc =
      "<list xmlns:o=\"urn:offers\">"
      "<offer href=\"https://a.com/x\" cur=\"EUR\"><text>One <b>two</b></text>"
      "<text>Other</text><div>9.50</div><o:tag>A</o:tag><tag>no</tag>"
      "<o:tag>B</o:tag><node>Acme</node></offer></list>";
  Result r = Parse(feed, doc);
  REQUIRE(r.links.size() == 1);
  const Link& l = r.links[0];
  CHECK(l.title == "One two");
  CHECK(l.url == "https://a.com/x");
  CHECK(l.price == "9.50");
  CHECK(l.currency == "EUR");
  CHECK(l.advertiser == "Acme");
  CHECK(l.categories == std::vector<std::string>{"A", "B"});
}
