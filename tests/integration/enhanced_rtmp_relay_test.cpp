// Integration: Enhanced RTMP (AV1 + Opus by FourCC, rfc-vectors/e-flv) through
// the relay's rtmp-listen:// destination, with a player joining 4 s late
// (review I1). The FLV is written into a FIFO at its own pace (a live
// source); the late player is `rtmfp relay --from rtmp://… --to late.flv`, a
// real RTMP client over TCP (Debian 12's ffmpeg 5.1 cannot read Enhanced
// FLV). It must start with onMetaData (FourCC codec ids intact), the video
// and audio SequenceStart, then a keyframe, and get every later frame.
#include <future>

#include "media/flv/flv_media.hpp"
#include "media/io/relay.hpp"
#include "media/rtmp/command.hpp"
#include "tests/support/fifo.hpp"
#include "tests/integration/rtmp_test_util.hpp"

using namespace rtmp_it;
namespace rtmp = rtmfp::media::rtmp;

namespace {

const std::string kCli = RTMFP_CLI;

class EnhancedRtmpRelay : public ::testing::TestWithParam<const char*> {};

TEST_P(EnhancedRtmpRelay, LatePlayerOnRtmpListenStartsDecodable) {
  TempDir dir("ertmp_late");
  const fs::path input = fs::path(RTMFP_SOURCE_DIR) / "rfc-vectors/e-flv" / GetParam();
  ASSERT_TRUE(fs::exists(input));
  const fs::path fifo = dir.path() / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int port = free_port();
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/out";
  rtmfp::media::io::RelayOptions o;
  o.from = fifo.string();
  o.to = "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/out";
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  // An ASSERT below must not leave the relay (and this test) blocked opening the FIFO.
  rtmfp::testing::FifoReaderRelease release(fifo);
  ASSERT_TRUE(wait_port(port)) << "relay did not listen";
  auto writer = std::async(std::launch::async, [&] {
    write_paced(input, fifo, [&] { return relay.wait_for(0s) == std::future_status::ready; });
  });
  // Mid-stream, within the 2 s the rtmp-listen player queue lets a late
  // player start behind live: the samples have one (testsrc) or three
  // keyframes, and a GOP older than that bound is thinned away (PlayerQueue),
  // leaving no video until the next keyframe.
  std::this_thread::sleep_for(1500ms);
  const fs::path late = dir.path() / "late.flv";
  auto player = rtmfp::testing::ChildProcess::spawn({kCli, "relay", "--from", url, "--to", late.string()});
  ASSERT_TRUE(player);
  ASSERT_EQ(writer.wait_for(30s), std::future_status::ready);
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready) << "relay did not finish";
  EXPECT_EQ(relay.get(), 0);
  reap(*player, 20s, "late player");
  SCOPED_TRACE("late player: " + player->stderr_text());

  const auto tags = all_tags(late);
  ASSERT_GE(tags.size(), 5u);
  // onMetaData first, with the FourCC codec ids.
  ASSERT_EQ(tags[0].type, TagType::script);
  auto meta = rtmfp::media::flv::parse_script(tags[0].data);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->name, "onMetaData");
  ASSERT_TRUE(meta->value()["videocodecid"].as_number());
  EXPECT_EQ(*meta->value()["videocodecid"].as_number(), double(0x61763031)) << "'av01'";
  EXPECT_EQ(*meta->value()["audiocodecid"].as_number(), double(0x4f707573)) << "'Opus'";
  // Decoder configuration before any frame, then a keyframe first.
  bool video_start = false, audio_start = false;
  std::size_t i = 1;
  for (; i < tags.size(); ++i) {
    const auto& t = tags[i];
    const auto kind = t.type == TagType::video ? rtmp::classify_video(t.data) : rtmp::classify_audio(t.data);
    if (kind == rtmp::MediaKind::sequence_start) {
      (t.type == TagType::video ? video_start : audio_start) = true;
    } else if (kind != rtmp::MediaKind::side_config) {
      break;
    }
  }
  EXPECT_TRUE(video_start) << "AV1 SequenceStart";
  EXPECT_TRUE(audio_start) << "Opus SequenceStart";
  ASSERT_LT(i, tags.size());
  EXPECT_EQ(tags[i].type, TagType::video);
  EXPECT_EQ(rtmp::classify_video(tags[i].data), rtmp::MediaKind::keyframe) << "the first frame is a keyframe";
  // From that keyframe on, every coded video frame of the input, in order.
  auto coded = [](const rtmfp::media::flv::Tag& t) {
    if (t.type != TagType::video) return false;
    const auto k = rtmp::classify_video(t.data);
    return k == rtmp::MediaKind::keyframe || k == rtmp::MediaKind::frame;
  };
  std::vector<rtmfp::Bytes> in_v, out_v;
  for (const auto& t : all_tags(input))
    if (coded(t) && t.timestamp >= tags[i].timestamp) in_v.push_back(t.data);
  for (std::size_t k = i; k < tags.size(); ++k)
    if (coded(tags[k])) out_v.push_back(tags[k].data);
  EXPECT_EQ(in_v.size(), out_v.size());
  EXPECT_TRUE(in_v == out_v) << "every video frame from the keyframe on";
}

INSTANTIATE_TEST_SUITE_P(Samples, EnhancedRtmpRelay, ::testing::Values("testsrc.flv", "mptestsrc.flv"),
                         [](const auto& info) {
                           std::string s = info.param;
                           return s.substr(0, s.find('.'));
                         });

}  // namespace
