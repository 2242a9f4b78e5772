// InFlightIndex (the send flow's IN_FLIGHT fragments in TSN order, RFC 7016
// §3.6.2.5/§3.6.2.6) against a std::set model, and the SendFlow paths that
// use it: out-of-order acks, NAK losses, timeouts, abandonment and FIN.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "rtmfp/core/flow/in_flight_index.hpp"
#include "rtmfp/core/flow/send_flow.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace std::chrono_literals;

namespace {

using Pair = std::pair<std::uint64_t, std::uint64_t>;

std::vector<Pair> below(InFlightIndex& ix, std::uint64_t limit) {
  std::vector<Pair> v;
  ix.visit_below(limit, [&](std::uint64_t t, std::uint64_t s) {
    v.emplace_back(t, s);
    return false;
  });
  return v;
}

}  // namespace

TEST(InFlightIndex, KeepsTsnOrderAndRemovesByTsnAndSequence) {
  InFlightIndex ix;
  ix.insert(10, 1);
  ix.insert(10, 2);  // two fragments in one packet
  ix.insert(11, 3);
  ix.insert(12, 4);
  EXPECT_EQ(ix.size(), 4u);
  EXPECT_TRUE(ix.erase(10, 2));
  EXPECT_FALSE(ix.erase(10, 2));  // already gone
  EXPECT_FALSE(ix.erase(11, 4));  // no such pair
  EXPECT_EQ(below(ix, 12), (std::vector<Pair>{{10, 1}, {11, 3}}));
  EXPECT_EQ(below(ix, 10), std::vector<Pair>{});
  EXPECT_EQ(ix.size(), 3u);
}

TEST(InFlightIndex, AnOlderTsnIsInsertedInOrder) {
  InFlightIndex ix;
  ix.insert(20, 5);
  ix.insert(30, 6);
  ix.insert(25, 7);  // not what a session does; still ordered
  ix.insert(20, 4);
  EXPECT_EQ(below(ix, UINT64_MAX), (std::vector<Pair>{{20, 4}, {20, 5}, {25, 7}, {30, 6}}));
}

TEST(InFlightIndex, VisitRemovesWhatTheCallbackDeclaresLost) {
  InFlightIndex ix;
  for (std::uint64_t t = 1; t <= 6; ++t) ix.insert(t, 100 + t);
  ix.visit_below(5, [](std::uint64_t t, std::uint64_t) { return t % 2 == 1; });  // 1 and 3 lost
  EXPECT_EQ(below(ix, UINT64_MAX), (std::vector<Pair>{{2, 102}, {4, 104}, {5, 105}, {6, 106}}));
  EXPECT_EQ(ix.size(), 4u);
}

TEST(InFlightIndex, DrainVisitsEveryLiveEntryAndEmpties) {
  InFlightIndex ix;
  ix.insert(1, 1);
  ix.insert(2, 2);
  ix.insert(3, 3);
  ASSERT_TRUE(ix.erase(2, 2));
  std::vector<Pair> seen;
  ix.drain([&](std::uint64_t t, std::uint64_t s) { seen.emplace_back(t, s); });
  EXPECT_EQ(seen, (std::vector<Pair>{{1, 1}, {3, 3}}));
  EXPECT_TRUE(ix.empty());
  EXPECT_EQ(ix.stored(), 0u);
}

TEST(InFlightIndex, LargestTsnsOrderWithoutWrapping) {
  // TSNs and sequence numbers are 64-bit counters (§3.6.2.5): no wrap, the
  // largest values order like any others.
  InFlightIndex ix;
  ix.insert(UINT64_MAX - 1, UINT64_MAX - 1);
  ix.insert(UINT64_MAX, 0);
  ix.insert(UINT64_MAX, UINT64_MAX);
  EXPECT_EQ(below(ix, UINT64_MAX), (std::vector<Pair>{{UINT64_MAX - 1, UINT64_MAX - 1}}));
  EXPECT_TRUE(ix.erase(UINT64_MAX, 0));
  EXPECT_EQ(ix.size(), 2u);
}

