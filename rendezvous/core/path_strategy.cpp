#include "rendezvous/core/path_strategy.hpp"

#include <array>

namespace rtmfp::rendezvous {
namespace {

using enum PathStrategy;

// Rows and columns in NatKind order: eim_lenient, eim_strict,
// edm_sequential, edm_random, blocked, unknown. Symmetric.
//  - eim_lenient accepts the hard side's new port (its filter opened for the
//    peer's IP, or for everyone): direct with anybody reachable.
//  - eim_strict vs an endpoint-dependent side: the hard side's new port must
//    be guessed: predicted when sequential, birthday-probed when random.
//  - two endpoint-dependent sides: both ports unknown (~170 k probes for two
//    random NATs, Tailscale's figure): relay.
//  - blocked: only the relay (reached like the rendezvous) works.
//  - unknown: race direct against the relay.
constexpr std::array<std::array<PathStrategy, kNatKinds>, kNatKinds> kStrategyTable{{
    //  eim_lenient eim_strict edm_seq   edm_random blocked unknown
    {{direct, direct, direct, direct, relay, race}},          // eim_lenient
    {{direct, direct, predict, birthday, relay, race}},       // eim_strict
    {{direct, predict, relay, relay, relay, race}},           // edm_sequential
    {{direct, birthday, relay, relay, relay, race}},          // edm_random
    {{relay, relay, relay, relay, relay, relay}},             // blocked
    {{race, race, race, race, relay, race}},                  // unknown
}};

bool dependent_mapping(const NatProfile& p) { return p.mapping != NatBehaviour::endpoint_independent; }

}  // namespace

const char* path_strategy_name(PathStrategy s) {
  switch (s) {
    case direct: return "direct";
    case predict: return "predict";
    case birthday: return "birthday";
    case race: return "race";
    case relay: return "relay";
  }
  return "?";
}

const char* nat_kind_name(NatKind k) {
  switch (k) {
    case NatKind::eim_lenient: return "eim-lenient";
    case NatKind::eim_strict: return "eim-strict";
    case NatKind::edm_sequential: return "edm-sequential";
    case NatKind::edm_random: return "edm-random";
    case NatKind::blocked: return "blocked";
    case NatKind::unknown: return "unknown";
  }
  return "?";
}

NatKind nat_kind(const std::optional<NatProfile>& p) {
  if (!p) return NatKind::unknown;
  if (p->udp_blocked) return NatKind::blocked;
  if (!p->known()) return NatKind::unknown;
  if (dependent_mapping(*p))
    return p->allocation == PortAllocation::sequential && p->port_delta != 0 ? NatKind::edm_sequential
                                                                             : NatKind::edm_random;
  return p->filtering == NatBehaviour::address_and_port_dependent ? NatKind::eim_strict : NatKind::eim_lenient;
}

PathStrategy strategy_for(NatKind a, NatKind b) {
  return kStrategyTable[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
}

bool punchable(const NatProfile& a, const NatProfile& b) {
  return strategy_for(nat_kind(a), nat_kind(b)) == direct;
}

TraversalPlan plan_traversal(const std::optional<NatProfile>& initiator, const std::optional<NatProfile>& target,
                             bool relay_available) {
  const NatKind ki = nat_kind(initiator), kt = nat_kind(target);
  TraversalPlan plan;
  plan.strategy = strategy_for(ki, kt);
  if (plan.strategy == predict || plan.strategy == birthday) {
    const bool initiator_hard = ki == NatKind::edm_sequential || ki == NatKind::edm_random;
    plan.hard = initiator_hard ? HardSide::initiator : HardSide::target;
  }
  if (!relay_available) {
    // Without a relay, punching (with its guesses) is all there is.
    if (plan.strategy == relay || plan.strategy == race) plan.strategy = direct;
    return plan;
  }
  plan.relay_now = plan.strategy == relay;
  // A guess can miss (a busy NAT allocated the predicted port to someone
  // else; the birthday budget ran out): the relay joins after the race delay.
  plan.relay_later = plan.strategy == race || plan.strategy == predict || plan.strategy == birthday;
  return plan;
}

}  // namespace rtmfp::rendezvous
