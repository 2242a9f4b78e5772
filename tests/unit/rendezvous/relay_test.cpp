// The rendezvous's relay core (rendezvous/core/relay.hpp): ports in pairs,
// latching, strangers dropped, byte and rate caps, lifetimes, ports reused.
#include "rendezvous/core/relay.hpp"

#include <gtest/gtest.h>

namespace rtmfp::rendezvous {
namespace {

const SocketAddress kA = SocketAddress::ipv4(203, 0, 113, 1, 5000);
const SocketAddress kB = SocketAddress::ipv4(203, 0, 113, 2, 6000);

RelayConfig config() {
  RelayConfig c;
  c.first_port = 40000;
  c.last_port = 40003;  // two allocations
  return c;
}

TEST(Relay, ForwardsBothWaysAndLatchesTheFirstAddressOfEachSide) {
  Relay r(config());
  const TimePoint t = at(seconds(1));
  auto p = r.allocate(t, kA, kB);
  ASSERT_TRUE(p);
  EXPECT_NE(p->port_a, p->port_b);
  // B's endpoint-dependent NAT gives it a new port toward the relay.
  const SocketAddress b_new = SocketAddress::ipv4(203, 0, 113, 2, 7777);
  auto f = r.on_datagram(t, p->port_a, kA, Bytes(100, 1)).forward;
  ASSERT_TRUE(f);
  EXPECT_EQ(f->from_port, p->port_b);
  EXPECT_EQ(f->to, kB);  // B not heard yet: the address the introducer knew
  f = r.on_datagram(t, p->port_b, b_new, Bytes(100, 2)).forward;
  ASSERT_TRUE(f);
  EXPECT_EQ(f->from_port, p->port_a);
  EXPECT_EQ(f->to, kA);
  f = r.on_datagram(t, p->port_a, kA, Bytes(100, 1)).forward;
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to, b_new);  // latched
  // Once latched, another port of the same IP is a stranger.
  EXPECT_FALSE(r.on_datagram(t, p->port_b, kB, Bytes(100, 3)).forward);
  // Another IP never gets in.
  EXPECT_FALSE(r.on_datagram(t, p->port_a, SocketAddress::ipv4(192, 0, 2, 9, 5000), Bytes(100, 4)).forward);
  EXPECT_EQ(r.stats().dropped_stranger, 2u);
  EXPECT_EQ(r.stats().datagrams, 3u);
  EXPECT_EQ(r.stats().bytes, 300u);
  EXPECT_FALSE(r.on_datagram(t, 40999, kA, Bytes(100, 5)).forward);
  EXPECT_EQ(r.stats().dropped_unknown_port, 1u);
}

TEST(Relay, WhatRacedAheadOfASidesFirstDatagramIsDeliveredWhenItLatches) {
  // B answers (through port_b) before A's first datagram reached port_a:
  // it goes to A's address as the introducer saw it - which A's
  // endpoint-dependent NAT filters - and is held; A's first datagram from
  // its new port latches A and releases it there.
  Relay r(config());
  const TimePoint t = at(seconds(1));
  auto p = r.allocate(t, kA, kB);
  ASSERT_TRUE(p);
  const Bytes answer(80, 0xab);
  auto first = r.on_datagram(t, p->port_b, kB, answer);
  ASSERT_TRUE(first.forward);
  EXPECT_EQ(first.forward->to, kA);
  EXPECT_FALSE(first.release);
  const SocketAddress a_new = SocketAddress::ipv4(203, 0, 113, 1, 31337);
  auto second = r.on_datagram(t, p->port_a, a_new, Bytes(60, 1));
  ASSERT_TRUE(second.forward);
  EXPECT_EQ(second.forward->to, kB);  // B latched already
  ASSERT_TRUE(second.release);
  EXPECT_EQ(second.release->from_port, p->port_a);
  EXPECT_EQ(second.release->to, a_new);
  EXPECT_EQ(second.held, answer);
  // Only once.
  EXPECT_FALSE(r.on_datagram(t, p->port_a, a_new, Bytes(60, 1)).release);
}

TEST(Relay, PortsRunOutAndComeBackAfterTheUnusedLifetime) {
  Relay r(config());
  TimePoint t = at(seconds(1));
  ASSERT_TRUE(r.allocate(t, kA, kB));
  ASSERT_TRUE(r.allocate(t, kA, kB));
  EXPECT_FALSE(r.allocate(t, kA, kB));
  EXPECT_EQ(r.stats().refused_full, 1u);
  ASSERT_TRUE(r.next_deadline());
  EXPECT_EQ(*r.next_deadline(), t + config().unused_lifetime);
  t = *r.next_deadline();
  r.on_deadline(t);
  int released = 0;
  while (r.poll_released()) ++released;
  EXPECT_EQ(released, 4);
  EXPECT_EQ(r.stats().active, 0u);
  EXPECT_TRUE(r.allocate(t, kA, kB));
}

TEST(Relay, AnIdleAllocationIsReleasedAndAUsedOneLivesOn) {
  Relay r(config());
  TimePoint t = at(seconds(1));
  auto p = r.allocate(t, kA, kB);
  ASSERT_TRUE(p);
  ASSERT_TRUE(r.on_datagram(t, p->port_a, kA, Bytes(10, 6)).forward);  // used within the unused lifetime (15 s)
  for (int i = 0; i < 10; ++i) {  // traffic every 30 s keeps it (idle lifetime 60 s)
    t += seconds(30);
    ASSERT_TRUE(r.on_datagram(t, p->port_a, kA, Bytes(10, 6)).forward) << i;
    r.on_deadline(t);
  }
  EXPECT_EQ(r.stats().active, 1u);
  t += config().idle_lifetime;
  r.on_deadline(t);
  EXPECT_EQ(r.stats().active, 0u);
  EXPECT_FALSE(r.on_datagram(t, p->port_a, kA, Bytes(10, 6)).forward);
}

TEST(Relay, TheRateAndByteCapsHold) {
  RelayConfig c = config();
  c.rate_bytes_per_second = 100'000;
  c.burst_bytes = 10'000;
  c.max_bytes = 50'000;
  Relay r(c);
  TimePoint t = at(seconds(1));
  auto p = r.allocate(t, kA, kB);
  ASSERT_TRUE(p);
  int passed = 0;
  for (int i = 0; i < 20; ++i) passed += r.on_datagram(t, p->port_a, kA, Bytes(1000, 7)).forward.has_value();
  EXPECT_EQ(passed, 10);  // the burst
  EXPECT_EQ(r.stats().dropped_rate, 10u);
  // One second later: 100 kB of tokens, capped at the burst; the byte cap
  // (50 kB) ends it.
  std::uint64_t total = 10'000;
  for (int s = 0; s < 10; ++s) {
    t += seconds(1);
    for (int i = 0; i < 10; ++i)
      if (r.on_datagram(t, p->port_a, kA, Bytes(1000, 7)).forward) total += 1000;
  }
  EXPECT_EQ(total, 50'000u);
  EXPECT_GT(r.stats().dropped_cap, 0u);
}

}  // namespace
}  // namespace rtmfp::rendezvous
