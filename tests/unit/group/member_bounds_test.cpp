// The bounds a group neighbour can push against (group_config.hpp), each
// filled by a hostile neighbour and never exceeded: inbound links beyond
// max_neighbours are refused, membership gossip cannot grow the known set
// past max_known_members, and maps that announce fragments far ahead cannot
// grow the holes tracked for pulling past max_missing nor the pulls
// outstanding at one neighbour past max_requests_per_neighbour.
#include <gtest/gtest.h>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/group/core/group_messages.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

namespace rtmfp::group {
namespace {

MemberId member_id(std::uint32_t n) {
  MemberId id{};
  id[0] = 0xA0;
  id[1] = static_cast<std::uint8_t>(n >> 24);
  id[2] = static_cast<std::uint8_t>(n >> 16);
  id[3] = static_cast<std::uint8_t>(n >> 8);
  id[4] = static_cast<std::uint8_t>(n);
  return id;
}

struct Victim {
  PublisherKeys keys = publisher_keys_from_seed({});
  Ed25519Authenticator verifier{keys.public_key};
  SeededRandom rng{7};
  GroupConfig config;
  GroupId group{};
  GroupMember member{member_id(0), group, Role::member, verifier, rng, config};
  TimePoint now = at(seconds(1));

  void link(const MemberId& peer) {
    member.on_link_up(now, peer);
    member.on_message(now, peer, encode_message(Hello{group, false}));
  }
};

TEST(GroupMemberBounds, InboundLinksBeyondMaxNeighboursAreRefused) {
  Victim v;
  std::size_t refused = 0;
  for (std::uint32_t i = 1; i <= 3 * v.config.max_neighbours; ++i) {
    v.link(member_id(i));
    for (auto& a : v.member.take_actions())
      if (std::get_if<DisconnectAction>(&a)) ++refused;
  }
  EXPECT_EQ(v.member.neighbour_count(), v.config.max_neighbours);
  EXPECT_EQ(refused, 2u * v.config.max_neighbours);
}

TEST(GroupMemberBounds, GossipCannotGrowTheKnownSetPastItsBound) {
  Victim v;
  const MemberId liar = member_id(1);
  v.link(liar);
  std::uint32_t next = 100;
  for (int m = 0; m < 2000; ++m) {  // 32,000 invented members, 16 a message
    Members g;
    for (std::size_t k = 0; k < kMaxMembersPerMessage; ++k) g.ids.push_back(member_id(next++));
    v.member.on_message(v.now, liar, encode_message(g));
  }
  std::vector<MemberId> sample;
  for (int k = 0; k < 10000; ++k) sample.push_back(member_id(next++));
  v.member.add_members(v.now, sample);
  EXPECT_EQ(v.member.known_count(), v.config.max_known_members);
}

TEST(GroupMemberBounds, MapsFarAheadCannotGrowHolesOrPullsPastTheirBounds) {
  Victim v;
  const MemberId liar = member_id(1);
  v.link(liar);
  (void)v.member.take_actions();
  std::size_t most_missing = 0;
  std::size_t requested = 0;
  Seq newest = 1;
  for (int m = 0; m < 40; ++m) {
    // Each map claims 4,000 fragments more (about what a member accepts ahead
    // of what it knows) and a join point near its newest.
    newest += 4000;
    FragmentMap map;
    map.newest = newest;
    map.join_point = newest > 64 ? newest - 64 : 1;
    map.held_from = newest > 10 * kMaxMapBits ? newest - 10 * kMaxMapBits : 1;
    map.bitmap.assign(kMaxMapBits / 8, 0xFF);
    v.member.on_message(v.now, liar, encode_message(map));
    v.now += milliseconds(10);
    v.member.tick(v.now);
    most_missing = std::max(most_missing, v.member.missing_count());
    for (auto& a : v.member.take_actions())
      if (auto* s = std::get_if<SendAction>(&a); s && s->to == liar)
        if (auto msg = decode_message(s->message); msg)
          if (auto* r = std::get_if<Request>(&*msg)) requested += r->seqs.size();
  }
  // The liar never answers: what we asked of it stays outstanding.
  EXPECT_EQ(most_missing, v.config.max_missing);
  EXPECT_GT(requested, 0u);
  EXPECT_LE(requested, v.config.max_requests_per_neighbour);
  EXPECT_LE(v.member.store().size(), v.config.max_fragments);
}

}  // namespace
}  // namespace rtmfp::group
