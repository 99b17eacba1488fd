#include "article.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace linkpage {
namespace {

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

TEST_CASE("article: a missing file names the page") {
  std::string html, err;
  CHECK_FALSE(LoadArticle("/nonexistent/x.md", "my-page", &html, &err));
  CHECK_THAT(err, Catch::Contains("page \"my-page\"") &&
                      Catch::Contains("/nonexistent/x.md"));
}

}  // namespace
}  // namespace linkpage
