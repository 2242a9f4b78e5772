// Which path an introduction takes (issue 12 §2), from both peers' NAT
// classes (nat_check.hpp; RFC 4787 terms):
//  - direct: RFC 7016 punching (Redirect to the initiator, Forwarded IHello
//    to the target, §3.5.1.6) opens a path whenever neither side combines
//    an endpoint-dependent mapping (a new public port toward the other peer,
//    one the other never heard of) with a port-filtering NAT on the other
//    side (which accepts only the port it sent to: the one the rendezvous
//    saw). Address-dependent filtering accepts any port of the peer's IP
//    once it sent there, so it survives a new port.
//  - relay: both classes known and the pair not punchable: introduced
//    through the rendezvous's relay at once (relay.hpp).
//  - race: a class unknown (a probe that never ran the check, an old node):
//    direct at once, and the relay after a short delay (the rendezvous
//    cannot see whether direct worked; a late relayed Redirect to a session
//    already open is ignored, and its unused ports are released soon).
#pragma once

#include <optional>

#include "rendezvous/core/nat_check.hpp"

namespace rtmfp::rendezvous {

struct NatProfile {
  NatBehaviour mapping = NatBehaviour::unknown;
  NatBehaviour filtering = NatBehaviour::unknown;
  bool known() const { return mapping != NatBehaviour::unknown && filtering != NatBehaviour::unknown; }
  bool operator==(const NatProfile&) const = default;
};

enum class PathStrategy { direct, race, relay };
const char* path_strategy_name(PathStrategy s);

// Whether RFC 7016 punching can open a path between these two classes
// (symmetric in the two sides).
bool punchable(const NatProfile& a, const NatProfile& b);

PathStrategy choose_path(const std::optional<NatProfile>& initiator, const std::optional<NatProfile>& target,
                         bool relay_available);

}  // namespace rtmfp::rendezvous
