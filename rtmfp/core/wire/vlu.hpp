// Variable Length Unsigned integer, RFC 7016 §2.1.2: big-endian base-128,
// continuation flag 0x80 on every byte but the last. Values up to 2^64-1.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtmfp/core/bytes.hpp"

namespace rtmfp::wire {

// Reads one VLU. Accepts non-minimal encodings (leading 0x80 bytes), as
// RFC 7016 does not forbid them (F§4.4.4 says "arbitrary number of bytes").
// Fails the reader on truncation or on a value that exceeds 64 bits.
std::uint64_t read_vlu(ByteReader& r);

// Writes the minimal encoding.
void write_vlu(ByteWriter& w, std::uint64_t v);

// Size of the minimal encoding of v (1..10).
std::size_t vlu_size(std::uint64_t v);

}  // namespace rtmfp::wire
