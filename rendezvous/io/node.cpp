#include "rendezvous/io/node.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "rendezvous/core/nat_checker.hpp"
#include "rendezvous/io/listening_lines.hpp"
#include "rendezvous/io/reporting.hpp"
#include "rendezvous/service/registration_client.hpp"
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
  const std::vector<SocketAddress> locals = host.local_addresses();
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
  bool announced = false;
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
  on_nat = [&](TimePoint now, const NatCheckResult& r) {
    if (!r.ok) {
      std::fprintf(options.out, "nat unknown: %s\n", r.error.c_str());
      std::fflush(options.out);
      return;
    }
    std::string reflexive;
    for (const auto& a : r.nat.reflexive) reflexive += (reflexive.empty() ? "" : ",") + a.to_string();
    std::fprintf(options.out, "nat mapping=%s filtering=%s hairpin=%s reflexive=%s ms=%.0f\n",
                 nat_behaviour_name(r.nat.mapping), nat_behaviour_name(r.nat.filtering), r.nat.hairpin ? "yes" : "no",
                 reflexive.c_str(), std::chrono::duration<double, std::milli>(r.elapsed).count());
    std::fflush(options.out);
    control::NatReport report;
    report.mapping = r.nat.mapping;
    report.filtering = r.nat.filtering;
    report.hairpin = r.nat.hairpin;
    report.reflexive = r.nat.reflexive;
    reg_ptr->report_nat(now, std::move(report));
  };
  // Other peers measure the path to us (`rtmfp perf`): one result line per test.
  auto perf = tools::make_perf_service(endpoint, false, [&](const std::string& line) {
    std::fprintf(options.out, "perf %s\n", line.c_str());
    std::fflush(options.out);
  });
  for (node::Service* s : {static_cast<node::Service*>(&reg), static_cast<node::Service*>(&nat), perf.get()}) {
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
