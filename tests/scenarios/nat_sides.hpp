// The NAT types a scenario puts a peer behind (tests/sim/nat.hpp), their
// names in printed matrices, and the class the NAT check reports for each
// (rendezvous/core/nat_check.hpp; nat_check_test.cpp shows it does).
#pragma once

#include "rendezvous/core/path_strategy.hpp"
#include "tests/sim/nat.hpp"

namespace rtmfp::testing {

// none: the peer has a public address.
enum class Side { none, full_cone, address_restricted, port_restricted, symmetric };
inline constexpr Side kSides[] = {Side::none, Side::full_cone, Side::address_restricted, Side::port_restricted,
                                  Side::symmetric};

inline const char* side_name(Side s) {
  switch (s) {
    case Side::none: return "none";
    case Side::full_cone: return "full-cone";
    case Side::address_restricted: return "addr-restricted";
    case Side::port_restricted: return "port-restricted";
    case Side::symmetric: return "symmetric";
  }
  return "?";
}

inline sim::NatType nat_type(Side s) {
  switch (s) {
    case Side::full_cone: return sim::NatType::FullCone;
    case Side::address_restricted: return sim::NatType::AddressRestricted;
    case Side::port_restricted: return sim::NatType::PortRestricted;
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
    case Side::symmetric: return {address_and_port_dependent, address_and_port_dependent};
  }
  return {};
}

}  // namespace rtmfp::testing
