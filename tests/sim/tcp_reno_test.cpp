// The simulated Reno flow: utilisation, back-off under loss, fairness.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "tests/sim/network.hpp"
#include "tests/sim/stats.hpp"
#include "tests/sim/tcp_reno.hpp"

namespace rtmfp::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::uint64_t kRate = 10'000'000;
constexpr Duration kOneWay = milliseconds(20);

// Dumbbell: senders 10.1.0.x, receivers 10.2.0.x, one shared bottleneck each way
// (10 Mbit/s, 20 ms, queue = 1 BDP); access links are not modelled.
struct Dumbbell {
  Dumbbell(std::uint64_t seed, int flows, double loss, std::vector<TimePoint> starts = {}) : net(seed) {
    PipeConfig cfg;
    cfg.rate_bps = kRate;
    cfg.delay = kOneWay;
    cfg.queue_bytes = PipeConfig::bdp_bytes(kRate, 2 * kOneWay);
    cfg.loss = loss;
    fwd = &net.add_pipe("bottleneck >", cfg);
    bwd = &net.add_pipe("bottleneck <", cfg);
    std::vector<SocketAddress> left, right;
    for (int i = 0; i < flows; ++i) {
      const auto s = SocketAddress::ipv4(10, 1, 0, static_cast<std::uint8_t>(i + 1), 5000);
      const auto r = SocketAddress::ipv4(10, 2, 0, static_cast<std::uint8_t>(i + 1), 6000);
      RenoConfig rc;
      if (static_cast<std::size_t>(i) < starts.size()) rc.start = starts[static_cast<std::size_t>(i)];
      senders.push_back(std::make_unique<RenoSender>(s, r, rc));
      receivers.push_back(std::make_unique<RenoReceiver>(r));
      net.add_host(*senders.back(), s);
      net.add_host(*receivers.back(), r);
      left.push_back(s);
      right.push_back(r);
    }
    net.route_groups(left, right, {fwd}, {bwd});
  }
  // Goodput (payload bit/s) of flow i between t0 and t1; advances the clock to t1.
  std::vector<double> goodput(TimePoint t0, TimePoint t1) {
    net.run_until(t0);
    std::vector<std::uint64_t> b0;
    for (auto& r : receivers) b0.push_back(r->bytes_received());
    net.run_until(t1);
    std::vector<double> out;
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    for (std::size_t i = 0; i < receivers.size(); ++i)
      out.push_back(static_cast<double>(receivers[i]->bytes_received() - b0[i]) * 8 / secs);
    return out;
  }
  Network net;
  Pipe* fwd;
  Pipe* bwd;
  std::vector<std::unique_ptr<RenoSender>> senders;
  std::vector<std::unique_ptr<RenoReceiver>> receivers;
};

TEST(Reno, FillsLinkWithoutRandomLoss) {
  Dumbbell d(1, 1, 0.0);
  const auto g = d.goodput(at(seconds(2)), at(seconds(10)));
  EXPECT_GE(g[0], 0.9 * kRate) << d.net.seed_string() << " cwnd=" << d.senders[0]->cwnd();
  // Physical bound: the bottleneck cannot carry more than rate x time.
  EXPECT_LE(static_cast<double>(d.fwd->stats().delivered_bytes) * 8, 10.0 * kRate);
  EXPECT_GT(static_cast<double>(d.fwd->stats().delivered_bytes) * 8, 9.0 * kRate);
  EXPECT_EQ(d.fwd->stats().dropped_loss, 0u);
  EXPECT_GT(d.senders[0]->stats().max_cwnd, PipeConfig::bdp_bytes(kRate, 2 * kOneWay));
  ASSERT_TRUE(d.senders[0]->srtt().has_value());
  EXPECT_GE(*d.senders[0]->srtt(), 2 * kOneWay);
}

TEST(Reno, BacksOffUnderLoss) {
  Samples lossy;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Dumbbell d(seed, 1, 0.02);
    const auto g = d.goodput(at(seconds(2)), at(seconds(10)));
    const auto& s = d.senders[0]->stats();
    EXPECT_GT(s.fast_retransmits, 10u) << "seed=" << seed;
    EXPECT_GT(s.retransmits, 0u) << "seed=" << seed;
    EXPECT_LT(d.senders[0]->ssthresh(), PipeConfig::bdp_bytes(kRate, 2 * kOneWay)) << "seed=" << seed;
    EXPECT_GT(g[0], 0.0) << "seed=" << seed;
    lossy.add(g[0]);
  }
  // Mathis: ~ 1.22 * MSS / (RTT * sqrt(p)) = 1.22*9600/(0.04*0.141) ~ 2 Mbit/s.
  EXPECT_LT(lossy.median(), 0.5 * kRate) << lossy.summary();
  EXPECT_GT(lossy.median(), 0.05 * kRate) << lossy.summary();
}

TEST(Reno, RecoversFromBlackholeWithTimeout) {
  Dumbbell d(3, 1, 0.0);
  d.fwd->blackhole(at(seconds(2)), at(seconds(3)));
  d.net.run_until(at(seconds(2)));
  const auto before = d.receivers[0]->bytes_received();
  d.net.run_until(at(seconds(6)));
  EXPECT_GE(d.senders[0]->stats().timeouts, 1u);
  EXPECT_GT(d.receivers[0]->bytes_received(), before + 1'000'000);
}

