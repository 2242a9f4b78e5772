// Findings of the RFC 7016 core review, section (b) (flow layer): one test
// per finding, each failing before its fix.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "flow_link.hpp"
#include "rtmfp/core/flow/flow_params.hpp"
#include "rtmfp/core/flow/recv_flow.hpp"
#include "rtmfp/core/flow/send_flow.hpp"
#include "rtmfp/core/wire/vlu.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace std::chrono_literals;

namespace {

using rtmfp::flow::test::has_chunk;
using rtmfp::flow::test::Link;
using rtmfp::flow::test::pattern;

constexpr std::uint8_t kUserData = 0x10, kNextUserData = 0x11, kFlowException = 0x5e;

wire::UserDataFlags flags(wire::Fragmentation fra, bool fin = false, bool abn = false) {
  wire::UserDataFlags f;
  f.fragmentation = fra;
  f.final = fin;
  f.abandon = abn;
  return f;
}

// One User Data chunk, encoded.
Bytes user_data(FlowId flow, std::uint64_t seq, std::vector<wire::Option> options, ByteView data,
                wire::Fragmentation fra = wire::Fragmentation::whole) {
  Bytes p;
  ByteWriter w(p);
  wire::UserDataChunk{.flags = flags(fra), .flow_id = flow, .sequence_number = seq, .fsn_offset = seq - 1,
                      .options = std::move(options), .data = data}
      .encode(w);
  return p;
}

wire::Option opt(std::uint64_t type, ByteView value) {
  wire::Option o;
  o.type = type;
  o.value = value;
  return o;
}

void deliver(FlowSet& s, TimePoint now, std::uint8_t type, ByteView payload) {
  s.on_packet_received(now, std::nullopt, false);
  s.on_chunk(now, type, payload);
  s.on_packet_end(now);
}

// Everything `s` sends now, as parsed packets.
std::vector<Bytes> drain_packets(FlowSet& s, TimePoint now) {
  std::vector<Bytes> out;
  for (int i = 0; i < 64 && s.wants_to_send(now); ++i) {
    wire::PacketHeader h;
    h.mode = wire::PacketMode::initiator;
    wire::PacketBuilder pb(h, 1200);
    s.fill_packet(now, pb);
    if (pb.empty()) break;
    out.push_back(std::move(pb).finish());
  }
  return out;
}

// Exception codes reported for `flow` in the packets.
std::vector<std::uint64_t> exceptions_for(const std::vector<Bytes>& packets, FlowId flow) {
  std::vector<std::uint64_t> codes;
  for (const auto& p : packets) {
    auto parsed = wire::parse_packet(p);
    if (!parsed) continue;
    for (const auto& c : parsed->chunks) {
      if (c.type != kFlowException) continue;
      auto e = wire::FlowExceptionReportChunk::decode(c.payload);
      if (e && e->flow_id == flow) codes.push_back(e->exception);
    }
  }
  return codes;
}

std::size_t count_kind(const std::vector<FlowEvent>& ev, FlowEventKind k) {
  return static_cast<std::size_t>(std::count_if(ev.begin(), ev.end(), [&](const auto& e) { return e.kind == k; }));
}

// ---- H1: a window-ignoring sender cannot grow the receive buffer (§3.6.3.5) ----

// FRA=begin, then endless in-order FRA=middle fragments, ignoring the window.
// Prints the receiver's largest buffered size and the time per fragment.
void flood(ReceiveOrder order, const char* name) {
  constexpr std::uint64_t kCapacity = 1024 * 1024;
  constexpr int kFragments = 25000;
  RecvFlow rx(RecvFlowConfig{.flow_id = 1, .buffer_capacity = kCapacity, .order = order});
  const Bytes d(1000, 7);
  std::uint64_t max_buffered = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= kFragments; ++i) {
    rx.on_data(static_cast<std::uint64_t>(i), 0,
               flags(i == 1 ? wire::Fragmentation::begin : wire::Fragmentation::middle), d, at(1s));
    max_buffered = std::max(max_buffered, rx.buffered_size());
  }
  const auto dt = std::chrono::steady_clock::now() - t0;
  std::printf("[ figure ] %s flood of %d fragments: max buffered %llu bytes (capacity %llu), %.1f ns/fragment\n", name,
              kFragments, static_cast<unsigned long long>(max_buffered), static_cast<unsigned long long>(kCapacity),
              std::chrono::duration<double, std::nano>(dt).count() / kFragments);
  EXPECT_LE(max_buffered, kCapacity);
  // A message that can never fit the receive buffer rejects the flow (code 0).
  EXPECT_EQ(rx.state(), RecvFlowState::RF_REJECTED);
  EXPECT_EQ(rx.exception_code(), std::optional<std::uint64_t>(0));
  EXPECT_EQ(rx.buffered_size(), 0u);
}

