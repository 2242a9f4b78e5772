// Integration: rtmp-listen:// as a relay DESTINATION. An FLV "file" (a FIFO
// the test writes at the media pace) → relay → rtmp-listen://, with two
// ffmpeg players connected to the relay concurrently:
//  * an early one, subscribed before any data flows: gets every frame;
//  * a late one, joining mid-stream: starts with metadata and sequence
//    headers at a keyframe (the GOP cache), then every later frame.
// Also: several clients at once are served concurrently (a client that never
// speaks does not block the others).
#include <future>

#include "media/io/relay.hpp"
#include "tests/integration/rtmp_test_util.hpp"

using namespace rtmp_it;

namespace {

class RtmpListenSink : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
    dir_.emplace("rtmp_listen");
    input_ = dir_->path() / "in.flv";
    ASSERT_TRUE(make_test_flv(input_, 6));
  }
  std::optional<TempDir> dir_;
  fs::path input_;
};

}  // namespace

TEST_F(RtmpListenSink, EarlyAndLatePlayersFromFileRelay) {
  const fs::path fifo = dir_->path() / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int port = free_port();
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/out";
  rtmfp::media::io::RelayOptions o;
  o.from = fifo.string();
  o.to = "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/out";
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  // The listening destination opens before the source: players can subscribe first.
  ASSERT_TRUE(wait_port(port)) << "relay did not listen";

  const fs::path early = dir_->path() / "early.flv", late = dir_->path() / "late.flv";
  auto p1 = spawn_player(url, early);
  ASSERT_TRUE(p1);
  std::this_thread::sleep_for(1500ms);  // subscribed and waiting before any data
  auto writer = std::async(std::launch::async, [&] { write_paced(input_, fifo); });
  std::this_thread::sleep_for(3200ms);  // mid-stream (keyframes every second)
  auto p2 = spawn_player(url, late);
  ASSERT_TRUE(p2);

  ASSERT_EQ(writer.wait_for(30s), std::future_status::ready);
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready) << "relay did not finish";
  EXPECT_EQ(relay.get(), 0);
  reap(*p1, 20s, "early player");
  reap(*p2, 20s, "late player");

  const auto in = av_tags(input_);
  {
    SCOPED_TRACE("early player: " + p1->stderr_text());
    expect_same_av(in, av_tags(early));
    EXPECT_TRUE(has_metadata(early));
  }
  SCOPED_TRACE("late player: " + p2->stderr_text());
  const auto out = av_tags(late);
  EXPECT_TRUE(has_metadata(late));
  // Sequence headers first, then a keyframe; every later frame, in order,
  // byte-identical, with one constant timestamp offset.
  auto in_v = of_type(in, TagType::video), out_v = of_type(out, TagType::video);
  auto in_a = of_type(in, TagType::audio), out_a = of_type(out, TagType::audio);
  ASSERT_GE(out_v.size(), 2u);
  ASSERT_GE(out_a.size(), 2u);
  EXPECT_TRUE(is_avc_header(*out_v[0]));
  EXPECT_TRUE(is_aac_header(*out_a[0]));
  EXPECT_EQ(out_v[0]->data, in_v[0]->data);
  EXPECT_EQ(out_a[0]->data, in_a[0]->data);
  ASSERT_TRUE(is_keyframe(*out_v[1])) << "the late player must start at a keyframe";
  ASSERT_LT(out_v.size(), in_v.size()) << "the late player joined mid-stream";
  const std::size_t skip_v = in_v.size() - out_v.size();
  ASSERT_GT(skip_v, 0u);
  const std::int64_t offset = std::int64_t(out_v[1]->timestamp) - std::int64_t(in_v[skip_v + 1]->timestamp);
  for (std::size_t i = 1; i < out_v.size(); ++i) {
    ASSERT_EQ(out_v[i]->data, in_v[skip_v + i]->data) << "video frame " << i;
    ASSERT_EQ(std::int64_t(out_v[i]->timestamp) - std::int64_t(in_v[skip_v + i]->timestamp), offset);
  }
  const std::size_t skip_a = in_a.size() - out_a.size();
  for (std::size_t i = 1; i < out_a.size(); ++i) {
    ASSERT_EQ(out_a[i]->data, in_a[skip_a + i]->data) << "audio frame " << i;
    ASSERT_EQ(std::int64_t(out_a[i]->timestamp) - std::int64_t(in_a[skip_a + i]->timestamp), offset);
  }
  // The first late frame is the keyframe the cache started from: no audio
  // from before it, none missing after it.
  EXPECT_GE(in_a[skip_a + 1]->timestamp, in_v[skip_v + 1]->timestamp);
  EXPECT_LT(in_a[skip_a]->timestamp, in_v[skip_v + 1]->timestamp + 1);
}

TEST_F(RtmpListenSink, SilentClientDoesNotBlockPlayers) {
  const int port = free_port();
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/s";
  const fs::path fifo = dir_->path() / "s.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  rtmfp::media::io::RelayOptions o;
  o.from = fifo.string();
  o.to = "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/s";
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  ASSERT_TRUE(wait_port(port));
  // A client that connects and never sends a byte, held open all along.
  int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ASSERT_EQ(::connect(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::vector<fs::path> outs;
  std::vector<ChildProcess> players;
  for (int i = 0; i < 3; ++i) {
    outs.push_back(dir_->path() / ("p" + std::to_string(i) + ".flv"));
    auto p = spawn_player(url, outs.back());
    ASSERT_TRUE(p);
    players.push_back(std::move(*p));
  }
  std::this_thread::sleep_for(1500ms);
  auto writer = std::async(std::launch::async, [&] { write_paced(input_, fifo); });
  ASSERT_EQ(writer.wait_for(30s), std::future_status::ready);
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(relay.get(), 0);
  ::close(silent);
  const auto in = av_tags(input_);
  for (std::size_t i = 0; i < players.size(); ++i) {
    reap(players[i], 20s, "player");
    SCOPED_TRACE("player " + std::to_string(i) + ": " + players[i].stderr_text());
    expect_same_av(in, av_tags(outs[i]));
  }
}
