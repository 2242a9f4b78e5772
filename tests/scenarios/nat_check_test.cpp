// The NAT check (rendezvous/core/nat_check.hpp) in the simulator: a
// rendezvous with two ports on each of two addresses, and a node behind
// each of the simulator's NAT types (or none), 20 ms links, 0-10% loss on
// every link, consecutive seeds. The class the node learns must be the
// NAT's (RFC 4787: mapping and filtering), within 2 s; under loss a lost
// answer may only make a class stricter, never looser, and rarely (bound
// below). The simulator's NATs do not hairpin, so hairpin must be false.
// A second matrix: a rendezvous with one address (two ports) reports the
// stricter class where addresses cannot be told from ports.
#include <gtest/gtest.h>

#include <cstdio>

#include "rendezvous/core/nat_check_responder.hpp"
#include "rendezvous/core/nat_checker.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "tests/scenarios/nat_sides.hpp"
#include "tests/scenarios/node_sim_host.hpp"
#include "tests/sim/network.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;
using rendezvous::NatBehaviour;

struct Expected {
  NatBehaviour mapping, filtering;
};
// RFC 4787 classes of the simulator's NATs (tests/sim/nat.hpp).
Expected expected(Side s, bool two_addresses) {
  using enum NatBehaviour;
  switch (s) {
    case Side::none:
    case Side::full_cone: return {endpoint_independent, two_addresses ? endpoint_independent : address_dependent};
    case Side::address_restricted: return {endpoint_independent, address_dependent};
    case Side::port_restricted: return {endpoint_independent, address_and_port_dependent};
    case Side::symmetric: return {address_and_port_dependent, address_and_port_dependent};
  }
  return {unknown, unknown};
}
int strictness(NatBehaviour b) { return static_cast<int>(b); }  // unknown < EI < AD < APD

struct Run {
  bool ok = false;
  rendezvous::NatCheckResult result;
};

struct Side_ {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<CryptoProfile> profile;
  std::unique_ptr<node::Node> node;
  std::unique_ptr<NodeSimHost> host;
  sim::HostId id = 0;
};

Run run_check(Side side, bool two_addresses, double loss, std::uint64_t seed) {
  sim::Network net(seed);
  const auto rv1 = SocketAddress::ipv4(198, 51, 100, 1, 1935), rv1b = SocketAddress::ipv4(198, 51, 100, 1, 1936);
  const auto rv2 = SocketAddress::ipv4(198, 51, 100, 2, 1935), rv2b = SocketAddress::ipv4(198, 51, 100, 2, 1936);
  const auto priv = SocketAddress::ipv4(192, 168, 1, 2, 5000);
  const auto pub_ip = SocketAddress::ipv4(203, 0, 113, 1, 0);
  auto make = [&](std::vector<SocketAddress> locals, EndpointConfig cfg, std::uint64_t n) {
    Side_ h;
    h.rng = std::make_unique<SeededRandom>(seed * 1000003 + n);
    auto p = crypto::ModernProfile::create(crypto::ModernConfig{}, *h.rng);
    EXPECT_TRUE(p.has_value());
    h.profile = std::move(*p);
    auto ep = std::make_unique<Endpoint>(cfg, *h.rng);
    ep->add_profile(*h.profile);
    h.node = std::make_unique<node::Node>(std::move(ep));
    h.host = std::make_unique<NodeSimHost>(*h.node, locals);
    h.id = net.add_host(*h.host, locals);
    return h;
  };
  EndpointConfig rc;
  rc.report_unmatched_ihellos = true;
  std::vector<SocketAddress> rv_locals{rv1, rv1b};
  if (two_addresses) rv_locals.insert(rv_locals.end(), {rv2, rv2b});
  auto rv = make(rv_locals, rc, 1);
  std::vector<rendezvous::NatCheckSocket> socks;
  for (std::size_t i = 0; i < rv_locals.size(); ++i) socks.push_back({static_cast<InterfaceId>(i), rv_locals[i]});
  rendezvous::NatCheckResponder responder(rv.node->endpoint(), socks);
  EXPECT_TRUE(rv.node->add_service(responder));

  const bool is_public = side == Side::none;
  const SocketAddress me = is_public ? SocketAddress::ipv4(203, 0, 113, 1, 5000) : priv;
  auto client = make({me}, EndpointConfig{}, 2);
  rendezvous::NatCheckerConfig cc;
  cc.server = rv1;
  rendezvous::NatChecker checker(client.node->endpoint(), *client.rng, cc);
  EXPECT_TRUE(client.node->add_service(checker));
  if (!is_public) {
    sim::NatConfig nc;
    nc.type = nat_type(side);
    nc.public_ip = pub_ip;
    net.put_behind(net.add_nat(nc), priv);
  }
  sim::PipeConfig link;
  link.delay = 20ms;
  link.rate_bps = 10'000'000;
  link.loss = loss;
  net.connect(pub_ip, rv1, link);
  if (two_addresses) net.connect(pub_ip, rv2, link);

  rv.node->start(net.now());
  client.node->start(net.now());
  checker.start(net.now());
  net.wake(client.id);
  Run r;
  r.ok = net.run_until([&] { return checker.result().has_value(); }, net.now() + 10s);
  if (r.ok) r.result = *checker.result();
  return r;
}


