#include "media/gateway/tc_receiver.hpp"

#include <gtest/gtest.h>

#include "media/gateway/rtmfp_mapping.hpp"

namespace rtmfp::media::gateway {
namespace {

Bytes msg(std::uint8_t type, std::uint32_t ts, Bytes payload = {1, 2, 3}) { return encode_message(type, ts, payload); }
Bytes sync(std::uint32_t id, std::uint32_t count) { return encode_message(4, 0, encode_flow_sync({id, count})); }

TEST(TcReceiver, FramingStreamIdAndIgnoredControlTypes) {
  TcReceiver rx;
  rx.add_flow(7, 5);
  std::vector<rtmp::Message> out;
  ASSERT_TRUE(rx.on_message(7, msg(9, 40, {0x17, 1}), out));
  for (std::uint8_t t : {1, 2, 3, 5, 6}) ASSERT_TRUE(rx.on_message(7, msg(t, 0, {0, 0, 16, 0}), out));  // §5.1
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, 9);
  EXPECT_EQ(out[0].timestamp, 40u);
  EXPECT_EQ(out[0].stream_id, 5u) << "from the flow's metadata (§5.1.2)";
  EXPECT_EQ(out[0].payload, (Bytes{0x17, 1}));
  EXPECT_FALSE(rx.on_message(7, Bytes{9, 0, 0}, out)) << "shorter than the header";
  EXPECT_FALSE(rx.on_message(8, msg(9, 0), out)) << "unknown flow";
  EXPECT_FALSE(rx.on_message(7, encode_message(4, 0, Bytes{0, 34, 0, 0, 0, 1, 0, 0, 0, 0}), out)) << "sync count 0";
}

TEST(TcReceiver, SyncBarrierHoldsTheFlowUntilTheOthersArrive) {
  // RFC 7425 §5.2, Figure 2: F1: M1 M2 Sync(8,2) M5 | F2: M3 Sync(8,2) M4.
  TcReceiver rx;
  rx.add_flow(1, 0);
  rx.add_flow(2, 5);
  std::vector<rtmp::Message> out;
  ASSERT_TRUE(rx.on_message(1, msg(20, 1), out));
  ASSERT_TRUE(rx.on_message(1, msg(20, 2), out));
  ASSERT_TRUE(rx.on_message(1, sync(8, 2), out));
  ASSERT_TRUE(rx.on_message(1, msg(20, 5), out));  // held
  EXPECT_EQ(out.size(), 2u);
  EXPECT_GT(rx.held_bytes(), 0u);
  ASSERT_TRUE(rx.on_message(2, msg(9, 3), out));
  EXPECT_EQ(out.size(), 3u);
  ASSERT_TRUE(rx.on_message(2, sync(8, 2), out));  // completes: M5 follows
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3].timestamp, 5u);
  ASSERT_TRUE(rx.on_message(2, msg(9, 4), out));
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(rx.held_bytes(), 0u);
}

TEST(TcReceiver, AFinishedFlowsSyncStillCounts) {
  TcReceiver rx;
  rx.add_flow(1, 0);
  rx.add_flow(2, 5);
  std::vector<rtmp::Message> out;
  ASSERT_TRUE(rx.on_message(2, sync(3, 2), out));
  rx.remove_flow(2);  // closed right after its sync
  ASSERT_TRUE(rx.on_message(1, sync(3, 2), out));
  ASSERT_TRUE(rx.on_message(1, msg(20, 9), out));
  ASSERT_EQ(out.size(), 1u) << "the barrier completed with the finished flow's sync";
}

TEST(TcReceiver, NothingStaysStuckWhenNoFlowCanCompleteTheBarrier) {
  TcReceiver rx;
  rx.add_flow(1, 0);
  rx.add_flow(2, 5);
  std::vector<rtmp::Message> out;
  ASSERT_TRUE(rx.on_message(1, sync(4, 2), out));
  ASSERT_TRUE(rx.on_message(1, msg(20, 7), out));
  EXPECT_TRUE(out.empty());
  rx.remove_flow(2);  // finished without its sync
  EXPECT_TRUE(out.empty()) << "still held";
  EXPECT_FALSE(rx.all_finished());
  rx.remove_flow(1);
  EXPECT_TRUE(rx.all_finished());
  rx.release_all(out);  // the connection is over
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp, 7u);
}

TEST(TcReceiver, HeldDataIsBounded) {
  TcReceiver rx;
  rx.add_flow(1, 0);
  rx.add_flow(2, 0);
  std::vector<rtmp::Message> out;
  ASSERT_TRUE(rx.on_message(1, sync(1, 2), out));
  Bytes big(1 << 20, 0);
  Result<void> r;
  for (int i = 0; i < 40 && r; ++i) r = rx.on_message(1, encode_message(9, 0, big), out);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
}


// Review P1: a long run of held count-1 syncs released by another flow's
// sync must not recurse once per message (it overflowed the stack at about
// 100 k); the held data comes out in per-flow order.
TEST(TcReceiver, MillionHeldCountOneSyncsReleaseIterativelyInOrder) {
  TcReceiver rx;
  rx.add_flow(1, 3);  // A
  rx.add_flow(2, 3);  // B
  std::vector<rtmp::Message> out;
  ASSERT_TRUE(rx.on_message(1, sync(7, 2), out));  // A suspended
  const Bytes one = sync(9, 1);
  std::uint32_t ts = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    ASSERT_TRUE(rx.on_message(1, one, out));
    if (i % 1000 == 999) {
      ASSERT_TRUE(rx.on_message(1, msg(9, ++ts, {0x27, 1}), out));
    }
  }
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(rx.on_message(2, sync(7, 2), out));  // releases A
  ASSERT_EQ(out.size(), 1000u);
  for (std::uint32_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].timestamp, i + 1) << "per-flow order";
  EXPECT_EQ(rx.held_bytes(), 0u);
  ASSERT_TRUE(rx.on_message(1, msg(9, 5000), out));
  EXPECT_EQ(out.size(), 1001u) << "A is no longer suspended";
}

