// DeadlineQueue (a sending flow's start-by / finish-by deadlines, RFC 7016
// §3.6.2) and the SendFlow abandonment it drives when deadlines are written
// out of time order.
#include <gtest/gtest.h>

#include <vector>

#include "rtmfp/core/flow/deadline_queue.hpp"
#include "rtmfp/core/flow/send_flow.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace std::chrono_literals;

namespace {

struct E {
  TimePoint at;
  int id = 0;
};

std::vector<int> drain(DeadlineQueue<E>& q) {
  std::vector<int> ids;
  while (!q.empty()) {
    ids.push_back(q.front().id);
    q.pop_front();
  }
  return ids;
}

}  // namespace

TEST(DeadlineQueue, EarliestFirstWhateverTheInsertOrderAndTiesInInsertOrder) {
  DeadlineQueue<E> q;
  q.push({at(10ms), 1});
  q.push({at(20ms), 2});
  q.push({at(20ms), 3});  // tie: after 2
  q.push({at(5ms), 4});   // earlier than all
  q.push({at(15ms), 5});  // in the middle
  q.push({at(20ms), 6});  // tie with 2 and 3, inserted last
  q.push({at(30ms), 7});
  EXPECT_EQ(q.size(), 7u);
  EXPECT_EQ(drain(q), (std::vector<int>{4, 1, 5, 2, 3, 6, 7}));
  EXPECT_TRUE(q.empty());
}

TEST(DeadlineQueue, InOrderWritesOnlyAppend) {
  DeadlineQueue<E> q;
  for (int i = 0; i < 1000; ++i) q.push({at(std::chrono::milliseconds(i / 3)), i});  // non-decreasing
  std::vector<int> expected;
  for (int i = 0; i < 1000; ++i) expected.push_back(i);
  EXPECT_EQ(drain(q), expected);
}

TEST(SendFlowDeadlines, MessagesWithDifferentFinishByAreAbandonedWhenTheirOwnDeadlinePasses) {
  SendFlow tx(SendFlowConfig{.flow_id = 1, .metadata = Bytes{1}, .return_association = std::nullopt, .max_fragment = 100});
  const TimePoint t0 = at(1s);
  auto a = tx.write(Bytes(50, 1), t0, std::nullopt, 300ms);  // finish-by t0+300
  auto b = tx.write(Bytes(50, 2), t0, std::nullopt, 100ms);  // finish-by t0+100: earlier, written later
  auto c = tx.write(Bytes(50, 3), t0, 50ms, std::nullopt);   // start-by t0+50
  auto d = tx.write(Bytes(50, 4), t0, std::nullopt, std::nullopt);
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(tx.next_deadline(), t0 + 50ms);
  tx.apply_deadlines(t0 + 60ms);  // c never started: abandoned (§3.6.2)
  EXPECT_EQ((*c)->status(), ReceiptStatus::abandoned);
  EXPECT_EQ((*b)->status(), ReceiptStatus::pending);
  EXPECT_EQ(tx.next_deadline(), t0 + 100ms);
  tx.apply_deadlines(t0 + 150ms);
  EXPECT_EQ((*b)->status(), ReceiptStatus::abandoned);
  EXPECT_EQ((*a)->status(), ReceiptStatus::pending);
  EXPECT_EQ(tx.next_deadline(), t0 + 300ms);
  tx.apply_deadlines(t0 + 301ms);
  EXPECT_EQ((*a)->status(), ReceiptStatus::abandoned);
  EXPECT_EQ((*d)->status(), ReceiptStatus::pending);
  EXPECT_EQ(tx.next_deadline(), std::nullopt);
  // Only d is left to send: a, b, c are covered by the FSN and dropped unsent.
  auto f = tx.next_fragment(SIZE_MAX);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->seq, 4u);
  EXPECT_EQ(f->fsn_offset, 1u);
}

TEST(SendFlowDeadlines, AStartedMessageIsNotAbandonedByItsStartByDeadline) {
  SendFlow tx(SendFlowConfig{.flow_id = 1, .metadata = Bytes{1}, .return_association = std::nullopt, .max_fragment = 100});
  const TimePoint t0 = at(1s);
  auto a = tx.write(Bytes(150, 1), t0, 50ms, 500ms);  // two fragments
  ASSERT_TRUE(a);
  auto f = tx.next_fragment(SIZE_MAX);
  ASSERT_TRUE(f);
  tx.on_fragment_sent(f->seq, 1, 110, t0);  // started
  EXPECT_EQ(tx.next_deadline(), t0 + 500ms);  // the start-by entry went stale
  tx.apply_deadlines(t0 + 100ms);
  EXPECT_EQ((*a)->status(), ReceiptStatus::pending);
  tx.apply_deadlines(t0 + 600ms);
  EXPECT_EQ((*a)->status(), ReceiptStatus::abandoned);
}
