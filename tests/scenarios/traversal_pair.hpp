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
#include <map>
#include <memory>

#include "rendezvous/control/introduction_message.hpp"
#include "rendezvous/core/birthday_traversal.hpp"
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

// The simulator's extra sockets for birthday probing (the node host's
// ephemeral UDP sockets in rtmfp/host): spare local addresses of the peer,
// registered with the network from the start, handed out and taken back.
class SimSocketPool final : public rendezvous::SocketPool {
 public:
  static constexpr std::uint16_t kFirstPort = 20000, kCount = 300;
  // `node`'s interfaces become [main, spare...]; returns every address the
  // host must be added with.
  static std::vector<SocketAddress> addresses(const SocketAddress& main) {
    std::vector<SocketAddress> all{main};
    for (std::uint16_t i = 0; i < kCount; ++i) {
      auto a = main;
      a.port = static_cast<std::uint16_t>(kFirstPort + i);
      all.push_back(a);
    }
    return all;
  }
  explicit SimSocketPool(std::size_t spares) : free_(spares, true) {}
  std::vector<InterfaceId> open(std::size_t n, const SocketAddress&) override {
    std::vector<InterfaceId> out;
    for (std::size_t i = 0; i < free_.size() && out.size() < n; ++i)
      if (free_[i]) {
        free_[i] = false;
        out.push_back(static_cast<InterfaceId>(i + 1));  // interface 0 is the node's own socket
      }
    opened += out.size();
    return out;
  }
  void close(InterfaceId iface) override {
    if (iface >= 1 && iface - 1 < free_.size() && !free_[iface - 1]) {
      free_[iface - 1] = true;
      ++closed;
    }
  }
  std::size_t in_use() const { return static_cast<std::size_t>(std::count(free_.begin(), free_.end(), false)); }
  std::uint64_t opened = 0, closed = 0;

 private:
  std::vector<bool> free_;
};

// A peer's endpoint, counting the datagrams it sends anywhere but the
// rendezvous's address (to the other peer: the probes), with its birthday
// traversal (rendezvous/core/birthday_traversal.hpp) fed the endpoint's
// events and the introducer's orders (control.proto Introduction, here
// handed over after one link delay instead of on the control flow).
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
  std::optional<TimePoint> next_deadline() const override {
    auto t = inner_->next_deadline();
    if (birthday)
      if (auto d = birthday->next_deadline(); d && (!t || *d < *t)) t = d;
    return t;
  }
  void on_deadline(TimePoint now) override {
    if (birthday)
      if (auto d = birthday->next_deadline(); d && *d <= now) birthday->on_deadline(now);
    if (auto d = inner_->next_deadline(); d && *d <= now) inner_->on_deadline(now);
  }
  EndpointNode& node() { return *inner_; }
  std::uint64_t probes = 0;
  std::unique_ptr<SimSocketPool> pool;
  std::unique_ptr<rendezvous::BirthdayTraversal> birthday;

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
  bool birthday = true;       // the nodes execute birthday orders (birthday_traversal.hpp)
  // > 0 (with classes_known): the nodes announce their classes when they
  // register (control.proto nat_report_follows) but report them this long
  // after b's connect: a NAT check still running when the introduction
  // comes (introducer_service.hpp holds it, at most limits::kNatReportWait).
  Duration classes_after = Duration::zero();
  // The class a side reports when not its own (a NAT check that cannot see
  // what blocks the peers: it reached the rendezvous's sockets).
  std::optional<Side> a_reports, b_reports;
};

struct Outcome {
  Path path = Path::none;
  double connect_ms = 0;
  std::uint64_t probes = 0;  // datagrams both peers sent other than to the rendezvous's address
  rendezvous::PathStrategy strategy = rendezvous::PathStrategy::direct;
  rendezvous::BirthdayStats birthday_a, birthday_b;  // the target's and the initiator's traversal
  std::size_t sockets_left = 0;  // extra sockets still open on both sides at the end (the session's kept one)
  rendezvous::IntroducerServiceStats introducer;
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
  // The notices go to the registered peers (as ControlService would, on
  // their control flows): after one link delay.
  std::map<SessionHandle, std::pair<CountingNode*, sim::HostId>> told_to;
  service.set_notice_sink([&](TimePoint now, const rendezvous::IntroductionNotice& n) {
    told = n.plan.strategy;
    auto it = told_to.find(n.session);
    if (it == told_to.end()) return;
    auto order = rendezvous::control::birthday_order(rendezvous::control::introduction_message(n));
    if (!order) return;
    auto [node, id] = it->second;
    net.at(now + 20ms, [&net, node, id, o = *order] {
      node->birthday->on_order(net.now(), o);
      net.wake(id);
    });
  });
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
  const sim::HostId rv_id = net.add_host(rv, RendezvousHost::locals());
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
    EndpointConfig pc;
    pc.report_forwarded_ihellos = true;  // the FIHello's tag, for the birthday traversal's RHellos
    p.node = std::make_unique<CountingNode>(std::make_unique<EndpointNode>(me, make_ep(pc, n, p.rng, p.profile)));
    const auto locals = SimSocketPool::addresses(me);
    p.node->node().interfaces = locals;
    p.node->pool = std::make_unique<SimSocketPool>(locals.size() - 1);
    p.node->birthday = std::make_unique<rendezvous::BirthdayTraversal>(p.node->node().endpoint(), p.node->pool.get(),
                                                                       seed * 31 + n);
    p.node->birthday->set_enabled(opt.birthday);
    p.node->node().sinks.push_back([bt = p.node->birthday.get()](TimePoint now, EndpointEvent& e) {
      bt->on_event(now, e);
      return false;
    });
    p.id = net.add_host(*p.node, locals);
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
  for (Peer* p : {&a, &b})
    told_to[service.registry().find(p->profile->local_peer_id())->session] = {p->node.get(), p->id};
  const SessionHandle a_session = service.registry().find(a.profile->local_peer_id())->session;
  const SessionHandle b_session = service.registry().find(b.profile->local_peer_id())->session;
  if (opt.classes_known && opt.classes_after > Duration::zero()) {
    // Announced as each node's Registration would (control_service.cpp) ...
    service.registry().expect_nat(a_session, net.now() + rendezvous::limits::kNatReportWait);
    service.registry().expect_nat(b_session, net.now() + rendezvous::limits::kNatReportWait);
    // ... and reported later (below, after the connect).
  } else if (opt.classes_known) {
    // As each node's NatReport would (rendezvous/service/control_service).
    service.registry().set_nat(a_session, nat_class(opt.a_reports.value_or(a_side)));
    service.registry().set_nat(b_session, nat_class(opt.b_reports.value_or(b_side)));
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
  if (opt.classes_known && opt.classes_after > Duration::zero())
    net.at(t0 + opt.classes_after, [&] {
      service.nat_reported(net.now(), a_session, nat_class(opt.a_reports.value_or(a_side)));
      service.nat_reported(net.now(), b_session, nat_class(opt.b_reports.value_or(b_side)));
      net.wake(rv_id);
    });
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
  o.introducer = service.stats();
  o.birthday_a = a.node->birthday->stats();
  o.birthday_b = b.node->birthday->stats();
  o.sockets_left = a.node->pool->in_use() + b.node->pool->in_use();
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
