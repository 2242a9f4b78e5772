// SendFlow / FlowSet writes of a shared message (one buffer queued on many
// flows, e.g. a server's players): the fragments point into the caller's
// buffer instead of a copy, and the message arrives intact.
#include <gtest/gtest.h>

#include <memory>

#include "flow_link.hpp"
#include "rtmfp/core/flow/send_flow.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace std::chrono_literals;

namespace {

using rtmfp::flow::test::Link;
using rtmfp::flow::test::pattern;

TEST(SharedWrite, FragmentsPointIntoTheSharedBuffer) {
  SendFlowConfig cfg;
  cfg.flow_id = 3;
  cfg.metadata = Bytes{'T', 'C'};
  cfg.max_fragment = 100;
  SendFlow a(cfg), b(cfg);
  auto msg = std::make_shared<const Bytes>(pattern(250, 7));
  const TimePoint now{};
  ASSERT_TRUE(a.write(msg, now, std::nullopt, std::nullopt));
  ASSERT_TRUE(b.write(msg, now, std::nullopt, std::nullopt));
  EXPECT_EQ(msg.use_count(), 1 + 2 * 3);  // three fragments on each flow, no copy
  for (SendFlow* f : {&a, &b}) {
    std::size_t off = 0;
    for (int i = 0; i < 3; ++i) {
      auto frag = f->next_fragment(SIZE_MAX);
      ASSERT_TRUE(frag);
      EXPECT_EQ(frag->data.data(), msg->data() + off) << i;
      off += frag->data.size();
      f->on_fragment_sent(frag->seq, 10 + i, frag->data.size() + 20, now);
    }
    EXPECT_EQ(off, msg->size());
  }
  EXPECT_EQ(a.queued_bytes(), 250u);
}

TEST(SharedWrite, SameLimitsAsACopy) {
  SendFlowConfig cfg;
  cfg.flow_id = 1;
  cfg.metadata = Bytes{'m'};
  cfg.max_queue_bytes = 100;
  SendFlow f(cfg);
  auto big = std::make_shared<const Bytes>(pattern(101, 1));
  EXPECT_FALSE(f.write(big, TimePoint{}, std::nullopt, std::nullopt));
  EXPECT_TRUE(f.write(std::make_shared<const Bytes>(pattern(100, 2)), TimePoint{}, std::nullopt, std::nullopt));
  EXPECT_TRUE(f.write(std::shared_ptr<const Bytes>(), TimePoint{}, std::nullopt, std::nullopt));  // empty message
  f.close(TimePoint{});
  EXPECT_FALSE(f.write(std::make_shared<const Bytes>(pattern(1, 3)), TimePoint{}, std::nullopt, std::nullopt));
}

TEST(SharedWrite, OneBufferOnTwoFlowsArrivesIntactOnBoth) {
  Link link(5, 0.05);
  auto f1 = link.a.open_flow(Bytes{'m', '1'}, std::nullopt, {});
  auto f2 = link.a.open_flow(Bytes{'m', '2'}, std::nullopt, {});
  ASSERT_TRUE(f1 && f2);
  std::vector<std::shared_ptr<const Bytes>> sent;
  for (int i = 0; i < 20; ++i) {
    sent.push_back(std::make_shared<const Bytes>(pattern(50 + 997 * i, 40 + i)));
    ASSERT_TRUE(link.a.write(*f1, sent.back(), link.now, std::nullopt, std::nullopt));
    ASSERT_TRUE(link.a.write(*f2, sent.back(), link.now, std::nullopt, std::nullopt));
  }
  std::size_t messages = 0;
  for (int i = 0; i < 600000 && messages < 2 * sent.size(); ++i) {
    link.step();
    messages = 0;
    for (auto& e : link.events_b) messages += e.kind == FlowEventKind::message;
  }
  std::map<FlowId, std::vector<Bytes>> got;
  for (auto& e : link.events_b)
    if (e.kind == FlowEventKind::message) got[e.flow].push_back(e.data);
  ASSERT_EQ(got.size(), 2u);
  for (auto& [flow, msgs] : got) {
    ASSERT_EQ(msgs.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(msgs[i], *sent[i]) << i;
  }
}

}  // namespace
