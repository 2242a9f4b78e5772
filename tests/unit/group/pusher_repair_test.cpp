// Repairing a class's push tree when a member in it crashes
// (group_member.hpp, group_config.hpp): a silent subscriber's slot goes to
// the next member that asks, a member cut off in a class asks the publisher
// again soon after a refusal, and a pusher that lost its own path is
// replaced after orphan_grace even right after an upgrade. A 100-member
// run lost a whole class for 4 s when the publisher's subscriber of it
// crashed: its children were refused while the dead member kept the slot,
// and backed off for 2 s, twice.
#include <gtest/gtest.h>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/group/core/group_messages.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"
#include "tests/unit/group/member_harness.hpp"

namespace rtmfp::group {
namespace {

FragmentMap map_with_depth(std::uint8_t d) {
  FragmentMap m;
  m.depth.fill(d);
  return m;
}

struct Member : MemberHarness {
  Member() : MemberHarness(Role::member, 13) {}
  // A neighbour that advertises `depth` in every class.
  void link(const MemberId& peer, bool is_publisher, std::uint8_t depth) {
    MemberHarness::link(peer, is_publisher);
    hear(peer, map_with_depth(depth));
  }
  // Subscribe masks sent to `to` since the last call.
  std::vector<std::uint8_t> subscribes_to(const MemberId& to) {
    std::vector<std::uint8_t> out;
    for (auto& a : member.take_actions())
      if (auto* s = std::get_if<SendAction>(&a); s && s->to == to)
        if (auto m = decode_message(s->message))
          if (auto* sub = std::get_if<Subscribe>(&*m)) out.push_back(sub->mask);
    return out;
  }
  // Ticks until a Subscribe to `to` whose mask has `bit`; how long that took.
  std::optional<Duration> until_subscribe(const MemberId& to, std::uint8_t bit, Duration limit) {
    const TimePoint from = now;
    while (now - from < limit) {
      advance(config.tick);
      for (auto mask : subscribes_to(to))
        if (mask & bit) return now - from;
    }
    return std::nullopt;
  }
};

TEST(GroupPusherRepair, ASilentSubscribersSlotGoesToTheNextAsker) {
  Member m;
  const MemberId publisher = member_of_class(1, 1);
  m.link(publisher, true, 0);
  m.advance(m.config.tick);
  m.hear(publisher, SubscribeReply{0xff});
  m.advance(m.config.tick);
  (void)m.member.take_actions();
  // Class 3 is a leaf class for us (home 0): one subscriber slot.
  const MemberId first = member_of_class(2, 2), second = member_of_class(3, 2);
  m.link(first, false, kDepthUnknown);
  m.link(second, false, kDepthUnknown);
  (void)m.member.take_actions();
  auto reply = [&](const MemberId& to) {
    std::optional<std::uint8_t> mask;
    for (auto& a : m.member.take_actions())
      if (auto* s = std::get_if<SendAction>(&a); s && s->to == to)
        if (auto msg = decode_message(s->message))
          if (auto* r = std::get_if<SubscribeReply>(&*msg)) mask = r->mask;
    return mask;
  };
  m.hear(first, Subscribe{1u << 3});
  ASSERT_EQ(reply(first), std::uint8_t(1u << 3));
  // While `first` is heard from, the slot is its own.
  m.advance(m.config.silent_subscriber / 2);
  for (const auto& who : {first, second, publisher}) m.hear(who, map_with_depth(who == publisher ? 0 : kDepthUnknown));
  m.hear(second, Subscribe{1u << 3});
  EXPECT_EQ(reply(second), std::uint8_t(0));
  // `first` falls silent (crashed) for longer than silent_subscriber, well
  // before neighbour_timeout: its slot goes to `second`, and it is told.
  m.advance(m.config.silent_subscriber + m.config.tick);
  ASSERT_LT(m.config.silent_subscriber + m.config.tick, m.config.neighbour_timeout);
  m.hear(second, map_with_depth(kDepthUnknown));
  m.hear(publisher, map_with_depth(0));
  m.hear(second, Subscribe{1u << 3});
  std::optional<std::uint8_t> to_first, to_second;
  for (auto& a : m.member.take_actions())
    if (auto* s = std::get_if<SendAction>(&a))
      if (auto msg = decode_message(s->message))
        if (auto* r = std::get_if<SubscribeReply>(&*msg)) (s->to == first ? to_first : to_second) = r->mask;
  EXPECT_EQ(to_second, std::uint8_t(1u << 3));
  EXPECT_EQ(to_first, std::uint8_t(0));
  EXPECT_EQ(m.member.counters().silent_subscribers_released, 1u);
  EXPECT_EQ(m.member.pushes_to(second), 1u << 3);
  EXPECT_EQ(m.member.pushes_to(first), 0u);
}

TEST(GroupPusherRepair, AMemberWithoutAPathAsksThePublisherAgainSoonAfterARefusal) {
  Member m;
  const MemberId publisher = member_of_class(1, 1);
  m.link(publisher, true, 0);
  // No pusher anywhere: the publisher is asked for every class, and refuses.
  const auto first = m.until_subscribe(publisher, 0xff, seconds(1));
  ASSERT_TRUE(first);
  m.hear(publisher, SubscribeReply{0});
  // Asked again after publisher_refusal_backoff (it frees a silent
  // subscriber's slot by then), not after the 2 s other refusals cost.
  const auto again = m.until_subscribe(publisher, 1u << 0, seconds(3));
  ASSERT_TRUE(again);
  EXPECT_GE(*again, m.config.publisher_refusal_backoff);
  EXPECT_LE(*again, m.config.publisher_refusal_backoff + 2 * m.config.tick);
  EXPECT_LT(m.config.publisher_refusal_backoff, seconds(2));
}

TEST(GroupPusherRepair, AnOrphanedPusherIsReplacedAfterTheGraceEvenRightAfterAnUpgrade) {
  Member m;
  // A (home 0, depth 3) pushes every class to us.
  const MemberId a = member_of_class(2, 0), b = member_of_class(3, 0), c = member_of_class(4, 0);
  m.link(a, false, 3);
  ASSERT_TRUE(m.until_subscribe(a, 0xff, seconds(1)));
  m.hear(a, SubscribeReply{0xff});
  ASSERT_EQ(m.member.pusher(0), a);
  // C (depth 1) appears: two hops nearer, an upgrade for class 0.
  m.link(c, false, 1);
  ASSERT_TRUE(m.until_subscribe(c, 1u << 0, seconds(1)));
  m.hear(c, SubscribeReply{1u << 0});
  ASSERT_EQ(m.member.pusher(0), c);
  // B (depth 2) is there too; then C loses its path (a member above it
  // crashed). Within upgrade_interval of the upgrade, but B is asked once
  // C has been cut off for orphan_grace.
  m.link(b, false, 2);
  (void)m.member.take_actions();
  m.hear(c, map_with_depth(kDepthUnknown));
  const auto asked = m.until_subscribe(b, 1u << 0, m.config.upgrade_interval);
  ASSERT_TRUE(asked) << "not before upgrade_interval";
  EXPECT_GE(*asked, m.config.orphan_grace);
  EXPECT_LE(*asked, m.config.orphan_grace + 2 * m.config.tick);
}

}  // namespace
}  // namespace rtmfp::group
