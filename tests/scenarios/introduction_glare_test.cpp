// Glare through an introducer (issue 11 §4; RFC 7016 §3.5.1.3 with
// §3.5.1.6): two registered peers, each behind a port-restricted NAT, ask
// the rendezvous for each other at (nearly) the same moment. The two
// introductions cross: each peer receives the other's Forwarded IHello
// while its own IHellos are out. Whatever the offset and with loss, they
// must end with exactly one session between them and both connect() calls
// completing on it: with SessionOpened (one of them by glare), or - when
// the other's session opened first - with the duplicate answer of
// §3.5.1.1.1 step 1 (SessionOpenFailed naming the existing session to use).
#include <gtest/gtest.h>

#include "rendezvous/core/introducer_service.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "tests/scenarios/endpoint_node.hpp"
#include "tests/sim/network.hpp"

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

std::string run(std::uint64_t seed, Duration offset, double loss) {
  sim::Network net(seed);
  const auto rv_addr = SocketAddress::ipv4(198, 51, 100, 1, 1935);
  const auto a_priv = SocketAddress::ipv4(192, 168, 1, 2, 5000), b_priv = SocketAddress::ipv4(192, 168, 2, 2, 6000);
  const auto a_pub = SocketAddress::ipv4(203, 0, 113, 1, 0), b_pub = SocketAddress::ipv4(203, 0, 113, 2, 0);
  auto make = [&](SocketAddress at, EndpointConfig cfg, std::uint64_t n) {
    Host h;
    h.rng = std::make_unique<SeededRandom>(seed * 1000003 + n);
    crypto::ModernConfig mc;
    mc.stable_initiator_identity = true;  // found, and found again, under one identity
    h.profile = std::move(*crypto::ModernProfile::create(mc, *h.rng));
    auto ep = std::make_unique<Endpoint>(cfg, *h.rng);
    ep->add_profile(*h.profile);
    h.node = std::make_unique<EndpointNode>(at, std::move(ep));
    h.id = net.add_host(*h.node, at);
    return h;
  };
  EndpointConfig rc;
  rc.report_unmatched_ihellos = true;
  Host rv = make(rv_addr, rc, 1), a = make(a_priv, {}, 2), b = make(b_priv, {}, 3);
  SipKey key{};
  key[0] = static_cast<std::uint8_t>(seed);
  rendezvous::IntroducerService service(rv.ep(), key);
  rv.node->sinks.push_back([&](TimePoint now, EndpointEvent& e) { return service.on_event(now, e); });
  for (auto [priv, pub, first] : {std::tuple{a_priv, a_pub, 41000}, std::tuple{b_priv, b_pub, 51000}}) {
    sim::NatConfig nc;
    nc.type = sim::NatType::PortRestricted;
    nc.public_ip = pub;
    nc.first_port = static_cast<std::uint16_t>(first);
    net.put_behind(net.add_nat(nc), priv);
  }
  sim::PipeConfig link;
  link.delay = 20ms;
  link.rate_bps = 10'000'000;
  link.loss = loss;
  net.connect(a_pub, rv_addr, link);
  net.connect(b_pub, rv_addr, link);
  net.connect(a_pub, b_pub, link);
  auto to = [&](const PeerId& id) {
    ConnectRequest r;
    r.profile = ProfileKind::modern;
    r.epd.peer_id = id;
    r.candidates = {rv_addr};
    return r;
  };
  for (Host* h : {&a, &b}) {
    if (!h->ep().connect(net.now(), to(rv.profile->local_peer_id()))) return "registration connect failed";
    net.wake(h->id);
  }
  if (!net.run_until([&] { return service.registry().size() == 2; }, net.now() + 100s)) return "not registered";
  const auto a_id = a.profile->local_peer_id(), b_id = b.profile->local_peer_id();
  const TimePoint t0 = net.now();
  auto ha = a.ep().connect(t0, to(b_id));
  net.wake(a.id);
  if (offset > Duration{}) net.run_until([] { return false; }, t0 + offset);
  auto hb = b.ep().connect(net.now(), to(a_id));
  net.wake(b.id);
  if (!ha || !hb) return "connect() failed";
  auto done = [](EndpointNode& n, SessionHandle h) {
    for (auto& e : n.events) {
      if (auto* o = std::get_if<SessionOpened>(&e); o && o->session == h) return true;
      if (auto* f = std::get_if<SessionOpenFailed>(&e); f && f->session == h) return true;
    }
    return false;
  };
  net.run_until([&] { return done(*a.node, *ha) && done(*b.node, *hb); }, t0 + 120s);
  net.run_until([] { return false; }, net.now() + 5s);  // let any second session show itself

  std::string why;
  // The session a connect() completed on: its own handle, or the existing
  // one a duplicate names.
  auto completed_on = [&](EndpointNode& n, SessionHandle h) -> std::optional<SessionHandle> {
    for (auto& e : n.events) {
      if (auto* o = std::get_if<SessionOpened>(&e); o && o->session == h) return h;
      if (auto* f = std::get_if<SessionOpenFailed>(&e); f && f->session == h && f->existing) return *f->existing;
    }
    return std::nullopt;
  };
  auto check = [&](const char* who, Host& self, SessionHandle h, const PeerId& far) {
    auto on = completed_on(*self.node, h);
    if (!on) return why += std::string(" ") + who + "'s connect() did not complete;", void();
    auto info = self.ep().session_info(*on);
    if (!info || info->state != SessionState::S_OPEN || info->far_peer_id != far)
      why += std::string(" ") + who + "'s connect() completed on a session that is not the open one to the other;";
  };
  check("A", a, *ha, b_id);
  check("B", b, *hb, a_id);
  for (Host* h : {&a, &b})
    for (auto& e : h->node->events)
      if (auto* f = std::get_if<SessionOpenFailed>(&e); f && !f->existing) why += " failed: " + f->error.message() + ";";
  auto open_to = [&](Endpoint& ep, const PeerId& far) {
    int n = 0;
    for (auto h : ep.sessions())
      if (auto i = ep.session_info(h); i && i->state == SessionState::S_OPEN && i->far_peer_id == far) ++n;
    return n;
  };
  if (int n = open_to(a.ep(), b_id); n != 1) why += " A has " + std::to_string(n) + " sessions to B;";
  if (int n = open_to(b.ep(), a_id); n != 1) why += " B has " + std::to_string(n) + " sessions to A;";
  return why;
}

TEST(IntroductionGlare, CrossedIntroductionsEndWithOneSession) {
  std::uint64_t seed = 31000;
  for (double loss : {0.0, 0.05}) {
    for (Duration offset : {Duration{}, Duration(milliseconds(5)), Duration(milliseconds(20)), Duration(milliseconds(60))}) {
      for (int i = 0; i < 10; ++i, ++seed) {
        const std::string why = run(seed, offset, loss);
        EXPECT_TRUE(why.empty()) << "seed=" << seed << " offset=" << to_ms(offset) << " ms loss=" << loss << ":" << why;
      }
    }
  }
}

}  // namespace
}  // namespace rtmfp::testing
