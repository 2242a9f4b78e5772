// The overlay picks a neighbour of every home class (the interior nodes of
// each class's push tree, group_types.hpp home_class), and the publisher
// keeps one (overlay.hpp, GroupMember::cover_home_classes).
#include <gtest/gtest.h>

#include <array>
#include <set>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/group/core/group_messages.hpp"
#include "rtmfp/group/core/overlay.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"
#include "tests/unit/group/member_harness.hpp"

namespace rtmfp::group {
namespace {

MemberId random_member(RandomSource& rng) {
  MemberId id{};
  rng.fill(id);
  return id;
}

TEST(GroupOverlay, EveryHomeClassAmongTheChosenNeighbours) {
  // 100 members, target log2(100) + 5 = 11: picked at random, a member
  // would lack some class's home members about one time in four per class.
  SeededRandom rng{7};
  GroupConfig config;
  for (int trial = 0; trial < 200; ++trial) {
    const MemberId self = random_member(rng);
    std::vector<MemberId> known;
    for (int i = 0; i < 100; ++i) known.push_back(random_member(rng));
    const std::size_t target = neighbour_target(known.size() + 1, config);
    ASSERT_EQ(target, 11u);
    const auto chosen = choose_neighbours(self, known, target, rng);
    ASSERT_EQ(chosen.size(), target);
    std::array<bool, kPushClasses> covered{};
    for (const auto& id : chosen) covered[home_class(id)] = true;
    for (unsigned c = 0; c < kPushClasses; ++c) EXPECT_TRUE(covered[c]) << "trial " << trial << " class " << c;
    // The ring neighbours stay: the two nearest members on each side.
    std::vector<MemberId> ring = known;
    const std::uint64_t me = ring_position(self);
    std::sort(ring.begin(), ring.end(), [&](const MemberId& a, const MemberId& b) {
      return ring_position(a) - me - 1 < ring_position(b) - me - 1;
    });
    const std::set<MemberId> picked(chosen.begin(), chosen.end());
    for (const auto& id : {ring[0], ring[1], ring[98], ring[99]}) EXPECT_TRUE(picked.count(id)) << "trial " << trial;
  }
}

TEST(GroupOverlay, AClassNobodyHasLeavesTheTargetFilled) {
  SeededRandom rng{8};
  std::vector<MemberId> known;
  for (std::uint8_t i = 0; i < 40; ++i) known.push_back(member_of_class(i, i % 7));  // nobody of class 7
  const auto chosen = choose_neighbours(member_of_class(200, 3), known, 10, rng);
  EXPECT_EQ(chosen.size(), 10u);
  EXPECT_EQ(std::set<MemberId>(chosen.begin(), chosen.end()).size(), 10u);
}

struct Member : MemberHarness {
  explicit Member(Role role = Role::member) : MemberHarness(role, 12) {}
  std::vector<MemberId> connects() {
    std::vector<MemberId> out;
    for (auto& a : member.take_actions())
      if (auto* c = std::get_if<ConnectAction>(&a)) out.push_back(c->to);
    return out;
  }
};

// The publisher's one subscriber per class must be a member whose home
// class it is (on_subscribe): without one among its neighbours, the class
// hangs from a leaf slot, a chain (a 100-member run lost 80% of a class for
// 20 s that way). Members keep their links as they are (extra links for
// them broke the 1 MB keyframe runs).
TEST(GroupOverlay, APublisherLinksAMissingHomeClassEvenAtTheNeighbourTarget) {
  Member m(Role::publisher);
  // Nine neighbours of classes 0-6 and one known member of class 7: ten
  // known, target log2(11) + 5 = 8, so the member is not short of links.
  for (std::uint8_t i = 1; i <= 9; ++i) m.link(member_of_class(i, i % 7));
  const MemberId seven = member_of_class(50, 7);
  m.member.add_members(m.now, {seven});
  ASSERT_EQ(neighbour_target(m.member.known_count() + 1, m.config), 8u);
  ASSERT_GE(m.member.neighbour_count(), 8u);
  (void)m.member.take_actions();
  std::vector<MemberId> asked;
  for (int i = 0; i < 100 && asked.empty(); ++i) {
    m.advance(m.config.tick);
    asked = m.connects();
  }
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], seven);
  // Linked: no further connects for coverage.
  m.link(seven);
  (void)m.member.take_actions();
  m.advance(m.config.overlay_review * 2);
  EXPECT_TRUE(m.connects().empty());
}

TEST(GroupOverlay, AMemberAtTheNeighbourTargetAddsNoLinks) {
  Member m;
  for (std::uint8_t i = 1; i <= 9; ++i) m.link(member_of_class(i, i % 7));
  m.member.add_members(m.now, {member_of_class(50, 7)});
  (void)m.member.take_actions();
  // (Less than neighbour_timeout: the silent neighbours stay.)
  std::vector<MemberId> asked;
  for (int i = 0; i < 20; ++i) {
    m.advance(m.config.tick);
    for (const auto& id : m.connects()) asked.push_back(id);
  }
  EXPECT_TRUE(asked.empty());
  EXPECT_EQ(m.member.neighbour_count(), 9u);
}

}  // namespace
}  // namespace rtmfp::group
