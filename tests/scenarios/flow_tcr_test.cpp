// Time Critical Reverse Notification (issue item 6, RFC 7016 §3.5.2.1).
// Receiver R has two sessions: a live, time-critical flow arrives from L and a
// bulk flow from B. R marks its packets to B with TCR while TC data arrived in
// the last 800 ms, so B's controller must not slow start and must grow its
// window by at most max(0.5%, 384 B) per round trip. Checked on B's CWND,
// sampled every 5 ms, over every window of one SRTT, for both controllers and
// many seeds. The same run without the live flow is the control: there B does
// slow start and exceeds that growth, so the check can fail.
#include "tests/scenarios/flow_world.hpp"

namespace rtmfp::testing {
namespace {

struct TcrResult {
  double worst_excess = 0;      // max over windows of growth / allowed growth
  std::uint64_t max_cwnd = 0;
  std::uint64_t bulk_bytes = 0;
};

TcrResult run_tcr(std::uint64_t seed, const std::string& cc, bool with_live) {
  World w(seed);
  const auto r_addr = SocketAddress::ipv4(10, 0, 2, 1, 1935);
  const auto l_addr = SocketAddress::ipv4(10, 0, 1, 1, 5000), b_addr = SocketAddress::ipv4(10, 0, 1, 2, 5000);
  Peer& r = w.add(r_addr);
  Peer& live = w.add(l_addr);
  Peer& bulk = w.add(b_addr);
  auto& fwd = w.net.add_pipe("fwd", bottleneck());
  auto& bwd = w.net.add_pipe("bwd", bottleneck());
  w.net.route_groups({l_addr, b_addr}, {r_addr}, {&fwd}, {&bwd});
  auto sl = w.connect(live, r, cc);
  auto sb = w.connect(bulk, r, cc);
  EXPECT_TRUE(sl && sb) << w.net.seed_string();
  if (!sl || !sb) return {};
  LiveReceiver lrx(r, [&](SessionHandle s) { return s == sl->server; });
  BulkReceiver brx(r, [&](SessionHandle s) { return s == sb->server ? std::optional<std::uint64_t>(5) : std::nullopt; });
  const TimePoint t0 = w.net.now();
  LiveSender ltx(w, live, sl->client, 1'000'000, 1200, 1s);
  if (with_live) EXPECT_TRUE(ltx.start(t0 + 12s));
  w.net.run_until(t0 + 500ms + jitter_of(seed, 100ms));  // TC flowing, TCR set on R's other session
  BulkSender btx(w, bulk, sb->client, 5);
  EXPECT_TRUE(btx.start());
  const TimePoint tb = w.net.now();
  CwndSampler sampler(w, bulk, sb->client, 5ms);
  sampler.start(tb + 10s);
  w.net.run_until(tb + 10s);
  TcrResult res;
  res.bulk_bytes = brx.bytes_of(sb->server);
  const auto& xs = sampler.samples();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    res.max_cwnd = std::max(res.max_cwnd, xs[i].cwnd);
    const Duration rtt = xs[i].srtt > Duration{0} ? xs[i].srtt : 40ms;
    const double base = static_cast<double>(xs[i].cwnd);
    const double allowed = std::max(base * flow_params::kTcrMaxGrowthFraction,
                                    static_cast<double>(flow_params::kTcrMaxGrowthBytes));
    for (std::size_t j = i + 1; j < xs.size() && xs[j].t - xs[i].t <= rtt; ++j) {
      const double growth = static_cast<double>(xs[j].cwnd) - base;
      res.worst_excess = std::max(res.worst_excess, growth / allowed);
    }
  }
  return res;
}

void check_tcr(const std::string& cc) {
  sim::Samples excess, control, cwnd;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    TcrResult r = run_tcr(seed, cc, true);
    excess.add(r.worst_excess);
    cwnd.add(static_cast<double>(r.max_cwnd));
    // The controllers cap growth per round trip; the check slides a window of
    // one SRTT over 5 ms samples, whose edges need not fall on the
    // controller's rounds: 5% is for that alignment, not for the rule.
    EXPECT_LE(r.worst_excess, 1.05) << cc << " seed=" << seed << ": CWND grew " << r.worst_excess
                                   << "x the TCR allowance in one round trip (max CWND " << r.max_cwnd << ")";
    EXPECT_GT(r.bulk_bytes, 0u) << cc << " seed=" << seed;
    TcrResult c = run_tcr(seed, cc, false);
    control.add(c.worst_excess);
    EXPECT_GT(c.worst_excess, 4.0) << cc << " seed=" << seed << ": control run (no TC) did not slow start";
    std::printf("%s seed=%llu with TCR: worst growth/allowance per RTT %.2f (max CWND %llu); control %.1f\n",
                cc.c_str(), static_cast<unsigned long long>(seed), r.worst_excess,
                static_cast<unsigned long long>(r.max_cwnd), c.worst_excess);
  }
  std::printf("%s TCR: worst growth/allowance min=%.2f median=%.2f max=%.2f; control median=%.1f\n", cc.c_str(),
              excess.min(), excess.median(), excess.max(), control.median());
}

TEST(TimeCriticalReverse, AppendixANoSlowStart) { check_tcr("appendix-a"); }
TEST(TimeCriticalReverse, CubicNoSlowStart) { check_tcr("cubic"); }
TEST(TimeCriticalReverse, VenoNoSlowStart) { check_tcr("veno"); }

}  // namespace
}  // namespace rtmfp::testing
