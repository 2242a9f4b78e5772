// Pipe arithmetic and impairments, driven through a Network.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/sim/network.hpp"
#include "tests/sim/probe_node.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::microseconds;

const SocketAddress kA = SocketAddress::ipv4(10, 0, 0, 1, 1000);
const SocketAddress kB = SocketAddress::ipv4(10, 0, 0, 2, 2000);

struct Pair {
  explicit Pair(std::uint64_t seed, PipeConfig cfg) : net(seed), a(kA), b(kB), link(net.connect(kA, kB, cfg)) {
    net.add_host(a, kA);
    net.add_host(b, kB);
  }
  Network net;
  ProbeNode a, b;
  Network::Link link;
};

TEST(Pipe, DelayAndSerializationAreExact) {
  PipeConfig cfg;
  cfg.delay = milliseconds(20);
  cfg.rate_bps = 1'000'000;  // 1000 bytes -> 8 ms
  Pair p(1, cfg);
  for (int i = 0; i < 3; ++i) p.a.send_at(at(milliseconds(0)), kB, numbered(i, 1000));
  p.net.run_until(at(milliseconds(200)));
  ASSERT_EQ(p.b.received.size(), 3u);
  EXPECT_EQ(p.b.received[0].time, at(milliseconds(28)));
  EXPECT_EQ(p.b.received[1].time, at(milliseconds(36)));
  EXPECT_EQ(p.b.received[2].time, at(milliseconds(44)));
  EXPECT_EQ(p.b.received[0].from, kA);
  EXPECT_EQ(p.b.received[0].local, kB);
  EXPECT_EQ(p.link.forward.stats().queue_delay_max, milliseconds(16));
  EXPECT_EQ(p.link.forward.stats().delivered, 3u);
  EXPECT_EQ(p.link.forward.stats().delivered_bytes, 3000u);
}

TEST(Pipe, MtuDropsOnlyLargerDatagramsAndKeepsTheRandomStream) {
  PipeConfig cfg;
  cfg.delay = milliseconds(5);
  cfg.loss = 0.2;
  Pair plain(7, cfg);
  cfg.mtu = 1400;
  Pair limited(7, cfg);
  for (int i = 0; i < 200; ++i) {
    const std::size_t size = i % 2 ? 1400 : 1401;
    plain.a.send_at(at(milliseconds(i)), kB, numbered(i, size));
    limited.a.send_at(at(milliseconds(i)), kB, numbered(i, size));
  }
  plain.net.run_until(at(milliseconds(500)));
  limited.net.run_until(at(milliseconds(500)));
  const auto& st = limited.link.forward.stats();
  EXPECT_EQ(st.dropped_mtu + st.dropped_loss + st.delivered, 200u);
  EXPECT_EQ(plain.link.forward.stats().dropped_mtu, 0u);
  EXPECT_EQ(st.largest_admitted, 1400u);
  // Every 1400-byte datagram meets the same random fate with or without the MTU.
  std::size_t plain_small = 0;
  for (auto& r : plain.b.received) plain_small += r.data.size() == 1400;
  EXPECT_EQ(limited.b.received.size(), plain_small);
  for (auto& r : limited.b.received) EXPECT_EQ(r.data.size(), 1400u);
  EXPECT_EQ(st.dropped_mtu, 100u);  // every 1401-byte one, whatever its random draw
}

TEST(Pipe, SubMillisecondSerialization) {
  PipeConfig cfg;
  cfg.delay = milliseconds(5);
  cfg.rate_bps = 20'000'000;  // 1200 bytes -> 480 us
  Pair p(1, cfg);
  p.a.send_at(at(milliseconds(0)), kB, numbered(0, 1200));
  p.a.send_at(at(milliseconds(0)), kB, numbered(1, 1200));
  // A datagram sent after the queue drained pays no queueing delay.
  p.a.send_at(at(milliseconds(10)), kB, numbered(2, 1200));
  p.net.run_until(at(milliseconds(100)));
  ASSERT_EQ(p.b.received.size(), 3u);
  EXPECT_EQ(p.b.received[0].time, at(microseconds(5480)));
  EXPECT_EQ(p.b.received[1].time, at(microseconds(5960)));
  EXPECT_EQ(p.b.received[2].time, at(microseconds(15480)));
}

