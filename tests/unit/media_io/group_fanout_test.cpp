// The local players of a group one node holds (media/io/group_fanout.hpp):
// one stream in (a publisher's frames, or a membership's playout), many
// players out; a late player starts at the latest join point (metadata,
// sequence headers, the GOP since the last keyframe); a new publisher run
// starts the cache again and marks each player's next frame; a stopped
// source primes nobody; players past the bound are refused.
#include <gtest/gtest.h>

#include "media/io/group_fanout.hpp"
#include "media/io/group_frames.hpp"
#include "media/rtmp/command.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using io::GroupFanout;

namespace {

group::MediaFrame frame(group::MediaType type, std::uint32_t ts, std::uint8_t b0, std::uint8_t b1) {
  io::Message m;
  m.type = static_cast<std::uint8_t>(type);
  m.timestamp = ts;
  m.payload = Bytes{b0, b1, 0, 0, 0, static_cast<std::uint8_t>(ts)};
  return io::group_frame_of(m);
}
group::MediaFrame avc_header(std::uint32_t ts) { return frame(group::MediaType::video, ts, 0x17, 0); }
group::MediaFrame keyframe(std::uint32_t ts) { return frame(group::MediaType::video, ts, 0x17, 1); }
group::MediaFrame inter(std::uint32_t ts) { return frame(group::MediaType::video, ts, 0x27, 1); }
group::MediaFrame aac_header(std::uint32_t ts) { return frame(group::MediaType::audio, ts, 0xaf, 0); }
group::MediaFrame aac(std::uint32_t ts) { return frame(group::MediaType::audio, ts, 0xaf, 1); }
group::MediaFrame metadata(std::uint32_t ts) {
  rtmp::DataMessage d;
  d.handler = "onMetaData";
  d.values.push_back(rtmp::Value::object({{"width", rtmp::Value::number(320)}}));
  auto m = rtmp::encode_data(d, 0, ts, false);
  EXPECT_TRUE(m);
  return io::group_frame_of(*m);
}

struct Played {
  std::vector<group::PlayedFrame> frames;
  GroupFanout::Play play() {
    return [this](group::PlayedFrame f) { frames.push_back(std::move(f)); };
  }
  std::vector<std::uint32_t> timestamps() const {
    std::vector<std::uint32_t> v;
    for (const auto& f : frames) v.push_back(f.frame.timestamp);
    return v;
  }
};

// One GOP after the configuration: metadata 0, headers 0, keyframe 10,
// audio 20, inter 30; then a second GOP: keyframe 40, audio 50, inter 60.
void two_gops(GroupFanout& g) {
  for (const auto& f : {metadata(0), avc_header(0), aac_header(0), keyframe(10), aac(20), inter(30), keyframe(40),
                        aac(50), inter(60)})
    g.on_frame(f);
}

}  // namespace

TEST(GroupFanout, PlayersThereFromTheStartGetEveryFrameInOrderTheFirstMarkedRunStart) {
  GroupFanout g;
  Played a, b;
  ASSERT_TRUE(g.add_player(&a, a.play()));
  ASSERT_TRUE(g.add_player(&b, b.play()));
  EXPECT_EQ(g.players(), 2u);
  two_gops(g);
  const std::vector<std::uint32_t> all{0, 0, 0, 10, 20, 30, 40, 50, 60};
  EXPECT_EQ(a.timestamps(), all);
  EXPECT_EQ(b.timestamps(), all);
  ASSERT_FALSE(a.frames.empty());
  EXPECT_TRUE(a.frames[0].run_start);
  for (std::size_t i = 1; i < a.frames.size(); ++i) EXPECT_FALSE(a.frames[i].run_start) << i;
  EXPECT_EQ(a.frames[3].frame.payload, keyframe(10).payload);
}

TEST(GroupFanout, ALatePlayerStartsAtTheLatestJoinPointWithTheConfiguration) {
  GroupFanout g;
  two_gops(g);
  Played late;
  ASSERT_TRUE(g.add_player(&late, late.play()));
  // The prime: metadata, AVC header, AAC header, then the GOP since the
  // keyframe at 40; the flags a destination's gate starts on are there.
  ASSERT_EQ(late.frames.size(), 6u);
  EXPECT_EQ(late.frames[0].frame.type, group::MediaType::data);
  EXPECT_TRUE(late.frames[0].frame.config);
  EXPECT_TRUE(late.frames[1].frame.config);
  EXPECT_EQ(late.frames[1].frame.type, group::MediaType::video);
  EXPECT_TRUE(late.frames[2].frame.config);
  EXPECT_EQ(late.frames[2].frame.type, group::MediaType::audio);
  EXPECT_TRUE(late.frames[3].frame.keyframe);
  EXPECT_EQ(late.timestamps(), (std::vector<std::uint32_t>{0, 0, 0, 40, 50, 60}));
  EXPECT_EQ(late.frames[3].frame.payload, keyframe(40).payload);
  // Then the live frames.
  g.on_frame(inter(70));
  EXPECT_EQ(late.frames.back().frame.timestamp, 70u);
  EXPECT_EQ(late.frames.size(), 7u);
}

