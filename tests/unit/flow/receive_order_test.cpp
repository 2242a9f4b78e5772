// RFC 7425 §5.1.1: the receiver chooses, per flow, between original queuing
// order and network arrival order, and may change its mind while the flow
// runs (RecvFlow, FlowSet and the FlowSetConfig hook).
#include <gtest/gtest.h>

#include "rtmfp/core/flow/flow_set.hpp"
#include "rtmfp/core/flow/recv_flow.hpp"
#include "rtmfp/core/wire/chunks.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace std::chrono_literals;

namespace {

using Fra = wire::Fragmentation;

wire::UserDataFlags frag(Fra f) {
  wire::UserDataFlags fl;
  fl.fragmentation = f;
  return fl;
}

std::vector<RecvMessage> take(RecvFlow& rx) {
  std::vector<RecvMessage> out;
  while (auto m = rx.poll_message()) out.push_back(std::move(*m));
  return out;
}

TEST(ReceiveOrder, SwitchToNetworkArrivalDeliversWhatIsCompleteAndBuffered) {
  RecvFlow rx(RecvFlowConfig{.flow_id = 1});
  const TimePoint t = at(1s);
  // seq 1 lost; 2 whole; 3-4 a two-fragment message; 5 begin of an unfinished one.
  ASSERT_TRUE(rx.on_data(2, 0, frag(Fra::whole), Bytes{2}, t));
  ASSERT_TRUE(rx.on_data(3, 0, frag(Fra::begin), Bytes{3}, t));
  ASSERT_TRUE(rx.on_data(4, 0, frag(Fra::end), Bytes{4}, t));
  ASSERT_TRUE(rx.on_data(5, 0, frag(Fra::begin), Bytes{5}, t));
  EXPECT_TRUE(take(rx).empty());  // original queuing order waits for seq 1
  rx.set_receive_order(ReceiveOrder::network_arrival);
  auto got = take(rx);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, Bytes{2});
  EXPECT_EQ(got[1].data, (Bytes{3, 4}));
  // Back to original order: the gap still holds later messages, and what was
  // delivered on arrival is never delivered again nor counted as skipped.
  rx.set_receive_order(ReceiveOrder::original_queuing);
  ASSERT_TRUE(rx.on_data(6, 0, frag(Fra::end), Bytes{6}, t));  // completes 5-6
  ASSERT_TRUE(rx.on_data(7, 0, frag(Fra::whole), Bytes{7}, t));
  EXPECT_TRUE(take(rx).empty());
  ASSERT_TRUE(rx.on_data(1, 0, frag(Fra::whole), Bytes{1}, t));
  got = take(rx);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].data, Bytes{1});
  EXPECT_EQ(got[1].data, (Bytes{5, 6}));
  EXPECT_EQ(got[2].data, Bytes{7});
  EXPECT_EQ(rx.skipped(), 0u);
  EXPECT_EQ(rx.cumulative(), 7u);
  EXPECT_EQ(rx.buffered_size(), 0u);
}

TEST(ReceiveOrder, AbandonedGapIsSkippedInOrderAfterEarlyDeliveries) {
  RecvFlow rx(RecvFlowConfig{.flow_id = 1, .order = ReceiveOrder::network_arrival});
  const TimePoint t = at(1s);
  ASSERT_TRUE(rx.on_data(2, 0, frag(Fra::whole), Bytes{2}, t));  // 1 missing
  auto got = take(rx);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first_seq, 2u);
  rx.set_receive_order(ReceiveOrder::original_queuing);
  ASSERT_TRUE(rx.on_data(5, 0, frag(Fra::whole), Bytes{5}, t));  // 3, 4 missing
  EXPECT_TRUE(take(rx).empty());
  // The sender abandoned 1, 3 and 4: FSN 4 arrives with seq 6.
  ASSERT_TRUE(rx.on_data(6, 4, frag(Fra::whole), Bytes{6}, t));
  got = take(rx);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, Bytes{5});
  EXPECT_EQ(got[1].data, Bytes{6});
  EXPECT_EQ(rx.skipped(), 3u);  // 1, 3 and 4; not 2, delivered on arrival
}

