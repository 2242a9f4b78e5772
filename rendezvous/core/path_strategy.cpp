#include "rendezvous/core/path_strategy.hpp"

namespace rtmfp::rendezvous {
namespace {

bool dependent_mapping(const NatProfile& p) { return p.mapping != NatBehaviour::endpoint_independent; }
bool filters_ports(const NatProfile& p) { return p.filtering == NatBehaviour::address_and_port_dependent; }

}  // namespace

const char* path_strategy_name(PathStrategy s) {
  switch (s) {
    case PathStrategy::direct: return "direct";
    case PathStrategy::race: return "race";
    case PathStrategy::relay: return "relay";
  }
  return "?";
}

bool punchable(const NatProfile& a, const NatProfile& b) {
  return !(dependent_mapping(a) && filters_ports(b)) && !(dependent_mapping(b) && filters_ports(a));
}

PathStrategy choose_path(const std::optional<NatProfile>& initiator, const std::optional<NatProfile>& target,
                         bool relay_available) {
  if (!relay_available) return PathStrategy::direct;
  if (!initiator || !target || !initiator->known() || !target->known()) return PathStrategy::race;
  return punchable(*initiator, *target) ? PathStrategy::direct : PathStrategy::relay;
}

}  // namespace rtmfp::rendezvous
