// Enhanced RTMP (v1/v2) and legacy HEVC (codec 12) in the relay's frame
// classification and the registry's late-joiner prime (review I1), with the
// Enhanced FLV samples in rfc-vectors/e-flv (AV1 + Opus by FourCC).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "media/flv/flv_media.hpp"
#include "media/flv/flv_reader.hpp"
#include "media/rtmp/command.hpp"
#include "media/rtmp/stream_registry.hpp"

namespace rtmfp::media::rtmp {
namespace {

Bytes fourcc_frame(std::uint8_t b0, const char* cc, std::initializer_list<std::uint8_t> rest = {0x12, 0x34}) {
  Bytes b{b0, std::uint8_t(cc[0]), std::uint8_t(cc[1]), std::uint8_t(cc[2]), std::uint8_t(cc[3])};
  b.insert(b.end(), rest);
  return b;
}

TEST(EnhancedRtmp, VideoClassification) {
  using K = MediaKind;
  // Legacy AVC (7) and HEVC (12): FrameType | CodecID, packet type, SI24 cts.
  EXPECT_EQ(classify_video(Bytes{0x17, 0x00, 0, 0, 0, 1}), K::sequence_start);
  EXPECT_EQ(classify_video(Bytes{0x17, 0x01, 0, 0, 0, 1}), K::keyframe);
  EXPECT_EQ(classify_video(Bytes{0x27, 0x01, 0, 0, 0, 1}), K::frame);
  EXPECT_EQ(classify_video(Bytes{0x17, 0x02, 0, 0, 0}), K::other);  // end of sequence
  EXPECT_EQ(classify_video(Bytes{0x1c, 0x00, 0, 0, 0, 1}), K::sequence_start) << "legacy HEVC";
  EXPECT_EQ(classify_video(Bytes{0x1c, 0x01, 0, 0, 0, 1}), K::keyframe) << "legacy HEVC";
  EXPECT_EQ(classify_video(Bytes{0x2c, 0x01, 0, 0, 0, 1}), K::frame) << "legacy HEVC";
  EXPECT_EQ(classify_video(Bytes{0x32, 0x01}), K::disposable) << "H.263 disposable inter frame";
  EXPECT_EQ(classify_video(Bytes{0x14, 0x00}), K::keyframe) << "VP6";
  EXPECT_EQ(classify_video(Bytes{0x57, 0x00}), K::other) << "command frame";
  // Enhanced: IsExHeader | FrameType | PacketType, FourCC.
  for (const char* cc : {"hvc1", "av01", "vp09", "avc1", "vvc1"}) {
    EXPECT_EQ(classify_video(fourcc_frame(0x90, cc)), K::sequence_start) << cc;
    EXPECT_EQ(classify_video(fourcc_frame(0x91, cc)), K::keyframe) << cc;
    EXPECT_EQ(classify_video(fourcc_frame(0x93, cc)), K::keyframe) << cc << " CodedFramesX";
    EXPECT_EQ(classify_video(fourcc_frame(0xa1, cc)), K::frame) << cc;
    EXPECT_EQ(classify_video(fourcc_frame(0xa3, cc)), K::frame) << cc;
    EXPECT_EQ(classify_video(fourcc_frame(0x92, cc)), K::other) << cc << " SequenceEnd";
    EXPECT_EQ(classify_video(fourcc_frame(0xd4, cc)), K::side_config) << cc << " Metadata (colorInfo)";
    EXPECT_EQ(classify_video(fourcc_frame(0x95, cc)), K::sequence_start) << cc << " MPEG2TSSequenceStart";
  }
  EXPECT_EQ(classify_video(Bytes{0xd1, 0x00}), K::other) << "v2 command frame: a VideoCommand, no FourCC";
  // ModEx (7) prefix: size-1, data, ModExType | PacketType, then the FourCC.
  EXPECT_EQ(classify_video(Bytes{0x97, 0x02, 0x00, 0x01, 0x02, 0x01, 'a', 'v', '0', '1', 0x55}), K::keyframe);
  EXPECT_EQ(classify_video(Bytes{0xa7, 0x02, 0x00, 0x01, 0x02, 0x01, 'a', 'v', '0', '1', 0x55}), K::frame);
  // Multitrack (6): AvMultitrackType | PacketType, FourCC (not for ManyTracksManyCodecs).
  EXPECT_EQ(classify_video(Bytes{0x96, 0x00, 'h', 'v', 'c', '1', 0x00}), K::sequence_start);
  EXPECT_EQ(classify_video(Bytes{0x96, 0x11, 'h', 'v', 'c', '1', 0x00, 0, 0, 1}), K::keyframe);
  EXPECT_EQ(classify_video(Bytes{0xa6, 0x21, 0x00, 'a', 'v', '0', '1'}), K::frame);
  auto mt = flv::parse_video(Bytes{0x96, 0x11, 'h', 'v', 'c', '1', 0x00});
  ASSERT_TRUE(mt);
  EXPECT_TRUE(mt->multitrack);
  EXPECT_EQ(mt->fourcc, 0x68766331u);
  // Truncated enhanced headers are not frames of a GOP.
  EXPECT_EQ(classify_video(Bytes{0x91, 'a', 'v'}), K::other);
  EXPECT_EQ(classify_video(Bytes{0x97, 0x05, 0x00}), K::other);
  EXPECT_EQ(classify_video(Bytes{}), K::other);
  // The shorthands.
  EXPECT_TRUE(is_video_keyframe(fourcc_frame(0x91, "hvc1")));
  EXPECT_FALSE(is_video_keyframe(fourcc_frame(0x90, "hvc1"))) << "a sequence start is not a GOP's keyframe";
  EXPECT_TRUE(is_video_sequence_header(fourcc_frame(0x90, "av01")));
  EXPECT_TRUE(is_video_sequence_header(Bytes{0x1c, 0x00, 0, 0, 0}));
}

TEST(EnhancedRtmp, AudioClassification) {
  using K = MediaKind;
  EXPECT_EQ(classify_audio(Bytes{0xaf, 0x00, 0x12, 0x10}), K::sequence_start) << "AAC";
  EXPECT_EQ(classify_audio(Bytes{0xaf, 0x01, 0x21}), K::frame);
  EXPECT_EQ(classify_audio(Bytes{0x2f, 0xff, 0xfb}), K::frame) << "MP3";
  EXPECT_EQ(classify_audio(Bytes{}), K::other) << "silence";
  for (const char* cc : {"Opus", "fLaC", "ac-3", "ec-3", ".mp3", "mp4a"}) {
    EXPECT_EQ(classify_audio(fourcc_frame(0x90, cc)), K::sequence_start) << cc;
    EXPECT_EQ(classify_audio(fourcc_frame(0x91, cc)), K::frame) << cc;
    EXPECT_EQ(classify_audio(fourcc_frame(0x92, cc)), K::other) << cc << " SequenceEnd";
    EXPECT_EQ(classify_audio(fourcc_frame(0x94, cc)), K::side_config) << cc << " MultichannelConfig";
    EXPECT_TRUE(is_audio_sequence_header(fourcc_frame(0x90, cc)));
  }
  auto a = flv::parse_audio(fourcc_frame(0x91, "Opus"));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->enhanced);
  EXPECT_EQ(a->fourcc, 0x4f707573u);
  EXPECT_EQ(a->payload_offset, 5u);
  // ModEx then CodedFrames; Multitrack with one FourCC for all tracks.
  EXPECT_EQ(classify_audio(Bytes{0x97, 0x00, 0x07, 0x01, 'O', 'p', 'u', 's', 1}), K::frame);
  EXPECT_EQ(classify_audio(Bytes{0x95, 0x10, 'O', 'p', 'u', 's', 0, 0, 0, 1}), K::sequence_start);
  EXPECT_EQ(classify_audio(Bytes{0x91, 'O', 'p'}), K::other) << "truncated";
}

Bytes read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), {});
}