TEST(Pipe, BdpHelper) {
  EXPECT_EQ(PipeConfig::bdp_bytes(20'000'000, milliseconds(40)), 100'000u);
  EXPECT_EQ(PipeConfig::bdp_bytes(10'000'000, milliseconds(40)), 50'000u);
}

TEST(Pipe, DropTailQueueDropsWhenFull) {
  PipeConfig cfg;
  cfg.rate_bps = 1'000'000;
  cfg.queue_bytes = 3000;
  Pair p(1, cfg);
  for (int i = 0; i < 10; ++i) p.a.send_at(at(milliseconds(0)), kB, numbered(i, 1000));
  // After the queue drains, new datagrams are admitted again.
  p.a.send_at(at(milliseconds(100)), kB, numbered(10, 1000));
  p.net.run_until(at(milliseconds(500)));
  const auto& s = p.link.forward.stats();
  EXPECT_EQ(s.offered, 11u);
  EXPECT_EQ(s.dropped_queue, 7u);
  EXPECT_EQ(s.delivered, 4u);
  EXPECT_EQ(s.queue_bytes_max, 3000u);
  ASSERT_EQ(p.b.received.size(), 4u);
  EXPECT_EQ(number_of(p.b.received[0].data), 0u);
  EXPECT_EQ(number_of(p.b.received[2].data), 2u);
  EXPECT_EQ(number_of(p.b.received[3].data), 10u);
}

TEST(Pipe, RandomLossWithinStatisticalBoundsOverSeeds) {
  constexpr int kN = 10'000;
  constexpr double kLoss = 0.1;
  Samples rates;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    PipeConfig cfg;
    cfg.delay = milliseconds(1);
    cfg.loss = kLoss;
    Pair p(seed, cfg);
    for (int i = 0; i < kN; ++i) p.a.send_at(at(microseconds(i * 10)), kB, numbered(i, 100));
    p.net.run_until(at(milliseconds(1000)));
    const double rate = 1.0 - static_cast<double>(p.b.received.size()) / kN;
    EXPECT_EQ(p.link.forward.stats().dropped_loss, static_cast<std::uint64_t>(kN) - p.b.received.size());
    // sigma = sqrt(p(1-p)/n) = 0.003; allow 5 sigma per seed.
    EXPECT_NEAR(rate, kLoss, 0.015) << "seed=" << seed;
    rates.add(rate);
  }
  EXPECT_NEAR(rates.mean(), kLoss, 0.005) << rates.summary();
  EXPECT_GT(rates.max() - rates.min(), 0.0) << "loss should vary with the seed";
}

// Runs an impaired stream and returns its trace as text.
std::vector<std::string> impaired_trace(std::uint64_t seed) {
  PipeConfig cfg;
  cfg.delay = milliseconds(10);
  cfg.rate_bps = 5'000'000;
  cfg.queue_bytes = 20'000;
  cfg.loss = 0.05;
  cfg.jitter = milliseconds(2);
  cfg.reorder = 0.05;
  cfg.reorder_delay = milliseconds(5);
  cfg.duplicate = 0.02;
  Pair p(seed, cfg);
  p.b.echo = true;
  std::vector<std::string> trace;
  p.net.set_trace([&](const TraceEvent& e) {
    trace.push_back(std::to_string(e.time.time_since_epoch().count()) + " " + to_string(e.kind) + " " +
                    std::string(e.where) + " " + e.datagram.from.to_string() + ">" +
                    e.datagram.to.to_string() + " #" + std::to_string(number_of(e.datagram.data)));
  });
  for (int i = 0; i < 500; ++i) p.a.send_at(at(microseconds(i * 500)), kB, numbered(i, 600));
  p.net.run_until(at(milliseconds(2000)));
  return trace;
}

TEST(Pipe, SameSeedSameTraceDifferentSeedDifferentTrace) {
  const auto t1 = impaired_trace(42), t2 = impaired_trace(42), t3 = impaired_trace(43);
  EXPECT_GT(t1.size(), 1000u);
  EXPECT_EQ(t1, t2);
  EXPECT_NE(t1, t3);
}

TEST(Pipe, ReorderAndDuplicationAtTheirRates) {
  constexpr int kN = 5000;
  Samples reorder_rates, dup_rates;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    PipeConfig cfg;
    cfg.delay = milliseconds(10);
    cfg.reorder = 0.2;
    cfg.reorder_delay = milliseconds(5);
    cfg.duplicate = 0.05;
    Pair p(seed, cfg);
    for (int i = 0; i < kN; ++i) p.a.send_at(at(milliseconds(i)), kB, numbered(i, 100));
    p.net.run_until(at(milliseconds(kN + 100)));
    // Count arrivals below the highest number seen so far (late ones) and duplicates.
    std::uint64_t highest = 0, late = 0, dups = 0;
    std::map<std::uint64_t, int> seen;
    bool any = false;
    for (auto& r : p.b.received) {
      const auto n = number_of(r.data);
      if (seen[n]++ > 0) {
        ++dups;
        continue;
      }
      if (any && n < highest) ++late;
      if (!any || n > highest) highest = n;
      any = true;
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(kN)) << "seed=" << seed;
    // A held-back datagram (5 ms at 1 ms spacing) arrives after the next 4-5 others.
    const double late_rate = static_cast<double>(late) / kN;
    const double dup_rate = static_cast<double>(dups) / kN;
    EXPECT_NEAR(late_rate, 0.2, 0.03) << "seed=" << seed;  // sigma 0.0057
    EXPECT_NEAR(dup_rate, 0.05, 0.016) << "seed=" << seed; // sigma 0.0031
    EXPECT_EQ(p.link.forward.stats().duplicated, dups);
    reorder_rates.add(late_rate);
    dup_rates.add(dup_rate);
  }
  EXPECT_NEAR(reorder_rates.mean(), 0.2, 0.015) << reorder_rates.summary();
  EXPECT_NEAR(dup_rates.mean(), 0.05, 0.008) << dup_rates.summary();
}

