// Markdown (CommonMark) articles to HTML.
#ifndef LINKPAGE_ARTICLE_H_
#define LINKPAGE_ARTICLE_H_

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace linkpage {

// Renders CommonMark to an XHTML-compatible HTML fragment. Raw HTML in the
// Markdown is not passed through (it is shown as text), so the fragment is
// always well-formed. Invalid UTF-8 is replaced first. Returns false only
// if the Markdown parser fails, with "*err" set.
bool MarkdownToHtml(std::string_view markdown, std::string* html,
                    std::string* err);

// Largest article read, in bytes.
inline constexpr int64_t kMaxArticleBytes = 16 * 1024 * 1024;

// Reads the Markdown of page "slug" from "path"; "*st", when given,
// receives the file's status as it was opened. On failure "*err" names
// the page and the file.
bool ReadArticle(const std::string& path, std::string_view slug,
                 std::string* markdown, std::string* err,
                 struct stat* st = nullptr);

// Reads and renders the article of page "slug" from "path". On failure
// "*err" names the page and the file.
bool LoadArticle(const std::string& path, std::string_view slug,
                 std::string* html, std::string* err);

}  // namespace linkpage

#endif  // LINKPAGE_ARTICLE_H_