TEST(ReviewH1, WindowIgnoringFloodIsBoundedOriginalOrder) { flood(ReceiveOrder::original_queuing, "original-order"); }
TEST(ReviewH1, WindowIgnoringFloodIsBoundedNetworkArrival) { flood(ReceiveOrder::network_arrival, "network-arrival"); }

// A message up to the capacity still arrives whole when sent one fragment per
// window (the "at least one block" advertisement, §3.6.3.5).
TEST(ReviewH1, MessageUpToCapacityStillCompletes) {
  FlowSetConfig cb;
  cb.receive_buffer = 8 * 1024;
  Link link(11, 0.0, 10ms, {}, cb);
  auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
  const Bytes m = pattern(8 * 1024 - 100, 3);
  auto r = link.a.write(*id, m, link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 20000 && (*r)->status() == ReceiptStatus::pending; ++i) link.step();
  ASSERT_EQ((*r)->status(), ReceiptStatus::delivered);
  EXPECT_EQ(link.messages_b(1), (std::vector<Bytes>{m}));
}

// Many flows x out-of-order data: the session's receive memory never exceeds
// its bound (FlowSetConfig::session_receive_limit, params::kMaxSessionReceiveBytes).
TEST(ReviewH1, SessionReceiveMemoryIsBoundedAcrossFlows) {
  FlowSetConfig c;
  c.receive_buffer = 64 * 1024;
  c.session_receive_limit = 512 * 1024;
  FlowSet s(c);
  const Bytes md{'m'};
  const Bytes d(1000, 1);
  std::uint64_t peak = 0;
  for (FlowId f = 1; f <= 64; ++f) {
    // Sequence number 1 never arrives: everything stays buffered out of order.
    for (std::uint64_t seq = 2; seq <= 80; ++seq) {
      Bytes p;
      ByteWriter w(p);
      std::vector<wire::Option> o;
      if (seq == 2) o.push_back(opt(wire::kOptionPerFlowMetadata, md));
      wire::UserDataChunk{.flags = flags(wire::Fragmentation::whole), .flow_id = f, .sequence_number = seq,
                          .fsn_offset = seq, .options = o, .data = d}
          .encode(w);
      deliver(s, at(1s), kUserData, p);
      peak = std::max(peak, s.receive_memory());
    }
    while (s.poll_event()) {
    }
  }
  std::uint64_t sum = 0;
  for (FlowId f = 1; f <= 64; ++f)
    if (auto* r = s.recv_flow(f)) sum += r->buffered_size();
  std::printf("[ figure ] 64 flows x 79 KB out of order: session receive memory peak %llu, data %llu (bound %llu)\n",
              static_cast<unsigned long long>(peak), static_cast<unsigned long long>(sum),
              static_cast<unsigned long long>(c.session_receive_limit));
  EXPECT_LE(peak, c.session_receive_limit);
  EXPECT_LE(sum, c.session_receive_limit);
  EXPECT_GT(sum, c.session_receive_limit / 2);  // the budget is used, not refused outright
  EXPECT_EQ(FlowSetConfig{}.session_receive_limit, params::kMaxSessionReceiveBytes);
}

