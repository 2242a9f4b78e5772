// Integration: our relay against real nginx-rtmp (private instance) and ffmpeg.
// Test A: ffmpeg → rtmp-listen:// relay → nginx → ffmpeg player (subscribed first).
// Test B: nginx (meta copy) → relay (rtmp:// play) → FLV file: the same
//         audio/video tag sequence as what was published (interop-notes §3:
//         nginx-generated data messages are not compared).
#include <future>

#include "media/io/relay.hpp"
#include "tests/integration/rtmp_test_util.hpp"

using namespace rtmp_it;

namespace {

class RtmpInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("nginx") || !fs::exists(kRtmpModule)) GTEST_SKIP() << "nginx or libnginx-mod-rtmp not installed";
    if (!have("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
    dir_.emplace("rtmp_it");
    ASSERT_TRUE(nginx_.start(dir_->path()));
    nginx_port_ = nginx_.rtmp_port();
    input_ = dir_->path() / "in.flv";
    ASSERT_TRUE(make_test_flv(input_, 3));
  }
  std::string nginx_url(const std::string& s) { return "rtmp://127.0.0.1:" + std::to_string(nginx_port_) + "/live/" + s; }

  std::optional<TempDir> dir_;
  PrivateNginx nginx_;
  fs::path input_;
  int nginx_port_ = 0;
};

}  // namespace

TEST_F(RtmpInterop, A_FfmpegToListenRelayToNginxToFfmpeg) {
  const fs::path out = dir_->path() / "a_out.flv";
  auto player = spawn_player(nginx_url("a"), out);
  ASSERT_TRUE(player);
  std::this_thread::sleep_for(1s);  // subscribed before the publisher starts
  // The relay listens on a port chosen here (rtmp-listen:// takes no port 0);
  // if it was taken meanwhile the relay fails to bind and returns at once:
  // then try another, decided by the relay's own failure.
  int listen_port = 0;
  std::future<int> relay;
  for (int attempt = 0; attempt < 5 && !relay.valid(); ++attempt) {
    listen_port = free_port();
    rtmfp::media::io::RelayOptions o;
    o.from = "rtmp-listen://127.0.0.1:" + std::to_string(listen_port) + "/live/in";
    o.to = nginx_url("a");
    o.io_timeout = 20000ms;
    auto r = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!port_open(listen_port) && r.wait_for(20ms) != std::future_status::ready &&
           std::chrono::steady_clock::now() < deadline) {
    }
    if (port_open(listen_port)) relay = std::move(r);
  }
  ASSERT_TRUE(relay.valid()) << "the relay could not listen";
  auto pub = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", input_.string(), "-c", "copy",
                          "-f", "flv", "rtmp://127.0.0.1:" + std::to_string(listen_port) + "/live/in"},
                         60s);
  EXPECT_EQ(pub.exit_code, 0) << pub.err;
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready) << "relay did not finish";
  EXPECT_EQ(relay.get(), 0);
  reap(*player, 20s, "ffmpeg player");
  SCOPED_TRACE("player stderr: " + player->stderr_text());
  expect_same_av(av_tags(input_), av_tags(out));
  EXPECT_TRUE(has_metadata(out));
}

TEST_F(RtmpInterop, B_NginxToRelayToFile) {
  const fs::path out = dir_->path() / "b_out.flv";
  rtmfp::media::io::RelayOptions o;
  o.from = nginx_url("b");
  o.to = out.string();
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  std::this_thread::sleep_for(1s);
  auto pub = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", input_.string(), "-c", "copy",
                          "-f", "flv", nginx_url("b")},
                         60s);
  EXPECT_EQ(pub.exit_code, 0) << pub.err;
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready) << "relay did not finish";
  EXPECT_EQ(relay.get(), 0);
  expect_same_av(av_tags(input_), av_tags(out));
  EXPECT_TRUE(has_metadata(out));
}

TEST(RtmpRelayErrors, DeadServerBadUrlTruncatedFile) {
  rtmfp::media::io::RelayOptions o;
  o.from = "rtmp://127.0.0.1:" + std::to_string(free_port()) + "/live/x";
  o.to = "/dev/null";
  o.connect_timeout = 2000ms;
  EXPECT_EQ(rtmfp::media::io::run_relay(o), rtmfp::media::io::relay_connect_failed);
  o.from = "rtmp://host-only";
  EXPECT_EQ(rtmfp::media::io::run_relay(o), rtmfp::media::io::relay_bad_url);
  char tmpl[] = "/tmp/rtmp_trunc_XXXXXX";
  int fd = ::mkstemp(tmpl);
  const unsigned char flv[] = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0, 9, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0, 0x17};
  ASSERT_EQ(::write(fd, flv, sizeof flv), static_cast<ssize_t>(sizeof flv));
  ::close(fd);
  o.from = tmpl;
  EXPECT_EQ(rtmfp::media::io::run_relay(o), rtmfp::media::io::relay_bad_input);
  ::unlink(tmpl);
}