// Feeds one User Data chunk for a new or known flow to a FlowSet.
void feed(FlowSet& s, TimePoint t, std::uint64_t flow, std::uint64_t seq, Bytes data, const Bytes& metadata,
          bool final = false) {
  wire::UserDataChunk c;
  c.flags.final = final;
  c.flow_id = flow;
  c.sequence_number = seq;
  c.fsn_offset = seq;  // FSN 0
  wire::Option md;
  md.type = wire::kOptionPerFlowMetadata;
  md.value = ByteView(metadata);
  c.options.push_back(md);
  c.data = ByteView(data);
  Bytes p;
  ByteWriter w(p);
  c.encode(w);
  s.on_packet_received(t, std::nullopt, false);
  s.on_chunk(t, 0x10, p);
  s.on_packet_end(t);
}

std::vector<std::pair<FlowId, Bytes>> messages(FlowSet& s) {
  std::vector<std::pair<FlowId, Bytes>> out;
  while (auto e = s.poll_event())
    if (e->kind == FlowEventKind::message) out.emplace_back(e->flow, e->data);
  return out;
}

TEST(ReceiveOrder, FlowSetChoosesPerFlowFromMetadataAndOnRequest) {
  FlowSetConfig cfg;
  // RFC 7425 §5.1.1 RXI is bit 0 of the third metadata byte of a "TC" flow.
  cfg.choose_receive_order = [](ByteView md) {
    return md.size() >= 3 && (md[2] & 1) ? ReceiveOrder::network_arrival : ReceiveOrder::original_queuing;
  };
  FlowSet s(cfg);
  const Bytes live{'T', 'C', 0x05}, ordered{'T', 'C', 0x04};
  const TimePoint t = at(1s);
  feed(s, t, 1, 2, Bytes{12}, live);
  feed(s, t, 2, 2, Bytes{22}, ordered);
  auto got = messages(s);
  ASSERT_EQ(got.size(), 1u);  // only the network arrival flow delivers seq 2 before seq 1
  EXPECT_EQ(got[0], (std::pair<FlowId, Bytes>{1, Bytes{12}}));
  EXPECT_EQ(s.recv_flow(1)->receive_order(), ReceiveOrder::network_arrival);
  EXPECT_EQ(s.recv_flow(2)->receive_order(), ReceiveOrder::original_queuing);
  // The application switches flow 2 to network arrival: seq 2 comes at once.
  ASSERT_TRUE(s.set_receive_order(2, ReceiveOrder::network_arrival));
  got = messages(s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (std::pair<FlowId, Bytes>{2, Bytes{22}}));
  feed(s, t, 1, 1, Bytes{11}, live);
  feed(s, t, 2, 1, Bytes{21}, ordered);
  got = messages(s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].second, Bytes{11});
  EXPECT_EQ(got[1].second, Bytes{21});
  EXPECT_FALSE(s.set_receive_order(99, ReceiveOrder::network_arrival));
}

TEST(ReceiveOrder, DeliverOnArrivalStaysTheDefault) {
  for (bool on_arrival : {false, true}) {
    FlowSetConfig cfg;
    cfg.deliver_on_arrival = on_arrival;
    FlowSet s(cfg);
    feed(s, at(1s), 1, 2, Bytes{2}, Bytes{'m'});
    EXPECT_EQ(messages(s).size(), on_arrival ? 1u : 0u);
    EXPECT_EQ(s.recv_flow(1)->receive_order(),
              on_arrival ? ReceiveOrder::network_arrival : ReceiveOrder::original_queuing);
  }
}

TEST(ReceiveOrder, SuspendedDeliveryKeepsMessagesPastTheLinger) {
  FlowSet s(FlowSetConfig{});
  const TimePoint t = at(1s);
  feed(s, t, 1, 1, Bytes{1}, Bytes{'m'});
  ASSERT_TRUE(s.set_delivery_suspended(1, true));
  feed(s, t, 1, 2, Bytes{2}, Bytes{'m'}, /*final=*/true);
  auto got = messages(s);
  ASSERT_EQ(got.size(), 1u);  // the message before the suspension
  // The flow completes and its linger (§3.6.3.8) runs out while suspended.
  s.on_deadline(t + 200s);
  ASSERT_NE(s.recv_flow(1), nullptr);
  ASSERT_TRUE(s.set_delivery_suspended(1, false));
  std::vector<FlowEventKind> kinds;
  std::vector<Bytes> data;
  while (auto e = s.poll_event()) {
    kinds.push_back(e->kind);
    if (e->kind == FlowEventKind::message) data.push_back(e->data);
  }
  EXPECT_EQ(data, (std::vector<Bytes>{{2}}));
  EXPECT_EQ(kinds.back(), FlowEventKind::flow_finished);
  s.on_deadline(t + 201s);
  EXPECT_EQ(s.recv_flow(1), nullptr);  // now it goes
}

}  // namespace
