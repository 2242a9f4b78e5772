// One introduction between two peers behind simulated NATs (tests/sim/nat.hpp)
// through a rendezvous with its relay (rendezvous/core/relay.hpp) - the
// harness of relay_introduction_test.cpp and traversal_matrix_test.cpp.
// Both peers register; the test gives the registry each peer's NAT class as
// its NAT check would report it (nat_sides.hpp; the check itself is tested in
// nat_check_test.cpp) - or withholds it, so the introducer races direct
// against the relay. Then b connects to a by peer ID with the rendezvous as
// its only candidate. The outcome: which path opened, how long it took, and
// how many datagrams the peers sent each other's public addresses (the
// probes: IHellos, RHellos, guesses) before it opened.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <memory>

#include "rendezvous/core/introducer_service.hpp"
#include "rendezvous/core/relay.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "tests/scenarios/endpoint_node.hpp"
#include "tests/scenarios/nat_sides.hpp"
#include "tests/sim/network.hpp"

namespace rtmfp::testing::traversal {

using namespace std::chrono_literals;

inline const SocketAddress kRv = SocketAddress::ipv4(198, 51, 100, 1, 1935);
inline constexpr std::uint16_t kRelayFirst = 40000, kRelayLast = 40063;

// The rendezvous host: its Endpoint with the introducer on port 1935, and
// the relay on ports 40000-40063 of the same address (what the CLI's
// --relay-ports sets up with real sockets).
class RendezvousHost final : public sim::Node {
 public:
  RendezvousHost(std::unique_ptr<EndpointNode> inner, rendezvous::IntroducerService& service, rendezvous::Relay& relay)
      : inner_(std::move(inner)), service_(service), relay_(relay) {}
  static std::vector<SocketAddress> locals() {
    std::vector<SocketAddress> l{kRv};
    for (std::uint32_t p = kRelayFirst; p <= kRelayLast; ++p) {
      auto a = kRv;
      a.port = static_cast<std::uint16_t>(p);
      l.push_back(a);
    }
    return l;
  }
  void on_datagram(TimePoint now, const SocketAddress& local, const SocketAddress& from, ByteView data) override {
    if (local.port != kRv.port) {
      auto r = relay_.on_datagram(now, local.port, from, data);
      auto send = [&](const rendezvous::RelayForward& f, ByteView bytes) {
        auto src = kRv;
        src.port = f.from_port;
        out_.push_back({src, f.to, Bytes(bytes.begin(), bytes.end())});
      };
      if (r.forward) send(*r.forward, data);
      if (r.release) send(*r.release, r.held);
      return;
    }
    inner_->on_datagram(now, local, from, data);
  }
  std::optional<sim::Datagram> poll_transmit(TimePoint now) override {
    if (!out_.empty()) {
      auto d = std::move(out_.front());
      out_.pop_front();
      return d;
    }
    return inner_->poll_transmit(now);
  }
  std::optional<TimePoint> next_deadline() const override {
    std::optional<TimePoint> t = inner_->next_deadline();
    for (auto d : {service_.next_deadline(), relay_.next_deadline()})
      if (d) t = t ? std::min(*t, *d) : d;
    return t;
  }
  void on_deadline(TimePoint now) override {
    if (auto d = inner_->next_deadline(); d && *d <= now) inner_->on_deadline(now);
    if (auto d = service_.next_deadline(); d && *d <= now) service_.on_deadline(now);
    if (auto d = relay_.next_deadline(); d && *d <= now) relay_.on_deadline(now);
    while (relay_.poll_released()) {
    }
  }
  EndpointNode& inner() { return *inner_; }

 private:
  std::unique_ptr<EndpointNode> inner_;
  rendezvous::IntroducerService& service_;
  rendezvous::Relay& relay_;
  std::deque<sim::Datagram> out_;
};

// A peer's endpoint, counting the datagrams it sends anywhere but the
// rendezvous's address (to the other peer: the probes).
class CountingNode final : public sim::Node {
 public:
  explicit CountingNode(std::unique_ptr<EndpointNode> inner) : inner_(std::move(inner)) {}
  void on_datagram(TimePoint now, const SocketAddress& local, const SocketAddress& from, ByteView data) override {
    inner_->on_datagram(now, local, from, data);
  }
  std::optional<sim::Datagram> poll_transmit(TimePoint now) override {
    auto d = inner_->poll_transmit(now);
    if (d && (d->to.ip != kRv.ip || d->to.v6 != kRv.v6)) ++probes;
    return d;
  }
  std::optional<TimePoint> next_deadline() const override { return inner_->next_deadline(); }
  void on_deadline(TimePoint now) override { inner_->on_deadline(now); }
  EndpointNode& node() { return *inner_; }
  std::uint64_t probes = 0;

