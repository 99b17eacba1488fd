#include "url.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "bytes16.h"
#include "text.h"

namespace linkpage {
namespace {

// Longer URLs are not links a page should carry.
constexpr size_t kMaxUrlBytes = 8192;
constexpr size_t kMaxHostBytes = 253;
constexpr size_t kMaxLabelBytes = 63;

// What SplitHttpUrl needs to know of a byte, looked up in a table: it
// reads every byte of every URL of every feed.
enum ByteClass : uint8_t {
  // Whitespace, controls, backslashes (which browsers read as '/') and
  // characters that can never appear in a URL.
  kNeverInUrl = 1,
  kNonAscii = 2,
  kEndsAuthority = 4,  // '/', '?' and '#'.
  kInRegName = 8,      // ASCII letters, digits, '-', '_' and '.'.
};

// Whether a byte can never appear in a URL (kNeverInUrl), for one byte or
// for Bytes16.
template <typename Byte>
constexpr auto NeverInUrl(Byte c) {
  return (c <= 0x20) | (c == 0x7F) | (c == '\\') | (c == '<') | (c == '>') |
         (c == '"');
}

constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    uint8_t k = 0;
    if (NeverInUrl(c)) k |= kNeverInUrl;
    if (c >= 0x80) k |= kNonAscii;
    if (c == '/' || c == '?' || c == '#') k |= kEndsAuthority;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') {
      k |= kInRegName;
    }
    classes[static_cast<size_t>(c)] = k;
  }
  return classes;
}

constexpr std::array<uint8_t, 256> kByteClasses = MakeByteClasses();

uint8_t ClassOf(char c) { return kByteClasses[static_cast<unsigned char>(c)]; }

// The classes of the bytes of "text" that mark a URL as bad, kNeverInUrl
// and kNonAscii, ORed: sixteen bytes at a time while they are printable
// ASCII that URLs may hold (nearly always to the end, and then the last
// bytes as the sixteen that end the text), else byte by byte.
uint8_t ClassesIn(std::string_view text) {
  const char* p = text.data();
  const size_t n = text.size();
  const auto bad = [](const char* at) {
    const Bytes16 v = Load16(at);
    return Any(NeverInUrl(v) | (v >= 0x80));
  };
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    if (bad(p + i)) break;
  }
  if (i < n && n >= 16 && i + 16 > n && !bad(p + n - 16)) return 0;
  uint8_t seen = 0;
  for (; i < n; ++i) seen |= ClassOf(p[i]) & (kNeverInUrl | kNonAscii);
  return seen;
}

// A DNS name or IPv4 address: non-empty dot-separated labels of ASCII
// letters, digits, '-' and '_'. Non-ASCII (IDN) hosts must come in their
// ASCII (punycode) form, which also rules out look-alike characters.
bool IsValidRegName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostBytes) return false;
  uint8_t common = kInRegName;  // The classes every byte has.
  size_t label = 0;             // Bytes of the label so far.
  for (char c : host) {
    common &= ClassOf(c);
    if (c != '.') {
      if (++label > kMaxLabelBytes) return false;
    } else if (label == 0) {
      return false;
    } else {
      label = 0;
    }
  }
  return common != 0 && label != 0;
}

bool IsValidIpv6Literal(std::string_view bracketed) {
  if (bracketed.size() < 3 || bracketed.size() > 48) return false;
  std::string inner(bracketed.substr(1, bracketed.size() - 2));
  in6_addr addr;
  return inet_pton(AF_INET6, inner.c_str(), &addr) == 1;
}

char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsNoCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (LowerAscii(a[k]) != lower[k]) return false;
  }
  return true;
}

void AppendLower(std::string_view s, std::string* out) {
  for (char c : s) out->push_back(LowerAscii(c));
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// An absolute http(s) URL cut into views of the text, as ParseHttpUrl
// checks it.
struct UrlParts {
  bool https = false;
  std::string_view host;  // As written (any case).
  int port = 0;
  std::string_view path, query, fragment;
};

bool SplitHttpUrl(std::string_view text, UrlParts* u) {
  if (text.empty() || text.size() > kMaxUrlBytes) return false;
  const uint8_t seen = ClassesIn(text);
  if (seen & kNeverInUrl) return false;
  if ((seen & kNonAscii) && !IsValidUtf8(text)) return false;

  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view scheme = text.substr(0, colon);
  if (EqualsNoCase(scheme, "https")) {
    u->https = true;
  } else if (!EqualsNoCase(scheme, "http")) {
    return false;
  }
  std::string_view rest = text.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return false;
  rest.remove_prefix(2);

  size_t auth_end = 0;
  while (auth_end < rest.size() &&
         !(ClassOf(rest[auth_end]) & kEndsAuthority)) {
    ++auth_end;
  }
  std::string_view authority = rest.substr(0, auth_end);
  rest = rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return false;

  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
    if (!IsValidIpv6Literal(host)) return false;
  } else {
    size_t port_colon = authority.find(':');
    if (port_colon != std::string_view::npos) {
      host = authority.substr(0, port_colon);
      port = authority.substr(port_colon + 1);
      if (port.empty()) return false;
    }
    if (!IsValidRegName(host)) return false;
  }
  if (!port.empty()) {
    if (port.size() > 5) return false;
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return false;
    u->port = value;
  }
  u->host = host;

  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    u->fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    u->query = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  u->path = rest;
  return true;
}

}  // namespace

bool ParseHttpUrl(std::string_view text, Url* url) {
  UrlParts parts;
  if (!SplitHttpUrl(text, &parts)) return false;
  if (url) {
    url->scheme = parts.https ? "https" : "http";
    url->host = ToLower(parts.host);
    url->port = parts.port;
    url->path = std::string(parts.path);
    url->query = std::string(parts.query);
    url->fragment = std::string(parts.fragment);
  }
  return true;
}

bool IsPlaceableUrl(std::string_view text) {
  UrlParts parts;
  return SplitHttpUrl(text, &parts);
}

std::string NormalizeUrl(std::string_view text) {
  UrlParts u;
  if (!SplitHttpUrl(text, &u)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  out += u.https ? "https://" : "http://";
  AppendLower(u.host, &out);
  const int default_port = u.https ? 443 : 80;
  if (u.port != 0 && u.port != default_port) {
    out += ':';
    out += std::to_string(u.port);
  }
  std::string_view path = u.path;
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out += path;
  if (!u.query.empty()) {
    out += '?';
    out += u.query;
  }
  return out;
}

std::string DisplayHost(std::string_view text) {
  UrlParts u;
  if (!SplitHttpUrl(text, &u)) return "";
  std::string_view name = u.host;
  if (name.size() > 4 && EqualsNoCase(name.substr(0, 4), "www.")) {
    name.remove_prefix(4);
  }
  std::string host(name);
  for (char& c : host) c = LowerAscii(c);
  return host;
}

std::string AppendQuery(
    std::string_view url,
    const std::vector<std::pair<std::string, std::string>>& params) {
  if (params.empty()) return std::string(url);
  size_t hash = url.find('#');
  std::string_view base = url.substr(0, hash);
  std::string_view fragment =
      hash == std::string_view::npos ? std::string_view() : url.substr(hash);
  std::string out(base);
  char sep = '?';
  if (base.find('?') != std::string_view::npos) {
    sep = (out.back() == '?' || out.back() == '&') ? '\0' : '&';
  }
  for (const auto& [key, value] : params) {
    if (sep != '\0') out.push_back(sep);
    out += PercentEncode(key);
    out.push_back('=');
    out += PercentEncode(value);
    sep = '&';
  }
  out += fragment;
  return out;
}

}  // namespace linkpage
