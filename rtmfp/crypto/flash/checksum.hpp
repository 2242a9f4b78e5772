// The simple checksum of RFC 7425 §4.7.3.1: ones' complement of the ones'
// complement sum of big-endian 16-bit words. An odd trailing byte is the LOW
// 8 bits of a word whose upper 8 bits are 0 (unlike RFC 1071's pad-right).
#pragma once

#include <cstdint>

#include "rtmfp/core/bytes.hpp"

namespace rtmfp::crypto::flash {

std::uint16_t flash_checksum(ByteView data);

}  // namespace rtmfp::crypto::flash