// Review P1, two-flow variant: each flow alternately completes the other's
// count-2 barrier from its held queue.
TEST(TcReceiver, ChainsOfCountTwoSyncsAcrossTwoFlowsReleaseIteratively) {
  TcReceiver rx;
  rx.add_flow(1, 3);
  rx.add_flow(2, 3);
  std::vector<rtmp::Message> out;
  constexpr std::uint32_t kN = 100'000;
  // A: S(1) m S(2) m S(3) ...; B: S(1) m S(2) m ... -- A holds everything
  // after S(1), B's S(1) releases A which then suspends on S(2) until B...
  ASSERT_TRUE(rx.on_message(1, sync(1, 2), out));
  for (std::uint32_t i = 2; i <= kN; ++i) {
    ASSERT_TRUE(rx.on_message(1, msg(9, i), out));
    ASSERT_TRUE(rx.on_message(1, sync(i, 2), out));
  }
  // B sends its chain while suspended most of the time: B's S(1) completes
  // barrier 1 and A runs to S(2); B's messages are then held behind S(2)...
  ASSERT_TRUE(rx.on_message(2, sync(1, 2), out));
  for (std::uint32_t i = 2; i <= kN; ++i) {
    ASSERT_TRUE(rx.on_message(2, msg(8, i), out));
    ASSERT_TRUE(rx.on_message(2, sync(i, 2), out));
  }
  ASSERT_EQ(out.size(), 2 * (kN - 1));
  std::uint32_t last8 = 0, last9 = 0;
  for (const auto& m : out) {
    auto& last = m.type == 8 ? last8 : last9;
    EXPECT_EQ(m.timestamp, last + (last == 0 ? 2 : 1));
    last = m.timestamp;
  }
  EXPECT_EQ(last8, kN);
  EXPECT_EQ(last9, kN);
}

// The same chain with B's whole stream held first: B's last sync triggers a
// release that alternates between the two flows' held queues kN times.
TEST(TcReceiver, AlternatingHeldQueuesReleaseIteratively) {
  TcReceiver rx;
  rx.add_flow(1, 3);
  rx.add_flow(2, 3);
  rx.add_flow(3, 3);
  std::vector<rtmp::Message> out;
  constexpr std::uint32_t kN = 100'000;
  // A and B each wait on barrier 0 (count 3) first, so everything after is held.
  ASSERT_TRUE(rx.on_message(1, sync(0, 3), out));
  ASSERT_TRUE(rx.on_message(2, sync(0, 3), out));
  for (std::uint32_t i = 1; i <= kN; ++i) {
    ASSERT_TRUE(rx.on_message(1, sync(i, 2), out));
    ASSERT_TRUE(rx.on_message(1, msg(9, i), out));
    ASSERT_TRUE(rx.on_message(2, sync(i, 2), out));
    ASSERT_TRUE(rx.on_message(2, msg(8, i), out));
  }
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(rx.on_message(3, sync(0, 3), out));  // releases A and B
  ASSERT_EQ(out.size(), 2 * kN);
  std::uint32_t last8 = 0, last9 = 0;
  for (const auto& m : out) {
    auto& last = m.type == 8 ? last8 : last9;
    EXPECT_EQ(m.timestamp, last + 1);
    last = m.timestamp;
  }
  EXPECT_EQ(rx.held_bytes(), 0u);
}

// Review R2: at the barrier cap the OLDEST barrier is evicted (not the
// smallest syncID), and the messages its flows held are released then, so
// later messages on those flows do not overtake them.
TEST(TcReceiver, BarrierEvictionReleasesTheOldestInOrder) {
  TcReceiver rx;
  const std::size_t cap = FlowSyncBarrier::kMaxPendingBarriers;
  std::vector<rtmp::Message> out;
  // Flow 1000 waits on the largest syncID first: it is the oldest barrier.
  rx.add_flow(1000, 1);
  ASSERT_TRUE(rx.on_message(1000, sync(0xFFFF, 2), out));
  ASSERT_TRUE(rx.on_message(1000, msg(9, 1), out));  // held
  for (std::uint32_t i = 1; i < cap; ++i) {
    rx.add_flow(i, 1);
    ASSERT_TRUE(rx.on_message(i, sync(i, 2), out));
  }
  EXPECT_TRUE(out.empty());
  rx.add_flow(5000, 1);
  ASSERT_TRUE(rx.on_message(5000, sync(100000, 2), out));  // over the cap: evicts 0xFFFF
  ASSERT_EQ(out.size(), 1u) << "the evicted flow's held message is released at eviction";
  EXPECT_EQ(out[0].timestamp, 1u);
  ASSERT_TRUE(rx.on_message(1000, msg(9, 2), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp, 2u);
  // syncID 1 (the smallest) is still pending: its flow stays suspended.
  ASSERT_TRUE(rx.on_message(1, msg(9, 77), out));
  EXPECT_EQ(out.size(), 2u);
}

}  // namespace
}  // namespace rtmfp::media::gateway
