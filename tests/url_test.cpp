#include "url.h"

#include <catch2/catch.hpp>
#include <string>

using linkpage::AppendQuery;
using linkpage::DisplayHost;
using linkpage::IsPlaceableUrl;
using linkpage::NormalizeUrl;
using linkpage::ParseHttpUrl;
using linkpage::Url;

TEST_CASE("url: ParseHttpUrl splits an absolute URL", "[url]") {
  Url u;
  REQUIRE(ParseHttpUrl("HTTPS://Shop.Example.COM:8443/A/b?X=1&y=2#Frag", &u));
  CHECK(u.scheme == "https");
  CHECK(u.host == "shop.example.com");
  CHECK(u.port == 8443);
  CHECK(u.path == "/A/b");
  CHECK(u.query == "X=1&y=2");
  CHECK(u.fragment == "Frag");

  REQUIRE(ParseHttpUrl("http://example.com", &u));
  CHECK(u.scheme == "http");
  CHECK(u.host == "example.com");
  CHECK(u.port == 0);
  CHECK(u.path == "");
  CHECK(u.query == "");
  CHECK(u.fragment == "");

  REQUIRE(ParseHttpUrl("http://example.com?q=1", &u));
  CHECK(u.path == "");
  CHECK(u.query == "q=1");
}

TEST_CASE("url: ParseHttpUrl accepts IPv4, IPv6 and ports", "[url]") {
  Url u;
  REQUIRE(ParseHttpUrl("http://127.0.0.1:8080/x", &u));
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == 8080);
  REQUIRE(ParseHttpUrl("http://[::1]:8080/", &u));
  CHECK(u.host == "[::1]");
  CHECK(u.port == 8080);
  REQUIRE(ParseHttpUrl("https://[2001:DB8::1]/", &u));
  CHECK(u.host == "[2001:db8::1]");
  CHECK(IsPlaceableUrl("https://a.com:1/"));
  CHECK(IsPlaceableUrl("https://a.com:65535/"));
  CHECK(IsPlaceableUrl("https://sub_domain.example.com/"));
  CHECK(IsPlaceableUrl("https://example.com/caf\xC3\xA9"));
}

TEST_CASE("url: ParseHttpUrl rejects other schemes", "[url]") {
  CHECK_FALSE(IsPlaceableUrl("javascript:alert(1)"));
  CHECK_FALSE(IsPlaceableUrl("JavaScript:alert(1)"));
  CHECK_FALSE(IsPlaceableUrl("data:text/html,<b>x</b>"));
  CHECK_FALSE(IsPlaceableUrl("file:///etc/passwd"));
  CHECK_FALSE(IsPlaceableUrl("ftp://example.com/"));
  CHECK_FALSE(IsPlaceableUrl("vbscript:msgbox(1)"));
  CHECK_FALSE(IsPlaceableUrl("mailto:a@example.com"));
  CHECK_FALSE(IsPlaceableUrl("httpx://example.com/"));
  CHECK_FALSE(IsPlaceableUrl("http:example.com"));
  CHECK_FALSE(IsPlaceableUrl("http:/example.com"));
  CHECK_FALSE(IsPlaceableUrl("example.com/page"));
  CHECK_FALSE(IsPlaceableUrl("/relative/path"));
  CHECK_FALSE(IsPlaceableUrl(""));
  CHECK(IsPlaceableUrl("HtTp://example.com/"));
}

TEST_CASE("url: ParseHttpUrl rejects protocol-relative and credentials",
          "[url]") {
  CHECK_FALSE(IsPlaceableUrl("//evil.com/x"));
  CHECK_FALSE(IsPlaceableUrl("http://user:pass@host/"));
  CHECK_FALSE(IsPlaceableUrl("http://user@host/"));
  CHECK_FALSE(IsPlaceableUrl("https://good.com@evil.com/"));
}

TEST_CASE("url: ParseHttpUrl rejects whitespace, controls, backslashes",
          "[url]") {
  CHECK_FALSE(IsPlaceableUrl(" https://example.com/"));
  CHECK_FALSE(IsPlaceableUrl("https://example.com/ "));
  CHECK_FALSE(IsPlaceableUrl("https://exa mple.com/"));
  CHECK_FALSE(IsPlaceableUrl("https://example.com/a b"));
  CHECK_FALSE(IsPlaceableUrl("https://example.com/\t"));
  CHECK_FALSE(IsPlaceableUrl("java\nscript:alert(1)"));
  CHECK_FALSE(IsPlaceableUrl(std::string("https://example.com/\0x", 21)));
  CHECK_FALSE(IsPlaceableUrl("https://example.com/\x7F"));
  CHECK_FALSE(IsPlaceableUrl("https://example.com\\@evil.com/"));
  CHECK_FALSE(IsPlaceableUrl("https:\\\\evil.com"));
  CHECK_FALSE(IsPlaceableUrl("https://example.com/\"onmouseover=x"));
  CHECK_FALSE(IsPlaceableUrl("https://example.com/<script>"));
  CHECK_FALSE(IsPlaceableUrl("https://example.com/\xFF"));  // Bad UTF-8.
}

