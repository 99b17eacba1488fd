#include "article.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <md4c-html.h>

#include "file.h"
#include "text.h"

namespace linkpage {

namespace {

void Append(const MD_CHAR* text, MD_SIZE size, void* userdata) {
  static_cast<std::string*>(userdata)->append(text, size);
}

// True when FixUtf8(s) would return "s" unchanged: well-formed UTF-8 with
// no overlong forms, surrogates or code points past U+10FFFF. Articles are
// almost always valid, and checking is cheaper than copying.
bool WellFormedUtf8(std::string_view s) {
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // ASCII eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i == n) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // Range of the second byte.
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // Overlong.
      if (c == 0xED) hi = 0x9F;  // Surrogates.
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // Overlong.
      if (c == 0xF4) hi = 0x8F;  // Past U+10FFFF.
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

bool MarkdownToHtml(std::string_view markdown, std::string* html,
                    std::string* err) {
  std::string fixed;
  std::string_view clean = markdown;
  if (!WellFormedUtf8(markdown)) {
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

bool ReadArticle(const std::string& path, const std::string& slug,
                 std::string* markdown, std::string* err) {
  auto fail = [&](const std::string& why) {
    *err = "page \"" + slug + "\": cannot read its article " + path + ": " +
           why + "; create the file or fix \"article\" in site.json";
    return false;
  };
  std::string why;
  switch (ReadWholeFile(path, kMaxArticleBytes, markdown, &why)) {
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

bool LoadArticle(const std::string& path, const std::string& slug,
                 std::string* html, std::string* err) {
  std::string markdown;
  if (!ReadArticle(path, slug, &markdown, err)) return false;
  if (!MarkdownToHtml(markdown, html, err)) {
    *err = "page \"" + slug + "\": " + path + ": " + *err;
    return false;
  }
  return true;
}

}  // namespace linkpage
