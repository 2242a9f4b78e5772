// Session Keying Components (SKIC/SKRC), RFC 7425 §4.5, and the per-direction
// HMAC / session sequence number negotiation of §4.6.4 and §4.6.6.
#pragma once

#include <cstdint>
#include <optional>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/crypto/flash/packet_cipher.hpp"

namespace rtmfp::crypto::flash {

// §4.5.2.4 / §4.5.2.5 flags (+ hmacLength for HMAC).
struct Negotiation {
  bool send_always = false;      // SND
  bool send_on_request = false;  // SOR
  bool request = false;          // REQ
  std::size_t hmac_length = 0;   // HMAC only: 4..32, or 0 iff SND and SOR clear
};

struct EphemeralKey {
  std::uint64_t group = 0;
  Bytes public_key;
};

struct KeyingComponent {
  std::optional<EphemeralKey> ephemeral_key;    // 0x0d §4.5.2.1 (at most once)
  std::optional<Bytes> extra_randomness;        // 0x0e §4.5.2.2
  std::optional<std::uint64_t> group_select;    // 0x1d §4.5.2.3 (at most once)
  std::optional<Negotiation> hmac;              // 0x1a §4.5.2.4
  std::optional<Negotiation> sseq;              // 0x1e §4.5.2.5
};

// Parses a SKIC or SKRC (`what` names it in errors). Rejects repeated 0x0d /
// 0x1d / 0x1a / 0x1e, 0x0d together with 0x1d (§4.5.2.3), bad lengths.
Result<KeyingComponent> parse_keying_component(ByteView data, const char* what);
Bytes build_keying_component(const KeyingComponent& c);

// The local policy for one packet check (HMAC or SSEQ).
struct CheckPolicy {
  bool send_always = false;
  bool send_on_request = true;
  bool request = false;   // set REQ
  bool require = false;   // reject a far end that will not send (§4.6.4, §4.6.6 SHOULD)
};
Negotiation negotiation_from(const CheckPolicy& p, std::size_t hmac_length);

// Outcome per direction (§4.6.4 / §4.6.6): a sender sends iff SND, or SOR and
// the other end's REQ. Errors if `require` is set and the far end won't send.
Result<DirectionChecks> negotiate_send(const KeyingComponent& near, const KeyingComponent& far);
Result<DirectionChecks> negotiate_receive(const KeyingComponent& near, const KeyingComponent& far,
                                          const CheckPolicy& hmac_policy, const CheckPolicy& sseq_policy);

}  // namespace rtmfp::crypto::flash