// ---- H2: a rejected flow finishes on both sides (§3.6.2.9, §3.6.2.11, §3.6.3.8) ----
TEST(ReviewH2, ThousandRejectedFlowsLeaveNoState) {
  Link link(13, 0.0, 10ms);
  std::vector<FlowId> sent;
  std::set<FlowId> rejected;
  for (int batch = 0; batch < 10; ++batch) {
    std::vector<FlowId> ids;
    for (int i = 0; i < 100; ++i) {
      auto id = link.a.open_flow(Bytes{'r'}, std::nullopt, {});
      ASSERT_TRUE(id);
      ASSERT_TRUE(link.a.write(*id, pattern(300, i), link.now, std::nullopt, std::nullopt));
      ids.push_back(*id);
      sent.push_back(*id);
    }
    std::size_t incoming = 0;
    for (int i = 0; i < 5000 && incoming < ids.size(); ++i) {
      link.step();
      for (auto& e : link.events_b)
        if (e.kind == FlowEventKind::incoming_flow && rejected.insert(e.flow).second) {
          link.b.reject_flow(e.flow, 5, link.now);
          ++incoming;
        }
    }
    ASSERT_EQ(incoming, ids.size()) << "batch " << batch;
    // The sender hears every rejection, and both sides finish the flows.
    for (int i = 0; i < 5000; ++i) {
      link.step();
      const bool done = std::all_of(ids.begin(), ids.end(), [&](FlowId id) {
        auto* f = link.a.send_flow(id);
        return f && f->state() == SendFlowState::F_COMPLETE_LINGER;
      });
      if (done) break;
    }
    for (FlowId id : ids) ASSERT_EQ(link.a.send_flow(id)->state(), SendFlowState::F_COMPLETE_LINGER) << id;
  }
  EXPECT_EQ(count_kind(link.events_a, FlowEventKind::exception), sent.size());
  // After the lingers (§3.6.2.11 130 s, §3.6.3.8 120 s) nothing is left.
  for (int i = 0; i < 140; ++i) {
    link.now += 1s;
    link.step();
  }
  for (FlowId id : sent) {
    EXPECT_EQ(link.a.send_flow(id), nullptr) << id;
    EXPECT_EQ(link.b.recv_flow(id), nullptr) << id;
  }
  // The session still accepts a new flow and delivers on it.
  auto id = link.a.open_flow(Bytes{'n'}, std::nullopt, {});
  auto r = link.a.write(*id, pattern(5000, 77), link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 5000 && (*r)->status() == ReceiptStatus::pending; ++i) link.step();
  EXPECT_EQ((*r)->status(), ReceiptStatus::delivered);
  EXPECT_EQ(link.messages_b(*id), (std::vector<Bytes>{pattern(5000, 77)}));
}

// ---- M1: the Flow Exception Report precedes every ack of a rejected flow ----
TEST(ReviewM1, ExceptionSurvivesLossOfItsFirstPacket) {
  Link link(17, 0.0, 10ms);
  int dropped = 0;
  link.drop_if = [&](bool a_to_b, const wire::ParsedPacket& p) {
    if (!a_to_b && dropped == 0 && has_chunk(p, kFlowException)) {
      ++dropped;
      return true;
    }
    return false;
  };
  auto id = link.a.open_flow(Bytes{1}, std::nullopt, {});
  (void)link.a.write(*id, pattern(100, 1), link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 200 && link.events_b.empty(); ++i) link.step();
  ASSERT_FALSE(link.events_b.empty());
  link.b.reject_flow(link.events_b.front().flow, 77, link.now);
  (void)link.a.write(*id, pattern(100, 2), link.now, std::nullopt, std::nullopt);
  bool exc = false;
  for (int i = 0; i < 20000 && !exc; ++i) {
    link.step();
    for (auto& e : link.events_a) exc |= e.kind == FlowEventKind::exception && e.exception_code == 77;
  }
  EXPECT_EQ(dropped, 1);
  EXPECT_TRUE(exc);
  // And the report comes before the ack in the packet (§3.6.3.4.3 step 1).
  FlowSet rx(FlowSetConfig{});
  const Bytes md{'m'};
  deliver(rx, at(1s), kUserData, user_data(3, 1, {opt(wire::kOptionPerFlowMetadata, md)}, Bytes{1}));
  rx.reject_flow(3, 9, at(1s));
  auto pk = drain_packets(rx, at(1s));
  ASSERT_FALSE(pk.empty());
  auto parsed = wire::parse_packet(pk[0]);
  ASSERT_TRUE(parsed);
  ASSERT_GE(parsed->chunks.size(), 2u);
  EXPECT_EQ(parsed->chunks[0].type, kFlowException);
  // A retransmission of the data gets the report again.
  deliver(rx, at(2s), kUserData, user_data(3, 1, {opt(wire::kOptionPerFlowMetadata, md)}, Bytes{1}));
  EXPECT_EQ(exceptions_for(drain_packets(rx, at(2s)), 3), (std::vector<std::uint64_t>{9}));
}

// ---- M2: §3.6.3.1 MUST-reject rules ----
struct NewFlowCase {
  const char* name;
  std::vector<wire::Option> options;
  bool accepted;
};