TEST_CASE("url: ParseHttpUrl rejects bad hosts", "[url]") {
  CHECK_FALSE(IsPlaceableUrl("http:///path"));
  CHECK_FALSE(IsPlaceableUrl("http://"));
  CHECK_FALSE(IsPlaceableUrl("http://:80/"));
  CHECK_FALSE(IsPlaceableUrl("http://exa_mple!.com/"));
  CHECK_FALSE(IsPlaceableUrl("http://a..b/"));
  CHECK_FALSE(IsPlaceableUrl("http://.example.com/"));
  CHECK_FALSE(IsPlaceableUrl("http://ex%61mple.com/"));
  CHECK_FALSE(IsPlaceableUrl("http://ex\xC3\xA4mple.com/"));  // Not punycode.
  CHECK_FALSE(IsPlaceableUrl("http://[::1/"));
  CHECK_FALSE(IsPlaceableUrl("http://[not-ipv6]/"));
  CHECK_FALSE(IsPlaceableUrl("http://[::1]x/"));
  CHECK_FALSE(IsPlaceableUrl("http://" + std::string(64, 'a') + ".com/"));
  CHECK(IsPlaceableUrl("http://" + std::string(63, 'a') + ".com/"));
  // The last label too, and one in the middle.
  CHECK_FALSE(IsPlaceableUrl("http://a." + std::string(64, 'b') + "/"));
  CHECK(IsPlaceableUrl("http://a." + std::string(63, 'b') + "/"));
  CHECK_FALSE(IsPlaceableUrl("http://a." + std::string(64, 'b') + ".c/"));
}

TEST_CASE("url: every byte, in a path and in a host", "[url]") {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    INFO("byte " << b);
    const bool never =
        b <= 0x20 || b == 0x7F || c == '\\' || c == '<' || c == '>' || c == '"';
    // A byte from 0x80 on, alone, is not UTF-8. At every place of a path
    // that runs past two blocks of sixteen bytes and ends in a short tail.
    const std::string path(37, 'x');
    for (size_t at = 0; at < path.size(); ++at) {
      std::string url = "https://a.com/" + path;
      url[14 + at] = c;
      INFO("at " << 14 + at);
      CHECK(IsPlaceableUrl(url) == (!never && b < 0x80));
    }
    const bool in_host = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                         c == '.';
    // '/', '?' and '#' end the host "a"; ':' starts the port "b.com".
    const bool ends_host = c == '/' || c == '?' || c == '#';
    CHECK(IsPlaceableUrl(std::string("https://a") + c + "b.com/") ==
          (in_host || ends_host));
    // DisplayHost says "" for exactly the URLs that are not placeable.
    for (const std::string& url : {std::string("https://a.com/x") + c + "y",
                                   std::string("https://a") + c + "b.com/",
                                   std::string("https://www.") + c + "/",
                                   std::string("http://www") + c}) {
      CHECK(DisplayHost(url).empty() == !IsPlaceableUrl(url));
    }
  }
  CHECK_FALSE(IsPlaceableUrl("https://example.com./"));
  CHECK(IsPlaceableUrl("https://a.b"));
  CHECK(IsPlaceableUrl("https://a?b"));
}

TEST_CASE("url: ParseHttpUrl rejects bad ports", "[url]") {
  CHECK_FALSE(IsPlaceableUrl("http://example.com:0/"));
  CHECK_FALSE(IsPlaceableUrl("http://example.com:65536/"));
  CHECK_FALSE(IsPlaceableUrl("http://example.com:99999999999/"));
  CHECK_FALSE(IsPlaceableUrl("http://example.com:8o/"));
  CHECK_FALSE(IsPlaceableUrl("http://example.com:-1/"));
  CHECK_FALSE(IsPlaceableUrl("http://example.com:/"));
  CHECK_FALSE(IsPlaceableUrl("http://example.com:80:80/"));
  CHECK_FALSE(IsPlaceableUrl("http://[::1]:/"));
  CHECK_FALSE(IsPlaceableUrl("http://[::1]:70000/"));
}

TEST_CASE("url: NormalizeUrl makes equal links equal", "[url]") {
  CHECK(NormalizeUrl("https://A.com") == "https://a.com");
  CHECK(NormalizeUrl("https://a.com/") == "https://a.com");
  CHECK(NormalizeUrl("https://a.com:443/#x") == "https://a.com");
  CHECK(NormalizeUrl("HTTPS://A.COM:443/") == NormalizeUrl("https://a.com"));
  CHECK(NormalizeUrl("http://a.com:80/x/") == "http://a.com/x");
  CHECK(NormalizeUrl("http://a.com:443/") == "http://a.com:443");
  CHECK(NormalizeUrl("https://a.com:80/") == "https://a.com:80");
  CHECK(NormalizeUrl("https://a.com/Path/?Q=A#frag") ==
        "https://a.com/Path?Q=A");
  CHECK(NormalizeUrl("https://a.com?x=1") == "https://a.com?x=1");
  CHECK(NormalizeUrl("https://a.com/?x=1") == "https://a.com?x=1");
  CHECK(NormalizeUrl("https://a.com/x?b=2&a=1") !=
        NormalizeUrl("https://a.com/x?a=1&b=2"));
  CHECK(NormalizeUrl("http://a.com/") != NormalizeUrl("https://a.com/"));
  // Not an http(s) URL: returned unchanged.
  CHECK(NormalizeUrl("javascript:x") == "javascript:x");
}

