// Which way an introduction opens a path (issue 12 §2), from both peers' NAT
// classes (nat_check.hpp; RFC 4787 terms). Each side is first reduced to a
// kind, then one table (kStrategyTable in path_strategy.cpp) gives the
// strategy for the pair:
//  - direct: RFC 7016 punching (Redirect to the initiator, Forwarded IHello
//    to the target, §3.5.1.6). Opens whenever neither side combines an
//    endpoint-dependent mapping (a new public port toward the other peer,
//    one the other never heard of) with a port-filtering NAT on the other
//    side. Address-dependent filtering accepts any port of the peer's IP
//    once it sent there, so it survives a new port.
//  - predict: one side endpoint-dependent with sequential port allocation
//    (RFC 4787 §4.2.1 "port preservation/contiguity"; learnt from the delta
//    between the ports seen by the rendezvous's two ports), the other
//    port-filtering: the introducer lists the predicted next ports of the
//    hard side (port_prediction.hpp), so the easy side's packets open its
//    filter for the port the hard side's NAT will pick.
//  - birthday: one side endpoint-dependent with random allocation, the other
//    port-filtering: bounded birthday probing (the hard side opens many
//    mappings toward the easy side, the easy side probes random ports of the
//    hard side's address; paced, capped, stopped on the first success:
//    port_prediction.hpp's BirthdayPlan), the relay joining after a delay.
//  - relay: both sides endpoint-dependent, or UDP beyond the rendezvous's
//    port blocked on one side: introduced through the relay at once.
//  - race: a class unknown (a probe that never ran the check, an old node):
//    direct at once, and the relay after a short delay (the rendezvous
//    cannot see whether direct worked; a late relayed Redirect to a session
//    already open is ignored, and its unused ports are released soon).
#pragma once

#include <cstdint>
#include <optional>

#include "rendezvous/core/nat_check.hpp"

namespace rtmfp::rendezvous {

struct NatProfile {
  NatBehaviour mapping = NatBehaviour::unknown;
  NatBehaviour filtering = NatBehaviour::unknown;
  // Endpoint-dependent mappings only: how the NAT picks the next public port.
  PortAllocation allocation = PortAllocation::unknown;
  std::int32_t port_delta = 0;   // sequential: the step between consecutive mappings
  std::uint16_t last_port = 0;   // the last public port the check saw allocated (0: unknown)
  bool udp_blocked = false;      // nothing but the rendezvous's own port answered
  bool known() const {
    return udp_blocked || (mapping != NatBehaviour::unknown && filtering != NatBehaviour::unknown);
  }
  bool operator==(const NatProfile&) const = default;
};

// The NatProfile of anything that carries its fields by the same names: a
// NAT check result (nat_check.hpp classify()), a node's NatReport (control).
template <class Fields>
NatProfile profile_from(const Fields& f) {
  NatProfile p;
  p.mapping = f.mapping;
  p.filtering = f.filtering;
  p.allocation = f.allocation;
  p.port_delta = f.port_delta;
  p.last_port = f.last_port;
  p.udp_blocked = f.udp_blocked;
  return p;
}
inline NatProfile profile_of(const NatClass& c) { return profile_from(c); }

enum class PathStrategy { direct, predict, birthday, race, relay };
const char* path_strategy_name(PathStrategy s);

// What one side is, for the strategy table.
enum class NatKind {
  eim_lenient,  // endpoint-independent mapping, filtering accepts a new port of a known IP (EIF, ADF)
  eim_strict,   // endpoint-independent mapping, address-and-port-dependent filtering
  edm_sequential,
  edm_random,   // or allocation unknown
  blocked,
  unknown,
};
inline constexpr int kNatKinds = 6;
const char* nat_kind_name(NatKind k);
NatKind nat_kind(const std::optional<NatProfile>& p);

// The table (symmetric in the two sides).
PathStrategy strategy_for(NatKind a, NatKind b);

// Whether RFC 7016 punching alone opens a path between these two classes
// (symmetric in the two sides).
bool punchable(const NatProfile& a, const NatProfile& b);

enum class HardSide : std::uint8_t { none, initiator, target };

// The plan the introducer follows and tells both peers (control.proto
// Introduction).
struct TraversalPlan {
  PathStrategy strategy = PathStrategy::direct;
  HardSide hard = HardSide::none;  // predict / birthday: whose ports are guessed
  bool relay_now = false;          // relay at once
  bool relay_later = false;        // relay after IntroducerService's race delay
};

TraversalPlan plan_traversal(const std::optional<NatProfile>& initiator, const std::optional<NatProfile>& target,
                             bool relay_available);

// Kept for callers that only want the strategy.
inline PathStrategy choose_path(const std::optional<NatProfile>& initiator, const std::optional<NatProfile>& target,
                                bool relay_available) {
  return plan_traversal(initiator, target, relay_available).strategy;
}

}  // namespace rtmfp::rendezvous