TEST(ReviewM2, NewFlowMustRejectRules) {
  const Bytes md{'m'}, assoc_ok{1}, assoc_bad{0x7f}, assoc_closed{2}, unknown{1, 2};
  FlowSet s(FlowSetConfig{});
  // Our sending flows: 1 open, 2 closing.
  ASSERT_EQ(*s.open_flow(Bytes{'x'}, std::nullopt, {}), 1u);
  ASSERT_EQ(*s.open_flow(Bytes{'y'}, std::nullopt, {}), 2u);
  s.close_flow(2, at(1s));
  const std::vector<NewFlowCase> cases = {
      {"no metadata", {}, false},
      {"unknown option 5", {opt(wire::kOptionPerFlowMetadata, md), opt(5, unknown)}, false},
      {"unknown option 0x1fff", {opt(wire::kOptionPerFlowMetadata, md), opt(0x1fff, unknown)}, false},
      {"ignorable option 0x2000", {opt(wire::kOptionPerFlowMetadata, md), opt(0x2000, unknown)}, true},
      {"association to no flow", {opt(wire::kOptionPerFlowMetadata, md), opt(wire::kOptionReturnFlowAssociation, assoc_bad)}, false},
      {"association to a closing flow", {opt(wire::kOptionPerFlowMetadata, md), opt(wire::kOptionReturnFlowAssociation, assoc_closed)}, false},
      {"association to an open flow", {opt(wire::kOptionPerFlowMetadata, md), opt(wire::kOptionReturnFlowAssociation, assoc_ok)}, true},
  };
  FlowId flow = 10;
  for (const auto& c : cases) {
    ++flow;
    deliver(s, at(1s), kUserData, user_data(flow, 1, c.options, Bytes{1, 2, 3}));
    std::vector<FlowEvent> ev;
    while (auto e = s.poll_event()) ev.push_back(std::move(*e));
    const auto packets = drain_packets(s, at(1s));
    const auto exc = exceptions_for(packets, flow);
    if (c.accepted) {
      EXPECT_EQ(count_kind(ev, FlowEventKind::incoming_flow), 1u) << c.name;
      EXPECT_TRUE(exc.empty()) << c.name;
    } else {
      EXPECT_EQ(count_kind(ev, FlowEventKind::incoming_flow), 0u) << c.name;
      EXPECT_EQ(count_kind(ev, FlowEventKind::message), 0u) << c.name;
      EXPECT_EQ(exc, (std::vector<std::uint64_t>{0})) << c.name;  // rejected by the implementation: code 0
    }
  }
  // The association is reported with the accepted flow.
}

TEST(ReviewM2, FlowLimitRejectsInsteadOfDropping) {
  FlowSetConfig c;
  c.max_receiving_flows = 2;
  FlowSet s(c);
  const Bytes md{'m'};
  for (FlowId f = 1; f <= 3; ++f) deliver(s, at(1s), kUserData, user_data(f, 1, {opt(wire::kOptionPerFlowMetadata, md)}, Bytes{1}));
  std::vector<FlowEvent> ev;
  while (auto e = s.poll_event()) ev.push_back(std::move(*e));
  EXPECT_EQ(count_kind(ev, FlowEventKind::incoming_flow), 2u);
  EXPECT_EQ(exceptions_for(drain_packets(s, at(1s)), 3), (std::vector<std::uint64_t>{0}));
}

