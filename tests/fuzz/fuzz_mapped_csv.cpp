// libFuzzer target: the mapped "csv" format. The first byte picks the
// delimiter and whether there is a header row.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char kDelimiters[] = {',', ';', '|', '\t'};
  linkpage::FeedConfig feed;
  feed.name = "fuzz";
  feed.format = "csv";
  feed.mapping.delimiter = kDelimiters[data[0] & 3];
  feed.mapping.header = (data[0] & 4) != 0;
  if (feed.mapping.header && (data[0] & 8)) {
    // Awin-style column names.
    feed.mapping.fields = {{"title", "product_name"},
                           {"url", "aw_deep_link"},
                           {"description", "description"},
                           {"image", "merchant_image_url"},
                           {"price", "search_price"},
                           {"currency", "currency"},
                           {"categories", "merchant_category"}};
  } else {
    feed.mapping.fields = {{"title", "1"},       {"url", "4"},
                           {"description", "2"}, {"price", "3"},
                           {"image", "5"},       {"categories", "6"}};
  }
  linkpage::fuzz::ParseAndCheck(
      feed, std::string_view(reinterpret_cast<const char*>(data + 1),
                             size - 1));
  return 0;
}
