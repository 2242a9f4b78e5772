// STUN message integrity and fingerprint (RFC 8489 §9.2.2, §14.5, §14.7):
// the long-term credential key MD5(username ":" realm ":" password), HMAC-SHA1
// over the message with its length covering MESSAGE-INTEGRITY, and the
// CRC-32 fingerprint. OpenSSL 3 (EVP digests, one-shot HMAC); no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rendezvous/turn/core/stun_message.hpp"
#include "rtmfp/core/bytes.hpp"

namespace rtmfp::turn {

// RFC 8489 §9.2.2 with MD5 (the default PASSWORD-ALGORITHM, §18.5.1). The
// strings go in as given (OpaqueString preparation, RFC 8265, is the
// identity for ASCII credentials; others must be prepared by the caller).
std::array<std::uint8_t, 16> long_term_key(std::string_view username, std::string_view realm,
                                           std::string_view password);

std::array<std::uint8_t, 20> hmac_sha1(ByteView key, ByteView data);
// ISO-HDLC CRC-32 (the one RFC 8489 §14.7 names via ITU-T V.42).
std::uint32_t crc32(ByteView data);

// The MESSAGE-INTEGRITY value for the first `upto` bytes of `message` (the
// start of the attribute), the header length being set as if the message
// ended right after MESSAGE-INTEGRITY.
std::array<std::uint8_t, 20> integrity_over(ByteView message, std::size_t upto, ByteView key);
// The FINGERPRINT value for the first `upto` bytes, length covering it.
std::uint32_t fingerprint_over(ByteView message, std::size_t upto);

// Checks a parsed message's MESSAGE-INTEGRITY (false if absent or wrong;
// constant-time compare) and FINGERPRINT (true if absent).
bool integrity_ok(const StunMessage& m, ByteView key);
bool fingerprint_ok(const StunMessage& m);

}  // namespace rtmfp::turn