// Each rejection is counted by its cause (a remote protocol violation is
// dropped and counted): the unknown option below 0x2000 of §3.6.3.1 step 8
// on a new flow and §3.6.3.2 step 4 on an open one, a missing metadata, a
// bad association, the flow limit, a message too large for the buffer.
TEST(ReviewM2, RejectionsAreCountedByCause) {
  FlowSetConfig c;
  c.max_receiving_flows = 3;
  c.receive_buffer = 4096;
  FlowSet s(c);
  const Bytes md{'m'}, unknown{1, 2}, assoc_bad{0x7f};
  auto one = [&](FlowId f, std::vector<wire::Option> o, std::uint64_t seq = 1) {
    deliver(s, at(1s), kUserData, user_data(f, seq, std::move(o), Bytes{1, 2, 3}));
    while (s.poll_event()) {
    }
  };
  one(1, {opt(wire::kOptionPerFlowMetadata, md), opt(5, unknown)});
  one(2, {opt(wire::kOptionPerFlowMetadata, md), opt(0x1fff, unknown)});
  EXPECT_EQ(s.stats().flows_rejected_unknown_option, 2u);
  one(3, {opt(wire::kOptionPerFlowMetadata, md), opt(0x2000, unknown)});  // ignorable: accepted
  EXPECT_EQ(s.stats().flows_rejected(), 2u);
  one(3, {opt(7, unknown)}, 2);  // the open flow 3 now carries an unknown option (§3.6.3.2 step 4)
  EXPECT_EQ(s.stats().flows_rejected_unknown_option, 3u);
  one(4, {});
  EXPECT_EQ(s.stats().flows_rejected_no_metadata, 1u);
  one(5, {opt(wire::kOptionPerFlowMetadata, md), opt(wire::kOptionReturnFlowAssociation, assoc_bad)});
  EXPECT_EQ(s.stats().flows_rejected_association, 1u);
  // Flows 1-5 are rejected, not open: 6, 7 and 8 fit the three open slots.
  for (FlowId f : {6, 7, 8}) one(f, {opt(wire::kOptionPerFlowMetadata, md)});
  EXPECT_EQ(s.stats().flows_rejected_limit, 0u);
  one(9, {opt(wire::kOptionPerFlowMetadata, md)});
  EXPECT_EQ(s.stats().flows_rejected_limit, 1u);
  // A message larger than the 4 KiB buffer on the open flow 6.
  const Bytes big(1000, 9);
  for (std::uint64_t seq = 2; seq <= 12; ++seq)
    deliver(s, at(1s), kUserData,
            user_data(6, seq, {}, big, seq == 2 ? wire::Fragmentation::begin : wire::Fragmentation::middle));
  EXPECT_EQ(s.stats().flows_rejected_too_large, 1u);
  EXPECT_EQ(s.stats().flows_rejected(), 7u);
}

// ---- M6: immediate acks (§3.6.3.2 steps 5/6/8/14, §3.6.3.4.1) ----
TEST(ReviewM6, SmallReceiveBufferMovesAtRoundTripPace) {
  FlowSetConfig cb;
  cb.receive_buffer = 2048;
  Link link(19, 0.0, 10ms, {}, cb);  // 20 ms round trip
  auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
  constexpr int kMessages = 100;
  std::vector<std::shared_ptr<WriteReceipt>> rs;
  for (int i = 0; i < kMessages; ++i) rs.push_back(*link.a.write(*id, pattern(1100, i), link.now, std::nullopt, std::nullopt));
  const TimePoint start = link.now;
  for (int i = 0; i < 200000 && link.messages_b(*id).size() < kMessages; ++i) link.step();
  ASSERT_EQ(link.messages_b(*id).size(), static_cast<std::size_t>(kMessages));
  const double secs = std::chrono::duration<double>(link.now - start).count();
  std::printf("[ figure ] 2 KiB receive buffer, 20 ms RTT: %d x 1100 B in %.2f s simulated (%.0f messages/s)\n",
              kMessages, secs, kMessages / secs);
  // One message per round trip (20 ms) at least; without the immediate acks
  // each waited for the 200 ms delayed ack.
  EXPECT_LT(link.now - start, kMessages * 50ms);
}

// ---- L4: startup options once per packet, no space reserved after the first ack ----
TEST(ReviewL4, StartupOptionsOncePerPacketAndOnlyUntilAcked) {
  Link link(23, 0.0, 10ms);
  const Bytes md(500, 'M');
  auto id = link.a.open_flow(md, std::nullopt, {});
  ASSERT_TRUE(id);
  std::size_t worst_options_per_packet = 0;
  link.drop_if = [&](bool a_to_b, const wire::ParsedPacket& p) {
    if (!a_to_b) return false;
    std::size_t n = 0;
    for (const auto& c : p.chunks) {
      if (c.type == kUserData) {
        auto u = wire::UserDataChunk::decode(c.payload);
        if (u && !u->options.empty()) ++n;
      } else if (c.type == kNextUserData) {
        auto u = wire::NextUserDataChunk::decode(c.payload);
        if (u && !u->options.empty()) ++n;
      }
    }
    worst_options_per_packet = std::max(worst_options_per_packet, n);
    return false;
  };
  // Small messages: several fragments share a packet before the first ack.
  for (int i = 0; i < 20; ++i) (void)link.a.write(*id, pattern(50, i), link.now, std::nullopt, std::nullopt);
  link.step();
  EXPECT_EQ(worst_options_per_packet, 1u);
  for (int i = 0; i < 200; ++i) link.step();
  // After the flow's first ack, later writes use the whole fragment.
  EXPECT_GE(link.a.send_flow(*id)->max_fragment(), link.a.max_fragment() - 1);
  auto r = link.a.write(*id, pattern(100000, 5), link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 20000 && (*r)->status() == ReceiptStatus::pending; ++i) link.step();
  EXPECT_EQ((*r)->status(), ReceiptStatus::delivered);
  EXPECT_EQ(link.messages_b(*id).back(), pattern(100000, 5));
  EXPECT_LE(link.largest_packet, link.packet_size);
}

