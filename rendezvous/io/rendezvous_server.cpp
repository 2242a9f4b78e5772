#include "rendezvous/io/rendezvous_server.hpp"

#include <csignal>

#include "rendezvous/core/introducer_service.hpp"
#include "rendezvous/core/nat_check_responder.hpp"
#include "rendezvous/core/relay.hpp"
#include "rendezvous/io/directory_link.hpp"
#include "rendezvous/io/relay_host.hpp"
#include "rendezvous/service/control_service.hpp"
#include "rendezvous/service/net_connection_service.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::rendezvous {

std::string format_stats(const EndpointStats& s, std::size_t sessions, const ServiceCounters& c) {
  std::string line = "stats sessions=" + std::to_string(sessions) + " open=" + std::to_string(s.sessions_open) +
                     " registered=" + std::to_string(c.registered) + " introductions=" + std::to_string(c.introductions) +
                     " relayed=" + std::to_string(c.relayed) + " relay_active=" + std::to_string(c.relay_active) +
                     " relay_bytes=" + std::to_string(c.relay_bytes) + " nat_checks=" + std::to_string(c.nat_checks) +
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
  // P2P broadcast groups' member directory (local to this instance).
  GroupDirectory groups(rng);
  control.attach_groups(&groups);
  // The NAT check answers its own IHellos (rendezvous/core/nat_check.hpp)
  // and leaves every other unmatched IHello to the introducer; the
  // introducer registers a session before its control flow arrives.
  NatCheckResponder nat_check(endpoint, {});
  std::optional<Relay> relay;
  std::optional<Directory> directory;
  std::optional<DirectoryLink> directory_link;
  node::Node node(endpoint);
  if (auto a = node.add_service(nat_check); !a) return 1;
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
    ServiceCounters c;
    c.registered = introducer.registry().size();
    c.introductions = introducer.stats().introductions;
    c.relayed = introducer.stats().relayed;
    c.nat_checks = nat_check.stats().answered;
    if (relay) {
      c.relay_active = relay->stats().active;
      c.relay_bytes = relay->stats().bytes;
    }
    std::string line = format_stats(endpoint.stats(), sessions, c);
    if (directory) {
      const auto& d = directory->stats();
      line += " directory_published=" + std::to_string(directory->published_count()) +
              " directory_lookups=" + std::to_string(d.lookups) +
              " directory_redirects=" + std::to_string(introducer.stats().directory_redirects) +
              " directory_lookup_failures=" + std::to_string(d.lookup_failures) +
              " directory_refused=" + std::to_string(d.lookups_refused + d.commands_dropped) +
              options.directory->stats_text();
    }
    return line;
  };

  // The group directory's size, once it was used.
  auto group_counters = [&]() -> std::string {
    if (!groups.stats().joins) return {};
    return " groups=" + std::to_string(groups.groups()) + " group_members=" + std::to_string(groups.memberships());
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
    std::fprintf(options.out, "%s\n",
                 (stats_line(endpoint.sessions().size()) + nc_counters() + group_counters()).c_str());
    std::fflush(options.out);
  };
  host::NodeHost host(node, std::move(ho));
  // After the host: its sockets and timer belong to the host's io_context,
  // so it must go first (a timer outliving its io_context's services is
  // undefined behaviour; UBSan caught it).
  std::optional<RelayHost> relay_host;
  if (auto b = host.open(); !b) {
    std::fprintf(stderr, "rtmfp rendezvous: %s\n", b.error().message().c_str());
    return 1;
  }
  // NodeHost numbers its sockets in listen order (rtmfp/core/interface_id.hpp).
  std::vector<NatCheckSocket> sockets;
  for (std::size_t i = 0; i < host.local_addresses().size(); ++i)
    sockets.push_back({static_cast<InterfaceId>(i), host.local_addresses()[i]});
  nat_check.set_sockets(std::move(sockets));
  if (options.relay_first_port) {
    // The relay's address: given, or the first listen address (a wildcard
    // cannot be handed to peers).
    SocketAddress ip = options.relay_address ? *options.relay_address : host.local_addresses().front();
    if (ip.is_unspecified()) {
      std::fprintf(stderr,
                   "rtmfp rendezvous: --relay-ports needs an address peers can reach: a specific first --listen "
                   "address or --relay-address\n");
      return 2;
    }
    RelayConfig rc;
    rc.first_port = options.relay_first_port;
    rc.last_port = options.relay_last_port;
    rc.max_allocations = (static_cast<std::size_t>(rc.last_port) - rc.first_port + 1) / 2;
    relay.emplace(rc);
    relay_host.emplace(host.context(), *relay, ip);
    if (auto r = relay_host->open(); !r) {
      std::fprintf(stderr, "rtmfp rendezvous: %s\n", r.error().message().c_str());
      return 1;
    }
    RelayAttachment att;
    att.relay = &*relay;
    (ip.v6 ? att.ipv6 : att.ipv4) = ip;
    introducer.attach_relay(att);
  }
  if (options.directory) {
    // Where other instances redirect initiators for our peers.
    DirectoryConfig dc;
    dc.instance = options.directory_addresses.empty() ? host.local_addresses() : options.directory_addresses;
    for (const auto& a : dc.instance) {
      if (a.is_unspecified() || a.port == 0) {
        std::fprintf(stderr,
                     "rtmfp rendezvous: --directory needs addresses other instances can redirect to: specific "
                     "--listen addresses or --directory-address (got %s)\n",
                     a.to_string().c_str());
        return 2;
      }
    }
    if (dc.instance.size() > kMaxInstanceAddresses) dc.instance.resize(kMaxInstanceAddresses);
    SipKey dkey{};
    rng.fill(dkey);
    directory.emplace(std::move(dc), dkey);
    introducer.attach_directory(&*directory);
    directory_link.emplace(*directory, *options.directory);
    if (auto a = node.add_service(*directory_link); !a) return 1;
    // Answers arrive on the store's thread: into the host's.
    options.directory->set_on_result([&host, &introducer](const DirectoryLookupResult& r) {
      host.post([&introducer, r] { introducer.on_directory_result(io::steady_now(), r); });
    });
  }
  if (options.on_listening) options.on_listening(host.local_addresses());
  host.run();
  if (options.directory) {
    options.directory->set_on_result({});
    // Our sessions are closed: their entries go now rather than at their TTL.
    while (auto c = directory->poll_command()) (void)options.directory->submit(std::move(*c));
  }
  if (relay_host) relay_host->close();
  if (stopping) {
    std::fprintf(options.out, "%s\nstopped\n", stats_line(0).c_str());
    std::fflush(options.out);
  }
  return 0;
}

}  // namespace rtmfp::rendezvous
