// PlayerQueue (rtmp-listen:// per-player queue, review S1): thinning by whole
// GOPs in media time, never audio / headers / markers, the lag bound.
#include <gtest/gtest.h>

#include "media/io/player_queue.hpp"
#include "media/rtmp/command.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using io::PlayerQueue;
using rtmp::Message;

namespace {
Message vid(std::uint32_t ts, bool key, std::uint8_t id) {
  Message m{ts, rtmp::msg_type::video, 0, 0, Bytes(100, id)};
  m.payload[0] = key ? 0x17 : 0x27;
  m.payload[1] = 1;
  return m;
}
Message aud(std::uint32_t ts) {
  Message m{ts, rtmp::msg_type::audio, 0, 0, Bytes(10, 0)};
  m.payload[0] = 0xAF;
  m.payload[1] = 1;
  return m;
}
Message avc_header() { return Message{0, rtmp::msg_type::video, 0, 0, {0x17, 0, 1, 2, 3}}; }

std::vector<Message> pop_all(PlayerQueue& q) {
  std::vector<Message> r;
  while (auto it = q.pop())
    if (it->kind == PlayerQueue::Kind::media) r.push_back(it->m);
  return r;
}
}  // namespace

TEST(PlayerQueue, KeepsEverythingUnderTheBound) {
  PlayerQueue q({.thin_ms = 2000, .lag_ms = 10000});
  for (std::uint32_t i = 0; i < 50; ++i) q.push_media(vid(i * 40, i % 25 == 0, 1));  // 1.96 s
  EXPECT_EQ(q.dropped_video(), 0u);
  EXPECT_EQ(pop_all(q).size(), 50u);
}

TEST(PlayerQueue, DropsWholeUnsentGopsKeepsAudioAndHeaders) {
  PlayerQueue q({.thin_ms = 2000, .lag_ms = 0});
  q.push_media(avc_header());
  q.push_marker(PlayerQueue::Kind::publisher_started);
  for (std::uint32_t i = 0; i < 100; ++i) {  // 4 s, GOP = 25 frames = 1 s; nothing taken
    q.push_media(vid(i * 40, i % 25 == 0, static_cast<std::uint8_t>(i / 25)));
    q.push_media(aud(i * 40));
    EXPECT_LE(q.video_span_ms(), 2000u);
  }
  EXPECT_GT(q.dropped_video(), 0u);
  EXPECT_LE(q.max_video_span_ms(), 2000u);
  auto out = pop_all(q);
  std::size_t audio_n = 0;
  std::vector<std::uint32_t> ts;
  ASSERT_TRUE(rtmp::is_avc_sequence_header(out.at(0).payload));
  for (const auto& m : out) {
    if (m.type == rtmp::msg_type::audio) ++audio_n;
    if (m.type == rtmp::msg_type::video && !rtmp::is_avc_sequence_header(m.payload)) ts.push_back(m.timestamp);
  }
  EXPECT_EQ(audio_n, 100u);
  ASSERT_FALSE(ts.empty());
  EXPECT_EQ(ts.size() % 25, 0u) << "whole GOPs only";
  EXPECT_EQ(ts.front() % 1000, 0u) << "starts at a keyframe";
  EXPECT_EQ(ts.back(), 99u * 40) << "the newest GOP is the one kept";
}

TEST(PlayerQueue, TheGopBeingSentIsNotCutWhenShorterThanTheBound) {
  PlayerQueue q({.thin_ms = 2000, .lag_ms = 0});
  for (std::uint32_t i = 0; i < 5; ++i) q.push_media(vid(i * 40, i == 0, 0));
  for (int i = 0; i < 3; ++i) (void)q.pop();  // frames 0..2 handed to the socket: GOP 0 has started
  for (std::uint32_t i = 5; i < 100; ++i) q.push_media(vid(i * 40, i % 25 == 0, 0));
  auto out = pop_all(q);
  // GOP 0's rest (frames 3..24) is all there; then only later whole GOPs.
  ASSERT_GE(out.size(), 22u);
  for (std::uint32_t i = 0; i < 22; ++i) EXPECT_EQ(out[i].timestamp, (i + 3) * 40);
  EXPECT_EQ((out.size() - 22) % 25, 0u);
}

