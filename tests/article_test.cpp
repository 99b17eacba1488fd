#include "article.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"
#include "text.h"

namespace linkpage {
namespace {

std::string Hex(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof buf, "%02X ", c);
    out += buf;
  }
  return out;
}

TEST_CASE("article: CommonMark to well-formed HTML") {
  std::string html, err;
  REQUIRE(MarkdownToHtml("# Title\n\nSome *text* and a  \nbreak.\n\n"
                         "- one\n- two\n\n---\n",
                         &html, &err));
  CHECK_THAT(html, Catch::Contains("<h1>Title</h1>"));
  CHECK_THAT(html, Catch::Contains("<em>text</em>"));
  CHECK_THAT(html, Catch::Contains("<br />"));  // XHTML void elements.
  CHECK_THAT(html, Catch::Contains("<hr />"));
  CHECK_THAT(html, Catch::Contains("<li>one</li>"));
}

TEST_CASE("article: raw HTML is shown as text, entities become characters") {
  std::string html, err;
  REQUIRE(MarkdownToHtml("<script>alert(1)</script>\n\nA&nbsp;B &copy;\n",
                         &html, &err));
  CHECK_THAT(html, !Catch::Contains("<script"));
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;"));
  CHECK_THAT(html, Catch::Contains("A\xC2\xA0" "B \xC2\xA9"));
}

TEST_CASE("article: invalid UTF-8 is replaced") {
  std::string html, err;
  REQUIRE(MarkdownToHtml("bad \xFF byte\n", &html, &err));
  CHECK_THAT(html, Catch::Contains("bad \xEF\xBF\xBD byte"));
}

// MarkdownToHtml skips FixUtf8 for input it finds well-formed: that must
// be exactly the input FixUtf8 leaves unchanged.
TEST_CASE("article: only well-formed UTF-8 skips the fixing pass") {
  const unsigned char kEdges[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                  0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                  0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1,
                                  0xF3, 0xF4, 0xF5, 0xFF};
  std::vector<std::string> inputs;
  for (unsigned char a : kEdges) {
    inputs.push_back(std::string(1, static_cast<char>(a)));
    for (unsigned char b : kEdges) {
      inputs.push_back({static_cast<char>(a), static_cast<char>(b)});
      for (unsigned char c : kEdges) {
        inputs.push_back({static_cast<char>(a), static_cast<char>(b),
                          static_cast<char>(c)});
      }
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string s(4 + rng() % 20, 'x');
    for (char& ch : s) {
      ch = static_cast<char>(rng() % 2 ? kEdges[rng() % sizeof kEdges]
                                       : rng() % 256);
    }
    inputs.push_back(s);
  }
  // A valid 4-byte character and long ASCII runs around a bad byte.
  inputs.push_back("\xF0\x9F\x98\x80 smile");
  inputs.push_back(std::string(17, 'a') + "\xE2\x82" + std::string(9, 'b'));
  int fixed = 0, valid_multibyte = 0;
  for (const std::string& body : inputs) {
    std::string s = "a " + body + " b\n";
    std::string html, want, err;
    REQUIRE(MarkdownToHtml(s, &html, &err));
    REQUIRE(MarkdownToHtml(FixUtf8(s), &want, &err));
    INFO(Hex(s));
    REQUIRE(html == want);
    REQUIRE(FixUtf8(html) == html);
    if (FixUtf8(s) != s) {
      ++fixed;
    } else {
      valid_multibyte += s.find_first_of("\x80\xBF\xC2\xDF\xE0\xED\xEF\xF0"
                                         "\xF4") != std::string::npos;
    }
  }
  // Both ways were taken, with characters of every length.
  CHECK(fixed > 1000);
  CHECK(valid_multibyte > 100);
}

TEST_CASE("article: a missing file names the page") {
  std::string html, err;
  CHECK_FALSE(LoadArticle("/nonexistent/x.md", "my-page", &html, &err));
  CHECK_THAT(err, Catch::Contains("page \"my-page\"") &&
                      Catch::Contains("/nonexistent/x.md"));
}

TEST_CASE("article: read whole, a directory or an oversized file refused") {
  test::TempDir dir;
  std::string md, err;
  const std::string path = dir / "a.md";
  std::string text(100000, 'x');
  text += "\n# end\n";
  test::WriteFile(path, text);
  REQUIRE(ReadArticle(path, "p", &md, &err));
  CHECK(md == text);
  CHECK_FALSE(ReadArticle(dir.path(), "p", &md, &err));
  CHECK_THAT(err, Catch::Contains("not a regular file"));
  test::WriteFile(path, std::string(kMaxArticleBytes + 1, 'x'));
  CHECK_FALSE(ReadArticle(path, "p", &md, &err));
  CHECK_THAT(err, Catch::Contains("larger than 16777216 bytes") &&
                      Catch::Contains("page \"p\""));
  CHECK(md.empty());
}

}  // namespace
}  // namespace linkpage