TEST(GroupFanout, ANewPublisherRunStartsTheCacheAgainWithTheLastConfigurationAndMarksTheNextFrame) {
  GroupFanout g;
  Played a;
  ASSERT_TRUE(g.add_player(&a, a.play()));
  two_gops(g);
  const std::size_t before = a.frames.size();
  // A new run starts mid-GOP (an audio join point): no keyframe of it yet,
  // and its configuration unchanged (so not played again by the group).
  g.on_frame(aac(1000), /*run_start=*/true);
  // The run before's configuration first (the first of them marked), then
  // the frame.
  ASSERT_EQ(a.frames.size(), before + 4);
  EXPECT_TRUE(a.frames[before].run_start);
  EXPECT_TRUE(a.frames[before].frame.config);
  EXPECT_EQ(a.frames[before].frame.type, group::MediaType::data);
  EXPECT_TRUE(a.frames[before + 1].frame.config);
  EXPECT_TRUE(a.frames[before + 2].frame.config);
  for (std::size_t i = before; i < a.frames.size(); ++i) EXPECT_EQ(a.frames[i].frame.timestamp, 1000u) << i;
  EXPECT_EQ(a.frames.back().frame.timestamp, 1000u);
  EXPECT_FALSE(a.frames.back().run_start);
  g.on_frame(inter(1010));
  EXPECT_FALSE(a.frames.back().run_start);
  // A player now gets the configuration, nothing of the old run's GOP
  // (40..60) and nothing undecodable of the new one.
  Played late;
  ASSERT_TRUE(g.add_player(&late, late.play()));
  ASSERT_EQ(late.frames.size(), 3u);
  for (const auto& f : late.frames) EXPECT_TRUE(f.frame.config);
  g.on_frame(keyframe(1020));
  ASSERT_EQ(late.frames.size(), 4u);
  EXPECT_TRUE(late.frames[3].frame.keyframe);
  EXPECT_EQ(late.frames[3].frame.timestamp, 1020u);
}

TEST(GroupFanout, AStoppedSourcePrimesNobodyAndARemovedPlayerGetsNothing) {
  GroupFanout g;
  two_gops(g);
  EXPECT_TRUE(g.has_source());
  g.source_stopped();
  EXPECT_FALSE(g.has_source());
  Played waiting, removed;
  ASSERT_TRUE(g.add_player(&waiting, waiting.play()));
  ASSERT_TRUE(g.add_player(&removed, removed.play()));
  EXPECT_TRUE(waiting.frames.empty());
  g.remove_player(&removed);
  EXPECT_EQ(g.players(), 1u);
  // The publisher comes back (its first frame starts the source again).
  g.on_frame(avc_header(2000));
  g.on_frame(keyframe(2010));
  ASSERT_EQ(waiting.frames.size(), 2u);
  EXPECT_TRUE(waiting.frames[0].run_start);
  EXPECT_TRUE(removed.frames.empty());
}

TEST(GroupFanout, PlayersPastTheBoundAreRefusedAndOneIdOnce) {
  rtmp::RegistryLimits limits;
  limits.max_players_per_stream = 2;
  GroupFanout g(limits);
  Played a, b, c;
  ASSERT_TRUE(g.add_player(&a, a.play()));
  EXPECT_FALSE(g.add_player(&a, a.play()));
  ASSERT_TRUE(g.add_player(&b, b.play()));
  EXPECT_FALSE(g.add_player(&c, c.play()));
  EXPECT_EQ(g.players(), 2u);
  g.remove_player(&a);
  EXPECT_TRUE(g.add_player(&c, c.play()));
}

TEST(GroupFrames, AMessageAndItsGroupFrameRoundTripWithTheJoinPointMarks) {
  const auto k = keyframe(5);
  EXPECT_TRUE(k.keyframe);
  EXPECT_FALSE(k.config);
  EXPECT_TRUE(avc_header(0).config);
  EXPECT_FALSE(avc_header(0).keyframe);
  EXPECT_TRUE(aac_header(0).config);
  EXPECT_FALSE(aac(0).config);
  EXPECT_TRUE(metadata(0).config);
  EXPECT_FALSE(inter(0).keyframe);
  const auto m = io::message_of(k);
  EXPECT_EQ(m.type, 9);
  EXPECT_EQ(m.timestamp, 5u);
  EXPECT_EQ(m.stream_id, 1u);
  EXPECT_EQ(m.payload, k.payload);
}
