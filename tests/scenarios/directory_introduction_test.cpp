// Introductions across two rendezvous instances sharing one directory
// (issue 12 §4) in the simulator: peer a registers at instance A; the
// initiator b knows only instance B. B finds a in the shared store and
// answers b's IHello with a Redirect to A (RFC 7016 §3.5.1.4); b's IHello to
// A is introduced there (Redirect + Forwarded IHello, §3.5.1.6) and the
// session opens directly between the peers, behind NATs, with loss. The
// store is a map both instances' directories write to and read from
// (in the real programs, Redis: tests/integration/directory_redis_test.cpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "rendezvous/core/directory.hpp"
#include "rendezvous/core/introducer_service.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "tests/scenarios/endpoint_node.hpp"
#include "tests/scenarios/nat_sides.hpp"
#include "tests/sim/network.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;

struct Host {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<CryptoProfile> profile;
  std::unique_ptr<EndpointNode> node;
  sim::HostId id = 0;
  Endpoint& ep() { return node->endpoint(); }
};

// The shared store: applied at once (a store that answers within the event).
struct Store {
  std::map<PeerId, Bytes> entries;
  std::uint64_t lookups = 0;
  void serve(TimePoint now, rendezvous::IntroducerService& s) {
    while (auto c = s.directory()->poll_command()) {
      if (auto* p = std::get_if<rendezvous::DirectoryPublish>(&*c)) {
        entries[p->peer] = p->value;
      } else if (auto* r = std::get_if<rendezvous::DirectoryRemove>(&*c)) {
        if (auto it = entries.find(r->peer); it != entries.end() && it->second == r->value) entries.erase(it);
      } else if (auto* l = std::get_if<rendezvous::DirectoryLookup>(&*c)) {
        ++lookups;
        rendezvous::DirectoryLookupResult res{l->peer, true, std::nullopt};
        if (auto it = entries.find(l->peer); it != entries.end()) res.value = it->second;
        s.on_directory_result(now, res);
      }
    }
  }
};

struct Outcome {
  bool opened = false, direct = false;
  double connect_ms = 0;
  std::uint64_t redirects = 0, introductions = 0;
};