// ---- L5: acks release only entries that were sent (§3.6.2.4 step 4) ----
TEST(ReviewL5, AckCannotDeliverNeverSentMessages) {
  SendFlow tx(SendFlowConfig{.flow_id = 1, .metadata = Bytes{1}, .max_fragment = 100});
  auto r1 = *tx.write(Bytes(50, 1), at(1s), std::nullopt, std::nullopt);
  auto r2 = *tx.write(Bytes(50, 2), at(1s), std::nullopt, std::nullopt);
  auto r3 = *tx.write(Bytes(150, 3), at(1s), std::nullopt, std::nullopt);
  auto f = tx.next_fragment(SIZE_MAX);
  ASSERT_TRUE(f);
  tx.on_fragment_sent(f->seq, 1, 60, at(1s));
  wire::DataAck ack;
  ack.flow_id = 1;
  ack.buffer_blocks_available = 64;
  ack.cumulative_ack = 2;
  ack.ranges.push_back({3, 4});
  tx.on_ack(ack, at(1s));
  EXPECT_EQ(r1->status(), ReceiptStatus::delivered);
  EXPECT_EQ(r2->status(), ReceiptStatus::pending);
  EXPECT_EQ(r3->status(), ReceiptStatus::pending);
  EXPECT_EQ(tx.queued_entries(), 3u);
}

// ---- L6: TIMEOUT_ALARM reset on every data send and every ack (§3.6.2.6) ----
TEST(ReviewL6, TimeoutAlarmResetByEveryDataSend) {
  FlowSet s(FlowSetConfig{});
  auto id = s.open_flow(Bytes{'m'}, std::nullopt, {});
  (void)s.write(*id, pattern(500, 1), at(1s), std::nullopt, std::nullopt);
  ASSERT_EQ(drain_packets(s, at(1s)).size(), 1u);
  const TimePoint second = at(1s) + s.erto() - 100ms;
  (void)s.write(*id, pattern(500, 2), second, std::nullopt, std::nullopt);
  ASSERT_EQ(drain_packets(s, second).size(), 1u);
  const TimePoint t = at(1s) + s.erto() + 1ms;
  ASSERT_TRUE(s.next_deadline());
  EXPECT_GT(*s.next_deadline(), t);
  s.on_deadline(t);
  EXPECT_EQ(s.stats().timeouts, 0u);
}

// ---- L10: a full event queue never loses a message of a reliable flow ----
TEST(ReviewL10, FullEventQueueHoldsMessagesBack) {
  FlowSetConfig cb;
  cb.max_events = 4;
  Link link(29, 0.0, 10ms, {}, cb);
  link.poll_b = false;
  auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
  constexpr int kMessages = 50;
  std::vector<std::shared_ptr<WriteReceipt>> rs;
  for (int i = 0; i < kMessages; ++i) rs.push_back(*link.a.write(*id, pattern(200, i), link.now, std::nullopt, std::nullopt));
  for (int i = 0; i < 2000; ++i) link.step();
  link.poll_b = true;
  for (int i = 0; i < 20000 && link.messages_b(*id).size() < kMessages; ++i) link.step();
  auto got = link.messages_b(*id);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(got[i], pattern(200, i)) << i;
}