TEST(Reno, FiniteTransferCompletes) {
  Network net(5);
  const auto s = SocketAddress::ipv4(10, 1, 0, 1, 1), r = SocketAddress::ipv4(10, 2, 0, 1, 1);
  RenoConfig rc;
  rc.bytes_to_send = 1'000'000;
  RenoSender snd(s, r, rc);
  RenoReceiver rcv(r);
  net.add_host(snd, s);
  net.add_host(rcv, r);
  PipeConfig cfg;
  cfg.rate_bps = kRate;
  cfg.delay = milliseconds(10);
  cfg.loss = 0.01;
  net.connect(s, r, cfg);
  EXPECT_TRUE(net.run_until([&] { return snd.done(); }, at(seconds(30)))) << net.seed_string();
  EXPECT_EQ(rcv.bytes_received(), 1'000'000u);
}

TEST(Reno, TwoFlowsShareFairly) {
  Samples jain;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    // Staggered starts, different per seed.
    Dumbbell d(seed, 2, 0.0, {at(milliseconds(0)), at(milliseconds(100 * seed + 7))});
    const auto g = d.goodput(at(seconds(5)), at(seconds(40)));
    const double j = jain_index(g);
    EXPECT_GE(j, 0.9) << "seed=" << seed << " g0=" << g[0] << " g1=" << g[1];
    EXPECT_GE(g[0] + g[1], 0.85 * kRate) << "seed=" << seed;
    jain.add(j);
  }
  EXPECT_GE(jain.min(), 0.9) << jain.summary();
}

}  // namespace
}  // namespace rtmfp::sim

namespace rtmfp::sim {
namespace {

// The size of scenario the simulator must handle quickly: 20 Mbit/s x 10 s
// (~20k data segments plus ACKs). gtest prints the wall time.
TEST(Reno, TwentyMbitTenSecondsScenario) {
  Network net(11);
  const auto s = SocketAddress::ipv4(10, 1, 0, 1, 1), r = SocketAddress::ipv4(10, 2, 0, 1, 1);
  RenoSender snd(s, r);
  RenoReceiver rcv(r);
  net.add_host(snd, s);
  net.add_host(rcv, r);
  PipeConfig cfg;
  cfg.rate_bps = 20'000'000;
  cfg.delay = milliseconds(20);
  cfg.queue_bytes = PipeConfig::bdp_bytes(cfg.rate_bps, milliseconds(40));
  auto link = net.connect(s, r, cfg);
  net.run_until(at(seconds(10)));
  EXPECT_GE(static_cast<double>(rcv.bytes_received()) * 8, 0.8 * 20'000'000 * 10);
  EXPECT_LE(static_cast<double>(link.forward.stats().delivered_bytes) * 8, 20'000'000.0 * 10);
  EXPECT_LT(net.stats().events, 200'000u);
}

}  // namespace
}  // namespace rtmfp::sim

namespace rtmfp::sim {
namespace {

// One scripted loss in steady state: exactly one fast retransmit, no timeout,
// and ssthresh becomes half of what was in flight (multiplicative decrease).
TEST(Reno, SingleLossHalvesTheWindow) {
  Network net(2);
  const auto s = SocketAddress::ipv4(10, 1, 0, 1, 1), r = SocketAddress::ipv4(10, 2, 0, 1, 1);
  RenoConfig rc;
  rc.receive_window = 100'000;  // flight stays at the window: no queue overflow
  RenoSender snd(s, r, rc);
  RenoReceiver rcv(r);
  net.add_host(snd, s);
  net.add_host(rcv, r);
  PipeConfig cfg;
  cfg.rate_bps = kRate;
  cfg.delay = kOneWay;
  cfg.queue_bytes = 1 << 20;
  auto link = net.connect(s, r, cfg);
  net.run_until(at(seconds(3)));
  ASSERT_EQ(snd.stats().fast_retransmits, 0u);
  ASSERT_EQ(link.forward.stats().dropped_queue, 0u);
  const std::uint64_t offered = link.forward.stats().offered;
  link.forward.drop_nth(offered + 10);
  net.run_until(at(seconds(3) + milliseconds(400)));  // RTT here is ~80 ms (queueing)
  EXPECT_EQ(snd.stats().fast_retransmits, 1u);
  EXPECT_EQ(snd.stats().timeouts, 0u);
  const double half = static_cast<double>(rc.receive_window) / 2;
  EXPECT_NEAR(static_cast<double>(snd.ssthresh()), half, 0.05 * half);
  // Recovery is over: the window deflated to min(ssthresh, flight + MSS)
  // (RFC 6582) and since then grows by about one MSS per RTT.
  EXPECT_LT(static_cast<double>(snd.cwnd()), 1.3 * half);
  EXPECT_GE(static_cast<double>(snd.cwnd()), 0.5 * half);
}

}  // namespace
}  // namespace rtmfp::sim
