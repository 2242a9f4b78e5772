// RFC 7016 §2.1.2 Variable Length Unsigned integer.
#include "rtmfp/core/wire/vlu.hpp"

#include <limits>

namespace rtmfp::wire {

std::uint64_t read_vlu(ByteReader& r) {
  // §2.1.2: value = value * 128 + digit while the "more" bit (0x80) is set.
  // Leading 0x80 bytes (non-minimal) are accepted (F§4.4.4: "arbitrary number
  // of bytes"); the loop is bounded by the input length.
  constexpr std::uint64_t kMaxBeforeShift = std::numeric_limits<std::uint64_t>::max() >> 7;
  std::uint64_t value = 0;
  for (;;) {
    if (!r.ok() || r.empty()) {
      r.fail();  // truncated: the last byte had the "more" bit set (or no byte at all)
      return 0;
    }
    const std::uint8_t b = r.u8();
    if (value > kMaxBeforeShift) {
      r.fail();  // more than 64 bits of value
      return 0;
    }
    value = (value << 7) | (b & 0x7f);
    if ((b & 0x80) == 0) return value;
  }
}

std::size_t vlu_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void write_vlu(ByteWriter& w, std::uint64_t v) {
  const std::size_t n = vlu_size(v);
  for (std::size_t i = n; i-- > 0;) {
    auto digit = static_cast<std::uint8_t>((v >> (7 * i)) & 0x7f);
    w.u8(i == 0 ? digit : static_cast<std::uint8_t>(digit | 0x80));
  }
}

}  // namespace rtmfp::wire