// ---- A late FIN for a flow closed early to make room (§3.6.3.8) ----
// A complete flow can be forgotten before its 120 s linger ends when the
// table of receiving flows is full. If its final ack was lost, the sender's
// retransmitted FIN (no metadata: the flow was acked before) must be acked as
// a duplicate, not taken for a new flow without metadata and rejected: that
// would report an exception to a sender whose messages were all delivered.
// A flow's only chunk: sequence number 1, a whole message, FIN.
Bytes fin_chunk(FlowId f, std::vector<wire::Option> o) {
  Bytes p;
  ByteWriter w(p);
  wire::UserDataFlags fl = flags(wire::Fragmentation::whole, true);
  wire::UserDataChunk{.flags = fl, .flow_id = f, .sequence_number = 1, .fsn_offset = 1,
                      .options = std::move(o), .data = Bytes{4, 2}}
      .encode(w);
  return p;
}

TEST(ReviewFin, LateFinOfAFlowClosedEarlyIsAckedNotRejected) {
  FlowSetConfig c;
  c.max_receiving_flows = 2;
  FlowSet s(c);
  const Bytes md{'m'};
  std::size_t finished = 0, messages = 0;
  auto poll = [&] {
    while (auto e = s.poll_event()) {
      finished += e->kind == FlowEventKind::flow_finished;
      messages += e->kind == FlowEventKind::message;
      EXPECT_NE(e->kind, FlowEventKind::exception);
    }
  };
  // Flow 1 and then enough complete flows that the table closes flow 1 early.
  const FlowId last = 2 + flow_params::kMaxIdleReceivingFlows + 1;
  for (FlowId f = 1; f <= last; ++f) {
    deliver(s, at(1s), kUserData, fin_chunk(f, {opt(wire::kOptionPerFlowMetadata, md)}));
    poll();
    (void)drain_packets(s, at(1s));
  }
  ASSERT_EQ(s.recv_flow(1), nullptr) << "flow 1 was not closed early; the test needs more flows";
  ASSERT_EQ(finished, static_cast<std::size_t>(last));
  // Its FIN again, as the sender retransmits it after losing the final ack.
  deliver(s, at(2s), kUserData, fin_chunk(1, {}));
  poll();
  const auto packets = drain_packets(s, at(2s));
  EXPECT_TRUE(exceptions_for(packets, 1).empty()) << "the finished flow was rejected as a new one";
  std::optional<std::uint64_t> cum;
  for (const auto& p : packets) {
    auto parsed = wire::parse_packet(p);
    ASSERT_TRUE(parsed);
    for (const auto& ch : parsed->chunks) {
      if (ch.type != 0x50 && ch.type != 0x51) continue;
      auto a = ch.type == 0x50 ? wire::decode_bitmap_ack(ch.payload) : wire::decode_range_ack(ch.payload);
      if (a && a->flow_id == 1) cum = a->cumulative_ack;
    }
  }
  EXPECT_EQ(cum, std::optional<std::uint64_t>(1)) << "the late FIN is acknowledged";
  EXPECT_EQ(finished, static_cast<std::size_t>(last)) << "no second FlowFinished";
  EXPECT_EQ(messages, static_cast<std::size_t>(last)) << "no message delivered twice";
  EXPECT_EQ(s.stats().flows_rejected(), 0u);
  EXPECT_EQ(s.stats().late_chunks_of_finished_flows, 1u);
}

// The memory of forgotten finished flows a peer fills by opening and
// finishing flows is bounded (flow_params.hpp kMaxFinishedFlowMemory, the
// lowest flow IDs dropped first): the newest kMaxFinishedFlowMemory
// forgotten flows still have their late FIN acknowledged, the one below is
// taken for a new flow without metadata (and rejected).
TEST(ReviewFin, FinishedFlowMemoryIsBoundedOldestForgottenFirst) {
  FlowSetConfig c;
  c.max_receiving_flows = 2;
  FlowSet s(c);
  const Bytes md{'m'};
  const FlowId last = 2 + flow_params::kMaxIdleReceivingFlows + flow_params::kMaxFinishedFlowMemory + 8;
  for (FlowId f = 1; f <= last; ++f) {
    deliver(s, at(1s), kUserData, fin_chunk(f, {opt(wire::kOptionPerFlowMetadata, md)}));
    while (s.poll_event()) {
    }
    (void)drain_packets(s, at(1s));
  }
  FlowId newest_forgotten = 0;
  for (FlowId f = 1; f <= last; ++f)
    if (s.recv_flow(f) == nullptr) newest_forgotten = f;
  ASSERT_GT(newest_forgotten, flow_params::kMaxFinishedFlowMemory) << "the test needs more flows";
  const FlowId oldest_remembered = newest_forgotten - flow_params::kMaxFinishedFlowMemory + 1;
  // (The remembered one first: the rejected new flow makes room by
  // forgetting another complete flow, which pushes the oldest memory out.)
  deliver(s, at(2s), kUserData, fin_chunk(oldest_remembered, {}));
  EXPECT_EQ(s.stats().late_chunks_of_finished_flows, 1u);
  EXPECT_EQ(s.stats().flows_rejected(), 0u);
  deliver(s, at(2s), kUserData, fin_chunk(oldest_remembered - 1, {}));
  EXPECT_EQ(s.stats().late_chunks_of_finished_flows, 1u);
  EXPECT_EQ(s.stats().flows_rejected_no_metadata, 1u) << "forgotten beyond the bound: a new flow";
}

