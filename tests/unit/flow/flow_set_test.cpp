// Two FlowSets joined by a seeded lossy in-memory link (flow_link.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "flow_link.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace std::chrono_literals;

namespace {

using rtmfp::flow::test::Link;
using rtmfp::flow::test::pattern;

class FlowSetLoss : public ::testing::TestWithParam<double> {};

TEST_P(FlowSetLoss, ReliableFlowArrivesIntact) {
  Link link(42, GetParam());
  auto id = link.a.open_flow(Bytes{'m', 'd'}, std::nullopt, {});
  ASSERT_TRUE(id);
  std::vector<Bytes> sent;
  std::vector<std::shared_ptr<WriteReceipt>> receipts;
  sent.push_back(pattern(200000, 1));
  for (int i = 0; i < 50; ++i) sent.push_back(pattern(10 + 37 * i, 100 + i));
  for (auto& m : sent) receipts.push_back(*link.a.write(*id, m, link.now, std::nullopt, std::nullopt));
  link.a.close_flow(*id, link.now);
  for (int i = 0; i < 600000; ++i) {
    link.step();
    bool finished = false;
    for (auto& e : link.events_b) finished |= e.kind == FlowEventKind::flow_finished;
    // The receiver can finish before the sender hears the last acks: wait for every receipt.
    const bool all_done = std::all_of(receipts.begin(), receipts.end(),
                                      [](const auto& r) { return r->status() != ReceiptStatus::pending; });
    if (finished && all_done) break;
  }
  std::vector<Bytes> got;
  bool incoming = false;
  for (auto& e : link.events_b) {
    if (e.kind == FlowEventKind::incoming_flow) {
      incoming = true;
      EXPECT_EQ(e.data, (Bytes{'m', 'd'}));
    }
    if (e.kind == FlowEventKind::message) got.push_back(e.data);
  }
  EXPECT_TRUE(incoming);
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(got[i], sent[i]) << i;
  for (std::size_t i = 0; i < receipts.size(); ++i) EXPECT_EQ(receipts[i]->status(), ReceiptStatus::delivered) << "message " << i << " of " << receipts.size();
  EXPECT_GT(link.cwnd_max, 4380u);  // the window grew
  if (GetParam() >= 0.10) {
    EXPECT_LT(link.cwnd_min_after_peak, link.cwnd_max);  // and backed off on loss
    EXPECT_GT(link.a.stats().bytes_retransmitted, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Loss, FlowSetLoss, ::testing::Values(0.0, 0.01, 0.10, 0.30));

// §3.6.2.11: closing a flow whose data was all acknowledged sends an empty
// abandoned FIN fragment covered by its own FSN; the receiver must still
// finish the flow.
TEST(FlowSetLink, CloseAfterEverythingAcknowledgedFinishesTheFlow) {
  Link link(3, 0.0);
  auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
  ASSERT_TRUE(id);
  auto r = link.a.write(*id, pattern(3000, 9), link.now, std::nullopt, std::nullopt);
  ASSERT_TRUE(r);
  for (int i = 0; i < 2000 && (*r)->status() != ReceiptStatus::delivered; ++i) link.step();
  ASSERT_EQ((*r)->status(), ReceiptStatus::delivered);
  link.a.close_flow(*id, link.now);
  bool finished = false;
  for (int i = 0; i < 2000 && !finished; ++i) {
    link.step();
    for (auto& e : link.events_b) finished |= e.kind == FlowEventKind::flow_finished;
  }
  EXPECT_TRUE(finished);
}

// Path MTU discovery raised the packet size (RFC 7016 §3.5.4.3): later
// writes are cut to the larger fragments, earlier ones keep theirs.
TEST(FlowSetLink, SetMaxFragmentAppliesToLaterWrites) {
  FlowSetConfig ca;
  ca.max_fragment = 1000;
  Link link(5, 0.0, 20ms, ca);
  link.packet_size = 1100;
  auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
  ASSERT_TRUE(id);
  Bytes first = pattern(30000, 1), second = pattern(30000, 2);
  auto r1 = link.a.write(*id, first, link.now, std::nullopt, std::nullopt);
  ASSERT_TRUE(r1);
  link.a.set_max_fragment(1400);
  EXPECT_EQ(link.a.max_fragment(), 1400u);
  EXPECT_EQ(link.a.send_flow(*id)->max_fragment(), 1400u - 1 - (2 * 3 + 10 + 1));
  for (int i = 0; i < 5000 && (*r1)->status() != ReceiptStatus::delivered; ++i) link.step();
  ASSERT_EQ((*r1)->status(), ReceiptStatus::delivered) << "queued fragments must keep their size and fit";
  EXPECT_LE(link.largest_packet, 1100u);
  link.packet_size = 1500;
  auto r2 = link.a.write(*id, second, link.now, std::nullopt, std::nullopt);
  ASSERT_TRUE(r2);
  for (int i = 0; i < 5000 && (*r2)->status() != ReceiptStatus::delivered; ++i) link.step();
  ASSERT_EQ((*r2)->status(), ReceiptStatus::delivered);
  EXPECT_GT(link.largest_packet, 1300u) << "the second message was not cut to the larger fragments";
  std::vector<Bytes> got;
  for (auto& e : link.events_b)
    if (e.kind == FlowEventKind::message) got.push_back(e.data);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], first);
  EXPECT_EQ(got[1], second);
  // A new flow after the change uses the new size too; zero is ignored.
  link.a.set_max_fragment(0);
  EXPECT_EQ(link.a.max_fragment(), 1400u);
}

TEST(FlowSetLink, DeadlinesAbandonLateMessages) {
  Link link(7, 1.0);  // link down: nothing can be delivered
  auto id = link.a.open_flow(Bytes{1}, std::nullopt, {});
  auto r1 = link.a.write(*id, pattern(5000, 1), link.now, std::nullopt, 500ms);
  for (int i = 0; i < 1000; ++i) link.step();
  EXPECT_EQ((*r1)->status(), ReceiptStatus::abandoned);
  link.loss = 0.0;  // link back
  auto r2 = link.a.write(*id, pattern(100, 2), link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 20000 && (*r2)->status() == ReceiptStatus::pending; ++i) link.step();
  EXPECT_EQ((*r2)->status(), ReceiptStatus::delivered);
  std::size_t messages = 0;
  for (auto& e : link.events_b)
    if (e.kind == FlowEventKind::message) {
      ++messages;
      EXPECT_EQ(e.data, pattern(100, 2));
    }
  EXPECT_EQ(messages, 1u);
}

TEST(FlowSetLink, RejectReachesSenderAsException) {
  Link link(9, 0.0);
  auto id = link.a.open_flow(Bytes{1}, std::nullopt, {});
  auto r = link.a.write(*id, pattern(100, 1), link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 100 && link.events_b.empty(); ++i) link.step();
  ASSERT_FALSE(link.events_b.empty());
  link.b.reject_flow(link.events_b.front().flow, 77, link.now);
  (void)link.a.write(*id, pattern(100, 2), link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 2000; ++i) link.step();
  bool exc = false;
  for (auto& e : link.events_a) exc |= e.kind == FlowEventKind::exception && e.exception_code == 77;
  EXPECT_TRUE(exc);
  (void)r;
}

// Hostile flow chunks: no crash (the ASan stage), and every bound holds:
// queued events, receiving flows, each flow's buffer; the malformed ones
// are counted as dropped, not silently taken.
TEST(FlowSetLink, HostileChunksStayBounded) {
  FlowSetConfig cfg;
  cfg.max_receiving_flows = 16;
  cfg.max_events = 64;
  cfg.receive_buffer = 8 * 1024;
  FlowSet s(cfg);
  std::mt19937 rng(1);
  std::set<FlowId> seen;
  std::size_t events = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes p(rng() % 40);
    for (auto& x : p) x = static_cast<std::uint8_t>(rng());
    const std::uint8_t types[] = {0x10, 0x11, 0x50, 0x51, 0x18, 0x5e};
    s.on_packet_received(at(1s), std::nullopt, false);
    s.on_chunk(at(1s), types[rng() % 6], p);
    s.on_packet_end(at(1s));
    if (i % 1000 == 999) {  // the application drains now and then
      std::size_t batch = 0;
      while (auto e = s.poll_event()) {
        ++batch;
        if (e->kind == FlowEventKind::incoming_flow) seen.insert(e->flow);
      }
      EXPECT_LE(batch, cfg.max_events) << "event queue beyond its bound";
      events += batch;
    }
  }
  std::size_t live = 0;
  for (FlowId id : seen)
    if (const RecvFlow* rf = s.recv_flow(id)) {
      ++live;
      EXPECT_LE(rf->buffered_size(), cfg.receive_buffer) << "flow " << id;
    }
  EXPECT_LE(live, cfg.max_receiving_flows);
  EXPECT_LE(events, 20u * cfg.max_events);
  EXPECT_GT(s.stats().dropped_chunks, 0u) << "malformed chunks are counted";
}

}  // namespace