struct Player : StreamSink {
  std::vector<Message> got;
  void deliver(const Message& m) override { got.push_back(m); }
  void publisher_started() override {}
  void publisher_stopped() override {}
};

Message from_tag(const flv::Tag& t) {
  Message m;
  m.type = static_cast<std::uint8_t>(t.type);
  m.timestamp = t.timestamp;
  m.payload = t.data;
  return m;
}

constexpr double kAv01 = 0x61763031;  // FourCC 'av01' as onMetaData's videocodecid
constexpr double kOpus = 0x4f707573;  // 'Opus'

class EnhancedSample : public ::testing::TestWithParam<const char*> {};

// A player joining 4 s into an AV1 + Opus stream gets onMetaData (FourCC
// codec ids intact), both SequenceStarts, the video Metadata and audio
// MultichannelConfig, then the GOP from its keyframe: decodable from the
// first frame. Before: metadata, then audio and an inter frame.
TEST_P(EnhancedSample, LateJoinerGetsSequenceStartsAndAKeyframeFirst) {
  auto file = flv::read_file(read_bytes(std::filesystem::path(RTMFP_SOURCE_DIR) / "rfc-vectors/e-flv" / GetParam()));
  ASSERT_TRUE(file) << file.error().detail;
  StreamRegistry reg;
  ASSERT_TRUE(reg.publish("live/s", this));
  std::size_t i = 0;
  Message last_video_header;
  for (; i < file->tags.size() && file->tags[i].timestamp <= 4000; ++i) {
    Message m = from_tag(file->tags[i]);
    if (m.type == 9 && is_video_sequence_header(m.payload)) last_video_header = m;
    reg.on_media("live/s", m);
  }
  Player late;
  ASSERT_TRUE(reg.add_player("live/s", &late));
  for (; i < file->tags.size(); ++i) reg.on_media("live/s", from_tag(file->tags[i]));
  ASSERT_GE(late.got.size(), 6u);

  auto meta = decode_data(late.got[0]);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->handler, "onMetaData");
  ASSERT_FALSE(meta->values.empty());
  ASSERT_TRUE(meta->values[0]["videocodecid"].as_number());
  EXPECT_EQ(*meta->values[0]["videocodecid"].as_number(), kAv01);
  EXPECT_EQ(*meta->values[0]["audiocodecid"].as_number(), kOpus);

  EXPECT_EQ(late.got[1].type, 9);
  EXPECT_EQ(late.got[1].payload, last_video_header.payload) << "the latest video SequenceStart (av1C)";
  EXPECT_EQ(classify_video(late.got[2].payload), MediaKind::side_config) << "video Metadata (colorInfo)";
  EXPECT_EQ(late.got[3].type, 8);
  EXPECT_EQ(classify_audio(late.got[3].payload), MediaKind::sequence_start) << "Opus SequenceStart";
  EXPECT_EQ(classify_audio(late.got[4].payload), MediaKind::side_config) << "Opus MultichannelConfig";
  // Then the GOP: its first video frame is a keyframe, no video before it.
  const Message* first_video = nullptr;
  for (std::size_t k = 5; k < late.got.size() && !first_video; ++k)
    if (late.got[k].type == 9) first_video = &late.got[k];
  ASSERT_NE(first_video, nullptr);
  EXPECT_EQ(classify_video(first_video->payload), MediaKind::keyframe);
  EXPECT_EQ(late.got[5].type, 9) << "the GOP starts with its keyframe";
  EXPECT_GT(reg.gop_bytes("live/s"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Samples, EnhancedSample, ::testing::Values("testsrc.flv", "mptestsrc.flv"),
                         [](const auto& info) { return std::string(info.param).substr(0, std::string(info.param).find('.')); });

// Legacy HEVC (codec 12): the same prime.
TEST(EnhancedRtmp, LegacyHevcLateJoiner) {
  StreamRegistry reg;
  ASSERT_TRUE(reg.publish("k", this));
  reg.on_media("k", Message{0, 9, 0, 0, {0x1c, 0x00, 0, 0, 0, 0xaa}});
  reg.on_media("k", Message{0, 9, 0, 0, {0x2c, 0x01, 0, 0, 0, 0x01}});  // inter before any keyframe
  reg.on_media("k", Message{40, 9, 0, 0, {0x1c, 0x01, 0, 0, 0, 0x02}});
  reg.on_media("k", Message{80, 9, 0, 0, {0x2c, 0x01, 0, 0, 0, 0x03}});
  Player p;
  ASSERT_TRUE(reg.add_player("k", &p));
  ASSERT_EQ(p.got.size(), 3u);
  EXPECT_EQ(p.got[0].payload[0], 0x1c);
  EXPECT_EQ(p.got[1].timestamp, 40u);
  EXPECT_EQ(p.got[2].timestamp, 80u);
}

// @clearDataFrame: late players no longer get the metadata.
TEST(EnhancedRtmp, ClearDataFrameForgetsTheMetadata) {
  auto set = encode_data({"@setDataFrame", {Value::string("onMetaData"), Value::ecma_array({})}}, 1, 0);
  auto clear = encode_data({"@clearDataFrame", {}}, 1, 0);
  auto cue = encode_data({"onCuePoint", {Value::string("x")}}, 1, 5);
  ASSERT_TRUE(set && clear && cue);
  auto s = to_player_data(*set, 0);
  EXPECT_EQ(s.kind, PlayerData::Kind::pass);
  EXPECT_EQ(decode_data(s.message)->handler, "onMetaData");
  EXPECT_EQ(s.message.stream_id, 0u);
  EXPECT_EQ(to_player_data(*clear, 0).kind, PlayerData::Kind::clear_metadata);
  auto c = to_player_data(*cue, 3);
  EXPECT_EQ(c.kind, PlayerData::Kind::pass);
  EXPECT_EQ(decode_data(c.message)->handler, "onCuePoint");
  EXPECT_EQ(c.message.timestamp, 5u);
  EXPECT_EQ(c.message.stream_id, 3u);
  EXPECT_EQ(to_player_data(Message{0, 18, 0, 0, {0x05}}, 0).kind, PlayerData::Kind::drop);

  StreamRegistry reg;
  ASSERT_TRUE(reg.publish("k", this));
  reg.on_media("k", s.message);
  reg.clear_metadata("k");
  Player p;
  ASSERT_TRUE(reg.add_player("k", &p));
  EXPECT_TRUE(p.got.empty());
}

}  // namespace
}  // namespace rtmfp::media::rtmp
