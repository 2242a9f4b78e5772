// STUN message codec (RFC 8489 §5, §14): parse a datagram into a bounded
// view of its header and attributes, and build messages with
// MESSAGE-INTEGRITY (§14.5) and FINGERPRINT (§14.7). Sans-I/O; a peer's
// malformed message is an error value, never a crash.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rendezvous/turn/core/stun_types.hpp"
#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::turn {

using TransactionId = std::array<std::uint8_t, kTransactionIdSize>;

struct StunAttribute {
  std::uint16_t type = 0;
  ByteView value;           // without padding
  std::size_t offset = 0;   // of the attribute's header in the message
};

// A parsed message: views into the datagram it was parsed from.
struct StunMessage {
  std::uint16_t type = 0;
  TransactionId transaction{};
  std::vector<StunAttribute> attributes;  // at most kMaxAttributes, in order
  ByteView raw;                           // the whole message
  // Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored
  // (RFC 8489 §14.5); these say where the two are, if present.
  std::optional<std::size_t> integrity_at, fingerprint_at;  // indexes in attributes

  StunMethod method() const { return method_of(type); }
  StunClass cls() const { return class_of(type); }
  const StunAttribute* find(StunAttr a) const;
};

// RFC 8489 §5-§6.3: a message of exactly bytes.size() (one UDP datagram),
// top two bits zero, the magic cookie, a length multiple of 4, attributes
// that fit with their padding, FINGERPRINT last if present.
Result<StunMessage> parse_stun(ByteView bytes);

// True if the bytes look like a STUN message at all (RFC 8489 §7: first two
// bits zero, magic cookie), before a full parse.
bool looks_like_stun(ByteView bytes);

// Attribute values.
// XOR-MAPPED-ADDRESS, XOR-RELAYED-ADDRESS, XOR-PEER-ADDRESS (RFC 8489 §14.2).
std::optional<SocketAddress> decode_xor_address(ByteView value, const TransactionId& tid);
void encode_xor_address(Bytes& out, const SocketAddress& a, const TransactionId& tid);
// ERROR-CODE (RFC 8489 §14.8): class * 100 + number, and the reason phrase.
struct StunError {
  int code = 0;
  std::string reason;
};
std::optional<StunError> decode_error_code(ByteView value);
std::optional<std::uint32_t> decode_u32(ByteView value);  // LIFETIME (RFC 8656 §18.2)
std::optional<std::uint16_t> decode_channel_number(ByteView value);  // RFC 8656 §18.1

// Builds one message. Attributes are appended in order and padded to 4
// bytes (RFC 8489 §14); finish() appends MESSAGE-INTEGRITY under `key` (if
// not empty) and FINGERPRINT (if asked) and fixes the length.
class StunBuilder {
 public:
  StunBuilder(std::uint16_t type, const TransactionId& tid);
  void add(StunAttr type, ByteView value);
  void add(StunAttr type, std::string_view text) { add(type, as_bytes(text)); }
  void add_u32(StunAttr type, std::uint32_t v);
  void add_xor_address(StunAttr type, const SocketAddress& a);
  void add_channel_number(std::uint16_t channel);    // RFC 8656 §18.1 (+ 2 bytes RFFU)
  void add_requested_transport(std::uint8_t proto);  // RFC 8656 §18.8 (+ 3 bytes RFFU)
  Bytes finish(ByteView integrity_key, bool fingerprint) &&;

 private:
  void set_length(std::size_t body);
  Bytes out_;
  TransactionId tid_;
};

}  // namespace rtmfp::turn
