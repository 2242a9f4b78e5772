// Event ordering, run helpers, routing failures and the stuck-node guard.
#include <gtest/gtest.h>

#include "tests/sim/network.hpp"
#include "tests/sim/probe_node.hpp"

namespace rtmfp::sim {
namespace {

using std::chrono::milliseconds;

const SocketAddress kA = SocketAddress::ipv4(10, 0, 0, 1, 1000);
const SocketAddress kB = SocketAddress::ipv4(10, 0, 0, 2, 2000);

TEST(Network, EqualTimesRunInInsertionOrder) {
  Network net(1);
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) net.at(at(milliseconds(10)), [&order, i] { order.push_back(i); });
  net.at(at(milliseconds(5)), [&order] { order.push_back(-1); });
  net.run_until(at(milliseconds(10)));
  EXPECT_EQ(order, (std::vector<int>{-1, 0, 1, 2, 3, 4}));
  EXPECT_EQ(net.now(), at(milliseconds(10)));
  EXPECT_EQ(net.seed_string(), "seed=1");
}

TEST(Network, RunUntilPredicate) {
  Network net(1);
  ProbeNode a(kA), b(kB);
  net.add_host(a, kA);
  net.add_host(b, kB);
  PipeConfig cfg;
  cfg.delay = milliseconds(25);
  net.connect(kA, kB, cfg);
  a.send_at(at(milliseconds(0)), kB, numbered(0, 10));
  EXPECT_TRUE(net.run_until([&] { return !b.received.empty(); }, at(milliseconds(1000))));
  EXPECT_EQ(net.now(), at(milliseconds(25)));
  EXPECT_FALSE(net.run_until([&] { return b.received.size() == 2; }, at(milliseconds(500))));
  EXPECT_EQ(net.now(), at(milliseconds(500)));
}

TEST(Network, EchoRoundTrip) {
  Network net(1);
  ProbeNode a(kA), b(kB);
  b.echo = true;
  net.add_host(a, kA);
  net.add_host(b, kB);
  PipeConfig cfg;
  cfg.delay = milliseconds(20);
  net.connect(kA, kB, cfg);
  a.send_at(at(milliseconds(3)), kB, numbered(9, 10));
  net.run_until(at(milliseconds(100)));
  ASSERT_EQ(a.received.size(), 1u);
  EXPECT_EQ(a.received[0].time, at(milliseconds(43)));
  EXPECT_EQ(number_of(a.received[0].data), 9u);
}

TEST(Network, NoRouteAndUnreachableAreCounted) {
  Network net(1);
  ProbeNode a(kA);
  net.add_host(a, kA);
  net.connect(kA, kB, PipeConfig{});
  a.send_at(at(milliseconds(0)), SocketAddress::ipv4(10, 0, 0, 3, 1), numbered(0, 10));
  a.send_at(at(milliseconds(0)), kB, numbered(1, 10));  // nobody at kB
  net.run_until(at(milliseconds(10)));
  EXPECT_EQ(net.stats().no_route, 1u);
  EXPECT_EQ(net.stats().unreachable, 1u);
  EXPECT_EQ(net.stats().delivered, 0u);
}

TEST(Network, HostWithSeveralAddresses) {
  Network net(1);
  const SocketAddress a2 = SocketAddress::ipv4(10, 0, 0, 9, 1001);
  ProbeNode a(kA), b(kB);
  net.add_host(a, std::vector{kA, a2});
  net.add_host(b, kB);
  net.connect(kA, kB, PipeConfig{});
  net.connect(a2, kB, PipeConfig{});
  b.send_at(at(milliseconds(0)), a2, numbered(0, 10));
  a.send_at(at(milliseconds(1)), kB, numbered(1, 10), a2);  // explicit source address
  net.run_until(at(milliseconds(10)));
  ASSERT_EQ(a.received.size(), 1u);
  EXPECT_EQ(a.received[0].local, a2);
  ASSERT_EQ(b.received.size(), 1u);
  EXPECT_EQ(b.received[0].from, a2);
}

// A node whose deadline never advances.
class StuckNode final : public Node {
 public:
  void on_datagram(TimePoint, const SocketAddress&, const SocketAddress&, ByteView) override {}
  std::optional<Datagram> poll_transmit(TimePoint) override { return std::nullopt; }
  std::optional<TimePoint> next_deadline() const override { return at(milliseconds(1)); }
  void on_deadline(TimePoint) override { ++calls; }
  std::uint64_t calls = 0;
};

TEST(Network, StuckNodeDoesNotSpinForever) {
  Network net(1);
  StuckNode n;
  net.add_host(n, kA);
  net.run_until(at(std::chrono::seconds(10)));
  EXPECT_GT(net.stats().stuck, 0u);
  EXPECT_LE(n.calls, Network::kMaxStuckPerHost + 1);
  EXPECT_EQ(net.now(), at(std::chrono::seconds(10)));
}

}  // namespace
}  // namespace rtmfp::sim
