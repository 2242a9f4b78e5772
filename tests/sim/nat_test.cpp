// NAT mapping and filtering behaviour for each type, expiry and rebinding.
#include <gtest/gtest.h>

#include <map>

#include "tests/sim/network.hpp"
#include "tests/sim/probe_node.hpp"

namespace rtmfp::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SocketAddress kPrivate = SocketAddress::ipv4(192, 168, 1, 10, 5000);
const SocketAddress kPublicIp = SocketAddress::ipv4(203, 0, 113, 1, 0);
const SocketAddress kS1 = SocketAddress::ipv4(198, 51, 100, 1, 1000);
const SocketAddress kS1OtherPort = SocketAddress::ipv4(198, 51, 100, 1, 2000);
const SocketAddress kS2 = SocketAddress::ipv4(198, 51, 100, 2, 1000);

struct World {
  explicit World(NatType type, Duration timeout = seconds(30))
      : net(1), host(kPrivate), s1(kS1), s1b(kS1OtherPort), s2(kS2),
        nat(net.add_nat(NatConfig{type, kPublicIp, timeout, 40000, 4096, "nat"})) {
    net.put_behind(nat, kPrivate);
    ids[&host] = net.add_host(host, kPrivate);
    ids[&s1] = net.add_host(s1, kS1);
    ids[&s1b] = net.add_host(s1b, kS1OtherPort);
    ids[&s2] = net.add_host(s2, kS2);
    PipeConfig cfg;
    cfg.delay = milliseconds(10);
    net.connect(kPublicIp, kS1, cfg);
    net.connect(kPublicIp, kS2, cfg);
  }
  // Sends from the private host to `to` and returns the source `server` saw.
  SocketAddress outbound(ProbeNode& server, const SocketAddress& to) {
    const std::size_t before = server.received.size();
    host.send_at(net.now(), to, numbered(0, 50));
    net.wake(ids[&host]);  // the probe was poked from outside
    net.run_for(milliseconds(100));
    EXPECT_EQ(server.received.size(), before + 1);
    return server.received.empty() ? SocketAddress{} : server.received.back().from;
  }
  // Sends from `server` to `mapped`; true if the private host got it.
  bool inbound(ProbeNode& server, const SocketAddress& mapped) {
    const std::size_t before = host.received.size();
    server.send_at(net.now(), mapped, numbered(1, 50));
    net.wake(ids[&server]);
    net.run_for(milliseconds(100));
    return host.received.size() == before + 1;
  }
  Network net;
  ProbeNode host, s1, s1b, s2;
  std::map<ProbeNode*, HostId> ids;
  Nat& nat;
};

struct Expect {
  NatType type;
  bool same_mapping_to_other_ip;  // endpoint-independent mapping
  bool from_same_ip_other_port;   // filtering
  bool from_other_ip;
};

class NatBehaviour : public ::testing::TestWithParam<Expect> {};

TEST_P(NatBehaviour, MappingAndFiltering) {
  const Expect e = GetParam();
  World w(e.type);
  const SocketAddress m1 = w.outbound(w.s1, kS1);
  EXPECT_EQ(m1.ip_string(), "203.0.113.1");
  EXPECT_NE(m1.port, kPrivate.port);
  // The contacted server can always answer; the host sees it from the server, at its private address.
  EXPECT_TRUE(w.inbound(w.s1, m1));
  EXPECT_EQ(w.host.received.back().from, kS1);
  EXPECT_EQ(w.host.received.back().local, kPrivate);
  EXPECT_EQ(w.inbound(w.s1b, m1), e.from_same_ip_other_port) << to_string(e.type);
  EXPECT_EQ(w.inbound(w.s2, m1), e.from_other_ip) << to_string(e.type);
  const SocketAddress m2 = w.outbound(w.s2, kS2);
  EXPECT_EQ(m1 == m2, e.same_mapping_to_other_ip) << to_string(e.type);
  // Once the host has contacted S2, S2 may answer on the mapping it used.
  EXPECT_TRUE(w.inbound(w.s2, m2));
  EXPECT_EQ(w.nat.stats().mappings_created, e.same_mapping_to_other_ip ? 1u : 2u);
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, NatBehaviour,
    ::testing::Values(Expect{NatType::FullCone, true, true, true},
                      Expect{NatType::AddressRestricted, true, true, false},
                      Expect{NatType::PortRestricted, true, false, false},
                      Expect{NatType::Symmetric, false, false, false}),
    [](const auto& info) {
      std::string n = to_string(info.param.type);
      std::erase(n, '-');
      return n;
    });

TEST(Nat, UnsolicitedInboundIsFilteredEvenForFullCone) {
  World w(NatType::FullCone);
  EXPECT_FALSE(w.inbound(w.s1, SocketAddress::ipv4(203, 0, 113, 1, 40000)));
  EXPECT_EQ(w.net.stats().filtered, 1u);
}

TEST(Nat, MappingExpiresAfterIdleTimeout) {
  World w(NatType::PortRestricted, seconds(5));
  const SocketAddress m1 = w.outbound(w.s1, kS1);
  w.net.run_for(seconds(3));
  EXPECT_TRUE(w.inbound(w.s1, m1));  // inbound does not refresh
  w.net.run_for(seconds(2));
  EXPECT_FALSE(w.inbound(w.s1, m1));
  EXPECT_EQ(w.nat.stats().mappings_expired, 1u);
  // Outbound traffic creates a fresh mapping on a new port.
  const SocketAddress m2 = w.outbound(w.s1, kS1);
  EXPECT_NE(m1.port, m2.port);
  EXPECT_TRUE(w.inbound(w.s1, m2));
}

TEST(Nat, KeepaliveRefreshesMapping) {
  World w(NatType::PortRestricted, seconds(5));
  const SocketAddress m1 = w.outbound(w.s1, kS1);
  for (int i = 0; i < 5; ++i) {
    w.net.run_for(seconds(3));
    EXPECT_EQ(w.outbound(w.s1, kS1), m1);
  }
  EXPECT_TRUE(w.inbound(w.s1, m1));
}

TEST(Nat, RebindingChangesObservedSource) {
  World w(NatType::PortRestricted);
  const SocketAddress m1 = w.outbound(w.s1, kS1);
  w.net.at(w.net.now() + seconds(1), [&] { w.nat.rebind(kPrivate); });
  w.net.run_for(seconds(2));
  EXPECT_FALSE(w.inbound(w.s1, m1));  // the old port is gone
  const SocketAddress m2 = w.outbound(w.s1, kS1);
  EXPECT_EQ(m2.ip_string(), m1.ip_string());
  EXPECT_NE(m2.port, m1.port);
  EXPECT_TRUE(w.inbound(w.s1, m2));
  EXPECT_EQ(w.nat.stats().rebinds, 1u);
}

}  // namespace
}  // namespace rtmfp::sim
