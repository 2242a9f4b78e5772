#include "rendezvous/core/introducer.hpp"

#include <gtest/gtest.h>

namespace rtmfp::rendezvous {
namespace {

PeerId pid(std::uint8_t n) {
  PeerId p{};
  p.fill(n);
  return p;
}
const SipKey kKey{};

IntroductionRequest request(std::uint8_t target, unsigned tag, SocketAddress from) {
  IntroductionRequest q;
  q.profile = ProfileKind::flash;
  q.target = pid(target);
  q.epd = {0x21, 0x0f};
  q.tag = Bytes(16, static_cast<std::uint8_t>(tag));
  q.tag[0] = static_cast<std::uint8_t>(tag >> 8);
  q.tag[1] = static_cast<std::uint8_t>(tag >> 16);
  q.from = from;
  return q;
}

struct World {
  Registry registry{kKey};
  Introducer introducer;
  SocketAddress responder_public = SocketAddress::ipv4(203, 0, 113, 10, 40000);
  World() {
    EXPECT_TRUE(registry.add(at(seconds(0)), 7, pid(1), ProfileKind::flash, responder_public));
    EXPECT_TRUE(registry.set_host_addresses(
        7, {SocketAddress::ipv4(192, 168, 1, 10, 1935), *SocketAddress::parse("[2001:db8::10]:1935")}));
  }
};

TEST(Introducer, ARegisteredPeerGetsARedirectAndAForwardedIHello) {
  World w;
  auto initiator = SocketAddress::ipv4(198, 51, 100, 20, 50000);
  auto intro = w.introducer.introduce(at(seconds(1)), request(1, 0xaa, initiator), w.registry);
  ASSERT_TRUE(intro);
  // §3.5.1.6: the Redirect lists at least the responder's public address.
  ASSERT_EQ(intro->redirect.size(), 3u);
  EXPECT_EQ(intro->redirect[0].address, w.responder_public);
  EXPECT_EQ(intro->redirect[0].origin, wire::AddressOrigin::observed);
  EXPECT_EQ(intro->redirect[1].address, SocketAddress::ipv4(192, 168, 1, 10, 1935));
  EXPECT_EQ(intro->redirect[1].origin, wire::AddressOrigin::local);
  EXPECT_TRUE(intro->redirect[2].address.v6);  // other family last
  // §3.5.1.5: the FIHello carries the IHello's source as the reply address.
  EXPECT_EQ(intro->forward_session, 7u);
  EXPECT_EQ(intro->reply_address.address, initiator);
  EXPECT_EQ(intro->reply_address.origin, wire::AddressOrigin::observed);
  EXPECT_EQ(w.introducer.stats().introductions, 1u);
}

TEST(Introducer, BehindTheSameNatHostAddressesComeFirst) {
  World w;
  auto initiator = SocketAddress::ipv4(203, 0, 113, 10, 40001);  // same public IP
  auto intro = w.introducer.introduce(at(seconds(1)), request(1, 0xaa, initiator), w.registry);
  ASSERT_TRUE(intro);
  EXPECT_EQ(intro->redirect[0].address, SocketAddress::ipv4(192, 168, 1, 10, 1935));
  EXPECT_EQ(intro->redirect[1].address, w.responder_public);
}

TEST(Introducer, AnIpv6InitiatorGetsIpv6AddressesFirst) {
  World w;
  auto initiator = *SocketAddress::parse("[2001:db8::99]:5000");
  auto intro = w.introducer.introduce(at(seconds(1)), request(1, 0xaa, initiator), w.registry);
  ASSERT_TRUE(intro);
  EXPECT_TRUE(intro->redirect[0].address.v6);
}

TEST(Introducer, UnknownPeersNoFingerprintAndTheOtherProfileStaySilent) {
  World w;
  auto initiator = SocketAddress::ipv4(198, 51, 100, 20, 50000);
  auto unknown = w.introducer.introduce(at(seconds(1)), request(2, 1, initiator), w.registry);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), Refusal::unknown_peer);
  auto q = request(1, 2, initiator);
  q.target.reset();
  EXPECT_EQ(w.introducer.introduce(at(seconds(1)), q, w.registry).error(), Refusal::no_fingerprint);
  q = request(1, 3, initiator);
  q.profile = ProfileKind::modern;
  EXPECT_EQ(w.introducer.introduce(at(seconds(1)), q, w.registry).error(), Refusal::wrong_profile);
  EXPECT_EQ(w.introducer.stats().introductions, 0u);
  EXPECT_EQ(w.introducer.stats().refused[static_cast<int>(Refusal::unknown_peer)], 1u);
}

