// libFuzzer target: CleanText (both modes), DecodeEntities, Truncate and
// the URL rules.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using linkpage::fuzz::CheckText;
  using linkpage::fuzz::Fail;
  std::string_view s(reinterpret_cast<const char*>(data), size);
  CheckText("CleanText decoded", linkpage::CleanText(s, 200, true), 200);
  CheckText("CleanText html", linkpage::CleanText(s, 600, false), 600);
  std::string fixed = linkpage::FixUtf8(s);
  if (linkpage::FixUtf8(fixed) != fixed) Fail("FixUtf8 idempotent", s);
  if (linkpage::FixUtf8(linkpage::DecodeEntities(fixed)) !=
      linkpage::DecodeEntities(fixed)) {
    Fail("DecodeEntities makes invalid UTF-8", s);
  }
  for (size_t max : {0, 1, 3, 4, 17}) {
    std::string t = linkpage::Truncate(fixed, max);
    if (t.size() > max || linkpage::FixUtf8(t) != t) Fail("Truncate", s);
  }
  linkpage::Url url;
  if (linkpage::ParseHttpUrl(s, &url)) {
    if (url.scheme != "http" && url.scheme != "https") Fail("scheme", s);
    std::string_view rest = s.substr(s.find("//") + 2);
    if (rest.substr(0, rest.find_first_of("/?#")).find('@') !=
        std::string_view::npos) {
      Fail("credentials", s);
    }
    std::string n = linkpage::NormalizeUrl(s);
    if (!linkpage::IsPlaceableUrl(n)) Fail("NormalizeUrl not placeable", n);
    if (linkpage::NormalizeUrl(n) != n) Fail("NormalizeUrl idempotent", s);
    std::string q = linkpage::AppendQuery(s, {{"subid", "a b&c"}});
    if (!linkpage::IsPlaceableUrl(q)) Fail("AppendQuery", q);
  }
  return 0;
}