Outcome run(Side a_side, Side b_side, double loss, std::uint64_t seed) {
  sim::Network net(seed);
  const auto rv_a = SocketAddress::ipv4(198, 51, 100, 1, 1935);
  const auto rv_b = SocketAddress::ipv4(198, 51, 100, 2, 1935);
  const auto a_priv = SocketAddress::ipv4(192, 168, 1, 2, 5000);
  const auto b_priv = SocketAddress::ipv4(192, 168, 2, 2, 6000);
  const auto a_pub = SocketAddress::ipv4(203, 0, 113, 1, 0);
  const auto b_pub = SocketAddress::ipv4(203, 0, 113, 2, 0);
  auto make = [&](SocketAddress at_addr, EndpointConfig cfg, std::uint64_t n) {
    auto h = std::make_unique<Host>();
    h->rng = std::make_unique<SeededRandom>(seed * 1000003 + n);
    crypto::ModernConfig mc;
    mc.stable_initiator_identity = true;
    auto p = crypto::ModernProfile::create(mc, *h->rng);
    EXPECT_TRUE(p.has_value());
    h->profile = std::move(*p);
    auto ep = std::make_unique<Endpoint>(cfg, *h->rng);
    ep->add_profile(*h->profile);
    h->node = std::make_unique<EndpointNode>(at_addr, std::move(ep));
    h->id = net.add_host(*h->node, at_addr);
    return h;
  };
  EndpointConfig rc;
  rc.report_unmatched_ihellos = true;
  auto A = make(rv_a, rc, 1);
  auto B = make(rv_b, rc, 2);
  auto a = make(a_priv, {}, 3);
  auto b = make(b_priv, {}, 4);
  SipKey key{};
  key[0] = static_cast<std::uint8_t>(seed);
  rendezvous::IntroducerService svc_a(A->ep(), key), svc_b(B->ep(), key);
  rendezvous::DirectoryConfig da, db;
  da.instance = {rv_a};
  db.instance = {rv_b};
  rendezvous::Directory dir_a(da, key), dir_b(db, key);
  svc_a.attach_directory(&dir_a);
  svc_b.attach_directory(&dir_b);
  Store store;
  A->node->sinks.push_back([&](TimePoint now, EndpointEvent& e) {
    const bool used = svc_a.on_event(now, e);
    store.serve(now, svc_a);
    return used;
  });
  B->node->sinks.push_back([&](TimePoint now, EndpointEvent& e) {
    const bool used = svc_b.on_event(now, e);
    store.serve(now, svc_b);
    return used;
  });

  sim::PipeConfig link;
  link.delay = 20ms;
  link.rate_bps = 10'000'000;
  link.loss = loss;
  auto behind = [&](Side s, SocketAddress pub, SocketAddress priv, std::uint16_t first_port) {
    sim::NatConfig nc;
    nc.type = nat_type(s);
    nc.public_ip = pub;
    nc.first_port = first_port;
    net.put_behind(net.add_nat(nc), priv);
  };
  behind(a_side, a_pub, a_priv, 40000);
  behind(b_side, b_pub, b_priv, 50000);
  for (auto p : {a_pub, b_pub}) {
    net.connect(p, rv_a, link);
    net.connect(p, rv_b, link);
  }
  net.connect(a_pub, b_pub, link);

  Outcome o;
  ConnectRequest reg;
  reg.profile = ProfileKind::modern;
  reg.epd.peer_id = A->profile->local_peer_id();
  reg.candidates = {rv_a};
  if (!a->ep().connect(net.now(), reg)) return o;
  net.wake(a->id);
  const PeerId a_id = a->profile->local_peer_id();
  if (!net.run_until([&] { return store.entries.contains(a_id); }, net.now() + 100s)) {
    ADD_FAILURE() << "seed=" << seed << ": a was never published";
    return o;
  }

  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.peer_id = a_id;
  r.candidates = {rv_b};  // the instance a is NOT registered at
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
      t0 + 60s);
  for (auto& e : b->node->events) {
    if (auto* op = std::get_if<SessionOpened>(&e); op && op->session == *h) {
      o.opened = true;
      o.direct = op->peer != rv_a && op->peer != rv_b && op->far_peer_id == a_id;
      o.connect_ms = std::chrono::duration<double, std::milli>(net.now() - t0).count();
    }
  }
  o.redirects = svc_b.stats().directory_redirects;
  o.introductions = svc_a.stats().introductions;
  return o;
}

TEST(DirectoryIntroduction, APeerRegisteredAtAnotherInstanceIsReachedThroughItsRedirect) {
  const std::pair<Side, Side> pairs[] = {{Side::full_cone, Side::full_cone},
                                         {Side::port_restricted, Side::port_restricted},
                                         {Side::address_restricted, Side::symmetric}};
  std::uint64_t seed = 31000;
  for (double loss : {0.0, 0.05}) {
    for (auto [as, bs] : pairs) {
      sim::Samples ms;
      int opened = 0;
      const int seeds = 10;
      for (int i = 0; i < seeds; ++i, ++seed) {
        Outcome o = run(as, bs, loss, seed);
        EXPECT_TRUE(o.opened) << side_name(as) << " <- " << side_name(bs) << " loss=" << loss << " seed=" << seed;
        if (!o.opened) continue;
        ++opened;
        ms.add(o.connect_ms);
        EXPECT_TRUE(o.direct) << "seed=" << seed;
        EXPECT_GE(o.redirects, 1u) << "seed=" << seed;
        EXPECT_GE(o.introductions, 1u) << "seed=" << seed;
        // One more round trip than an introduction by the instance itself
        // (IHello to B, its Redirect), and the lookup costs none here.
        if (loss == 0) {
          EXPECT_LE(o.connect_ms, 4 * 40.0 + 5) << "seed=" << seed;
        }
      }
      std::printf("  via the other instance, %-16s <- %-16s loss %2.0f%%: %2d/%d opened, connect ms p50=%5.0f p95=%5.0f\n",
                  side_name(as), side_name(bs), loss * 100, opened, seeds, ms.median(), ms.p95());
    }
  }
}

}  // namespace
}  // namespace rtmfp::testing