 private:
  std::unique_ptr<EndpointNode> inner_;
};

struct Peer {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<CryptoProfile> profile;
  std::unique_ptr<CountingNode> node;
  sim::HostId id = 0;
  Endpoint& ep() { return node->node().endpoint(); }
};

enum class Path { none, direct, relayed };
inline const char* path_name(Path p) { return p == Path::direct ? "direct" : p == Path::relayed ? "relayed" : "none"; }

struct PairOptions {
  bool classes_known = true;  // the registry has both classes (the nodes' NatReports)
  double loss = 0;            // on every link
  bool relay = true;          // the rendezvous has its relay
  bool prediction = true;     // the introducer predicts sequential ports
  Duration give_up = 60s;     // the initiator's open stops counting after this
};

struct Outcome {
  Path path = Path::none;
  double connect_ms = 0;
  std::uint64_t probes = 0;  // datagrams both peers sent other than to the rendezvous's address
  rendezvous::PathStrategy strategy = rendezvous::PathStrategy::direct;
};

inline Outcome run_pair(Side a_side, Side b_side, const PairOptions& opt, std::uint64_t seed) {
  sim::Network net(seed);
  const auto a_priv = SocketAddress::ipv4(192, 168, 1, 2, 5000), b_priv = SocketAddress::ipv4(192, 168, 2, 2, 6000);
  const auto a_pub_ip = SocketAddress::ipv4(203, 0, 113, 1, 0), b_pub_ip = SocketAddress::ipv4(203, 0, 113, 2, 0);
  auto make_ep = [&](EndpointConfig cfg, std::uint64_t n, std::unique_ptr<SeededRandom>& rng,
                     std::unique_ptr<CryptoProfile>& profile) {
    rng = std::make_unique<SeededRandom>(seed * 1000003 + n);
    crypto::ModernConfig mc;
    mc.stable_initiator_identity = true;
    auto p = crypto::ModernProfile::create(mc, *rng);
    EXPECT_TRUE(p.has_value());
    profile = std::move(*p);
    auto ep = std::make_unique<Endpoint>(cfg, *rng);
    ep->add_profile(*profile);
    return ep;
  };
  // The rendezvous.
  std::unique_ptr<SeededRandom> rv_rng;
  std::unique_ptr<CryptoProfile> rv_profile;
  EndpointConfig rc;
  rc.report_unmatched_ihellos = true;
  auto rv_inner = std::make_unique<EndpointNode>(kRv, make_ep(rc, 1, rv_rng, rv_profile));
  SipKey key{};
  key[0] = static_cast<std::uint8_t>(seed);
  rendezvous::IntroducerService service(rv_inner->endpoint(), key);
  service.set_prediction(opt.prediction);
  std::optional<rendezvous::PathStrategy> told;
  service.set_notice_sink([&](TimePoint, const rendezvous::IntroductionNotice& n) { told = n.plan.strategy; });
  rv_inner->sinks.push_back([&](TimePoint now, EndpointEvent& e) { return service.on_event(now, e); });
  rendezvous::RelayConfig relay_cfg;
  relay_cfg.first_port = kRelayFirst;
  relay_cfg.last_port = kRelayLast;
  rendezvous::Relay relay(relay_cfg);
  if (opt.relay) {
    rendezvous::RelayAttachment att;
    att.relay = &relay;
    att.ipv4 = kRv;
    service.attach_relay(att);
  }
  RendezvousHost rv(std::move(rv_inner), service, relay);
  net.add_host(rv, RendezvousHost::locals());
  // The peers.
  auto make_peer = [&](Side side, SocketAddress priv, SocketAddress pub_ip, std::uint16_t port, std::uint64_t n,
                       std::uint16_t first_port) {
    Peer p;
    const bool is_public = side == Side::none;
    SocketAddress me = priv;
    if (is_public) {
      me = pub_ip;
      me.port = port;
    }
    p.node = std::make_unique<CountingNode>(
        std::make_unique<EndpointNode>(me, make_ep(EndpointConfig{}, n, p.rng, p.profile)));
    p.id = net.add_host(*p.node, me);
    if (!is_public) {
      sim::NatConfig nc;
      nc.type = nat_type(side);
      nc.allocation = nat_allocation(side);
      nc.seed = seed * 7919 + n;
      nc.public_ip = pub_ip;
      nc.first_port = first_port;
      net.put_behind(net.add_nat(nc), priv);
    }
    return p;
  };
  Peer a = make_peer(a_side, a_priv, a_pub_ip, 5000, 2, 41000);
  Peer b = make_peer(b_side, b_priv, b_pub_ip, 6000, 3, 51000);
  sim::PipeConfig link;
  link.delay = 20ms;
  link.rate_bps = 10'000'000;
  link.loss = opt.loss;
  net.connect(a_pub_ip, kRv, link);
  net.connect(b_pub_ip, kRv, link);
  // UDP blocked: no route between the peers (the relay, at the rendezvous's
  // address, is reached like the rendezvous).
  if (a_side != Side::blocked && b_side != Side::blocked) net.connect(a_pub_ip, b_pub_ip, link);
  // RTMFP_TRAVERSAL_TRACE=1: every datagram between the peers' public
  // addresses, =all: with the rendezvous's; for debugging a cell.
  if (std::getenv("RTMFP_TRAVERSAL_TRACE"))
    net.set_trace([&](const sim::TraceEvent& e) {
      if (std::string(std::getenv("RTMFP_TRAVERSAL_TRACE")) != "all" &&
          (e.datagram.to.ip == kRv.ip || e.datagram.from.ip == kRv.ip))
        return;
      std::printf("  %8.1f ms kind %d %s %s -> %s (%zu bytes)\n",
                  std::chrono::duration<double, std::milli>(e.time.time_since_epoch()).count(), static_cast<int>(e.kind),
                  std::string(e.where).c_str(), e.datagram.from.to_string().c_str(), e.datagram.to.to_string().c_str(),
                  e.datagram.data.size());
    });

  auto reg = [&](Peer& p) {
    ConnectRequest r;
    r.profile = ProfileKind::modern;
    r.epd.peer_id = rv_profile->local_peer_id();
    r.candidates = {kRv};
    auto s = p.ep().connect(net.now(), r);
    net.wake(p.id);
    return s.has_value();
  };
  Outcome o;
  if (!reg(a) || !reg(b)) return o;
  const bool registered = net.run_until(
      [&] {
        return service.registry().find(a.profile->local_peer_id()) && service.registry().find(b.profile->local_peer_id());
      },
      net.now() + 100s);
  EXPECT_TRUE(registered) << "seed=" << seed;
  if (!registered) return o;
  if (opt.classes_known) {
    // As each node's NatReport would (rendezvous/service/control_service).
    service.registry().set_nat(service.registry().find(a.profile->local_peer_id())->session, nat_class(a_side));
    service.registry().set_nat(service.registry().find(b.profile->local_peer_id())->session, nat_class(b_side));
  }
  // b connects to a by peer ID through the rendezvous, from its registered socket.
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.peer_id = a.profile->local_peer_id();
  r.candidates = {kRv};
  const TimePoint t0 = net.now();
  const std::uint64_t probes0 = a.node->probes + b.node->probes;
  auto h = b.ep().connect(t0, r);
  if (!h) return o;
  net.wake(b.id);
  auto& b_events = b.node->node().events;
  net.run_until(
      [&] {
        for (auto& e : b_events) {
          if (auto* op = std::get_if<SessionOpened>(&e); op && op->session == *h) return true;
          if (auto* f = std::get_if<SessionOpenFailed>(&e); f && f->session == *h) return true;
        }
        return false;
      },
      t0 + opt.give_up);
  if (told) o.strategy = *told;
  o.probes = a.node->probes + b.node->probes - probes0;
  for (auto& e : b_events) {
    if (auto* op = std::get_if<SessionOpened>(&e); op && op->session == *h && op->far_peer_id == a.profile->local_peer_id()) {
      const bool via_relay = op->peer.ip == kRv.ip && op->peer.port >= kRelayFirst && op->peer.port <= kRelayLast;
      o.path = via_relay ? Path::relayed : Path::direct;
      // The initiator knows it from the Redirect's origin tag (RFC 7016
      // §2.1.5) - unless that Redirect was lost and the relayed RHello came
      // anyway (then the origin is unknown; never "relay" for a direct path).
      if (op->peer_origin == wire::AddressOrigin::relay) {
        EXPECT_TRUE(via_relay) << "seed=" << seed;
      }
      if (opt.loss == 0) {
        EXPECT_EQ(op->peer_origin == wire::AddressOrigin::relay, via_relay) << "seed=" << seed;
      }
      o.connect_ms = std::chrono::duration<double, std::milli>(net.now() - t0).count();
    }
  }
  return o;
}

}  // namespace rtmfp::testing::traversal
