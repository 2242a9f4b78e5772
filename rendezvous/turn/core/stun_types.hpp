// STUN (RFC 8489) and TURN (RFC 8656) numbers: the message types and
// attributes the TURN client speaks, each with the section that defines it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rtmfp::turn {

// RFC 8489 §5: every STUN message starts with a 20-byte header; the magic
// cookie is fixed, and the top two bits of the first byte are zero (which
// tells STUN from ChannelData, RFC 8656 §12.4, whose first byte is 0x40-0x4F).
inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kTransactionIdSize = 12;
// RFC 8489 §14.5: the CRC-32 of the message up to FINGERPRINT, XORed with this.
inline constexpr std::uint32_t kFingerprintXor = 0x5354554E;
// Our bound on the attributes one message may carry (a peer fills them).
inline constexpr std::size_t kMaxAttributes = 48;

// Method (12 bits) and class (2 bits) are interleaved in the 14-bit type
// (RFC 8489 §5, figure 3).
enum class StunClass : std::uint8_t { request = 0, indication = 1, success = 2, error = 3 };

enum class StunMethod : std::uint16_t {
  binding = 0x001,            // RFC 8489 §18.2
  allocate = 0x003,           // RFC 8656 §7, §17
  refresh = 0x004,            // RFC 8656 §8
  send = 0x006,               // RFC 8656 §11.1 (indication only)
  data = 0x007,               // RFC 8656 §11.4 (indication only)
  create_permission = 0x008,  // RFC 8656 §10
  channel_bind = 0x009,       // RFC 8656 §12
};

constexpr std::uint16_t message_type(StunMethod m, StunClass c) {
  const auto mv = static_cast<std::uint16_t>(m);
  const auto cv = static_cast<std::uint16_t>(c);
  return static_cast<std::uint16_t>((mv & 0x000F) | ((mv & 0x0070) << 1) | ((mv & 0x0F80) << 2) |
                                    ((cv & 1) << 4) | ((cv & 2) << 7));
}
constexpr StunMethod method_of(std::uint16_t type) {
  return static_cast<StunMethod>((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
}
constexpr StunClass class_of(std::uint16_t type) {
  return static_cast<StunClass>(((type >> 4) & 1) | ((type >> 7) & 2));
}
static_assert(message_type(StunMethod::allocate, StunClass::request) == 0x0003);
static_assert(message_type(StunMethod::allocate, StunClass::error) == 0x0113);
static_assert(message_type(StunMethod::send, StunClass::indication) == 0x0016);
static_assert(message_type(StunMethod::data, StunClass::indication) == 0x0017);
static_assert(message_type(StunMethod::binding, StunClass::success) == 0x0101);

enum class StunAttr : std::uint16_t {
  mapped_address = 0x0001,          // RFC 8489 §14.1
  username = 0x0006,                // RFC 8489 §14.3
  message_integrity = 0x0008,       // RFC 8489 §14.5 (HMAC-SHA1, 20 bytes)
  error_code = 0x0009,              // RFC 8489 §14.8
  unknown_attributes = 0x000A,      // RFC 8489 §14.9
  channel_number = 0x000C,          // RFC 8656 §18.1
  lifetime = 0x000D,                // RFC 8656 §18.2
  xor_peer_address = 0x0012,        // RFC 8656 §18.3
  data = 0x0013,                    // RFC 8656 §18.4
  realm = 0x0014,                   // RFC 8489 §14.9
  nonce = 0x0015,                   // RFC 8489 §14.10
  xor_relayed_address = 0x0016,     // RFC 8656 §18.5
  requested_address_family = 0x0017,  // RFC 8656 §18.6
  even_port = 0x0018,               // RFC 8656 §18.7
  requested_transport = 0x0019,     // RFC 8656 §18.8 (17 = UDP)
  dont_fragment = 0x001A,           // RFC 8656 §18.9
  message_integrity_sha256 = 0x001C,  // RFC 8489 §14.6
  password_algorithm = 0x001D,      // RFC 8489 §14.12
  userhash = 0x001E,                // RFC 8489 §14.4
  xor_mapped_address = 0x0020,      // RFC 8489 §14.2
  reservation_token = 0x0022,       // RFC 8656 §18.10
  password_algorithms = 0x8002,     // RFC 8489 §14.11
  alternate_domain = 0x8003,        // RFC 8489 §14.16
  software = 0x8022,                // RFC 8489 §14.14
  alternate_server = 0x8023,        // RFC 8489 §14.15
  fingerprint = 0x8028,             // RFC 8489 §14.7
};

// RFC 8489 §14: attributes below 0x8000 are comprehension-required.
constexpr bool comprehension_required(std::uint16_t type) { return type < 0x8000; }

// Error codes the client acts on (RFC 8489 §14.8, RFC 8656 §19).
inline constexpr int kErrTryAlternate = 300;
inline constexpr int kErrBadRequest = 400;
inline constexpr int kErrUnauthorized = 401;          // long-term credentials: retry with REALM/NONCE
inline constexpr int kErrForbidden = 403;
inline constexpr int kErrAllocationMismatch = 437;    // RFC 8656 §19
inline constexpr int kErrStaleNonce = 438;            // retry with the new NONCE
inline constexpr int kErrWrongCredentials = 441;
inline constexpr int kErrUnsupportedTransport = 442;
inline constexpr int kErrAllocationQuota = 486;
inline constexpr int kErrInsufficientCapacity = 508;

// RFC 8656 §12: channel numbers 0x4000 through 0x4FFF.
inline constexpr std::uint16_t kFirstChannel = 0x4000;
inline constexpr std::uint16_t kLastChannel = 0x4FFF;
inline constexpr std::uint8_t kTransportUdp = 17;  // REQUESTED-TRANSPORT (RFC 8656 §18.8)

}  // namespace rtmfp::turn
