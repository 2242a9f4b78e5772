// Upload awareness (GroupMember::set_upload_wait, group_config.hpp): the
// host reports how long our pushes and pull answers wait in our upload, and
// the member declines pulls it would answer late, advertises that wait in
// its maps, takes new push subscribers only while pushes flow, and sheds one
// when they keep waiting.
#include <gtest/gtest.h>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/group/core/group_messages.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

namespace rtmfp::group {
namespace {

MemberId member_id(std::uint8_t n) {
  MemberId id{};
  id[0] = 0xB0;
  id[1] = n;
  return id;
}

struct Member {
  PublisherKeys keys = publisher_keys_from_seed({});
  Ed25519Authenticator verifier{keys.public_key};
  SeededRandom rng{11};
  GroupConfig config;
  GroupId group{};
  GroupMember member{member_id(0), group, Role::member, verifier, rng, config};
  TimePoint now = at(seconds(1));
  const MemberId publisher = member_id(1);
  const MemberId child = member_id(2);

  void link(const MemberId& peer, bool is_publisher) {
    member.on_link_up(now, peer);
    member.on_message(now, peer, encode_message(Hello{group, is_publisher}));
  }
  void advance(Duration d) {
    now += d;
    member.tick(now);
  }
  // The messages sent to `to` since the last call, decoded.
  std::vector<Message> sent_to(const MemberId& to) {
    std::vector<Message> out;
    for (auto& a : member.take_actions())
      if (auto* s = std::get_if<SendAction>(&a); s && s->to == to)
        if (auto m = decode_message(s->message)) out.push_back(std::move(*m));
    return out;
  }
  // The publisher accepts every class we ask of it: we then have a path in
  // each class and may push it on.
  void subscribe_to_publisher() {
    link(publisher, true);
    advance(config.tick);
    member.on_message(now, publisher, encode_message(SubscribeReply{0xff}));
    advance(config.tick);
    (void)member.take_actions();
  }
  // `child` asks us for `mask`; what we accepted.
  std::optional<std::uint8_t> subscribe(std::uint8_t mask) {
    member.on_message(now, child, encode_message(Subscribe{mask}));
    std::optional<std::uint8_t> accepted;
    for (auto& m : sent_to(child))
      if (auto* r = std::get_if<SubscribeReply>(&m)) accepted = r->mask;
    return accepted;
  }
};

TEST(GroupUploadWait, PullsAreDeclinedWhileAnswersWouldWaitTooLong) {
  Member m;
  m.link(m.child, false);
  m.member.set_upload_wait(m.now, milliseconds(20), m.config.answer_max_wait + milliseconds(1));
  m.member.on_message(m.now, m.child, encode_message(Request{{5, 6, 7}}));
  EXPECT_EQ(m.member.counters().requests_declined, 3u);
  EXPECT_EQ(m.member.counters().requests_unserved, 3u);
  // Answers flow again: requests are looked up (we hold none of these).
  m.member.set_upload_wait(m.now, Duration{}, m.config.answer_max_wait);
  m.member.on_message(m.now, m.child, encode_message(Request{{5, 6, 7}}));
  EXPECT_EQ(m.member.counters().requests_declined, 3u);
  EXPECT_EQ(m.member.counters().requests_unserved, 6u);
}

TEST(GroupUploadWait, MapsAdvertiseTheAnswerWaitInLoadUnits) {
  Member m;
  m.link(m.child, false);
  (void)m.member.take_actions();
  m.member.set_upload_wait(m.now, milliseconds(30), milliseconds(374));
  m.advance(m.config.keepalive_interval);
  std::optional<std::uint8_t> load;
  for (auto& msg : m.sent_to(m.child))
    if (auto* f = std::get_if<FragmentMap>(&msg)) load = f->load;
  ASSERT_TRUE(load);
  EXPECT_EQ(*load, 37);
  m.member.set_upload_wait(m.now, seconds(5), seconds(9));
  m.advance(m.config.keepalive_interval);
  load.reset();
  for (auto& msg : m.sent_to(m.child))
    if (auto* f = std::get_if<FragmentMap>(&msg)) load = f->load;
  ASSERT_TRUE(load);
  EXPECT_EQ(*load, 255) << "capped";
}

TEST(GroupUploadWait, NewPushSubscribersOnlyWhilePushesFlow) {
  Member m;
  m.subscribe_to_publisher();
  m.link(m.child, false);
  (void)m.member.take_actions();
  const std::uint8_t home = static_cast<std::uint8_t>(1u << home_class(m.member.id()));
  // A keyframe's burst made our pushes wait: no new subscriber in this
  // accept window nor the next.
  m.member.set_upload_wait(m.now, m.config.accept_max_wait + milliseconds(50), seconds(1));
  m.member.set_upload_wait(m.now, Duration{}, Duration{});
  EXPECT_EQ(m.subscribe(home), std::optional<std::uint8_t>(0));
  m.now += m.config.accept_window;
  m.member.set_upload_wait(m.now, Duration{}, Duration{});
  EXPECT_EQ(m.subscribe(home), std::optional<std::uint8_t>(0)) << "the previous window still counts";
  // Two quiet windows: there is room. Pull answers waiting do not matter
  // (pushes go first).
  m.now += m.config.accept_window;
  m.member.set_upload_wait(m.now, Duration{}, m.config.answer_max_wait * 4);
  EXPECT_EQ(m.subscribe(home), std::optional<std::uint8_t>(home));
  EXPECT_EQ(m.member.pushes_to(m.child), home);
}

TEST(GroupUploadWait, ASubscriberIsShedWhilePushesKeepWaiting) {
  Member m;
  m.subscribe_to_publisher();
  m.link(m.child, false);
  (void)m.member.take_actions();
  const unsigned home = home_class(m.member.id());
  const std::uint8_t leaf = static_cast<std::uint8_t>(1u << ((home + 1) % kPushClasses));
  const std::uint8_t both = static_cast<std::uint8_t>(leaf | (1u << home));
  // The child takes our home class and, as a leaf, one other.
  EXPECT_EQ(m.subscribe(both), std::optional<std::uint8_t>(both));
  // Pushes wait, but not for long: nothing is shed.
  m.member.set_upload_wait(m.now, m.config.shed_wait + milliseconds(100), seconds(1));
  m.advance(m.config.shed_interval / 2);
  m.member.set_upload_wait(m.now, Duration{}, Duration{});
  m.advance(m.config.tick);
  m.member.set_upload_wait(m.now, m.config.shed_wait + milliseconds(100), seconds(1));
  m.advance(m.config.tick);
  EXPECT_EQ(m.member.counters().subscribers_shed, 0u);
  // They keep waiting for shed_interval: the leaf class goes first.
  std::optional<std::uint8_t> reply;
  for (int i = 0; i < 20 && !reply; ++i) {
    m.advance(m.config.tick);
    for (auto& msg : m.sent_to(m.child))
      if (auto* r = std::get_if<SubscribeReply>(&msg)) reply = r->mask;
  }
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, static_cast<std::uint8_t>(1u << home));
  EXPECT_EQ(m.member.counters().subscribers_shed, 1u);
  EXPECT_EQ(m.member.pushes_to(m.child), static_cast<std::uint8_t>(1u << home));
  // At most one per shed_interval; then the home class too.
  for (int i = 0; i < 3; ++i) m.advance(m.config.tick);
  EXPECT_EQ(m.member.counters().subscribers_shed, 1u);
  for (int i = 0; i < 12; ++i) m.advance(m.config.tick);
  EXPECT_EQ(m.member.counters().subscribers_shed, 2u);
  EXPECT_EQ(m.member.pushes_to(m.child), 0);
}

}  // namespace
}  // namespace rtmfp::group
