#include "text.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>

using linkpage::CleanText;
using linkpage::DecodeEntities;
using linkpage::FixUtf8;
using linkpage::ToLower;
using linkpage::Truncate;

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
}  // namespace

TEST_CASE("text: FixUtf8 keeps valid UTF-8", "[text]") {
  CHECK(FixUtf8("plain ascii") == "plain ascii");
  const std::string mixed = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
  CHECK(FixUtf8(mixed) == mixed);
  CHECK(FixUtf8("\xF4\x8F\xBF\xBF") == "\xF4\x8F\xBF\xBF");  // U+10FFFF.
  CHECK(FixUtf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE("text: FixUtf8 replaces invalid sequences", "[text]") {
  CHECK(FixUtf8("a\xFF"
                "b") == "a" + kFffd + "b");
  CHECK(FixUtf8("\x80") == kFffd);              // Stray continuation.
  CHECK(FixUtf8("\xC0\xAF") == kFffd + kFffd);  // Overlong '/'.
  CHECK(FixUtf8("\xE0\x80\xAF") == kFffd + kFffd + kFffd);  // Overlong.
  CHECK(FixUtf8("\xED\xA0\x80") == kFffd + kFffd + kFffd);  // Surrogate.
  CHECK(FixUtf8("\xF4\x90\x80\x80") ==
        kFffd + kFffd + kFffd + kFffd);  // Past U+10FFFF.
  CHECK(FixUtf8("\xF5\x80") == kFffd + kFffd);
  // A truncated sequence is one replacement, and the next byte survives.
  CHECK(FixUtf8("\xE2\x82z") == kFffd + "z");
  CHECK(FixUtf8("end\xE2\x82") == "end" + kFffd);
}

TEST_CASE("text: DecodeEntities named references", "[text]") {
  CHECK(DecodeEntities("&amp; &lt; &gt; &quot; &apos;") == "& < > \" '");
  CHECK(DecodeEntities("a&nbsp;b") ==
        "a\xC2\xA0"
        "b");
  CHECK(DecodeEntities("&hellip;&mdash;&ndash;") ==
        "\xE2\x80\xA6\xE2\x80\x94\xE2\x80\x93");
  CHECK(DecodeEntities("&lsquo;&rsquo;&ldquo;&rdquo;&laquo;&raquo;") ==
        "\xE2\x80\x98\xE2\x80\x99\xE2\x80\x9C\xE2\x80\x9D\xC2\xAB\xC2\xBB");
  CHECK(DecodeEntities("&copy;&reg;&trade;&euro;&pound;&yen;&cent;") ==
        "\xC2\xA9\xC2\xAE\xE2\x84\xA2\xE2\x82\xAC\xC2\xA3\xC2\xA5\xC2\xA2");
  CHECK(DecodeEntities("&deg;&times;&divide;&middot;&bull;") ==
        "\xC2\xB0\xC3\x97\xC3\xB7\xC2\xB7\xE2\x80\xA2");
  CHECK(DecodeEntities("&eacute;&Eacute;&egrave;&agrave;&aacute;&uuml;") ==
        "\xC3\xA9\xC3\x89\xC3\xA8\xC3\xA0\xC3\xA1\xC3\xBC");
  CHECK(DecodeEntities("&szlig;&ntilde;&ccedil;&oslash;&aring;&yuml;") ==
        "\xC3\x9F\xC3\xB1\xC3\xA7\xC3\xB8\xC3\xA5\xC3\xBF");
  CHECK(DecodeEntities("&alpha;&Omega;&sigmaf;") == "\xCE\xB1\xCE\xA9\xCF\x82");
}

TEST_CASE("text: DecodeEntities decodes exactly once", "[text]") {
  CHECK(DecodeEntities("&amp;lt;") == "&lt;");
  CHECK(DecodeEntities("Tom &amp;amp; Jerry") == "Tom &amp; Jerry");
  CHECK(DecodeEntities("&#38;lt;") == "&lt;");
}

TEST_CASE("text: DecodeEntities numeric references", "[text]") {
  CHECK(DecodeEntities("&#65;&#x42;&#X43;") == "ABC");
  CHECK(DecodeEntities("&#233;&#xE9;") == "\xC3\xA9\xC3\xA9");
  CHECK(DecodeEntities("&#x1F600;") == "\xF0\x9F\x98\x80");
  CHECK(DecodeEntities("&#0;") == kFffd);
  CHECK(DecodeEntities("&#xD800;") == kFffd);
  CHECK(DecodeEntities("&#x110000;") == kFffd);
  CHECK(DecodeEntities("&#99999999999999999999;") == kFffd);
  CHECK(DecodeEntities("a&#1;b&#x7F;c") == "abc");  // Controls dropped.
  CHECK(DecodeEntities("&#9;&#10;") == "\t\n");
  // 0x80-0x9F read as windows-1252, as browsers do.
  CHECK(DecodeEntities("&#150;&#153;") == "\xE2\x80\x93\xE2\x84\xA2");
  CHECK(DecodeEntities("&#x81;") == "");
}

TEST_CASE("text: DecodeEntities leaves unknown and malformed alone", "[text]") {
  CHECK(DecodeEntities("&bogus; &amp") == "&bogus; &amp");
  CHECK(DecodeEntities("AT&T; & more") == "AT&T; & more");
  CHECK(DecodeEntities("&#; &#x; &#12a; &#xZZ;") == "&#; &#x; &#12a; &#xZZ;");
  CHECK(DecodeEntities("&;") == "&;");
  CHECK(DecodeEntities("&AMP;") == "&");
  CHECK(DecodeEntities("&Amp;") == "&Amp;");  // Names are case-sensitive.
  CHECK(DecodeEntities("trailing &") == "trailing &");
}

TEST_CASE("text: CleanText strips tags from decoded text", "[text]") {
  CHECK(CleanText("<b>Hot</b> deal", 200) == "Hot deal");
  CHECK(CleanText("H<b>o</b>t", 200) == "Hot");
  CHECK(CleanText("one<br>two<p>three</p>", 200) == "one two three");
  CHECK(CleanText("Tom &amp; Jerry", 200) == "Tom &amp; Jerry");
  CHECK(CleanText("5 < 6 and 7 > 3", 200) == "5 < 6 and 7 > 3");
  CHECK(CleanText("a <3 b", 200) == "a <3 b");
}

TEST_CASE("text: CleanText removes script and style content", "[text]") {
  CHECK(CleanText("Spa <script>alert(1)</script>Deals", 200) == "Spa Deals");
  CHECK(CleanText("<SCRIPT type=\"x\">alert('</b>')</ScRiPt >ok", 200) == "ok");
  CHECK(CleanText("a<style>p { color: red }</style>b", 200) == "a b");
  CHECK(CleanText("x<script>never closed", 200) == "x");
  CHECK(CleanText("<script/>alert(1)</script>y", 200) == "y");
  CHECK(CleanText("<iframe src=x>frame</iframe>z", 200) == "z");
  CHECK(CleanText("<scripts>kept</scripts>", 200) == "kept");
}

TEST_CASE("text: CleanText handles comments, CDATA and attributes", "[text]") {
  CHECK(CleanText("a<!-- <b>hidden</b> -->b", 200) == "ab");
  CHECK(CleanText("a<!-- unterminated", 200) == "a");
  CHECK(CleanText("<![CDATA[inner <b>text</b>]]>", 200) == "inner text");
  CHECK(CleanText("<a title=\"x>y\" href='a>b'>Click</a> here", 200) ==
        "Click here");
  CHECK(CleanText("<img src=x onerror=alert(1)>Pic", 200) == "Pic");
  CHECK(CleanText("<!DOCTYPE html><?xml version=\"1.0\"?>Doc", 200) == "Doc");
  CHECK(CleanText("Open <b class=\"never closed", 200) == "Open");
}

TEST_CASE("text: CleanText on raw HTML decodes entities once", "[text]") {
  CHECK(CleanText("<p>Save &amp; relax</p>", 200, false) == "Save & relax");
  CHECK(CleanText("Tom &amp;amp; Jerry", 200, false) == "Tom &amp; Jerry");
  CHECK(CleanText("caf&eacute;&nbsp;au&nbsp;lait", 200, false) ==
        "caf\xC3\xA9 au lait");
  // Markup escaped inside the HTML reads as tags after decoding: removed.
  CHECK(CleanText("&lt;b&gt;Hot&lt;/b&gt; deal", 200, false) == "Hot deal");
  CHECK(CleanText("&lt;script&gt;alert(1)&lt;/script&gt;Safe", 200, false) ==
        "Safe");
  CHECK(CleanText("1 &lt; 2", 200, false) == "1 < 2");
  // Without decoding, entity text stays as it is.
  CHECK(CleanText("caf&eacute;", 200, true) == "caf&eacute;");
}

TEST_CASE("text: CleanText removes controls and collapses whitespace",
          "[text]") {
  CHECK(CleanText("  a\tb\nc\r\nd  ", 200) == "a b c d");
  CHECK(CleanText(std::string("x\0y\x01z\x7F!", 8), 200) == "xyz!");
  CHECK(CleanText("c1\xC2\x85x\xC2\x9F"
                  "y",
                  200) == "c1xy");
  CHECK(CleanText("bidi\xE2\x80\xAE"
                  "evil",
                  200) == "bidievil");
  CHECK(CleanText("nb\xC2\xA0\xC2\xA0sp \xE2\x80\x83 em", 200) == "nb sp em");
  CHECK(CleanText("&nbsp;&nbsp;x&nbsp;", 200, false) == "x");
  CHECK(CleanText("   ", 200) == "");
  // Controls go first, so one between '<' and a name cannot smuggle a tag
  // past the tag pass.
  CHECK(CleanText("<\x01"
                  "b>x",
                  200) == "x");
  CHECK(CleanText("<\x01script>alert(1)", 200) == "");
}

TEST_CASE("text: CleanText fixes invalid UTF-8", "[text]") {
  CHECK(CleanText("bad\xFF byte", 200) == "bad" + kFffd + " byte");
}

TEST_CASE("text: CleanText truncates to the byte limit", "[text]") {
  std::string long_text(300, 'a');
  std::string clean = CleanText(long_text, 200);
  CHECK(clean.size() == 200);
  CHECK(clean == std::string(197, 'a') + "\xE2\x80\xA6");
  CHECK(CleanText("short", 200) == "short");
}

TEST_CASE("text: Truncate cuts at a UTF-8 boundary", "[text]") {
  CHECK(Truncate("hello", 5) == "hello");
  CHECK(Truncate("hello world", 8) == "hello\xE2\x80\xA6");
  CHECK(Truncate("hello world", 9) == "hello\xE2\x80\xA6");  // Space trimmed.
  // "é" is two bytes: a cut in its middle backs off to before it.
  std::string e4 = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";
  CHECK(Truncate(e4, 6) == "\xC3\xA9\xE2\x80\xA6");
  CHECK(Truncate(e4, 7) == "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
  CHECK(FixUtf8(Truncate(e4, 6)) == Truncate(e4, 6));
  CHECK(Truncate("\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 6) == "\xE2\x80\xA6");
  CHECK(Truncate("abcdef", 2) == "ab");  // No room for the ellipsis.
  CHECK(Truncate("abcdef", 0) == "");
}

TEST_CASE("text: ToLower is ASCII only", "[text]") {
  CHECK(ToLower("HeLLo-123") == "hello-123");
  CHECK(ToLower("\xC3\x89T\xC3\x89") == "\xC3\x89t\xC3\x89");
  CHECK(ToLower("") == "");
}

TEST_CASE("text: hostile floods stay fast", "[text]") {
  // Each of these would take minutes if a pass were quadratic.
  const std::string amps(2000000, '&');
  CHECK(DecodeEntities(amps) == amps);
  CHECK(CleanText(amps, 10, false) == "&&&&&&&\xE2\x80\xA6");
  std::string tags;
  for (int i = 0; i < 200000; ++i) tags += "<a x='1'>";
  CHECK(CleanText(tags + "done", 200) == "done");
  std::string comments;
  for (int i = 0; i < 200000; ++i) comments += "<!x";
  CHECK(CleanText(comments, 200, false) == "");
  std::string scripts;
  for (int i = 0; i < 200000; ++i) scripts += "<script></b>";
  CHECK(CleanText("a" + scripts, 200) == "a");
}

TEST_CASE("text: CleanText end tags that are not tags", "[text]") {
  // "</" then a non-letter is a bogus comment in HTML, up to the next '>'.
  CHECK(CleanText("Yoga <?:em>Mat</?:em></?:div>", 100) == "Yoga Mat");
  CHECK(CleanText("a</3 b>c", 100) == "a c");
  CHECK(CleanText("a</>b", 100) == "ab");
  // "</" at the very end is dropped (found by fuzz_text).
  CHECK(CleanText("RestWell Sle</", 100) == "RestWell Sle");
  CHECK(CleanText("x &lt;/", 100, false) == "x");
  // A lone '<' that cannot open anything stays text.
  CHECK(CleanText("1 < 2 <", 100) == "1 < 2 <");
}

TEST_CASE("text: fuzz regression, html ending in \"</\"", "[text][fuzz]") {
  std::ifstream in(std::string(LINKPAGE_SOURCE_DIR) +
                       "/tests/data/feeds/fuzz_text_trailing_end_tag.txt",
                   std::ios::binary);
  REQUIRE(in);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  for (bool decoded : {true, false}) {
    std::string clean = CleanText(bytes.str(), 600, decoded);
    CHECK(clean.find("</") == std::string::npos);
    CHECK(clean.find("<script") == std::string::npos);
  }
}

TEST_CASE("text: removing markup never glues '<' to a new tag", "[text]") {
  CHECK(CleanText("<<b>b>x", 100) == "< b>x");
  CHECK(CleanText("<<![CDATA[b>", 100) == "< b>");
  CHECK(CleanText("<<!---->script>", 100) == "< script>");
  CHECK(CleanText("<</>i>", 100) == "< i>");
  CHECK(CleanText("< <&lt;b onmouseover=\"x\"&gt;Title", 100, false) ==
        "< < Title");
}

// Found by fuzz_text: a stripped inline tag joined a literal '<' and text.
TEST_CASE("text: fuzz regression, '<' glued to text", "[text][fuzz]") {
  std::ifstream in(std::string(LINKPAGE_SOURCE_DIR) +
                       "/tests/data/feeds/fuzz_text_glued_lt.txt",
                   std::ios::binary);
  REQUIRE(in);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  for (bool decoded : {true, false}) {
    std::string clean = CleanText(bytes.str(), 600, decoded);
    for (size_t k = 0; k + 1 < clean.size(); ++k) {
      INFO(clean);
      CHECK_FALSE((clean[k] == '<' && std::isalpha(static_cast<unsigned char>(
                                          clean[k + 1]))));
    }
  }
}

// CleanText takes shortcuts for common text (plain ASCII, runs of bytes
// copied at once, reading stopped once the cut is certain); these pin the
// results at the edges of those shortcuts.
TEST_CASE("text: CleanText shortcuts give the same text", "[text]") {
  // ASCII and multibyte.
  CHECK(CleanText("caf\xC3\xA9 au lait", 200) == "caf\xC3\xA9 au lait");
  CHECK(CleanText("abcdefghijklmno\xC2\xA0p", 200) == "abcdefghijklmno p");
  // '<' that starts no tag, at the end; "</" at the end.
  CHECK(CleanText("Price <", 200) == "Price <");
  CHECK(CleanText("Price <", 200, false) == "Price <");
  CHECK(CleanText("a </", 200, false) == "a");
  CHECK(CleanText("1234567 <b>890</b>", 200) == "1234567 890");
  // Entities at the start, the end and unterminated.
  CHECK(CleanText("AT&amp;T", 200, false) == "AT&T");
  CHECK(CleanText("AT&amp;T", 200) == "AT&amp;T");
  CHECK(CleanText("&amp;", 200, false) == "&");
  CHECK(CleanText("x &amp", 200, false) == "x &amp");
  CHECK(CleanText("&lt;b&gt;x&lt;/b&gt;", 200, false) == "x");
  CHECK(CleanText("&lt;b&gt;x", 200) == "&lt;b&gt;x");
  CHECK(CleanText("Tom &amp;amp; Jerry", 200) == "Tom &amp;amp; Jerry");
  // Invalid UTF-8 at the end, control bytes, DEL.
  CHECK(CleanText("abc\xE2\x82", 200) == "abc" + kFffd);
  CHECK(CleanText("a\x01"
                  "b",
                  200) == "ab");
  CHECK(CleanText("abcdefgh\x7F"
                  "ijk",
                  200) == "abcdefghijk");
  // Whitespace: line ends, runs (also across an 8-byte boundary), ends.
  CHECK(CleanText("a\tb\nc\r\nd", 200) == "a b c d");
  CHECK(CleanText("  lead and trail  ", 200) == "lead and trail");
  CHECK(CleanText("double  space", 200) == "double space");
  CHECK(CleanText("abcdefg  hij", 200) == "abcdefg hij");
  CHECK(CleanText("abcdefg hijklmnop", 200) == "abcdefg hijklmnop");
  CHECK(CleanText("a !b", 200) == "a !b");
  // Cuts: trailing space past the limit, a word past it, "]]>" formed
  // past it once a control byte or an entity is gone.
  CHECK(CleanText(std::string(300, 'a'), 200) ==
        std::string(197, 'a') + "\xE2\x80\xA6");
  CHECK(CleanText("abcde    ", 5) == "abcde");
  CHECK(CleanText("abcde f", 5) == "ab\xE2\x80\xA6");
  CHECK(CleanText("abcdef", 5) == "ab\xE2\x80\xA6");
  CHECK(CleanText("ab]]\x01>cdef", 3) == "\xE2\x80\xA6");
  CHECK(CleanText("x]]&gt;", 200, false) == "x");
  CHECK(CleanText("x]]&gt;yz", 2, false) == "xy");
  CHECK(CleanText("x ]", 200) == "x ]");
  CHECK(CleanText("abcdefgh]]>ijkl", 200) == "abcdefghijkl");
}

TEST_CASE("text: IsValidUtf8 agrees with FixUtf8", "[text]") {
  for (const std::string& s :
       {std::string("plain"), std::string("caf\xC3\xA9"),
        std::string("\xF4\x8F\xBF\xBF"), std::string("a\xFF"),
        std::string("end\xE2\x82"), std::string("\xED\xA0\x80"),
        std::string("\xC0\xAF"), std::string(20, 'x') + "\x80"}) {
    CHECK(linkpage::IsValidUtf8(s) == (FixUtf8(s) == s));
  }
}

TEST_CASE("text: CleanText without a practical limit", "[text]") {
  const size_t no_limit = std::string::npos;
  CHECK(CleanText("plain words", no_limit) == "plain words");
  CHECK(CleanText(" a  <b>b</b> ", no_limit, false) == "a b");
}

// The shortcuts read 16, 8 and 1 bytes at a time, and a text's last bytes
// as the sixteen that end it (or padded, under sixteen): every byte value
// at every position of texts of up to 40 bytes (two 16-byte blocks and a
// tail) gives what the byte-by-byte pipeline gives.
TEST_CASE("text: CleanText is the same at every position of a long text",
          "[text]") {
  for (size_t len = 1; len <= 40; ++len) {
    // No entity, tag or space in the base text.
    std::string base;
    for (size_t k = 0; k < len; ++k) base.push_back(k % 2 ? 'y' : 'x');
    for (size_t k = 0; k < len; ++k) {
      const std::string before = base.substr(0, k);
      const std::string after = base.substr(k + 1);
      for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        std::string s = base;
        s[k] = c;
        std::string want;
        if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
          // A space between words, nothing at either end.
          want = before.empty() || after.empty() ? before + after
                                                 : before + " " + after;
        } else if (b < 0x20 || b == 0x7F) {
          want = before + after;  // Controls go (also \f and \v).
        } else if (b >= 0x80) {
          want = before + kFffd + after;  // A lone byte is invalid UTF-8.
        } else if (b == '<') {
          // A tag that runs to the end is dropped; a '<' at the end stays.
          want = after.empty() ? s : before;
        } else {
          want = s;  // '&' and ']' start nothing here.
        }
        INFO("length " << len << ", byte " << b << " at " << k);
        CHECK(CleanText(s, 200) == want);
        CHECK(CleanText(s, 200, false) == want);
      }
      // Two spaces after position k, "]]>" at k, "&amp;" at k.
      if (k > 0 && k + 2 < len) {
        std::string s = base;
        s[k] = s[k + 1] = ' ';
        INFO("length " << len << ", two spaces at " << k);
        CHECK(CleanText(s, 200) == before + " " + base.substr(k + 2));
      }
      if (k + 3 <= len) {
        std::string s = base;
        s.replace(k, 3, "]]>");
        INFO("length " << len << ", ]]> at " << k);
        CHECK(CleanText(s, 200) == before + base.substr(k + 3));
      }
      if (k + 5 <= len) {
        std::string s = base;
        s.replace(k, 5, "&amp;");
        INFO("length " << len << ", &amp; at " << k);
        CHECK(CleanText(s, 200) == s);
        CHECK(CleanText(s, 200, false) == before + "&" + base.substr(k + 5));
      }
    }
  }
}
