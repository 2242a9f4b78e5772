// RFC 7016 §3.6.2.9.1 Buffer Probe timer: a sending flow suspended by a zero
// receive window probes within one second, then with a period starting at
// max(1 s, ERTO) that grows to at most max(60 s, ERTO), and stops once the
// window reopens -- so a lost window-reopening acknowledgement cannot stall it.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "flow_link.hpp"
#include "rtmfp/core/flow/flow_params.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace rtmfp::flow::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t kBufferProbe = 0x18, kBitmapAck = 0x50, kRangeAck = 0x51;
namespace fp = rtmfp::flow_params;

struct Stalled {
  Link link;
  FlowId flow = 0, rflow = 0;
  std::vector<std::shared_ptr<WriteReceipt>> receipts;
  std::vector<TimePoint> probes;  // when a sent a Buffer Probe
  std::optional<TimePoint> window_closed;
  bool drop_acks = false;         // lose every b -> a packet
  int drop_next_acks = 0;         // lose the next n b -> a packets

  explicit Stalled(std::uint32_t seed, double loss = 0.0) : link(seed, loss, 20ms, {}, small_buffer()) {
    link.drop_if = [this](bool a_to_b, const wire::ParsedPacket& p) {
      if (a_to_b) {
        if (has_chunk(p, kBufferProbe)) probes.push_back(link.now);
        return false;
      }
      if (drop_acks) return true;
      if (drop_next_acks > 0 && (has_chunk(p, kBitmapAck) || has_chunk(p, kRangeAck))) {
        --drop_next_acks;
        return true;
      }
      return false;
    };
    flow = *link.a.open_flow(Bytes{'m'}, std::nullopt, {});
    for (int i = 0; i < 40; ++i)
      receipts.push_back(*link.a.write(flow, pattern(1000, 100 + i), link.now, std::nullopt, std::nullopt));
  }
  static FlowSetConfig small_buffer() {
    FlowSetConfig c;
    c.receive_buffer = 8000;  // eight of the 1000-byte messages fill it exactly
    return c;
  }
  void step() {
    link.step();
    for (auto& e : link.events_b)
      if (e.kind == FlowEventKind::incoming_flow && !rflow) {
        rflow = e.flow;
        // The receiving application stops reading from the start (§3.6.3.3).
        EXPECT_TRUE(link.b.set_delivery_suspended(rflow, true));
      }
    const SendFlow* f = link.a.send_flow(flow);
    if (f && f->receive_window() == 0 && !window_closed) window_closed = link.now;
    if (f && f->receive_window() > 0) window_closed.reset();
  }
  bool all_delivered() const {
    return std::all_of(receipts.begin(), receipts.end(),
                       [](const auto& r) { return r->status() == ReceiptStatus::delivered; });
  }
};

TEST(BufferProbe, LostWindowUpdateIsRecoveredByProbes) {
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    Stalled s(seed);
    for (int i = 0; i < 5000 && !s.window_closed; ++i) s.step();
    ASSERT_TRUE(s.window_closed) << "seed " << seed;
    const TimePoint closed = *s.window_closed;
    for (int i = 0; i < 500; ++i) s.step();  // 0.5 s, suspended
    EXPECT_TRUE(s.probes.empty()) << "seed " << seed;  // the first probe comes at one second
    EXPECT_FALSE(s.link.a.wants_to_send(s.link.now)) << "seed " << seed;
    ASSERT_FALSE(s.all_delivered());
    // The application reads again; the ack that reopens the window is lost.
    s.drop_next_acks = 1;
    const TimePoint resumed = s.link.now;
    ASSERT_TRUE(s.link.b.set_delivery_suspended(s.rflow, false));
    for (int i = 0; i < 20000 && !s.all_delivered(); ++i) s.step();
    EXPECT_EQ(s.drop_next_acks, 0) << "seed " << seed;  // the window update was sent, and lost
    EXPECT_TRUE(s.all_delivered()) << "seed " << seed;
    ASSERT_FALSE(s.probes.empty()) << "seed " << seed;
    EXPECT_GE(s.probes.front(), resumed) << "seed " << seed;
    EXPECT_LE(s.probes.front(), closed + fp::kBufferProbeFirst + 1ms) << "seed " << seed;
    auto got = s.link.messages_b(s.rflow);
    ASSERT_EQ(got.size(), 40u) << "seed " << seed;
    for (int i = 0; i < 40; ++i) EXPECT_EQ(got[i], pattern(1000, 100 + i)) << "seed " << seed << " message " << i;
    // Once the window is open no more probes.
    const std::size_t n = s.probes.size();
    for (int i = 0; i < 5000; ++i) s.step();
    EXPECT_EQ(s.probes.size(), n) << "seed " << seed;
  }
}

