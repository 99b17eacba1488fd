// Sixteen bytes at a time, in the compiler's vector extension (SSE2 on
// x86-64, NEON on ARM), for the loops that look at every byte of every
// feed: comparing a Bytes16 with a byte gives 0xFF in the bytes where the
// comparison holds and 0 in the others.
#ifndef LINKPAGE_BYTES16_H_
#define LINKPAGE_BYTES16_H_

#include <cstdint>
#include <cstring>

namespace linkpage {

typedef unsigned char Bytes16 __attribute__((vector_size(16)));

inline Bytes16 Load16(const char* p) {
  Bytes16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// The result of a comparison as two words (in either byte order).
template <typename Mask>
void Words(const Mask& mask, uint64_t word[2]) {
  static_assert(sizeof(mask) == 2 * sizeof(uint64_t));
  std::memcpy(word, &mask, sizeof(mask));
}

// Whether a comparison holds for any of the sixteen bytes.
template <typename Mask>
bool Any(const Mask& mask) {
  uint64_t word[2];
  Words(mask, word);
  return (word[0] | word[1]) != 0;
}

}  // namespace linkpage

#endif  // LINKPAGE_BYTES16_H_
