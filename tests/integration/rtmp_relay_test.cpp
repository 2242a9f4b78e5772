// Integration: our relay against real nginx-rtmp (private instance) and ffmpeg.
// Test A: ffmpeg → rtmp-listen:// relay → nginx → ffmpeg player (subscribed first).
// Test B: nginx (meta copy) → relay (rtmp:// play) → FLV file.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "media/flv/flv_reader.hpp"
#include "media/io/relay.hpp"
#include "tests/support/child_process.hpp"

using namespace std::chrono_literals;
using rtmfp::testing::ChildProcess;
using rtmfp::testing::run_command;
namespace fs = std::filesystem;

namespace {

const char* kModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

bool have(const char* prog) { return std::system((std::string("command -v ") + prog + " >/dev/null 2>&1").c_str()) == 0; }

int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

bool port_open(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

std::vector<rtmfp::media::flv::Tag> av_tags(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  rtmfp::Bytes data((std::istreambuf_iterator<char>(f)), {});
  auto file = rtmfp::media::flv::read_file(data);
  std::vector<rtmfp::media::flv::Tag> r;
  if (!file) {
    ADD_FAILURE() << p << ": " << file.error().detail;
    return r;
  }
  for (auto& t : file->tags)
    if (t.type != rtmfp::media::flv::TagType::script) r.push_back(t);
  return r;
}

bool has_metadata(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), {});
  return s.find("onMetaData") != std::string::npos;
}

// Audio and video are compared as two sequences: RTMP senders may interleave
// the two types differently (E§5.2), but each type keeps its order.
void expect_same_av(const std::vector<rtmfp::media::flv::Tag>& in_all, const std::vector<rtmfp::media::flv::Tag>& out_all) {
  ASSERT_FALSE(in_all.empty());
  std::optional<std::int64_t> offset;
  for (auto type : {rtmfp::media::flv::TagType::audio, rtmfp::media::flv::TagType::video}) {
    std::vector<const rtmfp::media::flv::Tag*> in, out;
    for (const auto& t : in_all)
      if (t.type == type) in.push_back(&t);
    for (const auto& t : out_all)
      if (t.type == type) out.push_back(&t);
    ASSERT_FALSE(in.empty());
    ASSERT_EQ(in.size(), out.size()) << "every frame of type " << int(type) << " must arrive";
    if (!offset) offset = std::int64_t(out[0]->timestamp) - std::int64_t(in[0]->timestamp);
    for (std::size_t i = 0; i < in.size(); ++i) {
      ASSERT_EQ(in[i]->data, out[i]->data) << "payload of type " << int(type) << " frame " << i;
      ASSERT_EQ(std::int64_t(out[i]->timestamp) - std::int64_t(in[i]->timestamp), *offset)
          << "timestamp of type " << int(type) << " frame " << i;
    }
  }
  // Sequence headers (AVC 0x17 0x00, AAC 0xAF 0x00) arrived.
  bool avc = false, aac = false;
  for (const auto& t : out_all) {
    if (t.data.size() >= 2 && t.type == rtmfp::media::flv::TagType::video && (t.data[0] & 0x0f) == 7 && t.data[1] == 0) avc = true;
    if (t.data.size() >= 2 && t.type == rtmfp::media::flv::TagType::audio && (t.data[0] >> 4) == 10 && t.data[1] == 0) aac = true;
  }
  EXPECT_TRUE(avc);
  EXPECT_TRUE(aac);
}

class RtmpInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("nginx") || !fs::exists(kModule)) GTEST_SKIP() << "nginx or libnginx-mod-rtmp not installed";
    if (!have("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
    char tmpl[] = "/tmp/rtmp_it_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    fs::create_directories(dir_ / "logs");
    nginx_port_ = free_port();
    std::ofstream(dir_ / "nginx.conf") << "load_module " << kModule << ";\n"
                                       << "pid " << (dir_ / "nginx.pid").string() << ";\n"
                                       << "error_log " << (dir_ / "error.log").string() << " info;\n"
                                       << "events { worker_connections 64; }\n"
                                       << "rtmp { server { listen 127.0.0.1:" << nginx_port_ << "; chunk_size 4096;\n"
                                       << "  application live { live on; meta copy; idle_streams on; wait_key on; } } }\n";
    nginx_.emplace(ChildProcess::spawn({"nginx", "-p", dir_.string(), "-c", (dir_ / "nginx.conf").string(), "-g",
                                  "daemon off; master_process off;"}));
    ASSERT_TRUE(*nginx_);
    for (int i = 0; i < 50 && !port_open(nginx_port_); ++i) std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(port_open(nginx_port_)) << "nginx did not start: " << (*nginx_)->stderr_text();
    input_ = dir_ / "in.flv";
    auto r = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                          "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                          "-t", "3", "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv",
                          input_.string()},
                         60s);
    ASSERT_EQ(r.exit_code, 0) << "ffmpeg could not make the test FLV: " << r.err;
  }
  void TearDown() override {
    if (nginx_ && *nginx_) {
      (*nginx_)->signal(SIGKILL);
      (void)(*nginx_)->wait(5s);
    }
    if (!dir_.empty() && !::testing::Test::HasFailure()) fs::remove_all(dir_);
  }
  std::string nginx_url(const std::string& s) { return "rtmp://127.0.0.1:" + std::to_string(nginx_port_) + "/live/" + s; }

  fs::path dir_, input_;
  int nginx_port_ = 0;
  std::optional<std::optional<ChildProcess>> nginx_;
};

}  // namespace

TEST_F(RtmpInterop, A_FfmpegToListenRelayToNginxToFfmpeg) {
  const fs::path out = dir_ / "a_out.flv";
  auto player = ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "info", "-y", "-rw_timeout", "4000000", "-i", nginx_url("a"), "-c",
                                     "copy", "-f", "flv", out.string()});
  ASSERT_TRUE(player);
  std::this_thread::sleep_for(1s);  // subscribed before the publisher starts
  const int listen_port = free_port();
  rtmfp::media::io::RelayOptions o;
  o.from = "rtmp-listen://127.0.0.1:" + std::to_string(listen_port) + "/live/in";
  o.to = nginx_url("a");
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  for (int i = 0; i < 50 && !port_open(listen_port); ++i) std::this_thread::sleep_for(100ms);
  auto pub = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", input_.string(), "-c", "copy",
                          "-f", "flv", "rtmp://127.0.0.1:" + std::to_string(listen_port) + "/live/in"},
                         60s);
  EXPECT_EQ(pub.exit_code, 0) << pub.err;
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready) << "relay did not finish";
  EXPECT_EQ(relay.get(), 0);
  // The player ends by itself (-rw_timeout) once nginx stops sending.
  if (!player->wait(20s)) {
    ADD_FAILURE() << "ffmpeg player did not end";
    player->signal(SIGKILL);
    (void)player->wait(5s);
  }
  SCOPED_TRACE("player stderr: " + player->stderr_text());
  expect_same_av(av_tags(input_), av_tags(out));
  EXPECT_TRUE(has_metadata(out));
}

TEST_F(RtmpInterop, B_NginxToRelayToFile) {
  const fs::path out = dir_ / "b_out.flv";
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
