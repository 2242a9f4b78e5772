// `rtmfp probe`: open a session to a URI, measure the handshake and N ping
// round trips, close cleanly. A service on a Node (rtmfp/node) run by a
// NodeHost (rtmfp/host); the CLI formats the result.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/time.hpp"
#include "rtmfp/core/trace.hpp"

namespace rtmfp::tools {

struct ProbeOptions {
  std::string uri;                 // rtmfp://HOST[:PORT][/path]
  std::optional<PeerId> peer_id;   // require this responder (Fingerprint EPD)
  int count = 3;                   // round trips
  Duration timeout = seconds(10);  // for the whole probe
  Duration ping_interval = milliseconds(100);
  TraceSink* trace = nullptr;
  std::size_t max_datagram_limit = 0;  // path MTU probing ceiling (EndpointConfig); 0: by family
};

struct ProbeResult {
  bool ok = false;
  std::string crypto;
  std::optional<PeerId> peer_id;
  std::string address;
  double handshake_ms = 0;
  std::vector<double> rtt_ms;
  // Path MTU discovery (RFC 7016 §3.5.4.3) when the probe ended: the datagram
  // size the session had confirmed and whether the search had finished.
  std::size_t max_datagram = 0;
  std::string path_mtu_state;
  // rtmfp://HOST:PORT/peer/<hex>: the session went to that peer through an
  // introduction by the rendezvous at HOST:PORT (RFC 7016 §3.5.1.6). path is
  // "direct" when it opened to the peer's own address, "relayed" when to
  // the rendezvous's relay (its address, another port).
  bool introduced = false;
  std::string path;
  // An introduction by a registered probe (rendezvous/io/peer_probe.hpp):
  // the introducer's strategy (path_strategy.hpp: direct, predict,
  // birthday, race, relay) and the two NAT classes it planned with (ours,
  // the peer's: eim-lenient, eim-strict, edm-sequential, edm-random,
  // blocked, unknown); empty when the rendezvous told nothing.
  std::string strategy, own_class, peer_class;
  // Our NAT check (rendezvous/core/nat_checker.hpp), when it ran.
  std::string nat_mapping, nat_filtering;
  // Birthday probing by this side: probes sent (easy side), packets from
  // extra sockets (hard side).
  std::uint64_t birthday_probes = 0, birthday_openers = 0;
  std::string error;
  int exit_code = 0;  // 0 ok, 2 usage/bad URI, 3 resolve, 4 timeout/no answer, 5 refused/closed, 6 I/O
};

// "/peer/<64 hex digits>" -> that peer ID (the introduction URI form).
std::optional<PeerId> peer_from_path(const std::string& path);

ProbeResult run_probe(const ProbeOptions& options, CryptoProfile& profile, RandomSource& rng);

}  // namespace rtmfp::tools
