#include "feeds.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

}  // namespace

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

TEST_CASE("feeds: rss 1.0 rdf items", "[feeds]") {
  const std::string doc =
      "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
      "xmlns=\"http://purl.org/rss/1.0/\"><channel><title>C</title></channel>"
      "<item><title>First</title><link>https://a.example.com/1</link>"
      "<description>D</description></item></rdf:RDF>";
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

  // Deep XML is read by pugixml without recursion and has no items.
  std::string xml = "<rss><channel>";
  for (int i = 0; i < 50000; ++i) xml += "<a>";
  for (int i = 0; i < 50000; ++i) xml += "</a>";
  xml += "</channel></rss>";
  Result x = Parse("rss", xml);
  CHECK(x.ok);
  CHECK(x.links.empty());

  // Deeply nested namespace declarations: lookups must not scan them all.
  std::string ns = "<rss><channel>";
  for (int i = 0; i < 30000; ++i) {
    ns += "<a xmlns:p" + std::to_string(i) + "=\"urn:" + std::to_string(i) +
          "\">";
  }
  for (int i = 0; i < 30000; ++i) ns += "</a>";
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
  Result r = Parse("rss", Rss(items));
  REQUIRE(r.ok);
  CHECK(r.stats.items == n);
  CHECK(r.stats.dropped_urls == linkpage::kMaxItemsPerFeed);
}
