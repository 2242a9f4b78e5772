// CUBIC shape, the §3.5.2.1 TCR clamp for both controllers, and the factory.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "rtmfp/core/cc/cubic.hpp"
#include "rtmfp/core/cc/congestion_controller.hpp"

using namespace rtmfp;
using namespace std::chrono_literals;

namespace {

// One round trip of a window-limited sender: the whole window is acked in
// SMSS-sized packets spread over the RTT. Returns cwnd at the end.
std::uint64_t run_round(cc::CongestionController& c, TimePoint& now, Duration rtt, bool tcr_each_packet = false) {
  const std::uint64_t w = c.congestion_window();
  const std::uint64_t n = std::min<std::uint64_t>(std::max<std::uint64_t>(1, w / 1460), 5000);  // bounded if growth runs away
  for (std::uint64_t i = 0; i < n; ++i) {
    now += rtt / static_cast<long>(n);
    if (tcr_each_packet) c.on_tcr_received(now);
    c.begin_packet(now, c.congestion_window());
    c.on_acked(1460);
    c.end_packet(now);
  }
  return c.congestion_window();
}

TEST(CcFactory, ByName) {
  cc::TcSentClock clock;
  auto a = cc::make_congestion_controller("appendix-a", {}, clock);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ((*a)->name(), "appendix-a");
  auto c = cc::make_congestion_controller("cubic", {}, clock);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ((*c)->name(), "cubic");
  EXPECT_FALSE(cc::make_congestion_controller("reno", {}, clock).has_value());
}

TEST(Cubic, SlowStartThenMultiplicativeDecrease) {
  cc::TcSentClock clock;
  cc::Cubic c{{}, clock};
  c.on_rtt(100ms);
  TimePoint now = at(1s);
  const auto w0 = c.congestion_window();
  run_round(c, now, 100ms);
  EXPECT_GE(c.congestion_window(), w0 * 3 / 2);  // slow start ~doubles
  c.begin_packet(now, c.congestion_window());
  c.on_loss();
  const auto before = c.congestion_window();
  c.end_packet(now);
  EXPECT_NEAR(static_cast<double>(c.congestion_window()), before * 0.7, 2.0);
  // A second loss within the same RTT does not cut again.
  const auto after = c.congestion_window();
  c.begin_packet(now + 10ms, after);
  c.on_loss();
  c.end_packet(now + 10ms);
  EXPECT_EQ(c.congestion_window(), after);
}

TEST(Cubic, ConcaveThenConvexAroundWmax) {
  cc::TcSentClock clock;
  cc::Cubic c{{}, clock};
  c.on_rtt(100ms);
  TimePoint now = at(1s);
  while (c.congestion_window() < 146000) run_round(c, now, 100ms);
  c.begin_packet(now, c.congestion_window());
  c.on_loss();
  c.end_packet(now);
  const double wmax = c.w_max();
  now += 100ms;
  std::vector<double> w{static_cast<double>(c.congestion_window())};
  for (int r = 0; r < 120; ++r) w.push_back(static_cast<double>(run_round(c, now, 100ms)));
  // Find the round closest to W_max and check growth is slowest around it.
  std::size_t kidx = 0;
  for (std::size_t i = 0; i < w.size(); ++i)
    if (std::abs(w[i] - wmax) < std::abs(w[kidx] - wmax)) kidx = i;
  ASSERT_GT(kidx, 5u);
  ASSERT_LT(kidx + 10, w.size());
  const double early = w[2] - w[1];
  const double plateau = w[kidx + 1] - w[kidx - 1];
  const double late = w.back() - w[w.size() - 3];
  EXPECT_LT(plateau, early);
  EXPECT_LT(plateau, late);
  EXPECT_GT(w.back(), wmax);  // probes beyond W_max (convex region)
}

// RFC 9438 §4.3: in the Reno-friendly region W_est grows by
// alpha_cubic = 3(1 - 0.7)/(1 + 0.7) ~= 0.53 SMSS per window acknowledged
// until it reaches cwnd_prior (the window before the cut), then by 1 SMSS.
TEST(Cubic, RenoFriendlyAlphaBecomesOneAboveCwndPrior) {
  cc::TcSentClock clock;
  cc::Cubic c{{}, clock};
  c.on_rtt(100ms);
  TimePoint now = at(1s);
  run_round(c, now, 100ms);  // 4380 -> 8760 in slow start
  const double prior = static_cast<double>(c.congestion_window());
  c.begin_packet(now, c.congestion_window());
  c.on_loss();
  c.end_packet(now);
  now += 100ms;
  std::vector<double> growth;
  std::vector<double> start;
  for (int r = 0; r < 20; ++r) {
    const double w = static_cast<double>(c.congestion_window());
    start.push_back(w);
    growth.push_back(static_cast<double>(run_round(c, now, 100ms)) - w);
  }
  // Rounds fully below cwnd_prior: about 0.53 SMSS each (a round acks
  // floor(cwnd / SMSS) packets, a little under one window).
  for (int r = 1; r < 3; ++r) {
    ASSERT_LT(start[r] + growth[r], prior) << r;
    EXPECT_GT(growth[r], 0.40 * 1460) << r;
    EXPECT_LT(growth[r], 0.60 * 1460) << r;
  }
  // Well above cwnd_prior (and the cubic curve still below W_est): 1 SMSS per round.
  for (int r = 10; r < 20; ++r) {
    EXPECT_GT(growth[r], 0.85 * 1460) << r;
    EXPECT_LT(growth[r], 1.05 * 1460) << r;
  }
}

// RFC 9438 §4.8: the first congestion avoidance after a timeout uses K = 0
// and W_max = cwnd at its start, not the window from before the timeout.
TEST(Cubic, TimeoutRestartsTheCubicCurveAtTheEpochWindow) {
  cc::TcSentClock clock;
  cc::Cubic c{{}, clock};
  c.on_rtt(100ms);
  TimePoint now = at(1s);
  while (c.congestion_window() < 146000) run_round(c, now, 100ms);
  const double before = static_cast<double>(c.congestion_window());
  c.on_timeout(now, true);
  EXPECT_EQ(c.congestion_window(), 1460u);
  EXPECT_NEAR(static_cast<double>(c.slow_start_threshold()), before * 0.7, 2.0);
  while (c.congestion_window() < c.slow_start_threshold()) run_round(c, now, 100ms);
  const double epoch = static_cast<double>(c.congestion_window());
  run_round(c, now, 100ms);
  // The epoch started at the first ack past ssthresh (within the last slow-start round).
  EXPECT_GE(c.w_max(), static_cast<double>(c.slow_start_threshold()));
  EXPECT_LE(c.w_max(), epoch);
  EXPECT_LT(c.w_max(), 0.8 * before);
}

// RFC 9438 §4.10 / RFC 9406: a rising round-minimum RTT ends slow start;
// Conservative Slow Start grows by a quarter per round; after CSS_ROUNDS
// ssthresh is set to cwnd without any loss.
TEST(Cubic, HyStartLeavesSlowStartOnRisingRtt) {
  cc::TcSentClock clock;
  cc::Cubic c{{}, clock};
  c.on_rtt(40ms);
  TimePoint now = at(1s);
  auto round = [&](Duration sample) {
    const std::uint64_t w = c.congestion_window();
    const std::uint64_t n = std::max<std::uint64_t>(1, w / 1460);
    for (std::uint64_t i = 0; i < n; ++i) {
      now += Duration{40ms} / static_cast<long>(n);
      c.on_rtt_sample(now, sample);
      c.begin_packet(now, c.congestion_window());
      c.on_acked(1460);
      c.end_packet(now);
    }
    return static_cast<double>(c.congestion_window()) / static_cast<double>(w);
  };
  for (int r = 0; r < 4; ++r) EXPECT_GT(round(40ms), 1.8) << "slow start, round " << r;
  EXPECT_EQ(c.slow_start_phase(), cc::HyStartPlusPlus::Phase::slow_start);
  round(52ms);  // queue building: +12 ms >= 5 ms
  EXPECT_EQ(c.slow_start_phase(), cc::HyStartPlusPlus::Phase::conservative);
  EXPECT_EQ(c.slow_start_threshold(), UINT64_MAX);
  for (int r = 0; r < 3; ++r) {
    const double g = round(52ms);
    EXPECT_GT(g, 1.15) << "CSS round " << r;
    EXPECT_LT(g, 1.30) << "CSS round " << r;
  }
  for (int r = 0; r < 4; ++r) round(52ms);
  EXPECT_EQ(c.slow_start_phase(), cc::HyStartPlusPlus::Phase::done);
  EXPECT_LT(c.slow_start_threshold(), UINT64_MAX);
  EXPECT_LE(static_cast<double>(c.slow_start_threshold()), static_cast<double>(c.congestion_window()));
}

void expect_tcr_clamped(cc::CongestionController& c) {
  c.on_rtt(100ms);
  TimePoint now = at(10s);
  for (int r = 0; r < 30; ++r) {
    const double start = static_cast<double>(c.congestion_window());
    const double end = static_cast<double>(run_round(c, now, 100ms, true));
    EXPECT_LE(end - start, std::max(start * 0.005, 384.0) + 1.0) << c.name() << " round " << r;
  }
  // Without TCR, growth is faster again (the clamp is what limited it).
  now += 1s;
  const double start = static_cast<double>(c.congestion_window());
  run_round(c, now, 100ms, false);
  run_round(c, now, 100ms, false);
  EXPECT_GT(static_cast<double>(c.congestion_window()) - start, 2 * std::max(start * 0.005, 384.0)) << c.name();
}

TEST(TcrClamp, AppendixA) {
  cc::TcSentClock clock;
  auto c = cc::make_congestion_controller("appendix-a", {}, clock);
  expect_tcr_clamped(**c);
}

TEST(TcrClamp, Cubic) {
  cc::TcSentClock clock;
  auto c = cc::make_congestion_controller("cubic", {}, clock);
  expect_tcr_clamped(**c);
}

TEST(TcrClamp, NotWhenSendingTimeCriticalOurselves) {
  cc::TcSentClock clock;
  cc::Cubic c{{}, clock};
  c.on_rtt(100ms);
  c.on_tcr_received(at(1s));
  c.on_packet_sent(at(1s), 1200, true, true);
  EXPECT_FALSE(c.tcr_clamp(at(1s) + 100ms));
  cc::Cubic d{{}, clock};
  d.on_tcr_received(at(1s));
  EXPECT_TRUE(d.tcr_clamp(at(1s) + 100ms));
  EXPECT_FALSE(d.tcr_clamp(at(1s) + 800ms));
}

}  // namespace
