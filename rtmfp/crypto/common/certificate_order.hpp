// Glare ordering of certificates, the same in both profiles (RFC 7016
// §3.5.1.3 leaves it to the profile; RFC 7425 §4.3.6, modern WIRE.md §9):
// unsigned bytewise comparison, a proper prefix ordering first.
#pragma once

#include <algorithm>

#include "rtmfp/core/bytes.hpp"

namespace rtmfp::crypto {

// True if the near end prevails (near <= far).
inline bool certificate_ordered_before_or_equal(ByteView near_cert, ByteView far_cert) {
  // std::lexicographical_compare on uint8_t is unsigned and orders a proper
  // prefix first, exactly the rule of §4.3.6.
  return !std::lexicographical_compare(far_cert.begin(), far_cert.end(), near_cert.begin(), near_cert.end());
}

}  // namespace rtmfp::crypto