TEST(Introducer, ACopyOfTheSameTagInsideTheRepeatIntervalIsNotForwardedAgainButARetryIs) {
  World w;
  auto initiator = SocketAddress::ipv4(198, 51, 100, 20, 50000);
  ASSERT_TRUE(w.introducer.introduce(at(seconds(1)), request(1, 5, initiator), w.registry));
  auto copy = w.introducer.introduce(at(seconds(1) + milliseconds(10)), request(1, 5, initiator), w.registry);
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error(), Refusal::repeat);
  // The initiator's first retransmission comes 1.5 s later (§3.5.1.1.1).
  EXPECT_TRUE(w.introducer.introduce(at(seconds(1) + milliseconds(1500)), request(1, 5, initiator), w.registry));
}

TEST(Introducer, OneSourceIsRateLimited) {
  World w;
  auto initiator = SocketAddress::ipv4(198, 51, 100, 20, 50000);
  int ok = 0;
  for (int i = 0; i < 1000; ++i)
    if (w.introducer.introduce(at(seconds(1)), request(1, static_cast<unsigned>(i), initiator), w.registry)) ++ok;
  // 1000 distinct tags at one instant: the source burst allows kSourceBurst.
  EXPECT_EQ(ok, static_cast<int>(limits::kSourceBurst));
  // One second later the bucket has refilled kSourceRatePerSecond tokens.
  int later = 0;
  for (int i = 0; i < 100; ++i)
    if (w.introducer.introduce(at(seconds(2)), request(1, static_cast<unsigned>(i + 5000), initiator), w.registry))
      ++later;
  EXPECT_EQ(later, static_cast<int>(limits::kSourceRatePerSecond));
}

TEST(Introducer, ManySourcesCannotFloodOneTarget) {
  World w;
  int forwarded = 0;
  for (int i = 0; i < 5000; ++i) {
    auto from = SocketAddress::ipv4(198, 51, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 50000);
    if (w.introducer.introduce(at(seconds(10)), request(1, static_cast<unsigned>(i), from), w.registry)) ++forwarded;
  }
  EXPECT_EQ(forwarded, static_cast<int>(limits::kTargetBurst));
  // Over 10 s of a sustained flood, the target receives at most burst + rate x 10.
  int total = forwarded;
  for (int t = 1; t <= 100; ++t)
    for (int i = 0; i < 50; ++i) {
      auto from = SocketAddress::ipv4(198, 18, static_cast<std::uint8_t>(t), static_cast<std::uint8_t>(i), 1);
      if (w.introducer.introduce(at(seconds(10) + milliseconds(100 * t)), request(1, static_cast<unsigned>(t * 100 + i + 10000), from), w.registry))
        ++total;
    }
  EXPECT_LE(total, static_cast<int>(limits::kTargetBurst + limits::kTargetRatePerSecond * 10 + 1));
  EXPECT_GE(total, static_cast<int>(limits::kTargetRatePerSecond * 10));
}

TEST(Introducer, APeerAskingForItselfFromItsOwnAddressIsRefused) {
  World w;
  auto self = w.introducer.introduce(at(seconds(1)), request(1, 1, w.responder_public), w.registry);
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error(), Refusal::self);
}

TEST(TokenBuckets, TheTableIsBoundedAndEvictsTheLeastRecentlyUsed) {
  TokenBuckets<int> b(1.0, 1.0, 4);
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(b.take(at(seconds(0)), k));
  EXPECT_FALSE(b.take(at(seconds(0)), 0));  // 0 is now most recent
  EXPECT_TRUE(b.take(at(seconds(0)), 4));   // evicts 1 (least recent)
  EXPECT_EQ(b.size(), 4u);
  EXPECT_TRUE(b.take(at(seconds(0)), 1));   // 1 starts full again
  EXPECT_FALSE(b.take(at(seconds(0)), 0));  // 0 was kept
}

}  // namespace
}  // namespace rtmfp::rendezvous
