// The control-plane Introduction (control.proto) from the introducer's
// notice, and the birthday order a node takes from it
// (rendezvous/control/introduction_message.hpp): bounds applied both ways,
// nothing to do for other strategies or without the peer's ID.
#include <gtest/gtest.h>

#include "rendezvous/control/introduction_message.hpp"

namespace rtmfp::rendezvous {
namespace {

IntroductionNotice birthday_notice(bool hard) {
  IntroductionNotice n;
  n.initiator = !hard;
  n.peer = PeerId{};
  (*n.peer)[0] = 7;
  n.peer_address = SocketAddress::ipv4(203, 0, 113, 9, 41000);
  n.plan.strategy = PathStrategy::birthday;
  n.plan.relay_later = true;
  n.hard_side = hard;
  n.birthday = BirthdayPlan{};
  return n;
}

TEST(IntroductionMessage, ABirthdayNoticeBecomesTheNodesOrder) {
  for (bool hard : {true, false}) {
    const auto m = control::introduction_message(birthday_notice(hard));
    EXPECT_EQ(m.birthday_sockets, 256u);
    EXPECT_EQ(m.birthday_probes, 1024u);
    EXPECT_EQ(m.birthday_rate, 400u);
    EXPECT_EQ(m.birthday_max_ms, 3000u);
    auto o = control::birthday_order(m);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->hard_side, hard);
    EXPECT_EQ(o->initiator, !hard);
    EXPECT_EQ(o->peer[0], 7);
    EXPECT_EQ(o->peer_address, SocketAddress::ipv4(203, 0, 113, 9, 41000));
    EXPECT_EQ(o->plan.hard_sockets, 256u);
    EXPECT_EQ(o->plan.max_probes, 1024u);
    EXPECT_EQ(o->plan.probes_per_second, 400u);
    EXPECT_EQ(o->plan.max_time, milliseconds(3000));
  }
}

TEST(IntroductionMessage, TheBoundsHoldAndOtherStrategiesOrderNothing) {
  auto n = birthday_notice(false);
  n.birthday->hard_sockets = 100000;
  n.birthday->max_probes = 100000;
  n.birthday->probes_per_second = 100000;
  n.birthday->max_time = seconds(3600);
  auto m = control::introduction_message(n);
  EXPECT_EQ(m.birthday_sockets, control::kMaxBirthdaySockets);
  EXPECT_EQ(m.birthday_probes, control::kMaxBirthdayProbes);
  EXPECT_EQ(m.birthday_rate, control::kMaxBirthdayRate);
  EXPECT_EQ(m.birthday_max_ms, control::kMaxBirthdayMs);
  // A peer's message past the bounds (decoded as is) is clamped again.
  m.birthday_probes = 0xFFFFFFFFu;
  m.birthday_max_ms = 0xFFFFFFFFu;
  auto o = control::birthday_order(m);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->plan.max_probes, control::kMaxBirthdayProbes);
  EXPECT_EQ(o->plan.max_time, milliseconds(control::kMaxBirthdayMs));
  // Nothing to do: another strategy, no peer ID, no port, no budget.
  auto other = m;
  other.strategy = PathStrategy::predict;
  EXPECT_FALSE(control::birthday_order(other));
  other = m;
  other.peer_id.reset();
  EXPECT_FALSE(control::birthday_order(other));
  other = m;
  other.peer_address.port = 0;
  EXPECT_FALSE(control::birthday_order(other));
  other = m;
  other.birthday_probes = 0;
  EXPECT_FALSE(control::birthday_order(other));
  other = m;
  other.hard_side = true;
  other.birthday_sockets = 0;
  EXPECT_FALSE(control::birthday_order(other));
}

}  // namespace
}  // namespace rtmfp::rendezvous
