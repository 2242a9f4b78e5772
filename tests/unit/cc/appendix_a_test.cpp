// RFC 7016 Appendix A.2 step-by-step checks (Figures 24 and 25) and the
// §3.5.2.2 RTT estimator.
#include <gtest/gtest.h>

#include <limits>

#include "rtmfp/core/cc/appendix_a.hpp"
#include "rtmfp/core/cc/pacer.hpp"
#include "rtmfp/core/recovery/rtt_estimator.hpp"

using namespace rtmfp;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kInf = std::numeric_limits<std::uint64_t>::max();

struct Fixture {
  cc::TcSentClock clock;
  cc::AppendixA a{cc::CcConfig{}, clock};
  void packet(TimePoint now, std::uint64_t outstanding, std::uint64_t acked, bool loss = false, bool nak = false) {
    a.begin_packet(now, outstanding);
    if (acked) a.on_acked(acked);
    if (loss) a.on_loss();
    if (nak) a.on_nak();
    a.end_packet(now);
  }
};

TEST(AppendixA, InitialState) {
  Fixture f;
  EXPECT_EQ(f.a.congestion_window(), 4380u);
  EXPECT_EQ(f.a.slow_start_threshold(), kInf);
  EXPECT_EQ(f.a.pacing_rate(), 0u);  // no RTT yet -> unpaced
}

TEST(AppendixA, SlowStartGrowsByAckedBytesCappedAtSmss) {
  Fixture f;
  f.packet(at(1s), 4380, 1000);
  EXPECT_EQ(f.a.congestion_window(), 5380u);
  f.packet(at(2s), 5380, 3000);  // MIN(INCREASE, SMSS)
  EXPECT_EQ(f.a.congestion_window(), 5380u + 1460u);
}

TEST(AppendixA, NoGrowthWhenNotWindowLimitedOrNaks) {
  Fixture f;
  f.packet(at(1s), 4379, 1000);  // PRE_ACK_OUTSTANDING < CWND
  EXPECT_EQ(f.a.congestion_window(), 4380u);
  f.packet(at(1s), 4380, 1000, false, true);  // ANY_NAKS
  EXPECT_EQ(f.a.congestion_window(), 4380u);
  f.a.begin_packet(at(1s), 9000);  // no ack chunk at all
  f.a.end_packet(at(1s));
  EXPECT_EQ(f.a.congestion_window(), 4380u);
}

TEST(AppendixA, LossAt67200HalvesAt67201CutsOneEighth) {
  Fixture f;
  f.packet(at(1s), 67200, 0, true);
  EXPECT_EQ(f.a.slow_start_threshold(), 33600u);
  EXPECT_EQ(f.a.congestion_window(), 33600u);
  Fixture g;
  g.packet(at(1s), 67201, 0, true);
  EXPECT_EQ(g.a.slow_start_threshold(), 67201u * 7 / 8);
  EXPECT_EQ(g.a.congestion_window(), 67201u * 7 / 8);
  Fixture h;
  h.packet(at(1s), 2000, 0, true);  // floor CWND_INIT
  EXPECT_EQ(h.a.congestion_window(), 4380u);
}

TEST(AppendixA, TimeoutToTimedOutOrInit) {
  Fixture f;
  f.a.on_timeout(at(1s), true);
  EXPECT_EQ(f.a.congestion_window(), 1460u);
  EXPECT_EQ(f.a.slow_start_threshold(), kInf);  // MAX(+inf, ...) (DIGEST [FLAG])
  Fixture g;
  g.a.on_timeout(at(1s), false);
  EXPECT_EQ(g.a.congestion_window(), 4380u);
  // With a finite SSTHRESH: SSTHRESH = MAX(SSTHRESH, CWND*3/4).
  Fixture h;
  h.packet(at(1s), 100000, 0, true);  // ssthresh = cwnd = 87500
  EXPECT_EQ(h.a.congestion_window(), 87500u);
  h.a.on_timeout(at(2s), true);
  EXPECT_EQ(h.a.slow_start_threshold(), 87500u);
  EXPECT_EQ(h.a.congestion_window(), 1460u);
  // Grows in slow start again up to SSTHRESH.
  h.packet(at(3s), 1460, 1460);
  EXPECT_EQ(h.a.congestion_window(), 4380u);  // MAX(1460+1460, CWND_INIT)
}

TEST(AppendixA, CongestionAvoidanceFastgrow48PerAithresh) {
  Fixture f;
  f.packet(at(1s), 160000, 0, true);  // cwnd = ssthresh = 140000, AITHRESH = 4800
  ASSERT_EQ(f.a.congestion_window(), 140000u);
  f.packet(at(2s), 140000, 4799);
  EXPECT_EQ(f.a.congestion_window(), 140000u);
  f.packet(at(2s), 140000, 1);
  EXPECT_EQ(f.a.congestion_window(), 140048u);
  EXPECT_EQ(f.a.acked_bytes_accumulator(), 0u);
  f.packet(at(2s), 140048, 9700);  // two thresholds, remainder 100
  EXPECT_EQ(f.a.congestion_window(), 140144u);
  EXPECT_EQ(f.a.acked_bytes_accumulator(), 100u);
}

