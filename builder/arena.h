// StringArena: copies of many small strings and arrays, packed in large
// blocks.
#ifndef LINKPAGE_ARENA_H_
#define LINKPAGE_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

namespace linkpage {

// Holds copies of strings (and of small arrays of plain values) at
// addresses that never move, a few large blocks instead of one heap
// allocation each: a string costs its bytes, not a std::string (32 bytes)
// plus an allocation rounded up. The copies live as long as the arena.
// Not safe for concurrent Add() calls.
class StringArena {
 public:
  StringArena() = default;
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;
  // A moved-from arena is empty: it does not hand out what is left of a
  // block it no longer has.
  StringArena(StringArena&& o) noexcept
      : blocks_(std::move(o.blocks_)),
        next_(std::exchange(o.next_, nullptr)),
        left_(std::exchange(o.left_, 0)) {}
  StringArena& operator=(StringArena&& o) noexcept {
    if (this == &o) return *this;
    blocks_ = std::move(o.blocks_);
    o.blocks_.clear();
    next_ = std::exchange(o.next_, nullptr);
    left_ = std::exchange(o.left_, 0);
    return *this;
  }

  // A copy of "s", valid as long as the arena.
  std::string_view Add(std::string_view s) {
    if (s.empty()) return {};
    char* copy = static_cast<char*>(Allocate(s.size(), 1));
    std::memcpy(copy, s.data(), s.size());
    return {copy, s.size()};
  }

  // A copy of "items", valid as long as the arena.
  template <typename T>
  requires std::is_trivially_copyable_v<T> std::span<const T> Add(
      std::span<const T> items) {
    if (items.empty()) return {};
    T* copy = static_cast<T*>(Allocate(items.size_bytes(), alignof(T)));
    std::memcpy(static_cast<void*>(copy), items.data(), items.size_bytes());
    return {copy, items.size()};
  }

 private:
  static constexpr size_t kBlock = 64 << 10;

  void* Allocate(size_t size, size_t align) {
    size_t pad = (align - reinterpret_cast<uintptr_t>(next_) % align) % align;
    if (size + pad > left_) {
      if (size > kBlock / 4) {  // Large: a block of its own.
        blocks_.push_back(std::make_unique_for_overwrite<std::byte[]>(size));
        return blocks_.back().get();
      }
      blocks_.push_back(std::make_unique_for_overwrite<std::byte[]>(kBlock));
      next_ = blocks_.back().get();  // Aligned for any type.
      left_ = kBlock;
      pad = 0;
    }
    void* at = next_ + pad;
    next_ += pad + size;
    left_ -= pad + size;
    return at;
  }

  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::byte* next_ = nullptr;
  size_t left_ = 0;
};

// Adds strings to an arena once each: a string equal to one added before
// gets that copy. For text that repeats, such as the keywords of a site's
// pages. The table of copies lives as long as the interner, not the arena.
class ArenaInterner {
 public:
  explicit ArenaInterner(StringArena* arena) : arena_(arena) {}

  std::string_view Add(std::string_view s) {
    auto it = copies_.find(s);
    if (it != copies_.end()) return *it;
    const std::string_view copy = arena_->Add(s);
    copies_.insert(copy);
    return copy;
  }

 private:
  StringArena* arena_;
  std::unordered_set<std::string_view> copies_;  // Into *arena_.
};

}  // namespace linkpage

#endif  // LINKPAGE_ARENA_H_
