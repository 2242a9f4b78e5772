// `rtmfp probe rtmfp://HOST:PORT/peer/<64 hex>` (modern profile): the probe
// first becomes a registered peer of that rendezvous for the length of the
// probe, so the introducer can plan the path from both NAT classes
// (rendezvous/core/path_strategy.hpp) instead of racing direct against its
// relay:
//  1. it registers under its own (fresh) identity on the control plane,
//     announcing a NAT report (control.proto nat_report_follows);
//  2. it runs the NAT check against the rendezvous (nat_checker.hpp) and
//     reports the class (NatReport);
//  3. it connects to the peer by peer ID through the rendezvous from the
//     same socket (RFC 7016 §3.5.1.6), so the introducer finds it by its
//     reflexive address, tells it the plan (control.proto Introduction) and
//     the probe carries out its part of birthday probing
//     (birthday_traversal.hpp) on extra sockets of its host;
//  4. pings and closes as `rtmfp probe` does (rtmfp/tools/probe.hpp).
// The result adds the strategy and both classes. A rendezvous that does not
// register it or answer the check within register_wait is probed
// unregistered (the classes unknown, as before).
#pragma once

#include "rtmfp/core/random.hpp"
#include "rtmfp/tools/probe.hpp"

namespace rtmfp::rendezvous {

struct PeerProbeOptions {
  tools::ProbeOptions probe;            // uri: rtmfp://HOST:PORT/peer/<64 hex>
  Duration register_wait = seconds(4);  // registration + NAT check, at most
};

tools::ProbeResult run_peer_probe(const PeerProbeOptions& options, RandomSource& rng);

}  // namespace rtmfp::rendezvous
