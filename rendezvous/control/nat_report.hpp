// A NAT check's class (core/nat_check.hpp) as the control plane's
// NatReport (control.proto), which a node sends its rendezvous.
#pragma once

#include "rendezvous/control/control_codec.hpp"
#include "rendezvous/core/nat_check.hpp"

namespace rtmfp::rendezvous::control {

inline NatReport nat_report_of(const NatClass& c) {
  NatReport report;
  report.mapping = c.mapping;
  report.filtering = c.filtering;
  report.hairpin = c.hairpin;
  report.reflexive = c.reflexive;
  if (report.reflexive.size() > kMaxAddresses) report.reflexive.resize(kMaxAddresses);
  report.allocation = c.allocation;
  report.port_delta = c.port_delta;
  report.last_port = c.last_port;
  report.udp_blocked = c.udp_blocked;
  return report;
}

}  // namespace rtmfp::rendezvous::control
