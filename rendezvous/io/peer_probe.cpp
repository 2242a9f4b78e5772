#include "rendezvous/io/peer_probe.hpp"

#include <array>

#include "rendezvous/control/introduction_message.hpp"
#include "rendezvous/control/nat_report.hpp"
#include "rendezvous/core/nat_checker.hpp"
#include "rendezvous/io/host_socket_pool.hpp"
#include "rendezvous/service/birthday_service.hpp"
#include "rendezvous/service/registration_client.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/resolve.hpp"
#include "rtmfp/node/node.hpp"
#include "rtmfp/tools/probe_service.hpp"

namespace rtmfp::rendezvous {

namespace {

std::string class_name(const std::optional<NatProfile>& p) { return nat_kind_name(nat_kind(p)); }

// Registers, checks the NAT, reports it, then lets the probe connect; or
// lets it connect unregistered when that has not happened by the deadline.
class PeerProbeDriver final : public node::Service {
 public:
  PeerProbeDriver(RegistrationClient& reg, NatChecker& nat, tools::ProbeService& probe, Duration wait)
      : reg_(reg), nat_(nat), probe_(probe), wait_(wait) {}
  std::string_view name() const override { return "peer-probe"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override { return node::Interests::none(); }
  void on_start(TimePoint now) override { deadline_ = now + wait_; }
  bool on_event(TimePoint, const EndpointEvent&) override { return false; }
  std::optional<TimePoint> next_deadline() const override { return probe_.started() ? std::nullopt : deadline_; }
  void on_deadline(TimePoint now) override {
    if (deadline_ && now >= *deadline_) begin(now);
  }
  // The registration client's events (polled after each of its calls).
  void poll(TimePoint now) {
    while (auto e = reg_.poll_event()) {
      if (e->kind == RegistrationEvent::registered && !nat_.running() && !nat_.result()) nat_.start(now);
      if (e->kind == RegistrationEvent::lost && !registered_once_) begin(now);  // no registration here: probe anyway
      if (e->kind == RegistrationEvent::registered) registered_once_ = true;
    }
  }
  void nat_done(TimePoint now, const NatCheckResult& r) {
    // Reported either way (an unknown class lets a held introduction go).
    reg_.report_nat(now, r.ok ? control::nat_report_of(r.nat) : control::NatReport{});
    begin(now);
  }
  void begin(TimePoint now) {
    if (!probe_.started() && !probe_.finished()) probe_.begin(now);
  }

 private:
  RegistrationClient& reg_;
  NatChecker& nat_;
  tools::ProbeService& probe_;
  Duration wait_;
  std::optional<TimePoint> deadline_;
  bool registered_once_ = false;
};

// The registration client, its events handed to the driver as they happen.
class PolledRegistration final : public RegistrationClient {
 public:
  using RegistrationClient::RegistrationClient;
  PeerProbeDriver* driver = nullptr;
  void on_start(TimePoint now) override {
    RegistrationClient::on_start(now);
    if (driver) driver->poll(now);
  }
  bool on_event(TimePoint now, const EndpointEvent& e) override {
    const bool consumed = RegistrationClient::on_event(now, e);
    if (driver) driver->poll(now);
    return consumed;
  }
  void on_deadline(TimePoint now) override {
    RegistrationClient::on_deadline(now);
    if (driver) driver->poll(now);
  }
};

}  // namespace

tools::ProbeResult run_peer_probe(const PeerProbeOptions& options, RandomSource& rng) {
  tools::ProbeResult result;
  result.crypto = "modern";
  result.introduced = true;
  auto uri = parse_uri(options.probe.uri);
  auto peer = uri ? tools::peer_from_path(uri->path) : std::nullopt;
  if (!uri || !peer) {
    result.error = uri ? "not a rtmfp://HOST:PORT/peer/<64 hex> URI" : uri.error().message();
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
  // A fresh identity, initiated with (so the rendezvous registers the peer
  // ID we introduce ourselves by; the peer sees the same one).
  crypto::ModernConfig mc;
  mc.stable_initiator_identity = true;
  auto profile = crypto::ModernProfile::create(mc, rng);
  if (!profile) {
    result.error = profile.error().message();
    result.exit_code = 2;
    return result;
  }
  EndpointConfig cfg;
  cfg.accept_sessions = false;  // an initiator only
  cfg.open_timeout = options.probe.timeout;
  cfg.max_datagram_limit = options.probe.max_datagram_limit;
  Endpoint endpoint(cfg, rng);
  endpoint.add_profile(**profile);
  endpoint.set_trace(options.probe.trace);
  node::Node node(endpoint);

  SocketAddress local;
  local.v6 = addrs.front().v6;
  std::vector<SocketAddress> candidates;
  for (const auto& a : addrs)
    if (a.v6 == local.v6) candidates.push_back(a);
  // The rendezvous itself: its URI without the path, any peer ID.
  ConnectRequest to_rv;
  to_rv.profile = ProfileKind::modern;
  to_rv.epd.uri = "rtmfp://" + (candidates.front().v6 ? "[" + uri->host + "]" : uri->host) + ":" +
                  std::to_string(uri->port);
  to_rv.candidates = candidates;
  // The peer, through the rendezvous (Fingerprint EPD, RFC 7425 §4.4.2).
  ConnectRequest to_peer;
  to_peer.profile = ProfileKind::modern;
  to_peer.epd.peer_id = peer;
  to_peer.candidates = candidates;

  host::NodeHostOptions ho;
  ho.listen = {local};
  ho.drain_limit = milliseconds(500);
  host::NodeHost host(node, std::move(ho));
  HostSocketPool sockets;
  sockets.attach(&host);
  const std::uint64_t seed = rng.u64();
  BirthdayService birthday(endpoint, &sockets, seed);
  tools::ProbeService probe(endpoint, options.probe, result, to_peer, [&] { host.shutdown(); }, true);
  RegistrationOptions ro;
  ro.nat_report_follows = true;
  PolledRegistration reg(endpoint, std::vector<ConnectRequest>{to_rv}, std::vector<SocketAddress>{}, ro);
  NatCheckerConfig nc;
  nc.profile = ProfileKind::modern;
  nc.server = candidates.front();
  PeerProbeDriver* driver_ptr = nullptr;
  NatChecker nat(endpoint, rng, nc, [&](TimePoint now, const NatCheckResult& r) {
    if (r.ok) {
      result.nat_mapping = nat_behaviour_name(r.nat.mapping);
      result.nat_filtering = nat_behaviour_name(r.nat.filtering);
    }
    driver_ptr->nat_done(now, r);
  });
  PeerProbeDriver driver(reg, nat, probe, options.register_wait);
  driver_ptr = &driver;
  reg.driver = &driver;
  // The introducer's plan for our introduction (control.proto
  // Introduction): what the result reports, and birthday orders.
  reg.set_introduction_handler([&](TimePoint now, const control::Introduction& i) {
    if (!i.initiator || i.peer_id != peer) return;
    result.strategy = path_strategy_name(i.strategy);
    result.own_class = class_name(i.own_class);
    result.peer_class = class_name(i.peer_class);
    if (auto order = control::birthday_order(i)) birthday.traversal().on_order(now, *order);
  });
  for (node::Service* s : {static_cast<node::Service*>(&reg), static_cast<node::Service*>(&nat),
                           static_cast<node::Service*>(&birthday), static_cast<node::Service*>(&probe),
                           static_cast<node::Service*>(&driver)}) {
    if (auto a = node.add_service(*s); !a) {
      result.error = a.error().message();
      result.exit_code = 6;
      return result;
    }
  }
  if (auto b = host.open(); !b) {
    result.error = b.error().message();
    result.exit_code = 6;
    return result;
  }
  host.run();
  result.birthday_probes = birthday.traversal().stats().probes;
  result.birthday_openers = birthday.traversal().stats().openers;
  return result;
}

}  // namespace rtmfp::rendezvous
