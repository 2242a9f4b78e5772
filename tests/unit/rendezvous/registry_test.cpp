#include "rendezvous/core/registry.hpp"

#include <gtest/gtest.h>

namespace rtmfp::rendezvous {
namespace {

PeerId pid(std::uint8_t n) {
  PeerId p{};
  p.fill(n);
  return p;
}
const SipKey kKey{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

TEST(Registry, FindsAPeerByIdAndForgetsItWhenItsSessionCloses) {
  Registry r(kKey);
  auto a = SocketAddress::ipv4(198, 51, 100, 7, 40000);
  ASSERT_TRUE(r.add(at(seconds(1)), 10, pid(1), ProfileKind::flash, a));
  const PeerRecord* rec = r.find(pid(1));
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->session, 10u);
  EXPECT_EQ(rec->reflexive, a);
  EXPECT_EQ(rec->profile, ProfileKind::flash);
  EXPECT_EQ(r.find(pid(2)), nullptr);
  r.remove_session(10);
  EXPECT_EQ(r.find(pid(1)), nullptr);
  EXPECT_EQ(r.size(), 0u);
}

TEST(Registry, AReRegistrationOnANewSessionWinsAndTheOldSessionsCloseKeepsIt) {
  Registry r(kKey);
  ASSERT_TRUE(r.add(at(seconds(1)), 10, pid(1), ProfileKind::modern, SocketAddress::ipv4(192, 0, 2, 1, 1)));
  ASSERT_TRUE(r.add(at(seconds(2)), 11, pid(1), ProfileKind::modern, SocketAddress::ipv4(192, 0, 2, 1, 2)));
  EXPECT_EQ(r.find(pid(1))->session, 11u);
  r.remove_session(10);  // the restarted node's old session times out later
  ASSERT_NE(r.find(pid(1)), nullptr);
  EXPECT_EQ(r.find(pid(1))->session, 11u);
}

TEST(Registry, IsBoundedAndRefusesPastItsSize) {
  Registry r(kKey, 3);
  for (std::uint8_t i = 0; i < 3; ++i)
    ASSERT_TRUE(r.add(at(seconds(1)), i + 1, pid(i), ProfileKind::modern, SocketAddress::ipv4(192, 0, 2, 1, i + 1)));
  auto full = r.add(at(seconds(1)), 99, pid(99), ProfileKind::modern, SocketAddress::ipv4(192, 0, 2, 1, 99));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, Errc::limit_exceeded);
  EXPECT_EQ(r.size(), 3u);
  // An existing session may still update its registration.
  EXPECT_TRUE(r.add(at(seconds(2)), 1, pid(0), ProfileKind::modern, SocketAddress::ipv4(192, 0, 2, 9, 9)));
}

TEST(Registry, HostAddressesAreFilteredDeduplicatedAndCapped) {
  Registry r(kKey);
  ASSERT_TRUE(r.add(at(seconds(1)), 1, pid(1), ProfileKind::modern, SocketAddress::ipv4(203, 0, 113, 5, 5000)));
  std::vector<SocketAddress> reported = {
      SocketAddress::ipv4(10, 0, 0, 5, 5000),   SocketAddress::ipv4(10, 0, 0, 5, 5000),  // duplicate
      SocketAddress::ipv4(127, 0, 0, 1, 5000),  // loopback
      SocketAddress::ipv4(0, 0, 0, 0, 5000),    // unspecified
      SocketAddress::ipv4(10, 0, 0, 6, 0),      // port 0
      SocketAddress::ipv4(239, 1, 1, 1, 5000),  // multicast
      SocketAddress::ipv4(255, 255, 255, 255, 5000),
  };
  for (std::uint8_t i = 0; i < 20; ++i) reported.push_back(SocketAddress::ipv4(172, 16, 0, i + 1, 5000));
  ASSERT_TRUE(r.set_host_addresses(1, reported));
  const auto& hosts = r.find(pid(1))->host_addresses;
  ASSERT_EQ(hosts.size(), limits::kMaxHostAddresses);
  EXPECT_EQ(hosts[0], SocketAddress::ipv4(10, 0, 0, 5, 5000));
  EXPECT_EQ(hosts[1], SocketAddress::ipv4(172, 16, 0, 1, 5000));
  EXPECT_FALSE(r.set_host_addresses(2, reported));
}

TEST(Registry, MobilityUpdatesTheReflexiveAddress) {
  Registry r(kKey);
  ASSERT_TRUE(r.add(at(seconds(1)), 1, pid(1), ProfileKind::modern, SocketAddress::ipv4(203, 0, 113, 5, 5000)));
  r.update_reflexive(1, SocketAddress::ipv4(203, 0, 113, 5, 6000));
  EXPECT_EQ(r.find(pid(1))->reflexive.port, 6000);
}

}  // namespace
}  // namespace rtmfp::rendezvous
