#include "rendezvous/io/nat_probe.hpp"

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/resolve.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::rendezvous {

NatProbeOutcome run_nat_probe(const NatProbeOptions& options, CryptoProfile& profile, RandomSource& rng) {
  NatProbeOutcome out;
  auto uri = parse_uri(options.uri);
  if (!uri) {
    out.error = uri.error().message();
    out.exit_code = 2;
    return out;
  }
  auto resolved = io::resolve(uri->host, uri->port);
  if (!resolved) {
    out.error = resolved.error().message();
    out.exit_code = 3;
    return out;
  }
  std::vector<SocketAddress> addrs = std::move(*resolved);
  EndpointConfig cfg;
  cfg.accept_sessions = false;  // nothing to accept: a check opens no session
  Endpoint endpoint(cfg, rng);
  endpoint.add_profile(profile);
  endpoint.set_trace(options.trace);
  node::Node node(endpoint);
  NatCheckerConfig nc;
  nc.profile = profile.kind();
  nc.server = addrs.front();
  SocketAddress local;
  local.v6 = nc.server.v6;
  host::NodeHostOptions ho;
  ho.listen = {local};
  ho.drain_limit = milliseconds(100);
  host::NodeHost host(node, std::move(ho));
  NatChecker checker(endpoint, rng, nc, [&](TimePoint, const NatCheckResult&) { host.shutdown(); });
  (void)node.add_service(checker);
  if (auto b = host.open(); !b) {
    out.error = b.error().message();
    out.exit_code = 6;
    return out;
  }
  host.post([&] { checker.start(io::steady_now()); });
  host.run();
  if (checker.result()) out.result = *checker.result();
  if (!out.result.ok) {
    out.error = out.result.error.empty() ? "no result" : out.result.error;
    out.exit_code = 4;
  }
  return out;
}

}  // namespace rtmfp::rendezvous
