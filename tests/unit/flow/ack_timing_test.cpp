// RFC 7016 §3.6.3.4 acknowledgements as the FlowSet sends them: delayed at
// most 200 ms (§3.6.3.4.4), at once on every second packet with user data
// (§3.6.3.4.1), and encoded as a Bitmap (§2.3.13) or Ranges (§2.3.14) chunk,
// whichever is smaller (§3.6.3.4.3).
#include <gtest/gtest.h>

#include "rtmfp/core/flow/flow_params.hpp"
#include "rtmfp/core/flow/flow_set.hpp"
#include "rtmfp/core/wire/ack_codec.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t kBitmapAck = 0x50, kRangeAck = 0x51;

// One packet carrying User Data for flow 1, sequence numbers `seqs` (FSN 0).
void feed(FlowSet& s, TimePoint t, std::initializer_list<std::uint64_t> seqs) {
  const Bytes md{'m'}, data{7};
  s.on_packet_received(t, std::nullopt, false);
  for (std::uint64_t seq : seqs) {
    wire::UserDataChunk c;
    c.flow_id = 1;
    c.sequence_number = seq;
    c.fsn_offset = seq;
    wire::Option o;
    o.type = wire::kOptionPerFlowMetadata;
    o.value = ByteView(md);
    c.options.push_back(o);
    c.data = ByteView(data);
    Bytes p;
    ByteWriter w(p);
    c.encode(w);
    s.on_chunk(t, 0x10, p);
  }
  s.on_packet_end(t);
}

// Builds the packet the FlowSet would send now; returns its ack chunks.
std::vector<std::pair<std::uint8_t, wire::DataAck>> send(FlowSet& s, TimePoint t) {
  std::vector<std::pair<std::uint8_t, wire::DataAck>> out;
  if (!s.wants_to_send(t)) return out;
  wire::PacketHeader h;
  h.mode = wire::PacketMode::initiator;
  wire::PacketBuilder b(h, 1200);
  s.fill_packet(t, b);
  Bytes p = std::move(b).finish();
  auto parsed = wire::parse_packet(p);
  EXPECT_TRUE(parsed);
  for (const auto& c : parsed->chunks) {
    if (c.type == kBitmapAck) out.emplace_back(c.type, *wire::decode_bitmap_ack(c.payload));
    if (c.type == kRangeAck) out.emplace_back(c.type, *wire::decode_range_ack(c.payload));
  }
  return out;
}

TEST(AckTiming, InOrderDataIsAcknowledgedWithin200ms) {
  FlowSet s(FlowSetConfig{});
  const TimePoint t = at(5s);
  feed(s, t, {1});
  (void)send(s, t + 250ms);  // whatever the first ack, it has gone
  const TimePoint t2 = t + 300ms;
  feed(s, t2, {2});
  EXPECT_FALSE(s.wants_to_send(t2));
  EXPECT_FALSE(s.wants_to_send(t2 + 199ms));
  ASSERT_TRUE(s.next_deadline());
  EXPECT_LE(*s.next_deadline(), t2 + flow_params::kDelayedAck);
  EXPECT_EQ(flow_params::kDelayedAck, 200ms);
  auto acks = send(s, t2 + 200ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].second.cumulative_ack, 2u);
  EXPECT_FALSE(s.wants_to_send(t2 + 200ms));  // sent once
}

TEST(AckTiming, EverySecondPacketWithDataIsAcknowledgedAtOnce) {
  FlowSet s(FlowSetConfig{});
  const TimePoint t = at(5s);
  feed(s, t, {1});
  (void)send(s, t + 250ms);
  const TimePoint t2 = t + 300ms;
  feed(s, t2, {2, 3});  // one packet, two chunks: still one packet
  EXPECT_FALSE(s.wants_to_send(t2));
  feed(s, t2 + 1ms, {4});  // the second packet
  auto acks = send(s, t2 + 1ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].second.cumulative_ack, 4u);
  // The count starts again after the ack.
  feed(s, t2 + 2ms, {5});
  EXPECT_FALSE(s.wants_to_send(t2 + 2ms));
  feed(s, t2 + 3ms, {6});
  EXPECT_TRUE(s.wants_to_send(t2 + 3ms));
}

TEST(AckTiming, BitmapForDenseGapsRangesForSparseOnes) {
  {
    FlowSet s(FlowSetConfig{});
    const TimePoint t = at(5s);
    feed(s, t, {1, 3, 5, 6, 8});  // out of order: ack now
    auto acks = send(s, t);
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].first, kBitmapAck);
    EXPECT_EQ(acks[0].second.cumulative_ack, 1u);
    EXPECT_EQ(acks[0].second.ranges, (std::vector<wire::SeqRange>{{3, 3}, {5, 6}, {8, 8}}));
  }
  {
    FlowSet s(FlowSetConfig{});
    const TimePoint t = at(5s);
    feed(s, t, {1, 2, 3000, 9000});
    auto acks = send(s, t);
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].first, kRangeAck);
    EXPECT_EQ(acks[0].second.cumulative_ack, 2u);
    EXPECT_EQ(acks[0].second.ranges, (std::vector<wire::SeqRange>{{3000, 3000}, {9000, 9000}}));
  }
}

}  // namespace
