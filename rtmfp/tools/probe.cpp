#include "rtmfp/tools/probe.hpp"

#include "rtmfp/tools/probe_service.hpp"

#include <algorithm>
#include <functional>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/resolve.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::tools {

std::optional<PeerId> peer_from_path(const std::string& path) {
  static constexpr std::string_view kPrefix = "/peer/";
  if (path.size() != kPrefix.size() + 64 || path.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  Bytes b;
  if (!from_hex(std::string_view(path).substr(kPrefix.size()), b) || b.size() != 32) return std::nullopt;
  PeerId id{};
  std::copy(b.begin(), b.end(), id.begin());
  return id;
}

ProbeResult run_probe(const ProbeOptions& options, CryptoProfile& profile, RandomSource& rng) {
  ProbeResult result;
  result.crypto = profile_name(profile.kind());
  auto uri = parse_uri(options.uri);
  if (!uri) {
    result.error = uri.error().message();
    result.exit_code = 2;
    return result;
  }
  auto resolved = io::resolve(uri->host, uri->port);
  if (!resolved) {
    result.error = resolved.error().message();
    result.exit_code = 3;
    return result;
  }
  std::vector<SocketAddress> addrs = std::move(*resolved);
  EndpointConfig cfg;
  cfg.accept_sessions = false;  // a probe is only an initiator
  cfg.open_timeout = options.timeout;
  cfg.max_datagram_limit = options.max_datagram_limit;
  Endpoint endpoint(cfg, rng);
  endpoint.add_profile(profile);
  endpoint.set_trace(options.trace);
  node::Node node(endpoint);

  // One socket: the family of the first resolved address, whose addresses
  // are the candidates.
  ConnectRequest req;
  req.profile = profile.kind();
  req.epd.uri = uri->epd_uri();
  req.epd.peer_id = options.peer_id;
  if (auto peer = peer_from_path(uri->path)) {
    // An introduction: the EPD names the peer only (Fingerprint, RFC 7425
    // §4.4.2); the rendezvous is the first candidate, its Redirect adds the
    // peer's addresses (RFC 7016 §3.5.1.6).
    result.introduced = true;
    req.epd.uri.clear();
    req.epd.peer_id = peer;
  }
  SocketAddress local;
  local.v6 = addrs.front().v6;
  for (const auto& a : addrs)
    if (a.v6 == local.v6) req.candidates.push_back(a);

  host::NodeHostOptions ho;
  ho.listen = {local};
  // After the result: the session's Close and its Ack, bounded.
  ho.drain_limit = milliseconds(500);
  host::NodeHost host(node, std::move(ho));
  ProbeService probe(endpoint, options, result, std::move(req), [&host] { host.shutdown(); });
  (void)node.add_service(probe);
  if (auto b = host.open(); !b) {
    result.error = b.error().message();
    result.exit_code = 6;
    return result;
  }
  host.run();
  return result;
}

}  // namespace rtmfp::tools
