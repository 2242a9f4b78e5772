// Introductions through a rendezvous in the simulator (RFC 7016 §3.5.1.6,
// Figures 16-17): a rendezvous on the public side and two peers, each
// behind a NAT of the simulator's types (or none, or both behind one NAT on a
// LAN), with 0-10% loss on every link, over consecutive seeds. Both peers
// register (a session to the rendezvous under their own identity); the
// initiator then connects to the other by peer ID with the rendezvous as its
// only candidate. Every pair that RFC 7016 punching can open must open
// directly; the others must fail (the open times out: nothing reaches the
// peer) - the hard-NAT issue relays those.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

#include "rendezvous/core/introducer_service.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "tests/scenarios/endpoint_node.hpp"
#include "tests/scenarios/nat_sides.hpp"
#include "tests/sim/network.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;

// "lan" (same_lan): both peers behind one NAT, on one LAN, reporting their
// host addresses.
// What RFC 7016 punching can open (initiator b, responder a). The FIHello
// makes a send first towards b's mapping for the rendezvous; b's IHellos go to
// a's mapping for the rendezvous. An endpoint-dependent (symmetric) mapping
// on one side is survivable only when the other side filters by address at
// most (its filter then accepts the new port).
bool punchable(Side a, Side b) {
  auto filters_port = [](Side s) { return s == Side::port_restricted || s == Side::symmetric; };
  if (a == Side::symmetric && filters_port(b)) return false;
  if (b == Side::symmetric && filters_port(a)) return false;
  return true;
}

struct Host {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<CryptoProfile> profile;
  std::unique_ptr<EndpointNode> node;
  sim::HostId id = 0;
  Endpoint& ep() { return node->endpoint(); }
};

struct Outcome {
  bool opened = false;
  bool direct = false;      // the session's far address is the peer's (not the rendezvous)
  bool failed = false;      // SessionOpenFailed
  double connect_ms = 0;
  std::uint64_t introductions = 0;
};

Outcome run_pair(Side a_side, Side b_side, bool same_lan, double loss, std::uint64_t seed) {
  sim::Network net(seed);
  const auto rv_addr = SocketAddress::ipv4(198, 51, 100, 1, 1935);
  const auto a_priv = SocketAddress::ipv4(192, 168, 1, 2, 5000);
  const auto b_priv = same_lan ? SocketAddress::ipv4(192, 168, 1, 3, 6000) : SocketAddress::ipv4(192, 168, 2, 2, 6000);
  const auto a_pub_ip = SocketAddress::ipv4(203, 0, 113, 1, 0);
  const auto b_pub_ip = same_lan ? a_pub_ip : SocketAddress::ipv4(203, 0, 113, 2, 0);
  auto make = [&](SocketAddress a, EndpointConfig cfg, std::uint64_t n) {
    auto h = std::make_unique<Host>();
    h->rng = std::make_unique<SeededRandom>(seed * 1000003 + n);
    crypto::ModernConfig mc;
    mc.stable_initiator_identity = true;  // peers are found under their own identity
    auto p = crypto::ModernProfile::create(mc, *h->rng);
    EXPECT_TRUE(p.has_value());
    h->profile = std::move(*p);
    auto ep = std::make_unique<Endpoint>(cfg, *h->rng);
    ep->add_profile(*h->profile);
    h->node = std::make_unique<EndpointNode>(a, std::move(ep));
    h->id = net.add_host(*h->node, a);
    return h;
  };
  EndpointConfig rc;
  rc.report_unmatched_ihellos = true;
  auto rv = make(rv_addr, rc, 1);
  EndpointConfig pc;  // the defaults: a pair that cannot open fails at the 95 s open timeout (§3.5.1.1.1)
  const bool a_public = a_side == Side::none && !same_lan;
  const bool b_public = b_side == Side::none && !same_lan;
  auto a = make(a_public ? SocketAddress::ipv4(203, 0, 113, 1, 5000) : a_priv, pc, 2);
  auto b = make(b_public ? SocketAddress::ipv4(203, 0, 113, 2, 6000) : b_priv, pc, 3);
  SipKey key{};
  key[0] = static_cast<std::uint8_t>(seed);
  rendezvous::IntroducerService service(rv->ep(), key);
  rv->node->sinks.push_back([&](TimePoint now, EndpointEvent& e) { return service.on_event(now, e); });

  sim::PipeConfig link;
  link.delay = 20ms;
  link.rate_bps = 10'000'000;
  link.loss = loss;
  if (same_lan) {
    sim::NatConfig nc;
    nc.type = nat_type(a_side == Side::none ? Side::port_restricted : a_side);
    nc.public_ip = a_pub_ip;
    auto& nat = net.add_nat(nc);
    net.put_behind(nat, a_priv);
    net.put_behind(nat, b_priv);
    net.connect(a_pub_ip, rv_addr, link);
    sim::PipeConfig lan = link;
    lan.delay = 1ms;
    net.connect(a_priv, b_priv, lan);
  } else {
    if (!a_public) {
      sim::NatConfig nc;
      nc.type = nat_type(a_side);
      nc.public_ip = a_pub_ip;
      nc.name = "nat-a";
      net.put_behind(net.add_nat(nc), a_priv);
    }
    if (!b_public) {
      sim::NatConfig nc;
      nc.type = nat_type(b_side);
      nc.public_ip = b_pub_ip;
      nc.first_port = 50000;
      nc.name = "nat-b";
      net.put_behind(net.add_nat(nc), b_priv);
    }
    net.connect(a_pub_ip, rv_addr, link);
    net.connect(b_pub_ip, rv_addr, link);
    net.connect(a_pub_ip, b_pub_ip, link);
  }

  // Registration: each peer opens a session to the rendezvous.
  auto reg = [&](Host& h) {
    ConnectRequest r;
    r.profile = ProfileKind::modern;
    r.epd.peer_id = rv->profile->local_peer_id();
    r.candidates = {rv_addr};
    auto s = h.ep().connect(net.now(), r);
    net.wake(h.id);
    return s.has_value();
  };
  Outcome o;
  if (!reg(*a) || !reg(*b)) return o;
  const bool registered = net.run_until(
      [&] { return service.registry().find(a->profile->local_peer_id()) && service.registry().find(b->profile->local_peer_id()); },
      net.now() + 100s);
  EXPECT_TRUE(registered) << "seed=" << seed << ": registration did not complete";
  if (!registered) return o;
  if (same_lan) {
    // Host candidates (what the control plane's Registration carries).
    const auto* rec = service.registry().find(a->profile->local_peer_id());
    EXPECT_TRUE(service.registry().set_host_addresses(rec->session, {a_priv}));
  }

  // b connects to a by peer ID through the rendezvous.
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.peer_id = a->profile->local_peer_id();
  r.candidates = {rv_addr};
  const TimePoint t0 = net.now();
  auto h = b->ep().connect(t0, r);
  if (!h) return o;
  net.wake(b->id);
  net.run_until(
      [&] {
        for (auto& e : b->node->events) {
          if (auto* op = std::get_if<SessionOpened>(&e); op && op->session == *h) return true;
          if (auto* f = std::get_if<SessionOpenFailed>(&e); f && f->session == *h) return true;
        }
        return false;
      },
      t0 + params::kUltimateOpenTimeout + 5s);
  for (auto& e : b->node->events) {
    if (auto* op = std::get_if<SessionOpened>(&e); op && op->session == *h) {
      o.opened = true;
      o.direct = op->peer != rv_addr && op->far_peer_id == a->profile->local_peer_id();
      o.connect_ms = std::chrono::duration<double, std::milli>(net.now() - t0).count();
    }
    if (auto* f = std::get_if<SessionOpenFailed>(&e); f && f->session == *h) o.failed = true;
  }
  o.introductions = service.stats().introductions;
  return o;
}


