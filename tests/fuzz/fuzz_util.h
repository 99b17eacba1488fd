// Shared by the libFuzzer targets: run ParseFeed on fuzz input and check
// the promises every Link keeps, whatever the bytes.
#ifndef LINKPAGE_TESTS_FUZZ_FUZZ_UTIL_H_
#define LINKPAGE_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "feeds.h"
#include "model.h"
#include "text.h"
#include "url.h"

namespace linkpage::fuzz {

inline void Fail(const char* what, std::string_view value) {
  std::fprintf(stderr, "invariant broken: %s: [%.*s]\n", what,
               static_cast<int>(value.size()), value.data());
  std::abort();
}

// No '<' that could open a tag, comment or declaration.
inline bool HasTagStart(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    char c = s[i + 1];
    if (s[i] == '<' && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        c == '/' || c == '!' || c == '?')) {
      return true;
    }
  }
  return false;
}

inline void CheckText(const char* what, std::string_view s, size_t max) {
  if (s.size() > max) Fail(what, s);
  if (FixUtf8(s) != s) Fail(what, s);
  if (HasTagStart(s)) Fail(what, s);
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) Fail(what, s);
  }
}

inline void ParseAndCheck(const FeedConfig& feed, std::string_view bytes) {
  std::vector<Link> links;
  FeedStats stats;
  std::string err;
  bool ok = ParseFeed(feed, bytes, &links, &stats, &err);
  if (!ok && err.rfind("feed \"" + feed.name + "\": ", 0) != 0) {
    Fail("error without the feed name", err);
  }
  if (!ok && !links.empty()) Fail("links on failure", err);
  if (stats.items < 0 || stats.dropped_urls < 0) Fail("counts", err);
  if (static_cast<int>(links.size()) + stats.dropped_urls +
          stats.dropped_untitled >
      stats.items) {
    Fail("more links than items", err);
  }
  for (const Link& l : links) {
    if (!IsPlaceableUrl(l.url)) Fail("url", l.url);
    if (!l.image.empty() && !IsPlaceableUrl(l.image)) Fail("image", l.image);
    if (l.title.empty()) Fail("empty title", l.title);
    CheckText("title", l.title, kMaxTitleBytes);
    CheckText("description", l.description, kMaxDescriptionBytes);
    CheckText("display_host", l.display_host, 253);
    CheckText("price", l.price, 100);
    CheckText("currency", l.currency, 100);
    CheckText("advertiser", l.advertiser, 100);
    for (const std::string& c : l.categories) CheckText("category", c, 100);
  }
}

}  // namespace linkpage::fuzz

#endif  // LINKPAGE_TESTS_FUZZ_FUZZ_UTIL_H_
