// `rtmfp node`: a long-running peer. One Node (one Endpoint, one identity)
// on a NodeHost (rtmfp/host) with one UDP socket per --listen: it registers at a rendezvous (rendezvous/service/
// registration_client) under its own identity, stays reachable through it
// (answers the rendezvous's Forwarded IHellos with an RHello, RFC 7016
// §3.5.1.5), accepts sessions from other peers (probes, pings, and `rtmfp
// perf` tests, one "perf ..." line per finished test), re-registers
// after a rendezvous restart, and closes cleanly on SIGINT/SIGTERM.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/endpoint/endpoint_types.hpp"
#include "rtmfp/core/trace.hpp"

namespace rtmfp::rendezvous {

// How the node registers: our control plane (rendezvous/proto), or the
// Flash way (RFC 7425 §5.3 NetConnection connect + setPeerInfo), which any
// Cirrus-like server (our rendezvous, rtmfp-cpp's tcserver) understands.
enum class RegistrationWay { control_plane, net_connection };

// --turn: a TURN server (RFC 8656) the node allocates a relayed address
// on; the address is reported to the rendezvous with the host addresses,
// and the Endpoint sends and receives through it (rendezvous/turn/io).
struct NodeTurnOptions {
  SocketAddress server;  // resolved
  std::string username, password;
  std::string display;   // turn://USER@HOST:PORT (no password), for messages
  std::vector<SocketAddress> permits;  // --turn-permit: IPs let through at once
};

struct NodeOptions {
  // Local addresses, at least one (port 0: any), one socket each (NodeHost:
  // IPv4 and IPv6, several ports). The first is the one the first stdout
  // line's reflexive address answers for; the others get an "also listening"
  // line after it.
  std::vector<SocketAddress> listen;
  std::string rendezvous_uri;              // rtmfp://HOST:PORT, printed back
  RegistrationWay registration = RegistrationWay::control_plane;
  std::string app;                         // net_connection: connect's app (the URI path without '/')
  std::string tc_url;                      // net_connection: connect's tcUrl and the EPD's URI
  std::vector<SocketAddress> rendezvous;   // resolved, same family as listen
  std::optional<PeerId> rendezvous_peer_id;
  // Further rendezvous (instances sharing one directory, issue 12 §4): the
  // node registers at the first that answers and moves on to the next when
  // its session is lost (control plane only).
  struct Rendezvous {
    std::string uri;                     // rtmfp://HOST:PORT, printed back
    std::vector<SocketAddress> addresses;  // resolved, same family as listen
  };
  std::vector<Rendezvous> more_rendezvous;
  CryptoProfile* profile = nullptr;        // must initiate with its own identity
  EndpointConfig endpoint;
  Duration stats_interval = seconds(0);
  TraceSink* trace = nullptr;
  std::FILE* out = stdout;
  std::optional<NodeTurnOptions> turn;
};

// The addresses a socket bound to `local` is reachable at on this host's
// interfaces (getifaddrs), loopback and link-local excluded; `local` itself
// if it is a specific address.
std::vector<SocketAddress> host_addresses(const SocketAddress& local);

// Runs until SIGINT/SIGTERM. Returns the exit code (0 clean stop, 6 cannot bind).
int run_node(const NodeOptions& options, RandomSource& rng);
// run_node for RegistrationWay::net_connection (node_flash.cpp): the same
// node, registered the Flash way. No NAT check: an RFC 7425 server neither
// answers it nor has a message to take its result.
int run_flash_node(const NodeOptions& options, RandomSource& rng);

}  // namespace rtmfp::rendezvous