void run_matrix(double loss, int seeds, std::uint64_t first_seed) {
  std::printf("introductions at %.0f%% loss, %d seeds each (20 ms links, RTT 40 ms): responder \\ initiator\n",
              loss * 100, seeds);
  std::uint64_t seed = first_seed;
  for (Side a : kSides) {
    for (Side b : kSides) {
      const bool expect = punchable(a, b);
      sim::Samples ms;
      int opened = 0, failed = 0;
      for (int i = 0; i < seeds; ++i, ++seed) {
        Outcome o = run_pair(a, b, false, loss, seed);
        if (o.opened) {
          ++opened;
          ms.add(o.connect_ms);
          EXPECT_TRUE(o.direct) << side_name(a) << "/" << side_name(b) << " seed=" << seed;
        }
        if (o.failed) ++failed;
        if (expect) {
          EXPECT_TRUE(o.opened) << side_name(a) << " <- " << side_name(b) << " loss=" << loss << " seed=" << seed;
          EXPECT_GE(o.introductions, 1u);
        } else {
          EXPECT_FALSE(o.opened) << side_name(a) << " <- " << side_name(b) << " opened though not punchable, seed="
                                 << seed;
          EXPECT_TRUE(o.failed) << side_name(a) << " <- " << side_name(b) << ": no clear failure, seed=" << seed;
        }
      }
      std::printf("  %-16s <- %-16s %s %2d/%d opened, %2d failed clearly  connect ms p50=%6.0f p95=%6.0f\n",
                  side_name(a), side_name(b), expect ? "punchable  " : "unpunchable", opened, failed, seeds, ms.median(),
                  ms.p95());
      if (expect && loss == 0) {
        // No loss: within 3 RTT (IHello, Redirect+FIHello, RHello, IIKeying,
        // RIKeying = 2.5 RTT on equal links), no retransmission needed.
        EXPECT_LE(ms.max(), 3 * 40.0 + 5) << side_name(a) << " <- " << side_name(b);
      }
    }
  }
}

TEST(Introduction, EveryNatPairWithoutLoss) { run_matrix(0.0, 4, 11000); }
TEST(Introduction, EveryNatPairAtFivePercentLoss) { run_matrix(0.05, 20, 12000); }
TEST(Introduction, EveryNatPairAtTenPercentLoss) { run_matrix(0.10, 20, 13000); }

TEST(Introduction, BothPeersBehindOneNatConnectOverTheLanThroughHostAddresses) {
  for (Side s : {Side::full_cone, Side::port_restricted, Side::symmetric}) {
    for (std::uint64_t seed = 14000; seed < 14010; ++seed) {
      Outcome o = run_pair(s, s, true, seed % 2 ? 0.05 : 0.0, seed);
      EXPECT_TRUE(o.opened) << side_name(s) << " seed=" << seed;
      EXPECT_TRUE(o.direct) << side_name(s) << " seed=" << seed;
    }
  }
}

}  // namespace
}  // namespace rtmfp::testing
