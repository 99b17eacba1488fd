// A 64-bit hash of a sequence of fields, for telling changed inputs from
// unchanged ones between runs.
#ifndef LINKPAGE_HASH_H_
#define LINKPAGE_HASH_H_

#include <cstdint>
#include <functional>
#include <string_view>

namespace linkpage {

// Each field's length and its std::hash are mixed in turn (murmur-style
// multiply and shift), so that no two different sequences of fields hash
// the same way by construction and long fields are hashed a word at a
// time. Not a defence against input crafted to collide (a collision keeps
// a page from being rewritten until its inputs change again).
class Hasher {
 public:
  Hasher& Add(std::string_view s) {
    Mix(s.size());
    Mix(std::hash<std::string_view>()(s));
    return *this;
  }
  Hasher& Add(int64_t n) {
    Mix(~uint64_t{0});  // Not the length of any string.
    Mix(static_cast<uint64_t>(n));
    return *this;
  }
  Hasher& Add(const char* s) { return Add(std::string_view(s)); }
  uint64_t value() const { return h_ == 0 ? 1 : h_; }  // 0 means "none".

 private:
  void Mix(uint64_t v) {
    h_ = (h_ ^ v) * 0x9e3779b97f4a7c15ull;
    h_ ^= h_ >> 29;
  }
  uint64_t h_ = 14695981039346656037ull;
};

}  // namespace linkpage

#endif  // LINKPAGE_HASH_H_
