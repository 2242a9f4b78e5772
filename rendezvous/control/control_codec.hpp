// Typed messages of the rendezvous control plane (rendezvous/proto/
// control.proto) and their encoding. The protobuf classes stay behind this
// file: callers (the rendezvous service, the node's registration client, the
// fuzzer) see plain structs. Decoding is bounded: a message larger than
// kMaxControlMessage, an address of the wrong length, or more addresses than a
// message may carry is an error naming what was wrong, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rendezvous/core/nat_check.hpp"
#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::rendezvous::control {

// Flow metadata (RFC 7016 §2.3.11.1.1) of a control-plane flow: a node's
// services are routed by this signature.
inline constexpr std::string_view kFlowSignature = "rtmfp:rendezvous/1";
inline ByteView flow_signature() {
  return ByteView(reinterpret_cast<const std::uint8_t*>(kFlowSignature.data()), kFlowSignature.size());
}

// Local choice: the largest message is a Registration or LookupResult with
// kMaxAddresses IPv6 addresses (~25 bytes each) plus a reason string; 4 KiB
// leaves room and bounds what one peer makes us parse per message.
inline constexpr std::size_t kMaxControlMessage = 4096;
inline constexpr std::size_t kMaxAddresses = 24;  // RFC 7016 REDIRECT_THRESHOLD
inline constexpr std::size_t kMaxReason = 256;

// RFC 4787 classes, as the NAT check finds them (rendezvous/core/nat_check.hpp).
using rtmfp::rendezvous::NatBehaviour;

struct Registration {
  std::uint32_t request_id = 0;
  std::vector<SocketAddress> host_addresses;
  bool operator==(const Registration&) const = default;
};
struct Registered {
  std::uint32_t request_id = 0;
  SocketAddress reflexive;
  std::uint32_t keepalive_ms = 0;
  std::optional<PeerId> peer_id;
  bool operator==(const Registered&) const = default;
};
struct Lookup {
  std::uint32_t request_id = 0;
  PeerId peer_id{};
  bool operator==(const Lookup&) const = default;
};
struct LookupResult {
  std::uint32_t request_id = 0;
  bool found = false;
  std::vector<SocketAddress> addresses;
  bool operator==(const LookupResult&) const = default;
};
struct NatReport {
  NatBehaviour mapping = NatBehaviour::unknown;
  NatBehaviour filtering = NatBehaviour::unknown;
  bool hairpin = false;
  std::vector<SocketAddress> reflexive;
  bool operator==(const NatReport&) const = default;
};
struct Failure {
  std::uint32_t request_id = 0;
  std::string reason;
  bool operator==(const Failure&) const = default;
};

using Message = std::variant<Registration, Registered, Lookup, LookupResult, NatReport, Failure>;

Result<Bytes> encode(const Message& m);
Result<Message> decode(ByteView bytes);

}  // namespace rtmfp::rendezvous::control
