// The introducer's strategy table (rendezvous/core/path_strategy.hpp), the
// NAT check's port-allocation inference (nat_check.hpp), port prediction
// and the birthday pacer (port_prediction.hpp).
#include "rendezvous/core/path_strategy.hpp"

#include <gtest/gtest.h>

#include <set>

#include "rendezvous/core/port_prediction.hpp"

namespace rtmfp::rendezvous {
namespace {

using enum NatBehaviour;

NatProfile eim(NatBehaviour filtering) { return {endpoint_independent, filtering}; }
NatProfile edm(PortAllocation a, std::int32_t delta = 0) {
  NatProfile p{address_and_port_dependent, address_and_port_dependent};
  p.allocation = a;
  p.port_delta = delta;
  return p;
}
NatProfile blocked() {
  NatProfile p;
  p.udp_blocked = true;
  return p;
}

TEST(PathStrategy, TheTableIsSymmetricAndCoversEveryKind) {
  for (int a = 0; a < kNatKinds; ++a)
    for (int b = 0; b < kNatKinds; ++b)
      EXPECT_EQ(strategy_for(NatKind(a), NatKind(b)), strategy_for(NatKind(b), NatKind(a)))
          << nat_kind_name(NatKind(a)) << " / " << nat_kind_name(NatKind(b));
}

TEST(PathStrategy, ClassesGiveTheIssuesStrategies) {
  const auto seq = edm(PortAllocation::sequential, 1), rnd = edm(PortAllocation::random);
  // Endpoint-independent on both sides: direct, whatever the filtering.
  for (auto f1 : {endpoint_independent, address_dependent, address_and_port_dependent})
    for (auto f2 : {endpoint_independent, address_dependent, address_and_port_dependent})
      EXPECT_EQ(choose_path(eim(f1), eim(f2), true), PathStrategy::direct);
  // A lenient side accepts the hard side's new port.
  EXPECT_EQ(choose_path(eim(address_dependent), rnd, true), PathStrategy::direct);
  EXPECT_EQ(choose_path(seq, eim(endpoint_independent), true), PathStrategy::direct);
  // Port filtering against endpoint-dependent: guess the port.
  auto plan = plan_traversal(seq, eim(address_and_port_dependent), true);
  EXPECT_EQ(plan.strategy, PathStrategy::predict);
  EXPECT_EQ(plan.hard, HardSide::initiator);
  EXPECT_TRUE(plan.relay_later);
  plan = plan_traversal(eim(address_and_port_dependent), rnd, true);
  EXPECT_EQ(plan.strategy, PathStrategy::birthday);
  EXPECT_EQ(plan.hard, HardSide::target);
  EXPECT_TRUE(plan.relay_later);
  // A sequential NAT whose step is unknown cannot be predicted.
  EXPECT_EQ(choose_path(edm(PortAllocation::sequential, 0), eim(address_and_port_dependent), true),
            PathStrategy::birthday);
  // Both endpoint-dependent (any allocation or filtering), or UDP blocked: relay at once.
  NatProfile edm_adf{address_dependent, address_dependent};
  for (auto [a, b] : {std::pair{seq, rnd}, std::pair{seq, seq}, std::pair{rnd, rnd}, std::pair{edm_adf, edm_adf}}) {
    plan = plan_traversal(a, b, true);
    EXPECT_EQ(plan.strategy, PathStrategy::relay);
    EXPECT_TRUE(plan.relay_now);
  }
  EXPECT_EQ(choose_path(blocked(), eim(endpoint_independent), true), PathStrategy::relay);
  EXPECT_EQ(choose_path(std::nullopt, blocked(), true), PathStrategy::relay);
  // Unknown: race.
  EXPECT_EQ(choose_path(std::nullopt, eim(endpoint_independent), true), PathStrategy::race);
  EXPECT_EQ(choose_path(NatProfile{}, seq, true), PathStrategy::race);
  // Without a relay, punching (with its guesses) is all there is.
  EXPECT_EQ(choose_path(seq, rnd, false), PathStrategy::direct);
  EXPECT_EQ(choose_path(std::nullopt, seq, false), PathStrategy::direct);
  plan = plan_traversal(seq, eim(address_and_port_dependent), false);
  EXPECT_EQ(plan.strategy, PathStrategy::predict);
  EXPECT_FALSE(plan.relay_later);
}

TEST(NatCheckAllocation, SequentialAndRandomFromTheMappingsPorts) {
  NatObservations o;
  o.reflexive = SocketAddress::ipv4(203, 0, 113, 1, 40000);
  o.other_port = SocketAddress::ipv4(198, 51, 100, 1, 1936);
  o.other_address = SocketAddress::ipv4(198, 51, 100, 2, 1935);
  o.reflexive_other_port = SocketAddress::ipv4(203, 0, 113, 1, 40002);
  o.reflexive_other_address = SocketAddress::ipv4(203, 0, 113, 1, 40004);
  auto c = classify(o);
  EXPECT_EQ(c.mapping, address_and_port_dependent);
  EXPECT_EQ(c.allocation, PortAllocation::sequential);
  EXPECT_EQ(c.port_delta, 2);
  EXPECT_EQ(c.last_port, 40004);
  EXPECT_EQ(profile_of(c).allocation, PortAllocation::sequential);
  // A third port off the step: not a sequence.
  o.reflexive_other_address = SocketAddress::ipv4(203, 0, 113, 1, 40003);
  EXPECT_EQ(classify(o).allocation, PortAllocation::random);
  // Far apart: random.
  o.reflexive_other_port = SocketAddress::ipv4(203, 0, 113, 1, 51234);
  o.reflexive_other_address = SocketAddress::ipv4(203, 0, 113, 1, 2999);
  c = classify(o);
  EXPECT_EQ(c.allocation, PortAllocation::random);
  EXPECT_EQ(c.port_delta, 0);
  // Endpoint-independent: no allocation to speak of.
  o.reflexive_other_port = o.reflexive;
  o.reflexive_other_address = o.reflexive;
  EXPECT_EQ(classify(o).allocation, PortAllocation::unknown);
}

TEST(NatCheckAllocation, OnlyTheFirstSocketAnsweringMeansUdpBlocked) {
  NatObservations o;
  o.reflexive = SocketAddress::ipv4(203, 0, 113, 1, 40000);
  o.other_port = SocketAddress::ipv4(198, 51, 100, 1, 1936);
  auto c = classify(o);
  EXPECT_TRUE(c.udp_blocked);
  EXPECT_EQ(nat_kind(profile_of(c)), NatKind::blocked);
  o.reflexive_other_port = o.reflexive;  // the other port answered the mapping test
  EXPECT_FALSE(classify(o).udp_blocked);
  NatObservations alone;  // a server with one socket: nothing to conclude
  alone.reflexive = o.reflexive;
  EXPECT_FALSE(classify(alone).udp_blocked);
}

TEST(PortPrediction, TheNextPortsFromTheLastOneSeen) {
  auto p = edm(PortAllocation::sequential, 2);
  p.last_port = 40004;
  EXPECT_EQ(predicted_ports(p, 1, 3), (std::vector<std::uint16_t>{40006, 40008, 40010}));
  p.last_port = 0;  // unknown: from the reflexive port the rendezvous sees
  EXPECT_EQ(predicted_ports(p, 50000, 2), (std::vector<std::uint16_t>{50002, 50004}));
  p.port_delta = -1;
  p.last_port = 1025;
  EXPECT_EQ(predicted_ports(p, 0, 4), (std::vector<std::uint16_t>{1024}));  // below 1024 skipped
  p.port_delta = 0;
  EXPECT_TRUE(predicted_ports(p, 50000).empty());
  p.port_delta = 16;
  p.last_port = 65500;
  EXPECT_EQ(predicted_ports(p, 0, 6), (std::vector<std::uint16_t>{65516, 65532}));
}

TEST(BirthdayPacer, PacedCappedDistinctAndStoppedOnSuccess) {
  BirthdayPlan plan;
  plan.max_probes = 50;
  plan.probes_per_second = 100;
  EXPECT_NEAR(birthday_hit_probability(BirthdayPlan{}), 0.983, 0.002);
  const TimePoint t0{};
  BirthdayPacer pacer(plan, t0, 7);
  std::set<std::uint16_t> ports;
  // At t0 exactly one probe is due; the next 10 ms later.
  ASSERT_TRUE(pacer.next_probe(t0));
  EXPECT_FALSE(pacer.next_probe(t0));
  EXPECT_EQ(pacer.next_deadline(), t0 + milliseconds(10));
  // A second later: 100 due, but capped at 50 in all.
  TimePoint t = t0 + seconds(1);
  while (auto p = pacer.next_probe(t)) {
    EXPECT_GE(*p, 1024);
    ports.insert(*p);
  }
  EXPECT_EQ(pacer.sent(), 50u);
  EXPECT_EQ(ports.size(), 49u);  // distinct (the first one not collected here)
  EXPECT_FALSE(pacer.next_deadline());
  // Stopped on success.
  BirthdayPacer again(plan, t0, 8);
  again.on_success();
  EXPECT_FALSE(again.next_probe(t0 + seconds(5)));
  // And by time: at 100/s for at most 200 ms, 20 probes.
  plan.max_probes = 1000;
  plan.max_time = milliseconds(200);
  BirthdayPacer timed(plan, t0, 9);
  while (timed.next_probe(t0 + seconds(10))) {
  }
  EXPECT_EQ(timed.sent(), 20u);
}

}  // namespace
}  // namespace rtmfp::rendezvous
