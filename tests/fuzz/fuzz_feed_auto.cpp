// libFuzzer target: RSS, Atom and JSON Feed through format "auto".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  linkpage::FeedConfig feed;
  feed.name = "fuzz";
  feed.format = "auto";
  linkpage::fuzz::ParseAndCheck(feed, bytes);
  std::string kind = linkpage::SniffFormat(bytes);
  if (!kind.empty() && kind != "rss" && kind != "atom" && kind != "jsonfeed") {
    linkpage::fuzz::Fail("SniffFormat", kind);
  }
  return 0;
}
