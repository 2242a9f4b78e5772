#include "rendezvous/io/node.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "rendezvous/control/introduction_message.hpp"
#include "rendezvous/control/nat_report.hpp"
#include "rendezvous/core/nat_checker.hpp"
#include "rendezvous/io/host_socket_pool.hpp"
#include "rendezvous/io/listening_lines.hpp"
#include "rendezvous/io/reporting.hpp"
#include "rendezvous/service/birthday_service.hpp"
#include "rendezvous/service/registration_client.hpp"
#include "rendezvous/turn/io/turn_interface.hpp"
#include "rendezvous/turn/io/turn_permit_service.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/node/node.hpp"
#include "rtmfp/tools/perf.hpp"

namespace rtmfp::rendezvous {

std::vector<SocketAddress> host_addresses(const SocketAddress& local) {
  std::vector<SocketAddress> out;
  if (!local.is_unspecified()) {
    if (!local.is_loopback()) out.push_back(local);
    return out;
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    SocketAddress a;
    a.port = local.port;
    if (i->ifa_addr->sa_family == AF_INET) {
      a.v6 = false;
      std::memcpy(a.ip.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      if (a.ip[0] == 169 && a.ip[1] == 254) continue;  // link-local
    } else if (i->ifa_addr->sa_family == AF_INET6 && local.v6) {
      a.v6 = true;
      std::memcpy(a.ip.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      if (a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80) continue;  // fe80::/10
    } else {
      continue;
    }
    if (!a.is_loopback() && out.size() < 8) out.push_back(a);
  }
  freeifaddrs(list);
  return out;
}

namespace {

}  // namespace

int run_node(const NodeOptions& options, RandomSource& rng) {
  if (options.registration == RegistrationWay::net_connection) return run_flash_node(options, rng);
  EndpointConfig ec = options.endpoint;
  // Each answered Forwarded IHello: its tag for birthday probing's RHellos
  // (birthday_traversal.hpp), and with --turn a TURN permission.
  ec.report_forwarded_ihellos = true;
  Endpoint endpoint(ec, rng);
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
  const std::vector<SocketAddress> locals = host.local_addresses();
  // Birthday probing (issue 12 §2): the introducer's orders run on the
  // host's extra ephemeral sockets (at most NodeHost::kMaxEphemeral).
  HostSocketPool birthday_sockets;
  birthday_sockets.attach(&host);
  const std::uint64_t birthday_seed = rng.u64();
  BirthdayService birthday(endpoint, &birthday_sockets, birthday_seed);
  // Where the node is reachable: every socket's host addresses (the
  // registration keeps at most control::kMaxAddresses).
  std::vector<SocketAddress> hosts;
  for (const auto& l : locals)
    for (const auto& a : host_addresses(l))
      if (std::find(hosts.begin(), hosts.end(), a) == hosts.end()) hosts.push_back(a);

  ConnectRequest to_rv;
  to_rv.profile = options.profile->kind();
  to_rv.epd.uri = options.rendezvous_uri;
  to_rv.epd.peer_id = options.rendezvous_peer_id;
  to_rv.candidates = options.rendezvous;
  std::vector<ConnectRequest> rvs{to_rv};
  std::vector<std::string> rv_uris{options.rendezvous_uri};
  for (const auto& m : options.more_rendezvous) {
    ConnectRequest r = to_rv;
    r.epd.uri = m.uri;
    r.candidates = m.addresses;
    rvs.push_back(std::move(r));
    rv_uris.push_back(m.uri);
  }
  // Failover (several rendezvous, or one name with several addresses):
  // liveness pings every 2 s, two unanswered and the rendezvous counts as
  // gone, so a node re-registers elsewhere in about 6 s: inside the 10 s
  // keepalive period rather than after the idle timeout.
  RegistrationOptions ro;
  if (rvs.size() > 1 || options.rendezvous.size() > 1) ro.liveness_interval = seconds(2);
  // One that is down at start is passed over after 5 s.
  if (rvs.size() > 1) ro.attempt_timeout = seconds(5);
  // The NAT check runs after each registration and its class is reported:
  // the introducer may wait for it (introducer_service.hpp).
  ro.nat_report_follows = true;
  bool announced = false;
  // "turn relayed ..." waits for the first line (its format is a contract).
  std::string turn_line;
  // The NAT check against the rendezvous (rendezvous/core/nat_check.hpp),
  // after each registration: one "nat ..." line, and the class reported to
  // the rendezvous on the control plane.
  NatCheckerConfig nc;
  nc.profile = options.profile->kind();
  nc.server = options.rendezvous.front();
  std::function<void(TimePoint, const NatCheckResult&)> on_nat;
  NatChecker nat(endpoint, rng, nc, [&](TimePoint now, const NatCheckResult& r) { on_nat(now, r); });
  Reporting<RegistrationClient>* reg_ptr = nullptr;
  Reporting<RegistrationClient> reg([&](const RegistrationEvent& r) {
    if (r.kind == RegistrationEvent::registered) {
      if (!announced) {
        // First stdout line, exactly:
        // node peer-id <hex> registered rtmfp://HOST:PORT reflexive ADDR:PORT
        std::fprintf(options.out, "node peer-id %s registered %s reflexive %s\n",
                     to_hex(ByteView(options.profile->local_peer_id().data(), 32)).c_str(),
                     rv_uris[r.rendezvous].c_str(), r.info.reflexive.to_string().c_str());
        print_also_listening(options.out, locals);
        announced = true;
        if (!turn_line.empty()) std::fputs(turn_line.c_str(), options.out);
      } else {
        std::fprintf(options.out, "registered again reflexive %s at %s\n", r.info.reflexive.to_string().c_str(),
                     rv_uris[r.rendezvous].c_str());
      }
      if (!nat.running()) {
        nat.set_server(rvs[r.rendezvous].candidates.front());
        nat.start(io::steady_now());
      }
    } else {
      std::fprintf(options.out, "registration lost: %s (retrying%s)\n", r.reason.c_str(),
                   rvs.size() > 1 ? " at the next rendezvous" : "");
    }
    std::fflush(options.out);
  }, endpoint, rvs, hosts, ro);
  reg_ptr = &reg;
  // The introducer's plan for each introduction this node is part of
  // (control.proto Introduction): one line each.
  reg.set_introduction_handler([&](TimePoint now, const control::Introduction& i) {
    if (auto order = control::birthday_order(i)) birthday.traversal().on_order(now, *order);
    auto cls = [](const std::optional<NatProfile>& p) {
      return p ? std::string(nat_kind_name(nat_kind(p))) : std::string("unknown");
    };
    std::string ports;
    for (auto p : i.predicted_ports) ports += (ports.empty() ? "" : ",") + std::to_string(p);
    std::fprintf(options.out, "introduction strategy=%s role=%s peer=%s own=%s peer_class=%s%s%s%s\n",
                 path_strategy_name(i.strategy), i.initiator ? "initiator" : "target",
                 i.peer_address.to_string().c_str(), cls(i.own_class).c_str(), cls(i.peer_class).c_str(),
                 i.hard_side ? " hard_side" : "", ports.empty() ? "" : (" predicted=" + ports).c_str(),
                 i.relay_now ? " relay=now" : (i.relay_later ? " relay=later" : ""));
    std::fflush(options.out);
  });
  on_nat = [&](TimePoint now, const NatCheckResult& r) {
    if (!r.ok) {
      std::fprintf(options.out, "nat unknown: %s\n", r.error.c_str());
      std::fflush(options.out);
      // Said anyway: introductions waiting for the class go now.
      reg_ptr->report_nat(now, control::NatReport{});
      return;
    }
    std::string reflexive;
    for (const auto& a : r.nat.reflexive) reflexive += (reflexive.empty() ? "" : ",") + a.to_string();
    // Endpoint-dependent mappings add how ports are allocated (the
    // introducer predicts sequential ones); a check only the first socket
    // answered says so (the relay is then the way to peers).
    std::string extra;
    if (r.nat.allocation != PortAllocation::unknown)
      extra += std::string(" allocation=") + port_allocation_name(r.nat.allocation) +
               (r.nat.allocation == PortAllocation::sequential ? " delta=" + std::to_string(r.nat.port_delta) : "");
    if (r.nat.udp_blocked) extra += " udp=blocked";
    std::fprintf(options.out, "nat mapping=%s filtering=%s hairpin=%s reflexive=%s ms=%.0f%s\n",
                 nat_behaviour_name(r.nat.mapping), nat_behaviour_name(r.nat.filtering), r.nat.hairpin ? "yes" : "no",
                 reflexive.c_str(), std::chrono::duration<double, std::milli>(r.elapsed).count(), extra.c_str());
    std::fflush(options.out);
    reg_ptr->report_nat(now, control::nat_report_of(r.nat));
  };
  // --turn: a relayed address on the user's TURN server, one more interface
  // of the host (destroyed before the host: its socket and timer use the
  // host's io_context).
  std::unique_ptr<turn::TurnInterface> turn_if;
  if (options.turn) {
    const NodeTurnOptions& t = *options.turn;
    turn::TurnClientConfig tc;
    tc.username = t.username;
    tc.password = t.password;
    turn::TurnInterfaceCallbacks cb;
    cb.on_allocated = [&](const turn::TurnAllocated& a) {
      char line[256];
      std::snprintf(line, sizeof line, "turn relayed %s mapped %s lifetime %us via %s\n", a.relayed.to_string().c_str(),
                    a.mapped ? a.mapped->to_string().c_str() : "unknown", a.lifetime, t.display.c_str());
      turn_line = line;
      if (announced) {
        std::fputs(line, options.out);
        std::fflush(options.out);
      }
      for (const auto& p : t.permits)
        if (auto r = turn_if->permit(p); !r)
          std::fprintf(stderr, "rtmfp node: turn permission for %s: %s\n", p.ip_string().c_str(),
                       r.error().message().c_str());
      // Initiators get the relayed address with the host addresses.
      std::vector<SocketAddress> with_relay = hosts;
      if (std::find(with_relay.begin(), with_relay.end(), a.relayed) == with_relay.end())
        with_relay.push_back(a.relayed);
      reg.set_host_addresses(io::steady_now(), std::move(with_relay));
      host.post([] {});  // a host pump sends the Registration now
    };
    cb.on_failed = [&](const turn::TurnFailed& f) {
      std::fprintf(options.out, "turn failed: %s\n", f.reason.c_str());
      std::fflush(options.out);
      // A lost allocation: initiators no longer get its address.
      if (!turn_line.empty()) {
        reg.set_host_addresses(io::steady_now(), hosts);
        host.post([] {});
      }
    };
    turn_if = std::make_unique<turn::TurnInterface>(host, t.server, tc, rng, std::move(cb));
    if (auto o = turn_if->open(); !o) {
      std::fprintf(stderr, "rtmfp node: turn: %s\n", o.error().message().c_str());
      return 6;
    }
    host.post([&] { turn_if->start(); });
  }
  // Other peers measure the path to us (`rtmfp perf`): one result line per test.
  auto perf = tools::make_perf_service(endpoint, false, [&](const std::string& line) {
    std::fprintf(options.out, "perf %s\n", line.c_str());
    std::fflush(options.out);
  });
  std::unique_ptr<turn::TurnPermitService> permits;
  if (turn_if) {
    permits = std::make_unique<turn::TurnPermitService>(*turn_if);
    if (auto a = node.add_service(*permits); !a) {
      std::fprintf(stderr, "rtmfp node: %s\n", a.error().message().c_str());
      return 6;
    }
  }
  for (node::Service* s : {static_cast<node::Service*>(&reg), static_cast<node::Service*>(&nat), perf.get(),
                           static_cast<node::Service*>(&birthday)}) {
    if (auto a = node.add_service(*s); !a) {
      std::fprintf(stderr, "rtmfp node: %s\n", a.error().message().c_str());
      return 6;
    }
  }
  host.run();
  if (turn_if) turn_if->close();  // Refresh LIFETIME 0: the server frees the relay now
  std::fprintf(options.out, "stopped\n");
  std::fflush(options.out);
  return 0;
}

}  // namespace rtmfp::rendezvous
