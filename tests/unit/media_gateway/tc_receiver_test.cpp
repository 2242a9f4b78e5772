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

}  // namespace
}  // namespace rtmfp::media::gateway