// ---- FIN queued before an earlier message was abandoned, then acked as a range ----
TEST(ReviewFin, AbandonedGapBeforeAckedFinStillCompletesReceiver) {
  Link link(31, 0.0, 10ms);
  // Drop every non-abandoned transmission of sequence number 2.
  link.drop_if = [&](bool a_to_b, const wire::ParsedPacket& p) {
    if (!a_to_b) return false;
    std::uint64_t seq = 0;
    for (const auto& c : p.chunks) {
      if (c.type == kUserData) {
        auto u = wire::UserDataChunk::decode(c.payload);
        if (!u) continue;
        seq = u->sequence_number;
        if (seq == 2 && !u->flags.abandon) return true;
      } else if (c.type == kNextUserData) {
        auto u = wire::NextUserDataChunk::decode(c.payload);
        if (!u) continue;
        ++seq;
        if (seq == 2 && !u->flags.abandon) return true;
      }
    }
    return false;
  };
  auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
  const std::size_t frag = link.a.send_flow(*id)->max_fragment();
  auto ra = *link.a.write(*id, pattern(3 * frag, 1), link.now, std::nullopt, 300ms);  // seq 1..3
  auto rb = *link.a.write(*id, pattern(10, 2), link.now, std::nullopt, std::nullopt);  // seq 4
  link.a.close_flow(*id, link.now);                                                  // FIN on seq 4
  bool finished = false;
  for (int i = 0; i < 30000 && !finished; ++i) {
    link.step();
    finished = count_kind(link.events_b, FlowEventKind::flow_finished) > 0;
  }
  EXPECT_EQ(ra->status(), ReceiptStatus::abandoned);
  EXPECT_EQ(rb->status(), ReceiptStatus::delivered);
  EXPECT_TRUE(finished);
  EXPECT_EQ(link.messages_b(*id), (std::vector<Bytes>{pattern(10, 2)}));
}

}  // namespace

namespace {

// The run bookkeeping behind H1 under loss and reordering, in both delivery
// orders: every message arrives exactly once and intact, nothing stays buffered.
TEST(ReviewH1, RunsDeliverEveryMessageOnceUnderLoss) {
  for (bool on_arrival : {false, true}) {
    FlowSetConfig cb;
    cb.deliver_on_arrival = on_arrival;
    Link link(37, 0.10, 10ms, {}, cb);
    auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
    std::mt19937 rng(5);
    std::vector<Bytes> sent;
    std::vector<std::shared_ptr<WriteReceipt>> rs;
    for (int i = 0; i < 80; ++i) {
      sent.push_back(pattern(1 + rng() % 5000, 1000 + i));
      rs.push_back(*link.a.write(*id, sent.back(), link.now, std::nullopt, std::nullopt));
    }
    link.a.close_flow(*id, link.now);
    bool finished = false;
    for (int i = 0; i < 200000 && !finished; ++i) {
      link.step();
      finished = count_kind(link.events_b, FlowEventKind::flow_finished) > 0;
    }
    ASSERT_TRUE(finished) << on_arrival;
    auto got = link.messages_b(*id);
    if (on_arrival) {
      std::sort(got.begin(), got.end());
      std::sort(sent.begin(), sent.end());
    }
    EXPECT_EQ(got, sent) << on_arrival;
    ASSERT_NE(link.b.recv_flow(*id), nullptr);
    EXPECT_EQ(link.b.recv_flow(*id)->buffered_size(), 0u);
    EXPECT_EQ(link.b.receive_memory(), 0u);
  }
}

}  // namespace
