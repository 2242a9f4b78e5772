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

}  // namespace
}  // namespace rtmfp::media::gateway