// Runs `seeds` consecutive seeds per NAT type; returns the number of runs
// whose class differs from the NAT's (each such difference must be stricter).
int run_matrix(bool two_addresses, double loss, int seeds, std::uint64_t first_seed) {
  std::printf("NAT check, rendezvous with %s, %.0f%% loss, %d seeds each (20 ms links):\n",
              two_addresses ? "two addresses x two ports" : "one address x two ports", loss * 100, seeds);
  int wrong = 0;
  std::uint64_t seed = first_seed;
  for (Side side : kSides) {
    const Expected want = expected(side, two_addresses);
    sim::Samples ms;
    int right = 0;
    for (int i = 0; i < seeds; ++i, ++seed) {
      Run r = run_check(side, two_addresses, loss, seed);
      SCOPED_TRACE(std::string(side_name(side)) + " seed=" + std::to_string(seed));
      if (!r.ok || !r.result.ok) {
        ADD_FAILURE() << (r.ok ? "check failed: " + r.result.error : std::string("no result within 10 s"));
        ++wrong;
        continue;
      }
      const auto& nat = r.result.nat;
      ms.add(std::chrono::duration<double, std::milli>(r.result.elapsed).count());
      EXPECT_LE(r.result.elapsed, 2s);
      EXPECT_FALSE(nat.hairpin);
      EXPECT_EQ(nat.address_tested, two_addresses);
      EXPECT_FALSE(nat.reflexive.empty());
      if (side != Side::symmetric) EXPECT_EQ(nat.reflexive.size(), 1u);
      if (nat.mapping == want.mapping && nat.filtering == want.filtering) {
        ++right;
        continue;
      }
      ++wrong;
      // Loss may hide an answer: the class can only get stricter.
      EXPECT_GE(strictness(nat.filtering), strictness(want.filtering));
      EXPECT_TRUE(nat.mapping == want.mapping || nat.mapping == NatBehaviour::unknown)
          << rendezvous::nat_behaviour_name(nat.mapping);
      if (loss == 0) ADD_FAILURE() << "wrong class without loss: " << rendezvous::nat_behaviour_name(nat.mapping)
                                   << " / " << rendezvous::nat_behaviour_name(nat.filtering);
    }
    std::printf("  %-16s -> mapping %-26s filtering %-26s %2d/%d right  ms p50=%5.0f p95=%5.0f\n",
                side_name(side), rendezvous::nat_behaviour_name(want.mapping),
                rendezvous::nat_behaviour_name(want.filtering), right, seeds, ms.median(), ms.percentile(95));
  }
  return wrong;
}

TEST(NatCheck, EveryNatTypeIsClassifiedWithoutLoss) {
  EXPECT_EQ(run_matrix(true, 0.0, 4, 1), 0);
  EXPECT_EQ(run_matrix(false, 0.0, 4, 101), 0);
}

TEST(NatCheck, UnderFivePercentLossEveryClassIsRight) {
  // 200 runs: resends every 100 ms within 600 ms windows leave a run's
  // answer lost with a probability near 1e-4.
  EXPECT_LE(run_matrix(true, 0.05, 40, 1001), 0);
}

TEST(NatCheck, UnderTenPercentLossAtMostOneRunInAHundredIsStricter) {
  EXPECT_LE(run_matrix(true, 0.10, 40, 2001), 2);
}

}  // namespace
}  // namespace rtmfp::testing
