#include "media/gateway/media_loss_policy.hpp"

#include <gtest/gtest.h>

namespace rtmfp::media::gateway {
namespace {

const Bytes kAvcHeader{0x17, 0x00, 0, 0, 0, 1};
const Bytes kKey{0x17, 0x01, 0, 0, 0, 2};
const Bytes kInter{0x27, 0x01, 0, 0, 0, 3};
const Bytes kAacHeader{0xaf, 0x00, 0x12, 0x10};
const Bytes kAac{0xaf, 0x01, 0x21};

std::shared_ptr<flow::WriteReceipt> receipt(Duration d) {
  return std::make_shared<flow::WriteReceipt>(std::nullopt, at(d));
}

TEST(MediaLossPolicy, HeadersAndDataReliableFramesWithDeadlines) {
  LossTolerance t;
  MediaLossPolicy p(t);
  auto h = p.decide(9, kAvcHeader);
  EXPECT_TRUE(h.send);
  EXPECT_EQ(h.lane, Lane::video);
  EXPECT_FALSE(h.finish_within) << "sequence header is reliable";
  EXPECT_FALSE(p.decide(8, kAacHeader).finish_within);
  EXPECT_EQ(p.decide(8, kAac).finish_within, t.audio);
  EXPECT_EQ(p.decide(8, kAac).lane, Lane::audio);
  EXPECT_EQ(p.decide(9, kKey).finish_within, t.keyframe);
  EXPECT_EQ(p.decide(9, kInter).finish_within, t.video);
  auto d = p.decide(18, Bytes{2, 0, 1, 'x'});
  EXPECT_EQ(d.lane, Lane::stream);
  EXPECT_FALSE(d.finish_within);
  EXPECT_GT(*t.keyframe, *t.video);
}

TEST(MediaLossPolicy, ChunkStreamControlIsNeverSent) {
  MediaLossPolicy p;
  for (std::uint8_t type : {1, 2, 3, 5, 6}) EXPECT_FALSE(p.decide(type, Bytes{0, 0, 0, 1}).send) << int(type);
  EXPECT_TRUE(p.decide(4, Bytes{0, 0, 0, 0, 0, 1}).send);  // user control goes on the stream flow
}

TEST(MediaLossPolicy, AfterAnAbandonedFrameTheRestOfTheGopIsSkipped) {
  MediaLossPolicy p;
  ASSERT_TRUE(p.decide(9, kKey).send);
  auto key = receipt(seconds(6));
  p.track_video(key);
  ASSERT_TRUE(p.decide(9, kInter).send);
  auto lost = receipt(seconds(3));
  p.track_video(lost);
  ASSERT_TRUE(p.decide(9, kInter).send) << "nothing abandoned yet";
  p.track_video(receipt(seconds(3)));
  lost->abandon();
  EXPECT_FALSE(p.decide(9, kInter).send) << "undecodable after the loss";
  EXPECT_FALSE(p.decide(9, kInter).send);
  EXPECT_EQ(p.skipped(), 2u);
  EXPECT_TRUE(p.decide(8, kAac).send) << "audio is not affected";
  EXPECT_TRUE(p.decide(9, kKey).send) << "the next keyframe starts over";
  EXPECT_TRUE(p.decide(9, kInter).send);
}

TEST(MediaLossPolicy, ReliableToleranceSendsEverythingWithoutDeadline) {
  MediaLossPolicy p(LossTolerance::reliable());
  EXPECT_FALSE(p.decide(9, kKey).finish_within);
  EXPECT_FALSE(p.decide(9, kInter).finish_within);
  EXPECT_FALSE(p.decide(8, kAac).finish_within);
}


// Review I1: Enhanced RTMP (ExHeader, FourCC) and legacy HEVC (12) frames.
// Before, no such keyframe was recognised: after one abandoned frame every
// later video frame was skipped, and sequence starts had deadlines.
TEST(MediaLossPolicy, EnhancedRtmpAndLegacyHevcKeyframesStartOver) {
  const Bytes ex_start{0x90, 'h', 'v', 'c', '1', 1, 2};
  const Bytes ex_key{0x91, 'h', 'v', 'c', '1', 0, 0, 0, 7};
  const Bytes ex_inter{0xa1, 'h', 'v', 'c', '1', 0, 0, 0, 8};
  const Bytes ex_meta{0xd4, 'h', 'v', 'c', '1', 2, 0, 9};
  const Bytes hevc_key{0x1c, 0x01, 0, 0, 0, 1};
  const Bytes hevc_inter{0x2c, 0x01, 0, 0, 0, 2};
  const Bytes opus_start{0x90, 'O', 'p', 'u', 's', 1};
  const Bytes opus{0x91, 'O', 'p', 'u', 's', 1};
  for (const auto& [key, inter] : {std::pair{ex_key, ex_inter}, std::pair{hevc_key, hevc_inter}}) {
    LossTolerance t;
    MediaLossPolicy p(t);
    EXPECT_FALSE(p.decide(9, ex_start).finish_within) << "SequenceStart is reliable";
    EXPECT_FALSE(p.decide(9, Bytes{0x1c, 0x00, 0, 0, 0, 1}).finish_within) << "HEVC sequence header is reliable";
    EXPECT_FALSE(p.decide(9, ex_meta).finish_within) << "video Metadata is reliable";
    EXPECT_FALSE(p.decide(8, opus_start).finish_within) << "Opus SequenceStart is reliable";
    EXPECT_EQ(p.decide(8, opus).finish_within, t.audio);
    auto k = p.decide(9, key);
    EXPECT_EQ(k.finish_within, t.keyframe);
    p.track_video(receipt(seconds(6)));
    ASSERT_TRUE(p.decide(9, inter).send);
    auto lost = receipt(seconds(3));
    p.track_video(lost);
    lost->abandon();
    EXPECT_FALSE(p.decide(9, inter).send) << "rest of the GOP skipped";
    EXPECT_EQ(p.skipped(), 1u);
    ASSERT_TRUE(p.decide(9, key).send) << "the next keyframe";
    p.track_video(receipt(seconds(6)));
    EXPECT_TRUE(p.decide(9, inter).send) << "video goes on after the next keyframe";
    EXPECT_TRUE(p.decide(9, inter).send);
  }
}

// Review R3: inter frames queued behind a slow keyframe get at least the
// keyframe's deadline, so they are not abandoned while it may still arrive.
TEST(MediaLossPolicy, InterFramesNeverExpireBeforeTheirKeyframe) {
  LossTolerance t;  // keyframe 6 s, inter 3 s
  MediaLossPolicy p(t);
  const TimePoint t0 = at(seconds(10));
  auto k = p.decide(t0, 9, kKey);
  ASSERT_EQ(k.finish_within, t.keyframe);
  p.track_video(std::make_shared<flow::WriteReceipt>(std::nullopt, t0 + *k.finish_within));
  auto i1 = p.decide(t0 + milliseconds(40), 9, kInter);
  ASSERT_TRUE(i1.finish_within);
  EXPECT_EQ(t0 + milliseconds(40) + *i1.finish_within, t0 + seconds(6)) << "the keyframe's deadline";
  p.track_video(std::make_shared<flow::WriteReceipt>(std::nullopt, t0 + seconds(6)));
  auto late = p.decide(t0 + seconds(4), 9, kInter);
  EXPECT_EQ(*late.finish_within, t.video) << "its own tolerance once that is later";
  // A disposable (H.263) inter frame that is lost damages nothing.
  MediaLossPolicy h;
  ASSERT_TRUE(h.decide(t0, 9, Bytes{0x12, 0x00}).send);
  h.track_video(receipt(seconds(6)));
  ASSERT_TRUE(h.decide(t0, 9, Bytes{0x32, 0x00}).send);
  auto d = receipt(seconds(3));
  h.track_video(d);
  d->abandon();
  EXPECT_TRUE(h.decide(t0, 9, Bytes{0x22, 0x00}).send);
  EXPECT_EQ(h.skipped(), 0u);
}

// gop_damaged() stays cheap: receipts already resolved are not kept.
TEST(MediaLossPolicy, ResolvedReceiptsAreDropped) {
  MediaLossPolicy p;
  ASSERT_TRUE(p.decide(9, kKey).send);
  p.track_video(receipt(seconds(6)));
  std::vector<std::shared_ptr<flow::WriteReceipt>> rs;
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(p.decide(9, kInter).send) << i;
    auto r = receipt(seconds(3));
    p.track_video(r);
    r->mark_delivered();
    rs.push_back(r);
  }
  // An abandoned one after thousands delivered is still seen.
  ASSERT_TRUE(p.decide(9, kInter).send);
  auto lost = receipt(seconds(3));
  p.track_video(lost);
  lost->abandon();
  EXPECT_FALSE(p.decide(9, kInter).send);
}

}  // namespace
}  // namespace rtmfp::media::gateway
