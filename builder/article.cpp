#include "article.h"

#include <string>

#include <md4c-html.h>

#include "file.h"
#include "text.h"

namespace linkpage {

namespace {

void Append(const MD_CHAR* text, MD_SIZE size, void* userdata) {
  static_cast<std::string*>(userdata)->append(text, size);
}

}  // namespace

bool MarkdownToHtml(std::string_view markdown, std::string* html,
                    std::string* err) {
  std::string fixed;
  std::string_view clean = markdown;
  // Articles are almost always valid, and checking is cheaper than
  // copying.
  if (!IsValidUtf8(markdown)) {
    fixed = FixUtf8(markdown);
    clean = fixed;
  }
  html->clear();
  html->reserve(clean.size() + clean.size() / 4);
  int rc = md_html(clean.data(), static_cast<MD_SIZE>(clean.size()), Append,
                   html, MD_FLAG_NOHTML,
                   MD_HTML_FLAG_XHTML | MD_HTML_FLAG_SKIP_UTF8_BOM);
  if (rc != 0) {
    *err = "the Markdown renderer failed";
    return false;
  }
  return true;
}

bool ReadArticle(const std::string& path, std::string_view slug,
                 std::string* markdown, std::string* err, struct stat* st) {
  auto fail = [&](const std::string& why) {
    *err = "page \"" + std::string(slug) + "\": cannot read its article " +
           path + ": " + why +
           "; create the file or fix \"article\" in site.json";
    return false;
  };
  std::string why;
  switch (ReadWholeFile(path, kMaxArticleBytes, markdown, &why, st)) {
    case ReadResult::kOk:
      return true;
    case ReadResult::kTooLarge:
      return fail("larger than " + std::to_string(kMaxArticleBytes) +
                  " bytes");
    case ReadResult::kFailed:
      break;
  }
  return fail(why);
}

bool LoadArticle(const std::string& path, std::string_view slug,
                 std::string* html, std::string* err) {
  std::string markdown;
  if (!ReadArticle(path, slug, &markdown, err)) return false;
  if (!MarkdownToHtml(markdown, html, err)) {
    *err = "page \"" + std::string(slug) + "\": " + path + ": " + *err;
    return false;
  }
  return true;
}

}  // namespace linkpage
