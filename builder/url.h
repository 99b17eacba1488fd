// URL checks and normalisation for links taken from untrusted feeds.
#ifndef LINKPAGE_URL_H_
#define LINKPAGE_URL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkpage {

// Parts of an absolute http(s) URL.
struct Url {
  std::string scheme;  // "http" or "https", lower case.
  std::string host;    // Lower case.
  int port = 0;        // 0: none given.
  std::string path;    // Begins with '/' (or empty).
  std::string query;   // Without the '?'.
  std::string fragment;
};

// Parses an absolute http or https URL. Returns false for anything else:
// other schemes (javascript:, data:, file:, ...), protocol-relative URLs,
// URLs carrying credentials (user:pass@), empty or malformed hosts, bad
// ports, whitespace or control characters.
bool ParseHttpUrl(std::string_view text, Url* url);

// True when "text" is a URL that may be placed on a page.
bool IsPlaceableUrl(std::string_view text);

// The key under which two links count as the same: scheme and host lower
// case, default port removed, fragment removed, trailing slash of the path
// removed (an empty path counts as "/"). Query kept as is.
std::string NormalizeUrl(std::string_view text);

// The host of an http(s) URL, lower case, without a leading "www.";
// "" exactly when IsPlaceableUrl(text) is false (a placeable URL's host is
// never empty, nor "www." alone).
std::string DisplayHost(std::string_view text);

// Appends query parameters (percent-encoded) before any fragment.
std::string AppendQuery(
    std::string_view url,
    const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace linkpage

#endif  // LINKPAGE_URL_H_
