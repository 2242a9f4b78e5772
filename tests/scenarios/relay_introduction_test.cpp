// Every pair connects (issue 12 §2-3): the introduction matrix of
// introduction_test.cpp with the rendezvous's relay (rendezvous/core/
// relay.hpp) attached. Both peers register; the test gives the registry
// each peer's NAT class as its NAT check would report it (the check itself
// is tested in nat_check_test.cpp) - or withholds it, so the introducer
// races direct against the relay. Every pair of {none, full cone,
// address-restricted, port-restricted, symmetric} must open: the punchable
// ones directly, the others through the relay; 20 ms links, 0-10% loss,
// consecutive seeds. Printed: the path, the time to connect (p50/p95).
#include <gtest/gtest.h>

#include <cstdio>

#include "rendezvous/core/introducer_service.hpp"
#include "rendezvous/core/relay.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "tests/scenarios/endpoint_node.hpp"
#include "tests/scenarios/nat_sides.hpp"
#include "tests/sim/network.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;
using rendezvous::NatBehaviour;
using rendezvous::NatProfile;

const SocketAddress kRv = SocketAddress::ipv4(198, 51, 100, 1, 1935);
constexpr std::uint16_t kRelayFirst = 40000, kRelayLast = 40063;

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

struct Peer {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<CryptoProfile> profile;
  std::unique_ptr<EndpointNode> node;
  sim::HostId id = 0;
  Endpoint& ep() { return node->endpoint(); }
};

enum class Path { none, direct, relayed };
struct Outcome {
  Path path = Path::none;
  double connect_ms = 0;
};

Outcome run_pair(Side a_side, Side b_side, bool classes_known, double loss, std::uint64_t seed) {
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
  rv_inner->sinks.push_back([&](TimePoint now, EndpointEvent& e) { return service.on_event(now, e); });
  rendezvous::RelayConfig relay_cfg;
  relay_cfg.first_port = kRelayFirst;
  relay_cfg.last_port = kRelayLast;
  rendezvous::Relay relay(relay_cfg);
  rendezvous::RelayAttachment att;
  att.relay = &relay;
  att.ipv4 = kRv;
  service.attach_relay(att);
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
    p.node = std::make_unique<EndpointNode>(me, make_ep(EndpointConfig{}, n, p.rng, p.profile));
    p.id = net.add_host(*p.node, me);
    if (!is_public) {
      sim::NatConfig nc;
      nc.type = nat_type(side);
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
  link.loss = loss;
  net.connect(a_pub_ip, kRv, link);
  net.connect(b_pub_ip, kRv, link);
  net.connect(a_pub_ip, b_pub_ip, link);

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
  if (classes_known) {
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
  auto h = b.ep().connect(t0, r);
  if (!h) return o;
  net.wake(b.id);
  net.run_until(
      [&] {
        for (auto& e : b.node->events) {
          if (auto* op = std::get_if<SessionOpened>(&e); op && op->session == *h) return true;
          if (auto* f = std::get_if<SessionOpenFailed>(&e); f && f->session == *h) return true;
        }
        return false;
      },
      t0 + 60s);
  for (auto& e : b.node->events) {
    if (auto* op = std::get_if<SessionOpened>(&e); op && op->session == *h && op->far_peer_id == a.profile->local_peer_id()) {
      const bool via_relay = op->peer.ip == kRv.ip && op->peer.port >= kRelayFirst && op->peer.port <= kRelayLast;
      o.path = via_relay ? Path::relayed : Path::direct;
      // The initiator knows it from the Redirect's origin tag (RFC 7016
      // §2.1.5) - unless that Redirect was lost and the relayed RHello came
      // anyway (then the origin is unknown; never "relay" for a direct path).
      if (op->peer_origin == wire::AddressOrigin::relay) EXPECT_TRUE(via_relay) << "seed=" << seed;
      if (loss == 0) EXPECT_EQ(op->peer_origin == wire::AddressOrigin::relay, via_relay) << "seed=" << seed;
      o.connect_ms = std::chrono::duration<double, std::milli>(net.now() - t0).count();
    }
  }
  return o;
}

bool punchable(Side a, Side b) { return rendezvous::punchable(nat_class(a), nat_class(b)); }


void run_matrix(bool classes_known, double loss, int seeds, std::uint64_t first_seed) {
  std::printf("introductions with the relay, NAT classes %s, %.0f%% loss, %d seeds each (RTT 40 ms): responder <- initiator\n",
              classes_known ? "reported" : "unknown (race: relay after 1 s)", loss * 100, seeds);
  std::uint64_t seed = first_seed;
  for (Side a : kSides) {
    for (Side b : kSides) {
      sim::Samples ms;
      int direct = 0, relayed = 0;
      for (int i = 0; i < seeds; ++i, ++seed) {
        Outcome o = run_pair(a, b, classes_known, loss, seed);
        SCOPED_TRACE(std::string(side_name(a)) + " <- " + side_name(b) + " seed=" + std::to_string(seed));
        EXPECT_NE(o.path, Path::none) << "did not connect";
        if (o.path == Path::none) continue;
        ms.add(o.connect_ms);
        (o.path == Path::direct ? direct : relayed)++;
        if (!punchable(a, b)) EXPECT_EQ(o.path, Path::relayed);
        // With reported classes a punchable pair is never relayed; in a race
        // under loss the relay may win when direct's packets were lost.
        if (punchable(a, b) && (classes_known || loss == 0)) EXPECT_EQ(o.path, Path::direct);
      }
      std::printf("  %-16s <- %-16s %s direct %2d relayed %2d of %d  connect ms p50=%6.0f p95=%6.0f\n", side_name(a),
                  side_name(b), punchable(a, b) ? "punchable  " : "unpunchable", direct, relayed, seeds, ms.median(),
                  ms.p95());
    }
  }
}

TEST(RelayIntroduction, EveryPairConnectsWithReportedClassesWithoutLoss) { run_matrix(true, 0.0, 4, 21000); }
TEST(RelayIntroduction, EveryPairConnectsWithReportedClassesAtTenPercentLoss) { run_matrix(true, 0.10, 20, 22000); }
TEST(RelayIntroduction, EveryPairConnectsByRacingWhenClassesAreUnknown) { run_matrix(false, 0.0, 4, 23000); }
TEST(RelayIntroduction, RacingAtFivePercentLoss) { run_matrix(false, 0.05, 20, 24000); }

}  // namespace
}  // namespace rtmfp::testing
