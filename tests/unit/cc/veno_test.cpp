// "veno": the cut depends on the queue estimated from RTT samples.
#include <gtest/gtest.h>

#include "rtmfp/core/cc/veno.hpp"

using namespace rtmfp;
using namespace std::chrono_literals;

namespace {

// Slow start to about `target` bytes with RTT samples of `rtt` each packet.
TimePoint grow_to(cc::Veno& v, TimePoint now, std::uint64_t target, Duration base, Duration rtt) {
  v.on_rtt_sample(now, base);  // the path's empty-queue RTT seen once
  while (v.congestion_window() < target) {
    now += 1ms;
    v.on_rtt(rtt);
    v.on_rtt_sample(now, rtt);
    v.begin_packet(now, v.congestion_window());
    v.on_acked(1460);
    v.end_packet(now);
  }
  return now;
}

void lose_one(cc::Veno& v, TimePoint now) {
  v.begin_packet(now, v.congestion_window());
  v.on_loss();
  v.end_packet(now);
}

TEST(Veno, RandomLossWithoutQueueKeepsTheWindow) {
  cc::TcSentClock clock;
  cc::Veno v({}, clock);
  TimePoint now = at(1s);
  now = grow_to(v, now, 100000, 40ms, 41ms);  // 1 ms over base: no standing queue
  EXPECT_LT(v.backlog_packets(), 3.0);
  const auto before = v.congestion_window();
  lose_one(v, now + 1ms);
  EXPECT_EQ(v.congestion_window(), before);  // no cut...
  EXPECT_EQ(v.slow_start_threshold(), before);  // ...but slow start is over
}

TEST(Veno, LossWithStandingQueueHalves) {
  cc::TcSentClock clock;
  cc::Veno v({}, clock);
  TimePoint now = at(1s);
  now = grow_to(v, now, 100000, 40ms, 80ms);  // RTT doubled: a full BDP queued
  EXPECT_GT(v.backlog_packets(), 3.0);
  const auto before = v.congestion_window();
  lose_one(v, now + 1ms);
  EXPECT_EQ(v.congestion_window(), before / 2);
}

TEST(Veno, BaseRttForgetsOldMinimumAfterTwoWindows) {
  cc::TcSentClock clock;
  cc::Veno v({}, clock);
  TimePoint now = at(1s);
  v.on_rtt_sample(now, 10ms);
  EXPECT_EQ(v.base_rtt(), Duration(10ms));
  now += 11s;
  v.on_rtt_sample(now, 50ms);  // new window; the previous one still holds 10 ms
  EXPECT_EQ(v.base_rtt(), Duration(10ms));
  now += 11s;
  v.on_rtt_sample(now, 60ms);  // 10 ms is two windows old: forgotten
  EXPECT_EQ(v.base_rtt(), Duration(50ms));
}

TEST(Veno, TimeoutWithLossRestartsFromOneSegment) {
  cc::TcSentClock clock;
  cc::Veno v({}, clock);
  TimePoint now = grow_to(v, at(1s), 50000, 40ms, 40ms);
  v.on_timeout(now, true);
  EXPECT_EQ(v.congestion_window(), 1460u);
  EXPECT_GE(v.slow_start_threshold(), 25000u);
}

}  // namespace
