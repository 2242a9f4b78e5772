#include "rendezvous/io/rendezvous_server.hpp"

#include <csignal>

#include "rendezvous/core/introducer_service.hpp"
#include "rendezvous/service/control_service.hpp"
#include "rendezvous/service/net_connection_service.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::rendezvous {

std::string format_stats(const EndpointStats& s, std::size_t sessions, std::size_t registered,
                         std::uint64_t introductions) {
  std::string line = "stats sessions=" + std::to_string(sessions) + " open=" + std::to_string(s.sessions_open) +
                     " registered=" + std::to_string(registered) + " introductions=" + std::to_string(introductions) +
                     " accepted=" + std::to_string(s.sessions_accepted) +
                     " rhellos=" + std::to_string(s.rhellos_sent) + " packets_in=" + std::to_string(s.packets_in) +
                     " packets_out=" + std::to_string(s.packets_out) + " bytes_in=" + std::to_string(s.bytes_in) +
                     " bytes_out=" + std::to_string(s.bytes_out) + " dropped=" + std::to_string(s.total_drops());
  std::string why;
  for (std::size_t i = 0; i < s.drops.size(); ++i) {
    if (!s.drops[i]) continue;
    if (!why.empty()) why += ",";
    why += std::string(drop_reason_name(static_cast<DropReason>(i))) + "=" + std::to_string(s.drops[i]);
  }
  if (!why.empty()) line += " (" + why + ")";
  if (s.datagrams_shed) line += " shed_out=" + std::to_string(s.datagrams_shed);
  return line;
}

int run_server(const ServerOptions& options, RandomSource& rng) {
  EndpointConfig cfg = options.endpoint;
  // RFC 7016 §3.5.1.6: the rendezvous introduces registered peers.
  cfg.report_unmatched_ihellos = true;
  Endpoint endpoint(cfg, rng);
  for (auto* p : options.profiles) endpoint.add_profile(*p);
  endpoint.set_trace(options.trace);
  SipKey key{};
  rng.fill(key);
  IntroducerService introducer(endpoint, key);
  // The Flash way to register (RFC 7425 §5.3: connect + setPeerInfo).
  NetConnectionService net_connection(endpoint, introducer);
  ControlService control(endpoint, introducer);
  // The introducer first: it registers a session before its control flow
  // arrives, and consumes the UnmatchedIHellos it answers.
  node::Node node(endpoint);
  if (auto a = node.add_service(introducer); !a) return 1;
  if (auto a = node.add_service(control); !a) return 1;
  if (auto a = node.add_service(net_connection); !a) return 1;
  // The Flash way's counters, once there are any: NetConnections connected,
  // and what their peers sent that was dropped (malformed messages,
  // setPeerInfo addresses and requests out of order; refused flows).
  auto nc_counters = [&]() -> std::string {
    const auto& nc = net_connection.stats();
    if (!nc.connects && !nc.malformed && !nc.rejected_flows && !nc.out_of_order) return {};
    return " netconnections=" + std::to_string(nc.connects) + " nc_dropped=" +
           std::to_string(nc.malformed + nc.out_of_order + nc.rejected_flows + nc.peer_addresses_malformed);
  };
  auto stats_line = [&](std::size_t sessions) {
    return format_stats(endpoint.stats(), sessions, introducer.registry().size(), introducer.stats().introductions);
  };

  bool stopping = false;
  host::NodeHostOptions ho;
  ho.listen = options.listen;
  ho.handle_signals = true;
  ho.on_signal = [&](int sig) {
    stopping = true;
    std::fprintf(options.out, "received %s: closing %zu sessions\n", sig == SIGINT ? "SIGINT" : "SIGTERM",
                 endpoint.sessions().size());
    std::fflush(options.out);
  };
  ho.stats_interval = options.stats_interval;
  ho.on_stats = [&] {
    std::fprintf(options.out, "%s\n", (stats_line(endpoint.sessions().size()) + nc_counters()).c_str());
    std::fflush(options.out);
  };
  host::NodeHost host(node, std::move(ho));
  if (auto b = host.open(); !b) {
    std::fprintf(stderr, "rtmfp rendezvous: %s\n", b.error().message().c_str());
    return 1;
  }
  if (options.on_listening) options.on_listening(host.local_addresses());
  host.run();
  if (stopping) {
    std::fprintf(options.out, "%s\nstopped\n", stats_line(0).c_str());
    std::fflush(options.out);
  }
  return 0;
}

}  // namespace rtmfp::rendezvous
