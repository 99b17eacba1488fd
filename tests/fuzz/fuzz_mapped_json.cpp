// libFuzzer target: the mapped "json" format, with a mapping like the
// bundled product API sample's.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const linkpage::FeedConfig* feed = [] {
    auto* f = new linkpage::FeedConfig;
    f->name = "fuzz";
    f->format = "json";
    f->mapping.items = "/data/items";
    f->mapping.fields = {
        {"title", "/name"},
        {"url", "/links/click"},
        {"description", "/summary"},
        {"image", "/images/0/url"},
        {"price", "/offer/price"},
        {"currency", "/offer/currency"},
        {"advertiser", "/merchant/name"},
        {"categories", "/tags"},
    };
    return f;
  }();
  linkpage::fuzz::ParseAndCheck(
      *feed, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