TEST(PlayerQueue, LongGopTailIsCutToTheNextKeyframe) {
  PlayerQueue q({.thin_ms = 1000, .lag_ms = 0});
  q.push_media(vid(0, true, 0));
  (void)q.pop();
  for (std::uint32_t i = 1; i < 100; ++i) q.push_media(vid(i * 40, false, 0));  // 4 s GOP
  EXPECT_LE(q.video_span_ms(), 1000u);
  q.push_media(vid(4000, true, 1));
  auto out = pop_all(q);
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(rtmp::is_video_keyframe(out.back().payload));
  EXPECT_EQ(out.back().timestamp, 4000u);
}

TEST(PlayerQueue, LagPastTheBoundIsOverLimit) {
  PlayerQueue q({.thin_ms = 2000, .lag_ms = 10000});
  for (std::uint32_t i = 0; i <= 250; ++i) {
    q.push_media(vid(i * 40, i % 25 == 0, 0));
    q.push_media(aud(i * 40));
    EXPECT_EQ(q.over_limit(), i * 40 > 10000) << i;  // nothing is ever taken: thinning cannot help
  }
  // Taking the queue brings it back.
  while (q.pop()) {
  }
  EXPECT_FALSE(q.over_limit());
}

TEST(PlayerQueue, ATimestampRestartIsNotLag) {
  PlayerQueue q({.thin_ms = 2000, .lag_ms = 10000});
  for (std::uint32_t i = 0; i < 100; ++i) q.push_media(aud(600000 + i * 40));
  while (q.pop()) {
  }
  q.push_media(aud(600000 + 4000));
  q.push_media(aud(0));  // a new publisher starts again at 0
  q.push_media(aud(40));
  EXPECT_LT(q.lag_ms(), 1000u);
  EXPECT_FALSE(q.over_limit());
}

// A late player's join prime (headers + the GOP since the last keyframe) is
// never thinned, even when it spans more than the bound (joining 3 s into a
// 5 s GOP); what is queued after it is still thinned by whole GOPs, measured
// from the end of the prime, and a gap in the video lands on a keyframe.
TEST(PlayerQueue, TheJoinPrimeIsNeverThinnedLaterGopsStillAre) {
  PlayerQueue q({.thin_ms = 2000, .lag_ms = 0});
  q.push_marker(PlayerQueue::Kind::publisher_started);
  q.push_media(avc_header(), true);
  for (std::uint32_t t = 0; t <= 3000; t += 40) {
    q.push_media(vid(t, t == 0, 0), true);
    q.push_media(aud(t), true);
  }
  EXPECT_EQ(q.dropped_video(), 0u);
  EXPECT_EQ(q.video_span_ms(), 0u) << "the prime is not backlog";
  for (std::uint32_t t = 3040; t < 20000; t += 40) {  // nothing taken: thinning must act
    q.push_media(vid(t, t % 5000 == 0, 1));
    q.push_media(aud(t));
    EXPECT_LE(q.video_span_ms(), 2000u) << t;
  }
  EXPECT_GT(q.dropped_video(), 0u);
  EXPECT_LE(q.max_video_span_ms(), 2000u);
  std::vector<std::uint32_t> ts;
  for (const auto& m : pop_all(q))
    if (m.type == rtmp::msg_type::video && !rtmp::is_avc_sequence_header(m.payload)) ts.push_back(m.timestamp);
  ASSERT_GE(ts.size(), 76u);
  for (std::uint32_t i = 0; i <= 75; ++i) ASSERT_EQ(ts[i], i * 40) << "the prime's GOP, whole, first";
  for (std::size_t i = 1; i < ts.size(); ++i)
    if (ts[i] != ts[i - 1] + 40) EXPECT_EQ(ts[i] % 5000, 0u) << "a gap must end at a keyframe: " << ts[i];
}