TEST(InFlightIndex, StorageStaysBoundedWhenTheOldestEntryStaysInFlight) {
  // The oldest fragment is never answered while every newer one is acked:
  // dead entries cannot leave from the front, the compaction bounds them.
  InFlightIndex ix;
  ix.insert(1, 1);
  for (std::uint64_t t = 2; t < 100000; ++t) {
    ix.insert(t, t);
    ASSERT_TRUE(ix.erase(t, t));
    ASSERT_LE(ix.stored(), 2 * ix.size() + InFlightIndex::kSlack);
  }
  EXPECT_EQ(ix.size(), 1u);
  EXPECT_EQ(below(ix, UINT64_MAX), (std::vector<Pair>{{1, 1}}));
}

TEST(InFlightIndex, MatchesAnOrderedSetUnderRandomOperations) {
  std::mt19937_64 rng(7);
  InFlightIndex ix;
  std::set<Pair> model;
  std::uint64_t tsn = 0, seq = 0;
  for (int step = 0; step < 200000; ++step) {
    const auto op = rng() % 10;
    if (op < 4) {  // send 1-3 fragments in one packet
      ++tsn;
      for (auto n = 1 + rng() % 3; n > 0; --n) {
        ix.insert(tsn, ++seq);
        model.emplace(tsn, seq);
      }
    } else if (op < 7 && !model.empty()) {  // an ack for a random live entry (out of order)
      auto it = model.begin();
      std::advance(it, static_cast<long>(rng() % model.size()));
      ASSERT_TRUE(ix.erase(it->first, it->second));
      model.erase(it);
    } else if (op < 9) {  // NAKs below a limit: each visited entry lost with probability 1/3
      const std::uint64_t limit = tsn ? tsn - rng() % (tsn < 8 ? tsn : 8) : 0;
      std::vector<Pair> lost;
      std::vector<Pair> visited;
      ix.visit_below(limit, [&](std::uint64_t t, std::uint64_t s) {
        visited.emplace_back(t, s);
        const bool l = rng() % 3 == 0;
        if (l) lost.emplace_back(t, s);
        return l;
      });
      std::vector<Pair> expected(model.begin(), model.lower_bound({limit, 0}));
      ASSERT_EQ(visited, expected);
      for (const auto& p : lost) model.erase(p);
    } else if (rng() % 50 == 0) {  // a timeout: everything in flight lost
      std::vector<Pair> seen;
      ix.drain([&](std::uint64_t t, std::uint64_t s) { seen.emplace_back(t, s); });
      ASSERT_EQ(seen, std::vector<Pair>(model.begin(), model.end()));
      model.clear();
    }
    ASSERT_EQ(ix.size(), model.size());
    ASSERT_LE(ix.stored(), 2 * ix.size() + InFlightIndex::kSlack);
  }
}

namespace {

wire::DataAck ack_of(std::uint64_t cumulative, std::vector<wire::SeqRange> ranges = {}) {
  wire::DataAck a;
  a.flow_id = 1;
  a.buffer_blocks_available = 1024;
  a.cumulative_ack = cumulative;
  a.ranges = std::move(ranges);
  return a;
}

struct Sender {
  SendFlow tx{SendFlowConfig{.flow_id = 1, .metadata = Bytes{1}, .return_association = std::nullopt, .max_fragment = 100}};
  std::uint64_t tsn = 0;
  TimePoint now = at(1s);
  // Sends every eligible fragment, one per packet; returns the sequence numbers.
  std::vector<std::uint64_t> send_all() {
    std::vector<std::uint64_t> sent;
    while (auto f = tx.next_fragment(SIZE_MAX)) {
      tx.on_fragment_sent(f->seq, ++tsn, f->data.size() + 10, now);
      sent.push_back(f->seq);
    }
    return sent;
  }
};

}  // namespace