TEST(BufferProbe, SpacingStartsAtOneSecondOrErtoGrowsAndIsCapped) {
  Stalled s(7);
  for (int i = 0; i < 5000 && !s.window_closed; ++i) s.step();
  ASSERT_TRUE(s.window_closed);
  const TimePoint closed = *s.window_closed;
  // Suspended for ten minutes; the probe answers (window still zero) arrive.
  for (int i = 0; i < 600000; ++i) s.step();
  ASSERT_GE(s.probes.size(), 5u);
  EXPECT_LE(s.probes[0] - closed, fp::kBufferProbeFirst + 1ms);
  const Duration erto = s.link.a.erto();
  const Duration floor = std::max(fp::kBufferProbeMinPeriod, erto);
  const Duration cap = std::max(fp::kBufferProbeMaxPeriod, erto);
  Duration prev{0};
  for (std::size_t i = 1; i < s.probes.size(); ++i) {
    const Duration gap = s.probes[i] - s.probes[i - 1];
    EXPECT_GE(gap, floor - 1ms) << i;
    EXPECT_LE(gap, cap + 1ms) << i;
    EXPECT_GE(gap, prev - 1ms) << i;  // never shrinks
    prev = gap;
  }
  EXPECT_GE(prev, cap - 1ms);  // reached the cap within ten minutes
  std::string gaps;
  for (std::size_t i = 1; i < s.probes.size(); ++i)
    gaps += std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(s.probes[i] - s.probes[i - 1]).count()) + " ";
  std::printf("[ probes ] first %lld ms after the window closed; gaps (ms): %s\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(s.probes[0] - closed).count()),
              gaps.c_str());
  // 1 + 1 + 2 + 4 + ... + 32 s, then one a minute: a dozen or so, not one per packet.
  EXPECT_LE(s.probes.size(), 20u);
  EXPECT_EQ(s.link.a.stats().buffer_probes_sent, s.probes.size());
  EXPECT_FALSE(s.all_delivered());
  // Reading again reopens the window (no loss now): probing stops, data flows.
  ASSERT_TRUE(s.link.b.set_delivery_suspended(s.rflow, false));
  for (int i = 0; i < 20000 && !s.all_delivered(); ++i) s.step();
  EXPECT_TRUE(s.all_delivered());
}

TEST(BufferProbe, EveryAckLostWhileSuspendedStillRecovers) {
  // Probes and their answers are lost too for a while; the timer keeps going.
  Stalled s(11);
  for (int i = 0; i < 5000 && !s.window_closed; ++i) s.step();
  ASSERT_TRUE(s.window_closed);
  s.drop_acks = true;
  ASSERT_TRUE(s.link.b.set_delivery_suspended(s.rflow, false));
  for (int i = 0; i < 5000; ++i) s.step();
  s.drop_acks = false;
  for (int i = 0; i < 60000 && !s.all_delivered(); ++i) s.step();
  EXPECT_TRUE(s.all_delivered());
  EXPECT_GE(s.probes.size(), 2u);
}

TEST(BufferProbe, SendFlowTimer) {
  SendFlow f(SendFlowConfig{.flow_id = 1});
  const TimePoint t0 = at(10s);
  ASSERT_TRUE(f.write(Bytes(100, 1), t0, std::nullopt, std::nullopt));
  EXPECT_FALSE(f.buffer_probe_deadline());  // open window
  wire::DataAck closed{1, 0, 0, {}};
  f.on_ack(closed, t0);
  EXPECT_TRUE(f.suspended());
  ASSERT_TRUE(f.buffer_probe_deadline());
  EXPECT_EQ(*f.buffer_probe_deadline(), t0 + 1s);
  EXPECT_FALSE(f.buffer_probe_due(t0 + 999ms));
  EXPECT_TRUE(f.buffer_probe_due(t0 + 1s));
  // ERTO above one second sets the floor; the period doubles up to max(60 s, ERTO).
  TimePoint t = t0 + 1s;
  std::vector<Duration> periods;
  for (int i = 0; i < 10; ++i) {
    f.on_buffer_probe_sent(t, 3s);
    f.on_ack(closed, t);  // the answer: still closed, timer not restarted
    const TimePoint next = *f.buffer_probe_deadline();
    periods.push_back(next - t);
    t = next;
  }
  EXPECT_EQ(periods.front(), 3s);
  EXPECT_EQ(periods[1], 6s);
  EXPECT_EQ(periods.back(), 60s);
  f.on_buffer_probe_sent(t, 90s);  // ERTO above a minute lifts the cap
  EXPECT_EQ(*f.buffer_probe_deadline() - t, 90s);
  // Window open: no probes; closed again: one second again.
  f.on_ack(wire::DataAck{1, 4, 0, {}}, t);
  EXPECT_FALSE(f.buffer_probe_deadline());
  f.on_ack(closed, t + 5s);
  EXPECT_EQ(*f.buffer_probe_deadline(), t + 6s);
  // A rejected flow (EXCEPTION) is not suspended.
  f.on_exception(3, t + 5s);
  EXPECT_FALSE(f.buffer_probe_deadline());
}

}  // namespace
