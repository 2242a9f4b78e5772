// `rtmfp node --crypto flash`: the node of node.cpp registered the Flash way
// (RFC 7425 §5.3 NetConnection connect + setPeerInfo,
// rendezvous/service/net_connection_registration), so that any Cirrus-like
// server (our rendezvous, rtmfp-cpp's tcserver) introduces it.
#include <algorithm>
#include <memory>

#include "rendezvous/io/node.hpp"
#include "rendezvous/io/reporting.hpp"
#include "rendezvous/service/net_connection_registration.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/node/node.hpp"
#include "rtmfp/tools/perf.hpp"

namespace rtmfp::rendezvous {

int run_flash_node(const NodeOptions& options, RandomSource& rng) {
  Endpoint endpoint(options.endpoint, rng);
  endpoint.add_profile(*options.profile);
  endpoint.set_trace(options.trace);
  node::Node node(endpoint);
  host::NodeHostOptions ho;
  ho.listen = options.listen;
  ho.handle_signals = true;
  host::NodeHost host(node, std::move(ho));
  if (auto b = host.open(); !b) {
    std::fprintf(stderr, "rtmfp node: %s\n", b.error().message().c_str());
    return 6;
  }
  // Where the node is reachable: every socket's host addresses (setPeerInfo
  // carries at most nc::kMaxPeerInfoArgs).
  std::vector<SocketAddress> hosts;
  for (const auto& l : host.local_addresses())
    for (const auto& a : host_addresses(l))
      if (std::find(hosts.begin(), hosts.end(), a) == hosts.end()) hosts.push_back(a);

  ConnectRequest to_rv;
  to_rv.profile = options.profile->kind();
  // RFC 7425 §5.3.1: the EPD carries the URI (Ancillary Data).
  to_rv.epd.uri = options.tc_url.empty() ? options.rendezvous_uri : options.tc_url;
  to_rv.epd.peer_id = options.rendezvous_peer_id;
  to_rv.candidates = options.rendezvous;
  bool announced = false;
  Reporting<NetConnectionRegistration> reg(
      [&](const RegistrationEvent& r) {
        // The reflexive address as the rendezvous told it (our rendezvous's
        // "reflexiveAddress"); "unknown" when it did not: RFC 7425 §5.3 has
        // no message for it (rtmfp-cpp's tcserver, Cirrus).
        const std::string reflexive = r.reflexive_known ? r.info.reflexive.to_string() : std::string("unknown");
        if (r.kind == RegistrationEvent::registered) {
          if (!announced) {
            // First stdout line, exactly:
            // node peer-id <hex> registered rtmfp://HOST:PORT reflexive ADDR:PORT|unknown
            std::fprintf(options.out, "node peer-id %s registered %s reflexive %s\n",
                         to_hex(ByteView(options.profile->local_peer_id().data(), 32)).c_str(),
                         options.rendezvous_uri.c_str(), reflexive.c_str());
            announced = true;
          } else {
            std::fprintf(options.out, "registered again reflexive %s\n", reflexive.c_str());
          }
        } else {
          std::fprintf(options.out, "registration lost: %s (retrying)\n", r.reason.c_str());
        }
        std::fflush(options.out);
      },
      endpoint, to_rv, options.tc_url.empty() ? options.rendezvous_uri : options.tc_url, options.app, hosts);
  // Other peers measure the path to us (`rtmfp perf`): one result line per test.
  auto perf = tools::make_perf_service(endpoint, false, [&](const std::string& line) {
    std::fprintf(options.out, "perf %s\n", line.c_str());
    std::fflush(options.out);
  });
  for (node::Service* s : {static_cast<node::Service*>(&reg), perf.get()}) {
    if (auto a = node.add_service(*s); !a) {
      std::fprintf(stderr, "rtmfp node: %s\n", a.error().message().c_str());
      return 6;
    }
  }
  host.run();
  std::fprintf(options.out, "stopped\n");
  std::fflush(options.out);
  return 0;
}

}  // namespace rtmfp::rendezvous
