// Internal helpers shared by the chunk codecs (RFC 7016 §2.3): VLU
// length-prefixed byte fields ("VLU xLength; uint8_t x[xLength]").
#pragma once

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::wire::detail {

// Reads `VLU length, bytes[length]`. Fails the reader on a bad VLU or a
// length that overruns the remaining input.
inline ByteView read_length_prefixed(ByteReader& r) {
  const std::uint64_t n = read_vlu(r);
  if (!r.ok()) return {};
  if (n > r.remaining()) {
    r.fail();
    return {};
  }
  return r.take(static_cast<std::size_t>(n));
}

inline void write_length_prefixed(ByteWriter& w, ByteView b) {
  write_vlu(w, b.size());
  w.bytes(b);
}

inline std::size_t length_prefixed_size(ByteView b) { return vlu_size(b.size()) + b.size(); }

}  // namespace rtmfp::wire::detail
