// The `rtmfp rendezvous` server shell: a Node (rtmfp/node) whose Endpoint
// accepts sessions with one or both crypto profiles, with the introducer
// and the two ways to register (our control plane; RFC 7425 §5.3
// NetConnection + setPeerInfo, the Flash way) as its services (rendezvous/core, rendezvous/service),
// run by a NodeHost (rtmfp/host) on one or more UDP addresses. It prints its
// listening line, a stats line every interval, and closes all sessions on
// SIGINT/SIGTERM within the endpoint's shutdown grace.
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
#include "rendezvous/io/directory_store.hpp"

namespace rtmfp::rendezvous {

struct ServerOptions {
  std::vector<SocketAddress> listen;      // at least one; IPv4 and IPv6 may mix
  std::vector<CryptoProfile*> profiles;  // first = the one whose peer ID is printed first
  Duration stats_interval = seconds(10);
  TraceSink* trace = nullptr;
  EndpointConfig endpoint;
  // Called once bound, with the actual local addresses in listen order
  // (port 0 resolved).
  std::function<void(const std::vector<SocketAddress>&)> on_listening;
  std::FILE* out = stdout;
  // The relay of last resort (rendezvous/core/relay.hpp): ports
  // [relay_first_port, relay_last_port] on relay_address (default: the first
  // listen address, which must then be a specific address). 0: no relay.
  std::uint16_t relay_first_port = 0, relay_last_port = 0;
  std::optional<SocketAddress> relay_address;
  // The shared peer directory (issue 12 §4; rendezvous/core/directory.hpp):
  // null keeps it in memory (the registry alone, the embedded default).
  // Not owned; outlives run_server.
  DirectoryStore* directory = nullptr;
  // Where other instances send initiators for this instance's peers
  // (Redirect, RFC 7016 §3.5.1.4); default: the bound listen addresses,
  // which must then be specific (not 0.0.0.0 / ::).
  std::vector<SocketAddress> directory_addresses;
};

// Runs until SIGINT/SIGTERM. Returns the process exit code (0 on a clean
// stop, 1 if an address cannot be bound, with the reason on stderr).
int run_server(const ServerOptions& options, RandomSource& rng);

// The services' counters on the stats line.
struct ServiceCounters {
  std::size_t registered = 0;
  std::uint64_t introductions = 0, nat_checks = 0, relayed = 0;
  std::size_t relay_active = 0;
  std::uint64_t relay_bytes = 0;
};
std::string format_stats(const EndpointStats& s, std::size_t sessions, const ServiceCounters& c = {});

}  // namespace rtmfp::rendezvous
