// Internal: decode budget accounting shared by the AMF0 and AMF3 decoders
// (DecodeLimits::max_budget). Not part of the public API.
#pragma once

#include <cstddef>
#include <string>

#include "rtmfp/core/error.hpp"

namespace rtmfp::media::amf::detail {

// Cost of one decoded value node (besides its string/byte payload).
inline constexpr std::size_t kValueCost = 16;

inline Result<void> charge(std::size_t& used, std::size_t units, std::size_t max) {
  if (units > max || used > max - units)
    return fail(Errc::limit_exceeded, "decoded data exceeds the budget of " + std::to_string(max) +
                                          " units (reference expansion or oversized input)");
  used += units;
  return {};
}

}  // namespace rtmfp::media::amf::detail