TEST(Pipe, JitterStaysWithinBounds) {
  PipeConfig cfg;
  cfg.delay = milliseconds(10);
  cfg.jitter = milliseconds(4);
  Pair p(9, cfg);
  constexpr int kN = 2000;
  for (int i = 0; i < kN; ++i) p.a.send_at(at(milliseconds(i)), kB, numbered(i, 100));
  p.net.run_until(at(milliseconds(kN + 100)));
  ASSERT_EQ(p.b.received.size(), static_cast<std::size_t>(kN));
  Samples extra;
  for (auto& r : p.b.received) {
    const auto sent = at(milliseconds(static_cast<std::int64_t>(number_of(r.data))));
    const Duration d = r.time - sent;
    EXPECT_GE(d, milliseconds(10));
    EXPECT_LE(d, milliseconds(14));
    extra.add(static_cast<double>((d - milliseconds(10)).count()));
  }
  EXPECT_NEAR(extra.mean(), 2000, 150) << extra.summary();  // uniform on [0, 4000] us
}

TEST(Pipe, ScriptedLoss) {
  PipeConfig cfg;
  cfg.delay = milliseconds(1);
  Pair p(1, cfg);
  p.link.forward.drop_nth(3);
  p.link.forward.drop_if([](const Datagram& d, std::uint64_t) { return number_of(d.data) == 7; });
  p.link.forward.blackhole(at(milliseconds(10)), at(milliseconds(13)));
  for (int i = 0; i < 20; ++i) p.a.send_at(at(milliseconds(i)), kB, numbered(i, 100));
  p.net.run_until(at(milliseconds(100)));
  std::vector<std::uint64_t> got;
  for (auto& r : p.b.received) got.push_back(number_of(r.data));
  const std::vector<std::uint64_t> want{0, 1, 3, 4, 5, 6, 8, 9, 13, 14, 15, 16, 17, 18, 19};
  EXPECT_EQ(got, want);  // #2 is the 3rd datagram; 10..12 fall in the blackhole
  EXPECT_EQ(p.link.forward.stats().dropped_script, 5u);
}

TEST(Pipe, ParametersChangeWhileRunning) {
  PipeConfig cfg;
  cfg.delay = milliseconds(10);
  Pair p(1, cfg);
  p.net.at(at(milliseconds(50)), [&] { p.link.forward.config().delay = milliseconds(30); });
  p.net.at(at(milliseconds(80)), [&] { p.link.forward.config().loss = 1.0; });
  p.a.send_at(at(milliseconds(40)), kB, numbered(0, 100));
  p.a.send_at(at(milliseconds(60)), kB, numbered(1, 100));
  p.a.send_at(at(milliseconds(90)), kB, numbered(2, 100));
  p.net.run_until(at(milliseconds(300)));
  ASSERT_EQ(p.b.received.size(), 2u);
  EXPECT_EQ(p.b.received[0].time, at(milliseconds(50)));
  EXPECT_EQ(p.b.received[1].time, at(milliseconds(90)));
  EXPECT_EQ(p.link.forward.stats().dropped_loss, 1u);
}

TEST(Pipe, SharedBottleneckQueuesBothFlows) {
  Network net(7);
  const auto a1 = SocketAddress::ipv4(10, 0, 1, 1, 1), a2 = SocketAddress::ipv4(10, 0, 1, 2, 1);
  const auto b1 = SocketAddress::ipv4(10, 0, 2, 1, 1), b2 = SocketAddress::ipv4(10, 0, 2, 2, 1);
  ProbeNode na1(a1), na2(a2), nb1(b1), nb2(b2);
  net.add_host(na1, a1);
  net.add_host(na2, a2);
  net.add_host(nb1, b1);
  net.add_host(nb2, b2);
  PipeConfig cfg;
  cfg.rate_bps = 1'000'000;
  cfg.delay = milliseconds(10);
  Pipe& fwd = net.add_pipe("bottleneck >", cfg);
  Pipe& bwd = net.add_pipe("bottleneck <", cfg);
  net.route_groups({a1, a2}, {b1, b2}, {&fwd}, {&bwd});
  na1.send_at(at(milliseconds(0)), b1, numbered(0, 1000));
  na2.send_at(at(milliseconds(0)), b2, numbered(1, 1000));
  net.run_until(at(milliseconds(100)));
  ASSERT_EQ(nb1.received.size(), 1u);
  ASSERT_EQ(nb2.received.size(), 1u);
  EXPECT_EQ(nb1.received[0].time, at(milliseconds(18)));
  EXPECT_EQ(nb2.received[0].time, at(milliseconds(26)));  // waited behind a1's datagram
  EXPECT_EQ(fwd.stats().delivered, 2u);
}

}  // namespace
}  // namespace rtmfp::sim
