// libFuzzer target: the mapped "xml" format, with a mapping like the
// bundled samples' (CJ-style products and sponsored listings).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const linkpage::FeedConfig* feed = [] {
    auto* f = new linkpage::FeedConfig;
    f->name = "fuzz";
    f->format = "xml";
    f->mapping.items = "//product | //listing | //item";
    f->mapping.fields = {
        {"title", "name | title"},
        {"url", "buy-url | click-url | link | @href"},
        {"description", "description"},
        {"display_host", "site-host"},
        {"image", "image-url"},
        {"price", "price"},
        {"currency", "currency | price/@currency"},
        {"advertiser", "advertiser-name"},
        {"categories", "category | c:category"},
    };
    f->mapping.namespaces = {{"c", "urn:example:cat"}};
    return f;
  }();
  linkpage::fuzz::ParseAndCheck(
      *feed, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