TEST_CASE("url: DisplayHost", "[url]") {
  CHECK(DisplayHost("https://www.Example.com/path") == "example.com");
  CHECK(DisplayHost("https://WWW.Example.com/path") == "example.com");
  CHECK(DisplayHost("https://www.x/") == "x");
  CHECK(DisplayHost("https://shop.example.com:8080/") == "shop.example.com");
  CHECK(DisplayHost("https://wwwexample.com/") == "wwwexample.com");
  CHECK(DisplayHost("https://www2.example.com/") == "www2.example.com");
  CHECK(DisplayHost("http://[::1]/") == "[::1]");
  CHECK(DisplayHost("javascript:alert(1)") == "");
  CHECK(DisplayHost("not a url") == "");
}

TEST_CASE("url: AppendQuery", "[url]") {
  CHECK(AppendQuery("https://a.com/x", {{"subid", "massage"}}) ==
        "https://a.com/x?subid=massage");
  CHECK(AppendQuery("https://a.com/x?ref=1", {{"subid", "s"}, {"f", "w"}}) ==
        "https://a.com/x?ref=1&subid=s&f=w");
  CHECK(AppendQuery("https://a.com/x?", {{"k", "v"}}) == "https://a.com/x?k=v");
  CHECK(AppendQuery("https://a.com/x?a=1&", {{"k", "v"}}) ==
        "https://a.com/x?a=1&k=v");
  CHECK(AppendQuery("https://a.com/x#top", {{"k", "v"}}) ==
        "https://a.com/x?k=v#top");
  CHECK(AppendQuery("https://a.com/x?a=1#t?u", {{"k", "v"}}) ==
        "https://a.com/x?a=1&k=v#t?u");
  CHECK(AppendQuery("https://a.com/", {{"a b&c=d", "x/y?z#\xC3\xA9~-._"}}) ==
        "https://a.com/?a%20b%26c%3Dd=x%2Fy%3Fz%23%C3%A9~-._");
  CHECK(AppendQuery("https://a.com/", {{"empty", ""}}) ==
        "https://a.com/?empty=");
  CHECK(AppendQuery("https://a.com/x", {}) == "https://a.com/x");
}

TEST_CASE("url: NormalizeUrl edge cases and idempotence", "[url]") {
  CHECK(NormalizeUrl("https://a.com/x//") == "https://a.com/x");
  CHECK(NormalizeUrl("https://a.com/x?") == "https://a.com/x");  // Empty query.
  CHECK(NormalizeUrl("https://a.com/x#") == "https://a.com/x");
  CHECK(NormalizeUrl("https://a.com/x#a?b=1") == "https://a.com/x");
  CHECK(NormalizeUrl("http://[::1]:80/") == "http://[::1]");
  CHECK(NormalizeUrl("http://[::1]:8080/p/") == "http://[::1]:8080/p");
  CHECK(NormalizeUrl("https://WWW.A.com/") == "https://www.a.com");  // www kept.
  CHECK(NormalizeUrl("https://a.com/%7Ex") == "https://a.com/%7Ex");
  for (const char* url :
       {"https://A.com:443/x/?q=1#f", "http://a.com:8080//", "https://a.com",
        "http://[::1]:80/p/?x"}) {
    std::string once = NormalizeUrl(url);
    INFO(url);
    CHECK(IsPlaceableUrl(once));
    CHECK(NormalizeUrl(once) == once);
  }
}

TEST_CASE("url: ParseHttpUrl limits", "[url]") {
  const std::string base = "https://a.com/";
  CHECK(IsPlaceableUrl(base + std::string(8192 - base.size(), 'x')));
  CHECK_FALSE(IsPlaceableUrl(base + std::string(8193 - base.size(), 'x')));
  CHECK(IsPlaceableUrl("https://" + std::string(63, 'a') + "." +
                       std::string(63, 'b') + "." + std::string(63, 'c') +
                       "." + std::string(61, 'd')));  // 253 bytes.
  CHECK_FALSE(IsPlaceableUrl("https://" + std::string(63, 'a') + "." +
                             std::string(63, 'b') + "." +
                             std::string(63, 'c') + "." +
                             std::string(62, 'd')));
  CHECK_FALSE(IsPlaceableUrl("https://a.com:/"));
  CHECK_FALSE(IsPlaceableUrl("https://@a.com/"));  // Empty credentials too.
}
