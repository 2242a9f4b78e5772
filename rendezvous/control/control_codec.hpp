// Typed messages of the rendezvous control plane (rendezvous/proto/
// control.proto) and their encoding. The protobuf classes stay behind this
// file: callers (the rendezvous service, the node's registration client, the
// fuzzer) see plain structs. Decoding is bounded: a message larger than
// kMaxControlMessage, an address of the wrong length, or more addresses than a
// message may carry is an error naming what was wrong, never a crash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rendezvous/core/nat_check.hpp"
#include "rendezvous/core/path_strategy.hpp"
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
  bool nat_report_follows = false;  // a NatReport comes soon (control.proto)
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
  PortAllocation allocation = PortAllocation::unknown;
  std::int32_t port_delta = 0;
  std::uint16_t last_port = 0;
  bool udp_blocked = false;
  bool operator==(const NatReport&) const = default;
};
// The class the rendezvous keeps for a report (path_strategy.hpp).
rtmfp::rendezvous::NatProfile profile_of(const NatReport& r);

// Rendezvous -> node: how an introduction this node is part of opens
// (control.proto Introduction; rendezvous/core/introduction_notice.hpp).
inline constexpr std::size_t kMaxPredictedPorts = 24;  // RFC 7016 REDIRECT_THRESHOLD, as addresses
inline constexpr std::uint32_t kMaxBirthdaySockets = 1024, kMaxBirthdayProbes = 4096, kMaxBirthdayRate = 1000,
                               kMaxBirthdayMs = 60'000;
struct Introduction {
  rtmfp::rendezvous::PathStrategy strategy = rtmfp::rendezvous::PathStrategy::direct;
  bool initiator = false;
  std::optional<PeerId> peer_id;
  SocketAddress peer_address;
  std::optional<rtmfp::rendezvous::NatProfile> own_class, peer_class;
  bool hard_side = false;
  std::vector<std::uint16_t> predicted_ports;
  std::uint32_t birthday_sockets = 0, birthday_probes = 0, birthday_rate = 0, birthday_max_ms = 0;
  bool relay_now = false, relay_later = false;
  bool operator==(const Introduction&) const = default;
};
struct Failure {
  std::uint32_t request_id = 0;
  std::string reason;
  bool operator==(const Failure&) const = default;
};

// P2P broadcast groups (control.proto GroupJoin / GroupMembers /
// GroupLeave): the rendezvous's group directory (rendezvous/core/
// group_directory.hpp).
inline constexpr std::size_t kMaxGroupName = 128;
inline constexpr std::size_t kMaxGroupSample = 32;  // member IDs in one GroupMembers
using GroupKey = std::array<std::uint8_t, 32>;      // the publisher's Ed25519 public key
struct GroupJoin {
  std::uint32_t request_id = 0;
  std::string name;
  std::optional<GroupKey> publisher_key;  // none: ask the rendezvous
  bool publisher = false;
  bool operator==(const GroupJoin&) const = default;
};
struct GroupMembers {
  std::uint32_t request_id = 0;
  std::string name;
  GroupKey publisher_key{};
  std::vector<PeerId> members;
  std::uint32_t refresh_ms = 0;
  std::optional<PeerId> publisher_peer_id;
  bool operator==(const GroupMembers&) const = default;
};
struct GroupLeave {
  std::string name;
  GroupKey publisher_key{};
  bool operator==(const GroupLeave&) const = default;
};

using Message = std::variant<Registration, Registered, Lookup, LookupResult, NatReport, Failure, GroupJoin,
                             GroupMembers, GroupLeave, Introduction>;

Result<Bytes> encode(const Message& m);
Result<Message> decode(ByteView bytes);

}  // namespace rtmfp::rendezvous::control
