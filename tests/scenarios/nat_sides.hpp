// The NAT types a scenario puts a peer behind (tests/sim/nat.hpp), their
// names in printed matrices, and the class the NAT check reports for each
// (rendezvous/core/nat_check.hpp; nat_check_test.cpp shows it does).
#pragma once

#include "rendezvous/core/path_strategy.hpp"
#include "tests/sim/nat.hpp"

namespace rtmfp::testing {

// none: the peer has a public address. symmetric allocates ports in
// sequence (the simulator's default), symmetric_random at random (Linux
// --random-fully); blocked: a port-restricted NAT whose network passes UDP
// to the rendezvous (and its relay) only, never to the other peer.
enum class Side { none, full_cone, address_restricted, port_restricted, symmetric, symmetric_random, blocked };
inline constexpr Side kSides[] = {Side::none, Side::full_cone, Side::address_restricted, Side::port_restricted,
                                  Side::symmetric};
// The strategy matrix (issue 12 §3): every filtering with an
// endpoint-independent mapping, both endpoint-dependent allocations, UDP
// blocked.
inline constexpr Side kMatrixSides[] = {Side::full_cone, Side::address_restricted, Side::port_restricted,
                                        Side::symmetric, Side::symmetric_random, Side::blocked};

inline const char* side_name(Side s) {
  switch (s) {
    case Side::none: return "none";
    case Side::full_cone: return "full-cone";
    case Side::address_restricted: return "addr-restricted";
    case Side::port_restricted: return "port-restricted";
    case Side::symmetric: return "symmetric-seq";
    case Side::symmetric_random: return "symmetric-rand";
    case Side::blocked: return "udp-blocked";
  }
  return "?";
}

inline sim::PortAllocationMode nat_allocation(Side s) {
  return s == Side::symmetric_random ? sim::PortAllocationMode::random : sim::PortAllocationMode::sequential;
}

inline sim::NatType nat_type(Side s) {
  switch (s) {
    case Side::full_cone: return sim::NatType::FullCone;
    case Side::address_restricted: return sim::NatType::AddressRestricted;
    case Side::port_restricted:
    case Side::blocked: return sim::NatType::PortRestricted;
    default: return sim::NatType::Symmetric;
  }
}

// RFC 4787 classes of the simulator's NATs.
inline rendezvous::NatProfile nat_class(Side s) {
  using enum rendezvous::NatBehaviour;
  switch (s) {
    case Side::none:
    case Side::full_cone: return {endpoint_independent, endpoint_independent};
    case Side::address_restricted: return {endpoint_independent, address_dependent};
    case Side::port_restricted: return {endpoint_independent, address_and_port_dependent};
    case Side::symmetric: {
      rendezvous::NatProfile p{address_and_port_dependent, address_and_port_dependent};
      p.allocation = rendezvous::PortAllocation::sequential;
      p.port_delta = 1;
      return p;
    }
    case Side::symmetric_random: {
      rendezvous::NatProfile p{address_and_port_dependent, address_and_port_dependent};
      p.allocation = rendezvous::PortAllocation::random;
      return p;
    }
    case Side::blocked: {
      rendezvous::NatProfile p;
      p.udp_blocked = true;
      return p;
    }
  }
  return {};
}

}  // namespace rtmfp::testing
