// RFC 7016 §3.6.2.7.1 Forward Sequence Number Update: when abandoned data
// leaves the receiver holding later messages behind a gap and the sender has
// nothing else to send, the sender still tells it the new FSN (an empty,
// already abandoned User Data fragment) so ordered delivery continues.
#include <gtest/gtest.h>

#include <cstdio>

#include "flow_link.hpp"
#include "rtmfp/core/flow/recv_flow.hpp"
#include "rtmfp/core/wire/chunks.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace rtmfp::flow::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t kUserData = 0x10, kNextUserData = 0x11;

// True if the packet carries data (not an empty abandoned fragment) of a
// sequence number up to `last`.
bool carries_data_up_to(const wire::ParsedPacket& p, std::uint64_t last) {
  std::uint64_t seq = 0;
  for (const auto& c : p.chunks) {
    bool abandoned_empty = false;
    if (c.type == kUserData) {
      auto u = wire::UserDataChunk::decode(c.payload);
      if (!u) continue;
      seq = u->sequence_number;
      abandoned_empty = u->flags.abandon && u->data.empty();
    } else if (c.type == kNextUserData) {
      auto u = wire::NextUserDataChunk::decode(c.payload);
      if (!u) continue;
      ++seq;
      abandoned_empty = u->flags.abandon && u->data.empty();
    } else {
      continue;
    }
    if (seq <= last && !abandoned_empty) return true;
  }
  return false;
}

// True if the packet carries an empty abandoned fragment (an FSN Update).
bool carries_fsn_update(const wire::ParsedPacket& p) {
  for (const auto& c : p.chunks) {
    if (c.type == kUserData) {
      auto u = wire::UserDataChunk::decode(c.payload);
      if (u && u->flags.abandon && u->data.empty()) return true;
    } else if (c.type == kNextUserData) {
      auto u = wire::NextUserDataChunk::decode(c.payload);
      if (u && u->flags.abandon && u->data.empty()) return true;
    }
  }
  return false;
}

struct Outcome {
  bool delivered_later = false;
  std::uint64_t skipped = 0;
  std::uint64_t fsn_updates = 0;
  Duration took{};
};

// M1 (three fragments, sequence numbers 1-3) is written and every
// transmission of its data is lost; M2 follows and arrives. The user abandons
// M1 (`via_deadline`: its finish-by deadline does) and writes nothing more.
// The first `lose_updates` transmissions of FSN Updates are lost.
Outcome run(std::uint32_t seed, bool via_deadline, double ack_loss, int lose_updates = 0) {
  Link link(seed, 0.0);
  std::mt19937 loss(seed);
  auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
  EXPECT_TRUE(id);
  link.drop_if = [&](bool a_to_b, const wire::ParsedPacket& p) {
    if (!a_to_b) return std::uniform_real_distribution<double>(0, 1)(loss) < ack_loss;
    if (lose_updates > 0 && carries_fsn_update(p)) {
      --lose_updates;
      return true;
    }
    return carries_data_up_to(p, 3);
  };
  auto m1 = link.a.write(*id, pattern(3000, 1), link.now, std::nullopt,
                         via_deadline ? std::optional<Duration>(150ms) : std::nullopt);
  for (int i = 0; i < 50; ++i) link.step();  // M1 sent and lost
  EXPECT_GT(link.a.send_flow(*id)->outstanding_bytes(), 0u);
  auto m2 = link.a.write(*id, pattern(200, 2), link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 100; ++i) link.step();  // M2 arrives
  if (ack_loss == 0) EXPECT_EQ((*m2)->status(), ReceiptStatus::delivered);
  EXPECT_TRUE(link.messages_b(1).empty());  // held: M1's fragments are missing
  if (!via_deadline) (*m1)->abandon();
  const TimePoint abandoned = link.now;
  Outcome r;
  for (int i = 0; i < 60000 && !r.delivered_later; ++i) {
    link.step();
    if (!link.messages_b(1).empty()) {
      r.delivered_later = true;
      r.took = link.now - abandoned;
    }
  }
  EXPECT_EQ((*m1)->status(), ReceiptStatus::abandoned);
  auto got = link.messages_b(1);
  EXPECT_LE(got.size(), 1u);
  if (!got.empty()) EXPECT_EQ(got[0], pattern(200, 2));
  r.skipped = link.b.recv_flow(1) ? link.b.recv_flow(1)->skipped() : 0;
  r.fsn_updates = link.a.send_flow(*id)->fsn_updates();
  return r;
}

