#include "arena.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace linkpage {
namespace {

TEST_CASE("arena: copies stay where they are and hold their bytes", "[arena]") {
  StringArena arena;
  std::vector<std::string> texts;
  std::vector<std::string_view> copies;
  // Short and long strings, past a block (64 KiB) and past a quarter of
  // one (which get blocks of their own), with bytes of every value.
  for (size_t i = 0; i < 3000; ++i) {
    size_t size = i % 100 == 7 ? 20000 + i * 37 : i % 61;
    if (i == 1500) size = 200000;
    std::string text(size, '\0');
    for (size_t j = 0; j < size; ++j) {
      text[j] = static_cast<char>((i * 31 + j * 7) & 0xff);
    }
    texts.push_back(text);
    copies.push_back(arena.Add(text));
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    INFO("string " << i);
    REQUIRE(copies[i] == texts[i]);
    if (!texts[i].empty()) CHECK(copies[i].data() != texts[i].data());
  }
  CHECK(arena.Add("").empty());
}

TEST_CASE("arena: a moved arena keeps its copies; the one moved from is empty",
          "[arena]") {
  StringArena a;
  const std::string_view first = a.Add("first");
  StringArena b = std::move(a);
  // The one moved from starts afresh: what it adds is not in b's block.
  const std::string_view again = a.Add("again");  // NOLINT: use after move.
  const std::string_view second = b.Add("second");
  CHECK(first == "first");
  CHECK(again == "again");
  CHECK(second == "second");
  CHECK(again.data() != second.data());
  CHECK(second.data() == first.data() + first.size());
  StringArena c;
  c = std::move(b);
  const std::string_view third = c.Add("third");
  CHECK(std::string(first) + std::string(second) + std::string(third) ==
        "firstsecondthird");
  CHECK(third.data() == second.data() + second.size());
}

TEST_CASE("arena: arrays are aligned for their type among strings", "[arena]") {
  StringArena arena;
  std::vector<std::pair<std::span<const uint64_t>, std::vector<uint64_t>>>
      arrays;
  std::vector<std::pair<std::string_view, std::string>> strings;
  for (uint64_t i = 0; i < 5000; ++i) {
    // An odd-sized string first, so that the array after it needs padding.
    std::string s(static_cast<size_t>(i % 13 + 1),
                  static_cast<char>('a' + i % 26));
    strings.emplace_back(arena.Add(s), s);
    std::vector<uint64_t> items(static_cast<size_t>(i % 9 + 1));
    for (size_t j = 0; j < items.size(); ++j) items[j] = i * 1000 + j;
    std::span<const uint64_t> copy =
        arena.Add(std::span<const uint64_t>(items));
    CHECK(reinterpret_cast<uintptr_t>(copy.data()) % alignof(uint64_t) == 0);
    arrays.emplace_back(copy, items);
  }
  for (const auto& [copy, items] : arrays) {
    REQUIRE(std::vector<uint64_t>(copy.begin(), copy.end()) == items);
  }
  for (const auto& [copy, s] : strings) REQUIRE(copy == s);
  CHECK(arena.Add(std::span<const uint64_t>()).empty());
}

}  // namespace
}  // namespace linkpage
