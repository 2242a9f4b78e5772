// Publisher feed and playout (publisher_feed.hpp, playout.hpp): join points
// carry the configuration, playout starts there, plays each frame once and
// in order, suppresses repeated configuration, and skips a hole that stays
// open past hole_timeout.
#include <gtest/gtest.h>

#include <algorithm>

#include "rtmfp/group/core/playout.hpp"
#include "rtmfp/group/core/publisher_feed.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

namespace rtmfp::group {
namespace {

// One frame into a feed (fill: its payload byte, to tell frames apart).
void publish_frame(PublisherFeed& feed, MediaType t, bool key, bool config, std::uint32_t ts, std::uint8_t fill,
                   std::size_t size = 100) {
  MediaFrame m;
  m.type = t;
  m.keyframe = key;
  m.config = config;
  m.timestamp = ts;
  m.payload.assign(size, fill);
  ASSERT_TRUE(feed.publish(at(seconds(0)), m));
}

struct Stream {
  PublisherKeys keys = publisher_keys_from_seed({});
  Ed25519Authenticator signer{keys};
  Ed25519Authenticator verifier{keys.public_key};
  GroupId group{};
  GroupConfig config;
  PublisherFeed feed{group, signer, config};
  std::vector<OutFragment> out;

  void frame(MediaType t, bool key, bool config_frame, std::size_t size, std::uint8_t fill) {
    publish_frame(feed, t, key, config_frame, 0, fill, size);
  }
  void flush() {
    for (auto& o : feed.take(at(seconds(0)), true)) out.push_back(std::move(o));
  }
};

std::vector<Seq> join_points(const std::vector<OutFragment>& out) {
  std::vector<Seq> joins;
  for (const auto& o : out)
    if (o.join_point) joins.push_back(o.seq);
  return joins;
}

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
  const std::vector<Seq> joins = join_points(s.out);
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

// Live: a member waiting at a keyframe that fills in slowly (here: never)
// while the stream moves on jumps to a later join point held complete once
// it is more than max_behind behind in media time, and not before.
TEST(Playout, CatchesUpToALaterCompleteJoinPoint) {
  Stream s;
  std::uint32_t ts = 0;
  auto frame = [&](bool key, bool config, std::size_t size) {
    publish_frame(s.feed, MediaType::video, key, config, ts, static_cast<std::uint8_t>(ts / 40), size);
  };
  auto gop = [&](int frames) {  // 40 ms apart
    frame(false, true, 20);   // sequence header: the join point
    frame(true, false, 3000);  // keyframe: three fragments
    for (int i = 1; i < frames; ++i) {
      ts += 40;
      frame(false, false, 200);
    }
    ts += 40;
  };
  gop(75);  // 3 s
  gop(10);
  s.flush();
  const std::vector<Seq> joins = join_points(s.out);
  ASSERT_EQ(joins.size(), 2u);

  FragmentStore store(s.group, s.verifier, s.config);
  Playout p(s.config);
  std::vector<Seq> newly;
  Seq lost = 0;
  // Offers every manifest and the data of frames up to `until_ts`.
  auto offer_up_to = [&](std::uint32_t until_ts) {
    std::uint32_t frame_ts = 0;
    for (const auto& o : s.out) {
      auto c = parse_content(o.content);
      const auto* d = c ? std::get_if<DataContent>(&*c) : nullptr;
      if (d && (d->flags & kFirst)) frame_ts = d->timestamp;
      if (o.seq == lost || store.holds(o.seq) || (d && frame_ts > until_ts)) continue;
      if (d && !(d->flags & kFirst) && lost == 0) {
        lost = o.seq;  // the first keyframe's second fragment never comes
        continue;
      }
      store.offer(at(seconds(1)), o.seq, o.content, newly);
      if (d && (d->flags & kFirst) && !(d->flags & kConfig)) p.note_frame_start(d->timestamp);
    }
  };
  p.start_at(joins[0]);
  std::vector<PlayedFrame> played;
  offer_up_to(2400);  // 2.4 s of the first GOP: not yet max_behind (2.5 s)
  p.poll(at(seconds(1)), store, store.newest(), played);
  ASSERT_EQ(played.size(), 1u) << "the sequence header; the keyframe waits for its lost fragment";
  played.clear();
  EXPECT_FALSE(p.catch_up(store, joins[1])) << "the second join point is not held yet";
  offer_up_to(2960);  // the rest of the first GOP: now over max_behind, but no later join point complete
  EXPECT_FALSE(p.catch_up(store, joins[1]));
  offer_up_to(4000);  // the second GOP
  ASSERT_TRUE(store.holds(joins[1]));
  EXPECT_TRUE(p.catch_up(store, joins[1]));
  EXPECT_EQ(p.counters().catch_ups, 1u);
  p.poll(at(seconds(1)), store, store.newest(), played);
  ASSERT_GE(played.size(), 11u);  // the second GOP: header, keyframe, 9 P-frames
  EXPECT_TRUE(played[1].frame.keyframe);
  EXPECT_EQ(played[1].frame.timestamp, 3000u);
}

TEST(PublisherFeed, RefusesFramesOverSixteenMegabytes) {
  Stream s;
  MediaFrame f;
  f.payload.resize(kMaxFrameSize + 1);
  EXPECT_FALSE(s.feed.publish(at(seconds(0)), f));
}

// A new publisher run (group_types.hpp): numbered above the first, its
// timestamps from 0 again, the same audio sequence header and a changed
// video one. After restart() playout starts at the new run's join point,
// plays the changed header only, and its timestamps continue: the new
// run's first frame 40 ms after the highest played, configuration before
// it at the highest played.
TEST(Playout, RestartForANewRunKeepsTimestampsMonotonic) {
  PublisherKeys keys = publisher_keys_from_seed({});
  Ed25519Authenticator signer{keys}, verifier{keys.public_key};
  GroupId group{};
  GroupConfig c1, c2;
  c2.first_seq = run_first_seq(1'796'000'000'000ull);
  PublisherFeed run1{group, signer, c1}, run2{group, signer, c2};
  auto frame = [](PublisherFeed& f, MediaType t, bool key, bool config, std::uint32_t ts, std::uint8_t fill) {
    publish_frame(f, t, key, config, ts, fill);
  };
  frame(run1, MediaType::audio, false, true, 0, 1);  // audio sequence header
  frame(run1, MediaType::video, false, true, 0, 2);  // video sequence header
  frame(run1, MediaType::video, true, false, 5000, 3);
  frame(run1, MediaType::audio, false, false, 5010, 4);
  frame(run1, MediaType::video, false, false, 5040, 5);
  frame(run2, MediaType::audio, false, true, 0, 1);  // the same audio header
  frame(run2, MediaType::video, false, true, 0, 7);  // another video header
  frame(run2, MediaType::video, true, false, 0, 8);
  frame(run2, MediaType::audio, false, false, 20, 9);
  const auto out1 = run1.take(at(seconds(0)), true);
  const auto out2 = run2.take(at(seconds(0)), true);
  ASSERT_GT(out2.front().seq, out1.back().seq + kMaxAhead);

  FragmentStore store(group, verifier, c1);
  std::vector<Seq> newly;
  Seq join1 = 0, join2 = 0;
  for (const auto& o : out1) {
    store.offer(at(seconds(1)), o.seq, o.content, newly);
    if (o.join_point) join1 = o.seq;
  }
  Playout p(c1);
  p.start_at(join1);
  std::vector<PlayedFrame> played;
  p.poll(at(seconds(1)), store, store.newest(), played);
  ASSERT_EQ(played.size(), 5u);
  EXPECT_EQ(played.back().frame.timestamp, 5040u);

  store.drop_below(out1.back().seq + 1);
  for (const auto& o : out2) {
    store.offer(at(seconds(2)), o.seq, o.content, newly);
    if (o.join_point) join2 = o.seq;
  }
  // A replayed first-run fragment is stale now.
  EXPECT_EQ(store.offer(at(seconds(2)), out1.back().seq, out1.back().content, newly), Offer::stale);
  p.restart();
  p.start_at(join2);
  played.clear();
  p.poll(at(seconds(2)), store, store.newest(), played);
  ASSERT_EQ(played.size(), 3u) << "the changed video header, the keyframe, the audio frame";
  EXPECT_TRUE(played[0].frame.config);
  EXPECT_EQ(played[0].frame.payload[0], 7);
  EXPECT_EQ(played[0].frame.timestamp, 5040u) << "configuration at the highest played";
  EXPECT_TRUE(played[1].frame.keyframe);
  EXPECT_EQ(played[1].frame.timestamp, 5040u + Playout::kRestartGap);
  EXPECT_EQ(played[2].frame.timestamp, 5040u + Playout::kRestartGap + 20);
  EXPECT_EQ(p.counters().restarts, 1u);
  EXPECT_TRUE(played[0].run_start) << "the first frame of the new run is marked";
  EXPECT_FALSE(played[1].run_start);
}

// A run that starts at an audio frame whose timestamp is above the video
// that follows (and a join point repeating the configuration with its
// original timestamp 0): the configuration is never placed below the
// highest audio/video timestamp played. Seen with real processes: the
// changed video sequence header went 960 ms back after a rebase.
TEST(Playout, ConfigurationNeverGoesBelowTheHighestPlayed) {
  PublisherKeys keys = publisher_keys_from_seed({});
  Ed25519Authenticator signer{keys}, verifier{keys.public_key};
  GroupId group{};
  GroupConfig c;
  PublisherFeed feed{group, signer, c};
  auto frame = [&](MediaType t, bool key, bool config, std::uint32_t ts, std::uint8_t fill) {
    publish_frame(feed, t, key, config, ts, fill);
  };
  frame(MediaType::audio, false, true, 0, 1);     // audio header
  frame(MediaType::audio, false, false, 960, 2);  // audio first: an audio join point
  frame(MediaType::video, false, true, 0, 3);     // video header, timestamp 0
  frame(MediaType::video, true, false, 1000, 4);  // keyframe: its join point repeats both headers at 0
  const auto out = feed.take(at(seconds(0)), true);
  FragmentStore store(group, verifier, c);
  std::vector<Seq> newly;
  Seq join = 0;
  for (const auto& o : out) {
    store.offer(at(seconds(1)), o.seq, o.content, newly);
    if (o.join_point && join == 0) join = o.seq;
  }
  Playout p(c);
  p.start_at(join);
  std::vector<PlayedFrame> played;
  p.poll(at(seconds(1)), store, store.newest(), played);
  std::uint32_t highest = 0;
  bool any_av = false;
  for (const auto& f : played) {
    const bool av = f.frame.type != MediaType::data && !f.frame.config;
    if (!av && any_av) {
      EXPECT_GE(f.frame.timestamp, highest) << "configuration placed back in time";
    }
    if (av) {
      highest = std::max(highest, f.frame.timestamp);
      any_av = true;
    }
  }
  EXPECT_TRUE(any_av);
  EXPECT_GE(played.size(), 4u);
}

}  // namespace
}  // namespace rtmfp::group
