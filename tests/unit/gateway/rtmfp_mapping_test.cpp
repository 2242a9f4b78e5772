#include "media/gateway/rtmfp_mapping.hpp"

#include <gtest/gtest.h>

#include "media/gateway/flow_sync_barrier.hpp"

namespace rtmfp::media::gateway {
namespace {

TEST(TcMetadata, EncodesTheNetConnectionControlFlowAsInTheRfc) {
  // RFC 7425 §5.3.1: the client's NetConnection control flow is stream 0, RXI 0:
  // 54 43 04 00 (DIGEST §9.2 example).
  EXPECT_EQ(encode_metadata({0, false}), (Bytes{0x54, 0x43, 0x04, 0x00}));
  EXPECT_EQ(encode_metadata({5, true}), (Bytes{0x54, 0x43, 0x05, 0x05}));
  EXPECT_EQ(encode_metadata({300, false}), (Bytes{0x54, 0x43, 0x04, 0x82, 0x2c}));
}

TEST(TcMetadata, DecodesAndRejectsWhatTheProfileSaysToReject) {
  auto m = decode_metadata(Bytes{0x54, 0x43, 0x05, 0x82, 0x2c});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->stream_id, 300u);
  EXPECT_TRUE(m->network_arrival_order);
  EXPECT_FALSE(decode_metadata(Bytes{0x54, 0x44, 0x04, 0x00}));          // other signature
  EXPECT_FALSE(decode_metadata(Bytes{0x54, 0x43, 0x00}));                // SID clear
  EXPECT_FALSE(decode_metadata(Bytes{0x54, 0x43, 0x04}));                // stream ID missing
  EXPECT_FALSE(decode_metadata(Bytes{0x54, 0x43, 0x04, 0x88, 0x80, 0x80, 0x00}));  // > 24 bits
  EXPECT_FALSE(decode_metadata(Bytes{}));
}

TEST(FlowMessageFraming, TypeTimestampPayload) {
  Bytes payload{1, 2, 3};
  Bytes m = encode_message(9, 0x01020304, payload);
  EXPECT_EQ(m, (Bytes{9, 1, 2, 3, 4, 1, 2, 3}));
  auto d = decode_message(m);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->type, 9);
  EXPECT_EQ(d->timestamp, 0x01020304u);
  EXPECT_EQ(Bytes(d->payload.begin(), d->payload.end()), payload);
  EXPECT_FALSE(decode_message(Bytes{9, 0, 0, 0}));
}

TEST(ControlTypes, ChunkStreamControlIsNeverCarried) {
  for (int t : {1, 2, 3, 5, 6}) EXPECT_TRUE(is_chunk_stream_control(static_cast<std::uint8_t>(t)));
  for (int t : {4, 8, 9, 15, 17, 18, 20, 22}) EXPECT_FALSE(is_chunk_stream_control(static_cast<std::uint8_t>(t)));
}

TEST(UserControlEvents, FlowSyncAndSetKeepaliveRoundTrip) {
  Bytes fs = encode_flow_sync({8, 2});
  EXPECT_EQ(fs, (Bytes{0, 34, 0, 0, 0, 8, 0, 0, 0, 2}));
  auto d = decode_flow_sync(fs);
  ASSERT_TRUE(d && *d);
  EXPECT_EQ((*d)->sync_id, 8u);
  EXPECT_FALSE(decode_set_keepalive(fs));  // another event
  Bytes ka = encode_set_keepalive({15000, 20000});
  auto k = decode_set_keepalive(ka);
  ASSERT_TRUE(k && *k);
  EXPECT_EQ((*k)->peer_period_ms, 20000u);
  auto bad = decode_flow_sync(Bytes{0, 34, 0, 0, 0, 8, 0, 0, 0, 0});
  ASSERT_TRUE(bad);
  EXPECT_FALSE(*bad) << "count 0 is invalid";
  auto clamped = clamp_keepalive({1000, 1000000});
  EXPECT_EQ(clamped.server_period_ms, 5000u);
  EXPECT_EQ(clamped.peer_period_ms, 120000u);
}

TEST(FlowSyncBarrier, ReleasesOnlyWhenCountFlowsArrived) {
  // RFC 7425 Fig. 2: F1 and F2, barrier 8 then 13.
  FlowSyncBarrier b;
  EXPECT_TRUE(b.on_sync(1, 8, 2).empty());
  EXPECT_TRUE(b.suspended(1));
  EXPECT_FALSE(b.suspended(2));
  auto released = b.on_sync(2, 8, 2);
  EXPECT_EQ(released, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_FALSE(b.suspended(1));
  EXPECT_TRUE(b.on_sync(1, 13, 2).empty());
  b.forget(1);
  EXPECT_FALSE(b.suspended(1));
}

}  // namespace
}  // namespace rtmfp::media::gateway