TEST(FsnUpdate, ReceiverSkipsAbandonedMessageWithoutFurtherUserData) {
  for (bool via_deadline : {false, true}) {
    for (std::uint32_t seed = 1; seed <= 1; ++seed) {  // no random loss here: one run each
      auto r = run(seed, via_deadline, 0.0);
      EXPECT_TRUE(r.delivered_later) << "seed " << seed << " deadline " << via_deadline;
      // M1's three sequence numbers and the FSN Update's own.
      EXPECT_EQ(r.skipped, 4u) << "seed " << seed;
      EXPECT_EQ(r.fsn_updates, 1u) << "seed " << seed;
      // After M1's fragments time out (ERTO, under a second here) and one round trip.
      EXPECT_LT(r.took, 2s) << "seed " << seed;
      std::printf("[ fsn    ] seed %u deadline %d: later message delivered %lld ms after the abandon\n", seed,
                  int(via_deadline), static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(r.took).count()));
    }
  }
}

TEST(FsnUpdate, LostUpdatesAndAcksAreRepaired) {
  // The first one or two FSN Updates and a third of the acknowledgements are
  // lost; the update is retransmitted like data until acknowledged.
  int delivered = 0;
  std::uint64_t with_update = 0;  // the other runs: M2's ack was lost, its retransmission carried the FSN
  Duration worst{};
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    auto r = run(seed, seed % 2 == 0, 0.33, 1 + static_cast<int>(seed % 2));
    delivered += r.delivered_later;
    EXPECT_TRUE(r.delivered_later) << "seed " << seed;
    EXPECT_LE(r.fsn_updates, 1u) << "seed " << seed;  // one, retransmitted as needed
    with_update += r.fsn_updates;
    EXPECT_LT(r.took, 20s) << "seed " << seed;
    worst = std::max(worst, r.took);
  }
  EXPECT_EQ(delivered, 20);
  EXPECT_GE(with_update, 5u);  // the lost-update path is exercised (10 of these 20 seeds)
  std::printf("[ fsn    ] lost updates and acks: delivered in %d/20 runs (%llu through an FSN Update), worst %lld ms\n",
              delivered, static_cast<unsigned long long>(with_update),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(worst).count()));
}

TEST(FsnUpdate, ReceiverAppliesTheFsnOfADuplicate) {
  // §3.6.3.2 step 12 applies the FSN of every User Data chunk, duplicates
  // included: a retransmission of data already received can be what carries
  // the FSN past an abandoned gap (its ack may have been lost).
  RecvFlow rx(RecvFlowConfig{.flow_id = 1});
  wire::UserDataFlags whole;
  ASSERT_TRUE(rx.on_data(4, 0, whole, Bytes{4}, at(1s)));  // 1-3 missing
  EXPECT_FALSE(rx.poll_message());
  EXPECT_FALSE(rx.on_data(4, 3, whole, Bytes{4}, at(2s)));  // duplicate, FSN 3
  EXPECT_TRUE(rx.ack_now());
  auto m = rx.poll_message();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->data, Bytes{4});
  EXPECT_FALSE(rx.poll_message());  // delivered once
  EXPECT_EQ(rx.cumulative(), 4u);
  EXPECT_EQ(rx.skipped(), 3u);
}

TEST(FsnUpdate, NotSentWhenTheReceiverHasNoGap) {
  // Everything delivered; a later message is abandoned before it is sent: the
  // receiver holds nothing behind it, so no update (and no extra sequence number).
  Link link(3, 0.0);
  auto id = link.a.open_flow(Bytes{'m'}, std::nullopt, {});
  auto m1 = link.a.write(*id, pattern(100, 1), link.now, std::nullopt, std::nullopt);
  for (int i = 0; i < 1000; ++i) link.step();
  ASSERT_EQ((*m1)->status(), ReceiptStatus::delivered);
  auto m2 = link.a.write(*id, pattern(100, 2), link.now, std::nullopt, std::nullopt);
  (*m2)->abandon();
  link.a.on_deadline(link.now);
  for (int i = 0; i < 5000; ++i) link.step();
  EXPECT_EQ(link.a.send_flow(*id)->fsn_updates(), 0u);
  EXPECT_EQ(link.messages_b(1).size(), 1u);
}

}  // namespace
