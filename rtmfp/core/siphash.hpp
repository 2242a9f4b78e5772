// SipHash-2-4 (Aumasson & Bernstein), a keyed 64-bit PRF. The core uses it
// for stateless cookies (RFC 7016 §3.5.1.1.2) without linking a crypto
// library.
#pragma once

#include <array>
#include <cstdint>

#include "rtmfp/core/bytes.hpp"

namespace rtmfp {

using SipKey = std::array<std::uint8_t, 16>;
std::uint64_t siphash24(const SipKey& key, ByteView data);

}  // namespace rtmfp
