// Publisher feed and playout (publisher_feed.hpp, playout.hpp): join points
// carry the configuration, playout starts there, plays each frame once and
// in order, suppresses repeated configuration, and skips a hole that stays
// open past hole_timeout.
#include <gtest/gtest.h>

#include "rtmfp/group/core/playout.hpp"
#include "rtmfp/group/core/publisher_feed.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

namespace rtmfp::group {
namespace {

struct Stream {
  PublisherKeys keys = publisher_keys_from_seed({});
  Ed25519Authenticator signer{keys};
  Ed25519Authenticator verifier{keys.public_key};
  GroupId group{};
  GroupConfig config;
  PublisherFeed feed{group, signer, config};
  std::vector<OutFragment> out;

  void frame(MediaType t, bool key, bool config_frame, std::size_t size, std::uint8_t fill) {
    MediaFrame f;
    f.type = t;
    f.keyframe = key;
    f.config = config_frame;
    f.payload.assign(size, fill);
    ASSERT_TRUE(feed.publish(at(seconds(0)), f));
  }
  void flush() {
    for (auto& o : feed.take(at(seconds(0)), true)) out.push_back(std::move(o));
  }
};

TEST(Playout, StartsAtJoinPointWithConfigurationAndPlaysInOrder) {
  Stream s;
  s.frame(MediaType::data, false, true, 50, 1);   // metadata
  s.frame(MediaType::video, false, true, 20, 2);  // sequence header
  s.frame(MediaType::video, true, false, 3000, 3);
  s.frame(MediaType::video, false, false, 500, 4);
  s.frame(MediaType::video, true, false, 2000, 5);  // second join point
  s.frame(MediaType::video, false, false, 500, 6);
  s.flush();
  // Join points: the repeated configuration before each keyframe.
  std::vector<Seq> joins;
  for (const auto& o : s.out)
    if (o.join_point) joins.push_back(o.seq);
  ASSERT_EQ(joins.size(), 2u);

  // A member that starts at the second join point gets metadata, header, keyframe, P-frame.
  FragmentStore store(s.group, s.verifier, s.config);
  std::vector<Seq> newly;
  for (const auto& o : s.out) store.offer(at(seconds(1)), o.seq, o.content, newly);
  Playout late(s.config);
  late.start_at(joins[1]);
  std::vector<PlayedFrame> played;
  late.poll(at(seconds(1)), store, store.newest(), played);
  ASSERT_EQ(played.size(), 4u);
  EXPECT_EQ(played[0].frame.type, MediaType::data);
  EXPECT_TRUE(played[0].frame.config);
  EXPECT_EQ(played[1].frame.payload, Bytes(20, 2));
  EXPECT_TRUE(played[2].frame.keyframe);
  EXPECT_EQ(played[2].frame.payload, Bytes(2000, 5));
  EXPECT_EQ(played[3].frame.payload, Bytes(500, 6));

  // From the first join point: the configuration once (its repeat suppressed).
  Playout early(s.config);
  early.start_at(joins[0]);
  played.clear();
  early.poll(at(seconds(1)), store, store.newest(), played);
  ASSERT_EQ(played.size(), 6u);
  EXPECT_EQ(early.counters().repeats_suppressed, 2u);
}

TEST(Playout, SkipsAHoleOnlyAfterHoleTimeout) {
  Stream s;
  s.frame(MediaType::video, true, false, 100, 1);
  for (std::uint8_t i = 2; i < 6; ++i) s.frame(MediaType::video, false, false, 1500, i);  // 2 fragments each
  s.flush();
  FragmentStore store(s.group, s.verifier, s.config);
  std::vector<Seq> newly;
  // Lose the second fragment of frame 3.
  Seq lost = 0;
  int firsts = 0;
  for (const auto& o : s.out) {
    auto p = parse_content(o.content);
    if (p && std::holds_alternative<DataContent>(*p)) {
      const auto& d = std::get<DataContent>(*p);
      if (d.flags & kFirst) ++firsts;
      if (firsts == 3 && !(d.flags & kFirst)) {
        lost = o.seq;
        continue;
      }
    }
    store.offer(at(seconds(1)), o.seq, o.content, newly);
  }
  ASSERT_NE(lost, 0u);
  Playout p(s.config);
  p.start_at(s.out[1].seq);
  std::vector<PlayedFrame> played;
  const TimePoint t = at(seconds(1));
  p.poll(t, store, store.newest(), played);
  EXPECT_EQ(played.size(), 2u);  // waits at the hole
  p.poll(t + s.config.hole_timeout - milliseconds(1), store, store.newest(), played);
  EXPECT_EQ(played.size(), 2u);
  p.poll(t + s.config.hole_timeout, store, store.newest(), played);
  ASSERT_EQ(played.size(), 4u);  // frame 3 skipped, 4 and 5 played
  EXPECT_EQ(played[2].frame.payload, Bytes(1500, 4));
  EXPECT_EQ(p.counters().holes_skipped, 1u);
}

TEST(PublisherFeed, RefusesFramesOverSixteenMegabytes) {
  Stream s;
  MediaFrame f;
  f.payload.resize(kMaxFrameSize + 1);
  EXPECT_FALSE(s.feed.publish(at(seconds(0)), f));
}

}  // namespace
}  // namespace rtmfp::group