TEST(SendFlowInFlight, OutOfOrderAcksReleaseOnlyWhatTheyCoverAndLossesNeedThreeNaks) {
  Sender s;
  ASSERT_TRUE(s.tx.write(Bytes(500, 7), s.now, std::nullopt, std::nullopt));  // 5 fragments, seq 1-5
  EXPECT_EQ(s.send_all(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));        // TSN 1-5
  EXPECT_EQ(s.tx.outstanding_bytes(), 5u * 110);
  // §3.6.2.4: an ack of 3 and 5 only (out of order; 1, 2, 4 missing).
  auto r = s.tx.on_ack(ack_of(0, {{3, 3}, {5, 5}}), s.now);
  EXPECT_EQ(r.acked_bytes, 220u);
  EXPECT_EQ(r.max_acked_tsn, 5u);
  EXPECT_EQ(s.tx.outstanding_bytes(), 330u);
  // §3.6.2.5: fragments sent before TSN 5 and still in flight get a NAK per
  // packet; the third declares them lost.
  for (int i = 0; i < 2; ++i) {
    auto n = s.tx.count_naks(5);
    EXPECT_TRUE(n.any_nak);
    EXPECT_EQ(n.lost_bytes, 0u);
  }
  auto n = s.tx.count_naks(5);
  EXPECT_EQ(n.lost_bytes, 330u);
  EXPECT_EQ(n.max_lost_tsn, 4u);
  EXPECT_EQ(s.tx.outstanding_bytes(), 0u);
  EXPECT_FALSE(s.tx.count_naks(5).any_nak);  // nothing in flight any more
  // Retransmitted lowest first, with new TSNs 6-8.
  EXPECT_EQ(s.send_all(), (std::vector<std::uint64_t>{1, 2, 4}));
  // An ack answering the retransmission of 2 only: 1 and 4 (TSN 6, 8) — 1 is
  // older than TSN 7 and gets a NAK, 4 is newer and does not.
  r = s.tx.on_ack(ack_of(0, {{2, 3}, {5, 5}}), s.now);
  EXPECT_EQ(r.max_acked_tsn, 7u);
  for (int i = 0; i < 3; ++i) n = s.tx.count_naks(7);
  EXPECT_EQ(n.lost_bytes, 110u);
  EXPECT_EQ(s.tx.outstanding_bytes(), 110u);  // 4 still in flight
  EXPECT_EQ(s.send_all(), (std::vector<std::uint64_t>{1}));
  r = s.tx.on_ack(ack_of(5), s.now);
  EXPECT_EQ(s.tx.outstanding_bytes(), 0u);
  EXPECT_EQ(s.tx.queued_entries(), 0u);
}

TEST(SendFlowInFlight, TimeoutDeclaresEverythingLostAndLateAcksStillRelease) {
  Sender s;
  ASSERT_TRUE(s.tx.write(Bytes(300, 1), s.now, std::nullopt, std::nullopt));
  s.send_all();
  EXPECT_EQ(s.tx.on_timeout(), 330u);  // §3.6.2.6
  EXPECT_EQ(s.tx.outstanding_bytes(), 0u);
  EXPECT_FALSE(s.tx.count_naks(10).any_nak);
  // The first transmission's ack arrives after the timeout: the entries were
  // sent, so they are released (§3.6.2.4 step 4), not counted as acked bytes.
  auto r = s.tx.on_ack(ack_of(2), s.now);
  EXPECT_FALSE(r.any_acked);
  EXPECT_EQ(s.send_all(), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(s.tx.outstanding_bytes(), 110u);
}

TEST(SendFlowInFlight, AbandonedInFlightFragmentsAreAckedAndTheFinCompletes) {
  Sender s;
  auto w = s.tx.write(Bytes(300, 1), s.now, std::nullopt, 100ms);  // finish-by 100 ms
  ASSERT_TRUE(w);
  s.send_all();
  s.now += 200ms;
  s.tx.apply_deadlines(s.now);  // abandoned while in flight: kept until answered
  EXPECT_EQ((*w)->status(), ReceiptStatus::abandoned);
  EXPECT_EQ(s.tx.outstanding_bytes(), 330u);
  s.tx.close(s.now);  // §3.6.2.11: everything sent, so an empty FIN+ABN entry follows
  auto f = s.tx.next_fragment(SIZE_MAX);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->flags.final);
  EXPECT_TRUE(f->flags.abandon);
  s.tx.on_fragment_sent(f->seq, ++s.tsn, 10, s.now);
  s.tx.on_ack(ack_of(4), s.now);
  EXPECT_EQ(s.tx.outstanding_bytes(), 0u);
  EXPECT_EQ(s.tx.state(), SendFlowState::F_COMPLETE_LINGER);
}
