#include "rendezvous/core/group_directory.hpp"

#include <gtest/gtest.h>

#include <set>

#include "rendezvous/control/control_codec.hpp"

namespace rtmfp::rendezvous {
namespace {

PeerId pid(std::uint32_t n) {
  PeerId p{};
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(n >> (8 * i));
  p[31] = 0x5a;
  return p;
}
GroupPublisherKey key(std::uint8_t n) {
  GroupPublisherKey k{};
  k.fill(n);
  return k;
}

TEST(GroupDirectory, AJoinerWithOnlyTheNameGetsTheLivePublishersKeyAndTheMembers) {
  SeededRandom rng(1);
  GroupDirectory d(rng);
  EXPECT_FALSE(d.join(at(seconds(1)), pid(2), "news", std::nullopt, false));  // no publisher yet
  auto p = d.join(at(seconds(1)), pid(1), "news", key(7), true);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->sample.empty());
  auto j = d.join(at(seconds(2)), pid(2), "news", std::nullopt, false);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->key, key(7));
  ASSERT_EQ(j->sample.size(), 1u);
  EXPECT_EQ(j->sample[0], pid(1));
  ASSERT_TRUE(j->publisher);
  EXPECT_EQ(*j->publisher, pid(1));
  EXPECT_EQ(d.members("news", key(7)), 2u);
}

TEST(GroupDirectory, APinnedKeyIsNeverSubstitutedAndASecondPublisherIsRefusedWhileTheFirstLives) {
  SeededRandom rng(1);
  GroupDirectory d(rng);
  ASSERT_TRUE(d.join(at(seconds(1)), pid(1), "news", key(7), true));
  auto other = d.join(at(seconds(1)), pid(3), "news", key(9), true);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::refused);
  // A joiner pinning another key joins (name, its key): alone, not the name's group.
  auto pinned = d.join(at(seconds(1)), pid(4), "news", key(9), false);
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->key, key(9));
  EXPECT_TRUE(pinned->sample.empty());
  EXPECT_FALSE(pinned->publisher);
  // The first publisher leaves: the name is free for another.
  d.leave(pid(1), "news", key(7));
  EXPECT_FALSE(d.publisher_key("news"));
  ASSERT_TRUE(d.join(at(seconds(2)), pid(3), "news", key(9), true));
  EXPECT_EQ(*d.publisher_key("news"), key(9));
}

// A publisher that comes back with the name's key under a new peer ID (a
// restarted `rtmfp publish --key`) takes the name over at once; the old
// entry leaving later does not free the name.
TEST(GroupDirectory, APublisherReturningWithTheSameKeyTakesTheNameAtOnce) {
  SeededRandom rng(1);
  GroupDirectory d(rng);
  ASSERT_TRUE(d.join(at(seconds(1)), pid(1), "news", key(7), true));
  ASSERT_TRUE(d.join(at(seconds(1)), pid(2), "news", std::nullopt, false));
  auto back = d.join(at(seconds(2)), pid(5), "news", key(7), true);
  ASSERT_TRUE(back);
  auto j = d.join(at(seconds(3)), pid(6), "news", std::nullopt, false);
  ASSERT_TRUE(j);
  ASSERT_TRUE(j->publisher);
  EXPECT_EQ(*j->publisher, pid(5));
  d.leave(pid(1), "news", key(7));
  ASSERT_TRUE(d.publisher_key("news"));
  EXPECT_EQ(*d.publisher_key("news"), key(7));
}

