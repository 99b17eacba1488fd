#include "article.h"

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <md4c-html.h>

#include "text.h"

namespace linkpage {

namespace {

void Append(const MD_CHAR* text, MD_SIZE size, void* userdata) {
  static_cast<std::string*>(userdata)->append(text, size);
}

}  // namespace

bool MarkdownToHtml(std::string_view markdown, std::string* html,
                    std::string* err) {
  std::string clean = FixUtf8(markdown);
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
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(std::filesystem::exists(path, ec) ? "not a regular file"
                                                  : "no such file");
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"),
                                          &std::fclose);
  if (!f) return fail(std::strerror(errno));
  markdown->clear();
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    markdown->append(buf, n);
  }
  if (std::ferror(f.get())) return fail(std::strerror(errno));
  return true;
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
