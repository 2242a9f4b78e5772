// Replays of the RFC 7016 §3.6.2.8 examples against SendFlow (FSN offsets,
// NAK counting, loss, retransmission and abandonment), and Figure 23 against
// RecvFlow's acknowledgements.
#include <gtest/gtest.h>

#include "rtmfp/core/flow/recv_flow.hpp"
#include "rtmfp/core/flow/send_flow.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace std::chrono_literals;

namespace {

wire::DataAck ack(std::uint64_t cum, std::vector<wire::SeqRange> ranges = {}) {
  return wire::DataAck{.flow_id = 3, .buffer_blocks_available = 1000, .cumulative_ack = cum, .ranges = ranges};
}

// Sends the next fragment; TSN = sequence number (sent in order in the traces).
OutgoingFragment send_one(SendFlow& tx, TimePoint now) {
  auto f = tx.next_fragment(2000);
  EXPECT_TRUE(f.has_value());
  if (!f) return {};
  tx.on_fragment_sent(f->seq, f->seq, 100, now);
  return *f;
}

void ack_packet(SendFlow& tx, const wire::DataAck& a, TimePoint now) {
  auto r = tx.on_ack(a, now);
  tx.count_naks(r.max_acked_tsn);
}

TEST(RfcTrace, Figure20NormalFlowNoLoss) {
  SendFlow tx(SendFlowConfig{.flow_id = 2});
  const TimePoint t = at(1s);
  for (int i = 0; i < 28; ++i) ASSERT_TRUE(tx.write(Bytes{std::uint8_t(i)}, t, std::nullopt, std::nullopt));
  for (int i = 0; i < 24; ++i) send_one(tx, t);
  ack_packet(tx, ack(16), t);  // line 1
  auto f = send_one(tx, t);    // line 2
  EXPECT_EQ(f.seq, 25u);
  EXPECT_EQ(f.fsn_offset, 9u);
  f = send_one(tx, t);  // line 3
  EXPECT_EQ(f.seq, 26u);
  EXPECT_EQ(f.fsn_offset, 10u);
  ack_packet(tx, ack(18), t);  // line 4
  f = send_one(tx, t);         // line 5
  EXPECT_EQ(f.fsn_offset, 9u);
  f = send_one(tx, t);  // line 6
  EXPECT_EQ(f.seq, 28u);
  EXPECT_EQ(f.fsn_offset, 10u);
  EXPECT_EQ(tx.outstanding_bytes(), 10u * 100u);  // 19..28 in flight
}

TEST(RfcTrace, Figure21FlowWithLoss) {
  SendFlow tx(SendFlowConfig{.flow_id = 3});
  TimePoint t = at(1s);
  for (int i = 1; i <= 30; ++i) ASSERT_TRUE(tx.write(Bytes{1}, t, std::nullopt, std::nullopt));
  for (int i = 1; i <= 30; ++i) send_one(tx, t);
  // Message 31 is real-time with a 100 ms finish-by deadline; the rest are reliable.
  auto r31 = tx.write(Bytes{31}, t, std::nullopt, 100ms);
  for (int i = 32; i <= 64; ++i) ASSERT_TRUE(tx.write(Bytes{2}, t, std::nullopt, std::nullopt));
  for (int i = 31; i <= 44; ++i) send_one(tx, t);
  ack_packet(tx, ack(30), t);           // line 1
  EXPECT_EQ(send_one(tx, t).fsn_offset, 15u);  // line 2: 45, fsn 30
  ack_packet(tx, ack(30, {{32, 32}}), t);      // line 3: nack 31:1
  EXPECT_EQ(send_one(tx, t).fsn_offset, 16u);  // line 4: 46
  ack_packet(tx, ack(30, {{32, 32}, {34, 34}}), t);  // line 5
  ack_packet(tx, ack(30, {{32, 32}, {34, 35}}), t);  // line 6: 31 lost
  t += 150ms;
  tx.apply_deadlines(t);  // 31's deadline passed -> abandoned
  EXPECT_EQ(r31->get()->status(), ReceiptStatus::abandoned);
  auto f = send_one(tx, t);  // line 7: 47, fsn 32
  EXPECT_EQ(f.seq, 47u);
  EXPECT_EQ(f.fsn_offset, 15u);
  ack_packet(tx, ack(30, {{32, 32}, {34, 36}}), t);  // line 8: 33 lost
  f = send_one(tx, t);                               // line 9: retransmit 33
  EXPECT_EQ(f.seq, 33u);
  EXPECT_EQ(f.fsn_offset, 1u);
  ack_packet(tx, ack(30, {{32, 32}, {34, 37}}), t);  // line 10
  f = send_one(tx, t);                               // line 11: 48, fsn 32
  EXPECT_EQ(f.seq, 48u);
  EXPECT_EQ(f.fsn_offset, 16u);
  for (int s = 49; s <= 62; ++s) send_one(tx, t);  // lines 12-16 (acks not needed for the offsets)
  ack_packet(tx, ack(47), t);                      // line 17
  EXPECT_EQ(send_one(tx, t).fsn_offset, 16u);      // line 18: 63, fsn 47
  ack_packet(tx, ack(49), t);                      // line 19
  EXPECT_EQ(send_one(tx, t).fsn_offset, 15u);      // line 20: 64, fsn 49
}

TEST(RfcTrace, Figure23ReceiverAcks) {
  // §3.6.3.4.7 Figure 23: 31 and 33 lost; 31 abandoned, 33 retransmitted.
  RecvFlow rx(RecvFlowConfig{.flow_id = 3});
  wire::UserDataFlags whole;
  const TimePoint t = at(1s);
  auto data = [&](std::uint64_t seq, std::uint64_t fsn) {
    rx.on_data(seq, fsn, whole, Bytes{std::uint8_t(seq)}, t);
    rx.on_packet_end(t);
  };
  auto send_ack = [&] {
    auto a = rx.make_ack();
    rx.on_ack_sent();
    return a;
  };
  for (std::uint64_t s = 1; s <= 28; ++s) data(s, 0);
  send_ack();
  data(29, 18);  // line 1
  EXPECT_FALSE(rx.ack_now());
  data(30, 18);  // line 2
  ASSERT_TRUE(rx.ack_now());  // every second packet
  auto a = send_ack();        // line 3
  EXPECT_EQ(a.cumulative_ack, 30u);
  EXPECT_TRUE(a.ranges.empty());
  data(32, 20);  // line 4
  ASSERT_TRUE(rx.ack_now());  // out of order
  a = send_ack();             // line 5
  EXPECT_EQ(a, (wire::DataAck{3, a.buffer_blocks_available, 30, {{32, 32}}}));
  data(34, 22);  // line 6
  ASSERT_TRUE(rx.ack_now());
  a = send_ack();  // line 7
  EXPECT_EQ(a.ranges, (std::vector<wire::SeqRange>{{32, 32}, {34, 34}}));
  for (std::uint64_t s = 35; s <= 46; ++s) data(s, s - 16 < 30 ? s - 16 : 30);  // line 8
  a = send_ack();                                                              // line 9
  EXPECT_EQ(a.cumulative_ack, 30u);
  EXPECT_EQ(a.ranges, (std::vector<wire::SeqRange>{{32, 32}, {34, 46}}));
  data(47, 32);  // line 10 (31 abandoned)
  a = send_ack();  // line 11
  EXPECT_EQ(a.cumulative_ack, 32u);
  EXPECT_EQ(a.ranges, (std::vector<wire::SeqRange>{{34, 47}}));
  data(33, 32);  // line 12 retransmission
  a = send_ack();  // line 13
  EXPECT_EQ(a.cumulative_ack, 47u);
  EXPECT_TRUE(a.ranges.empty());
  data(48, 32);  // line 14
  EXPECT_FALSE(rx.ack_now());
  data(49, 32);  // line 15
  ASSERT_TRUE(rx.ack_now());
  EXPECT_EQ(send_ack().cumulative_ack, 49u);  // line 16
  std::size_t n = 0;
  while (auto m = rx.poll_message()) {
    EXPECT_NE(m->data, Bytes{31});
    ++n;
  }
  EXPECT_EQ(n, 48u);  // 1..49 except the abandoned 31
  EXPECT_EQ(rx.skipped(), 1u);
}

}  // namespace