TEST(GroupDirectory, AMemberThatStopsRefreshingExpiresAndTheSampleIsBoundedAndRandom) {
  SeededRandom rng(3);
  GroupDirectoryLimits lim;
  GroupDirectory d(rng, lim);
  ASSERT_TRUE(d.join(at(seconds(0)), pid(1), "g", key(1), true));
  for (std::uint32_t i = 2; i < 200; ++i) ASSERT_TRUE(d.join(at(seconds(0)), pid(i), "g", key(1), false));
  auto s1 = d.join(at(seconds(1)), pid(5), "g", key(1), false);
  auto s2 = d.join(at(seconds(1)), pid(5), "g", key(1), false);
  ASSERT_TRUE(s1 && s2);
  EXPECT_EQ(s1->sample.size(), lim.sample_size);
  std::set<PeerId> distinct(s1->sample.begin(), s1->sample.end());
  EXPECT_EQ(distinct.size(), s1->sample.size());
  EXPECT_FALSE(distinct.count(pid(5)));
  EXPECT_NE(s1->sample, s2->sample);
  // Only pid 1 and 5 refresh; the others expire after their lifetime.
  for (int t = 5; t <= 40; t += 5) {
    ASSERT_TRUE(d.join(at(seconds(t)), pid(1), "g", key(1), true));
    ASSERT_TRUE(d.join(at(seconds(t)), pid(5), "g", key(1), false));
    d.expire(at(seconds(t)));
  }
  EXPECT_EQ(d.members("g", key(1)), 2u);
  EXPECT_GT(d.stats().expired, 190u);
  // The publisher stops refreshing too: its name record goes with it.
  d.expire(at(seconds(100)));
  EXPECT_EQ(d.groups(), 0u);
  EXPECT_EQ(d.memberships(), 0u);
  EXPECT_FALSE(d.publisher_key("g"));
  EXPECT_FALSE(d.next_deadline());
}

TEST(GroupDirectory, BoundsRefuseNewMembersButKeepRefreshing) {
  SeededRandom rng(1);
  GroupDirectoryLimits lim;
  lim.max_members_per_group = 3;
  lim.max_groups = 2;
  lim.max_groups_per_peer = 2;
  GroupDirectory d(rng, lim);
  for (std::uint32_t i = 1; i <= 3; ++i) ASSERT_TRUE(d.join(at(seconds(0)), pid(i), "a", key(1), i == 1));
  auto full = d.join(at(seconds(0)), pid(4), "a", key(1), false);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, Errc::limit_exceeded);
  EXPECT_TRUE(d.join(at(seconds(1)), pid(3), "a", key(1), false));  // a refresh still works
  ASSERT_TRUE(d.join(at(seconds(0)), pid(1), "b", key(2), true));
  EXPECT_FALSE(d.join(at(seconds(0)), pid(1), "c", key(3), true));  // third group: over max_groups
  d.leave_all(pid(1));
  EXPECT_EQ(d.groups(), 1u);
  EXPECT_EQ(d.members("a", key(1)), 2u);
  EXPECT_FALSE(d.publisher_key("a"));
}

TEST(GroupControl, GroupMessagesRoundTripAndBadOnesAreRefused) {
  control::GroupJoin j{7, "news", key(3), true};
  auto b = control::encode(j);
  ASSERT_TRUE(b);
  auto back = control::decode(*b);
  ASSERT_TRUE(back);
  ASSERT_NE(std::get_if<control::GroupJoin>(&*back), nullptr);
  EXPECT_EQ(*std::get_if<control::GroupJoin>(&*back), j);
  control::GroupMembers m;
  m.request_id = 7;
  m.name = "news";
  m.publisher_key = key(3);
  m.members = {pid(1), pid(2)};
  m.refresh_ms = 10000;
  m.publisher_peer_id = pid(1);
  auto mb = control::encode(m);
  ASSERT_TRUE(mb);
  auto mback = control::decode(*mb);
  ASSERT_TRUE(mback);
  EXPECT_EQ(*std::get_if<control::GroupMembers>(&*mback), m);
  control::GroupJoin empty{1, "", std::nullopt, false};
  EXPECT_FALSE(control::encode(empty));
  m.members.assign(control::kMaxGroupSample + 1, pid(1));
  EXPECT_FALSE(control::encode(m));
}

}  // namespace
}  // namespace rtmfp::rendezvous
