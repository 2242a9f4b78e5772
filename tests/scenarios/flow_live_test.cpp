// Live mode (issue item 5): 4 Mbit/s of 1200-byte messages on a
// time-critical flow, each written with a finish-by deadline, over the
// 20 Mbit/s, 40 ms RTT, one-BDP link with random loss in both directions.
// A message is on time when the receiving application gets it (in order,
// intact) within the deadline of its write. Bounds from the issue:
//   2% loss, 200 ms deadline: >= 99.9% on time;
//   5% loss, 1 s deadline:    >= 99.5% on time.
// Pooled over many seeds, and per seed with the same bound; the worst seeds
// and the latency distribution are printed.
#include "tests/scenarios/flow_world.hpp"

namespace rtmfp::testing {
namespace {

constexpr Duration kRun = 20s;

struct LiveResult {
  std::uint64_t sent = 0, on_time = 0, late = 0, lost = 0, corrupt = 0, timeouts = 0, retransmitted = 0;
  sim::Samples latency_ms;
};

LiveResult run_live(std::uint64_t seed, const std::string& cc, double loss, Duration deadline) {
  World w(seed);
  const auto sa = SocketAddress::ipv4(10, 0, 0, 1, 1935), ca = SocketAddress::ipv4(10, 0, 0, 2, 5000);
  Peer& server = w.add(sa);
  Peer& client = w.add(ca);
  w.net.connect(ca, sa, bottleneck(loss));
  LiveResult r;
  auto sp = w.connect(client, server, cc, std::nullopt, 60s);
  EXPECT_TRUE(sp) << w.net.seed_string();
  if (!sp) return r;
  LiveReceiver rx(server, [](SessionHandle) { return true; });
  LiveSender tx(w, client, sp->client, 4'000'000, 1200, deadline);
  const TimePoint t0 = w.net.now() + jitter_of(seed, 20ms);
  w.net.run_until(t0);
  EXPECT_TRUE(tx.start(t0 + kRun));
  w.net.run_until(t0 + kRun + deadline + 2s);  // every message has had its chance
  r.sent = tx.sent();
  r.corrupt = rx.corrupt();
  if (auto info = client.ep().session_info(sp->client)) {
    r.timeouts = info->timeouts;
    r.retransmitted = info->bytes_retransmitted;
  }
  for (std::uint64_t i = 0; i < tx.sent(); ++i) {
    auto l = rx.latency(i);
    if (!l) {
      ++r.lost;
      continue;
    }
    r.latency_ms.add(secs(*l) * 1000);
    if (*l <= deadline) {
      ++r.on_time;
    } else {
      ++r.late;
    }
  }
  EXPECT_EQ(tx.refused(), 0u) << "seed=" << seed;
  return r;
}

// min_on_time is the bound, on the pooled fraction; every seed must
// also reach min_per_seed (one seed is 8,334 messages: a single retransmission
// lost twice during the first round trips costs a few dozen of them).
void check_live(const std::string& cc, double loss, Duration deadline, double min_on_time, int seeds,
                double min_per_seed) {
  std::uint64_t sent = 0, on_time = 0;
  sim::Samples per_seed, p99, maxlat;
  for (int i = 0; i < seeds; ++i) {
    const std::uint64_t seed = 700 + static_cast<std::uint64_t>(i);
    LiveResult r = run_live(seed, cc, loss, deadline);
    sent += r.sent;
    on_time += r.on_time;
    const double frac = r.sent ? static_cast<double>(r.on_time) / static_cast<double>(r.sent) : 0;
    per_seed.add(frac);
    p99.add(r.latency_ms.p99());
    maxlat.add(r.latency_ms.max());
    EXPECT_EQ(r.corrupt, 0u) << cc << " seed=" << seed;
    EXPECT_GE(frac, min_per_seed) << cc << " loss=" << loss << " deadline=" << secs(deadline) << "s seed=" << seed
                                 << ": " << r.on_time << "/" << r.sent << " on time, " << r.late << " late, "
                                 << r.lost << " never delivered; latency ms " << r.latency_ms.summary();
    std::printf("%s loss=%.0f%% deadline=%.0fms seed=%llu: %.3f%% on time (%llu late, %llu lost), latency ms "
                "median=%.1f p99=%.1f max=%.1f; sender timeouts %llu, retransmitted %llu B\n",
                cc.c_str(), loss * 100, secs(deadline) * 1000, static_cast<unsigned long long>(seed), frac * 100,
                static_cast<unsigned long long>(r.late), static_cast<unsigned long long>(r.lost),
                r.latency_ms.median(), r.latency_ms.p99(), r.latency_ms.max(),
                static_cast<unsigned long long>(r.timeouts), static_cast<unsigned long long>(r.retransmitted));
  }
  const double pooled = sent ? static_cast<double>(on_time) / static_cast<double>(sent) : 0;
  EXPECT_GE(pooled, min_on_time) << cc << " pooled over " << seeds << " seeds";
  std::printf("%s loss=%.0f%% deadline=%.0fms: pooled %.4f%% on time of %llu; per seed min=%.4f median=%.4f "
              "max=%.4f; p99 latency ms median=%.1f; max latency ms max=%.1f\n",
              cc.c_str(), loss * 100, secs(deadline) * 1000, pooled * 100, static_cast<unsigned long long>(sent),
              per_seed.min(), per_seed.median(), per_seed.max(), p99.median(), maxlat.max());
}

// "veno" (rtmfp/core/cc/veno.hpp) is the controller for live media: random
// loss without a standing queue does not shrink its window, congestion does.
TEST(LiveMode, TwoPercentLoss200ms) { check_live("veno", 0.02, 200ms, 0.999, 20, 0.995); }
TEST(LiveMode, FivePercentLoss1s) { check_live("veno", 0.05, 1s, 0.995, 20, 0.995); }

// The loss-driven controllers cannot carry 4 Mbit/s through 2% random loss at
// 40 ms RTT: every loss is congestion to them and their equilibrium window is
// about 13.6 KB (Appendix A while sending time-critical data: 1/8 cut, 384 B
// growth per round trip) or ~10 KB (Reno-like), i.e. 2-2.7 Mbit/s, so the
// backlog grows and nearly every message misses its deadline (measured: 0.5%
// on time for Appendix A, 1% for CUBIC; 2.7% at 5% loss / 1 s). Kept runnable:
//   sim_scenarios --gtest_also_run_disabled_tests --gtest_filter='LiveMode.DISABLED_*'
TEST(LiveMode, DISABLED_LossDrivenControllersForComparison) {
  check_live("appendix-a", 0.02, 200ms, 0.999, 5, 0.995);
  check_live("cubic", 0.02, 200ms, 0.999, 5, 0.995);
  check_live("appendix-a", 0.05, 1s, 0.995, 5, 0.995);
}

}  // namespace
}  // namespace rtmfp::testing