TEST(AppendixA, TcSentSlowStartQuarterAndGentleLoss) {
  Fixture f;
  f.a.on_packet_sent(at(1s), 1200, true, true);  // TC sent on this session
  EXPECT_TRUE(f.a.tc_sent(at(1s) + 799ms));
  EXPECT_FALSE(f.a.fastgrow_allowed(at(1s)));
  f.packet(at(1s) + 10ms, 4380, 1001);
  EXPECT_EQ(f.a.congestion_window(), 4380u + 251u);  // CEIL(1001/4)
  f.packet(at(1s) + 20ms, 10000, 0, true);  // TC_SENT -> 7/8 even below 67200
  EXPECT_EQ(f.a.congestion_window(), 8750u);
  // After 800 ms TC_SENT lapses: FASTGROW back, loss halves.
  f.packet(at(1s) + 900ms, 10000, 0, true);
  EXPECT_EQ(f.a.congestion_window(), 5000u);
}

TEST(AppendixA, TcOnOtherSessionDisablesFastgrowCap4800) {
  cc::TcSentClock clock;
  cc::AppendixA mine{cc::CcConfig{}, clock};
  cc::AppendixA other{cc::CcConfig{}, clock};
  other.on_packet_sent(at(1s), 1200, true, true);
  EXPECT_FALSE(mine.fastgrow_allowed(at(1s)));
  EXPECT_FALSE(mine.tc_sent(at(1s)));
  // Slow start disabled: +24 per AITHRESH = MIN(MAX(4380/16, 64), 4800) = 273.
  mine.begin_packet(at(1s), 4380);
  mine.on_acked(1460);
  mine.end_packet(at(1s));
  EXPECT_EQ(mine.congestion_window(), 4380u + 5 * 24u);
  EXPECT_TRUE(mine.fastgrow_allowed(at(1s) + 800ms));
}

TEST(AppendixA, TcrDisablesSlowStart) {
  Fixture f;
  f.a.on_tcr_received(at(1s));
  EXPECT_TRUE(f.a.tcr_clamp(at(1s)));
  f.packet(at(1s), 4380, 1460);
  EXPECT_LT(f.a.congestion_window(), 4380u + 1460u);
  EXPECT_EQ(f.a.congestion_window(), 4380u + 5 * 24u);
}

TEST(RttEstimator, Section3522) {
  recovery::RttEstimator r;
  EXPECT_EQ(r.erto(), 3s);
  EXPECT_EQ(r.mrto(), 250ms);
  r.on_rtt_sample(100ms);  // SRTT 100, RTTVAR 50, MRTO 100+200+200 = 500
  EXPECT_EQ(*r.srtt(), 100ms);
  EXPECT_EQ(r.rttvar(), 50ms);
  EXPECT_EQ(r.erto(), 500ms);
  r.on_rtt_sample(200ms);  // RTTVAR = (150+100)/4 = 62.5, SRTT = 112.5
  EXPECT_EQ(r.rttvar(), Duration{62500});
  EXPECT_EQ(*r.srtt(), Duration{112500});
  EXPECT_EQ(r.erto(), Duration{112500 + 4 * 62500 + 200000});
  r.on_timeout_backoff();
  EXPECT_EQ(r.erto(), Duration{static_cast<long>(562500 * 1.4142)});
  for (int i = 0; i < 20; ++i) r.on_timeout_backoff();
  EXPECT_EQ(r.erto(), 10s);
}

TEST(RttEstimator, FloorAndTicks) {
  recovery::RttEstimator r;
  for (int i = 0; i < 50; ++i) r.on_rtt_sample(1ms);
  EXPECT_EQ(r.erto(), r.mrto() > 250ms ? r.mrto() : Duration{250ms});
  EXPECT_GE(r.erto(), 250ms);
  r.on_timeout_backoff();
  EXPECT_GE(r.erto(), r.mrto());
  recovery::RttEstimator t;
  EXPECT_TRUE(t.on_rtt_ticks(5, 65531));  // wraps: 10 ticks
  EXPECT_EQ(*t.latest(), 40ms);
  EXPECT_FALSE(t.on_rtt_ticks(40000, 0));  // > 32767 invalid
  EXPECT_EQ(*t.latest(), 40ms);
}

TEST(Pacer, SpacesPacketsAtRate) {
  cc::Pacer p(0);
  const std::uint64_t rate = 1'000'000;  // 1 MB/s -> 1000 B per ms
  EXPECT_EQ(p.next_send_time(at(1s), rate), at(1s));
  p.on_sent(at(1s), 1000, rate);
  EXPECT_EQ(p.next_send_time(at(1s), rate), at(1s) + 1ms);
  EXPECT_EQ(p.next_send_time(at(1s), 0), at(1s));
  cc::BurstGuard g;
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(g.may_send_data());
    g.on_data_packet_sent();
  }
  EXPECT_FALSE(g.may_send_data());
  g.on_ack_received();
  EXPECT_TRUE(g.may_send_data());
}

}  // namespace
