// C2 against a real nginx-rtmp that dies mid-stream: `rtmfp relay --from
// FILE --realtime --to rtmp://nginx --reconnect`; nginx is killed (SIGKILL)
// and started again on the same port. Only the destination is reopened: the
// file is not replayed from its start, the restarted nginx records no frame
// twice, its recording starts with a keyframe and goes on to the end of the
// input. Frames are matched to the input by payload (nginx rebases
// timestamps per recording). Events only: the relay's stats lines, its
// "reconnecting" line, its exit, nginx's exit.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "tests/integration/rtmp_test_util.hpp"

using namespace rtmp_it;

namespace {

// nginx-rtmp recording every publish of app "live" into `dir`/STREAM.flv.
class RecordingNginx {
 public:
  ::testing::AssertionResult start(const fs::path& dir, int port) {
    fs::create_directories(dir / "rec");
    std::ofstream conf(dir / "nginx.conf");
    conf << "load_module " << kRtmpModule << ";\n"
         << "pid " << (dir / "nginx.pid").string() << ";\n"
         << "error_log " << (dir / "error.log").string() << " info;\n"
         << "events { worker_connections 64; }\n"
         << "rtmp { server { listen 127.0.0.1:" << port << "; chunk_size 4096;\n"
         << "  application live { live on; meta copy; record all; record_path " << (dir / "rec").string()
         << "; } } }\n";
    conf.close();
    proc_.emplace(ChildProcess::spawn(
        {"nginx", "-p", dir.string(), "-c", (dir / "nginx.conf").string(), "-g", "daemon off; master_process off;"}));
    if (!*proc_) return ::testing::AssertionFailure() << "cannot start nginx";
    if (!wait_port(port))
      return ::testing::AssertionFailure() << "nginx could not listen on " << port << " (bind race?): "
                                           << PrivateNginx::read_text(dir / "error.log");
    return ::testing::AssertionSuccess();
  }
  void kill() {
    (*proc_)->signal(SIGKILL);
    (void)(*proc_)->wait(10s);
  }
  // Graceful: nginx finishes its recordings.
  bool quit() {
    (*proc_)->signal(SIGQUIT);
    return (*proc_)->wait(20s).has_value();
  }
  ~RecordingNginx() {
    if (proc_ && *proc_) {
      (*proc_)->signal(SIGKILL);
      (void)(*proc_)->wait(5s);
    }
  }

 private:
  std::optional<std::optional<ChildProcess>> proc_;
};

}  // namespace

TEST(RelayNginxRestart, OnlyTheDestinationIsReopenedAndNoFrameIsRecordedTwice) {
  if (!have("nginx") || !have("ffmpeg") || !fs::exists(kRtmpModule)) GTEST_SKIP() << "needs nginx-rtmp and ffmpeg";
  TempDir dir("relay_nginx_restart");
  const fs::path in = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(in, 8));
  const int port = free_port();
  RecordingNginx first;
  ASSERT_TRUE(first.start(dir.path() / "n1", port));
  auto relay = ChildProcess::spawn({"/bin/sh", "-c",
                                    std::string("exec ") + RTMFP_CLI + " relay --from " + in.string() +
                                        " --realtime --reconnect --stats-interval 100 --to rtmp://127.0.0.1:" +
                                        std::to_string(port) + "/live/x 2>&1"});
  ASSERT_TRUE(relay);
  std::string log;
  auto frames_at_least = [&](std::uint64_t n) {
    for (;;) {
      auto l = relay->read_line(30s);
      if (!l) return false;
      log += *l + "\n";
      unsigned long long f = 0;
      if (std::sscanf(l->c_str(), "relay: %llu frames", &f) == 1 && f >= n) return true;
    }
  };
  ASSERT_TRUE(frames_at_least(150)) << log;  // about 2.5 s of the 8 s file went to the first nginx
  first.kill();
  for (;;) {  // the relay noticed and will reconnect
    auto l = relay->read_line(30s);
    ASSERT_TRUE(l) << "no reconnect line: " << log;
    log += *l + "\n";
    if (l->find("reconnecting") != std::string::npos) break;
  }
  RecordingNginx second;
  ASSERT_TRUE(second.start(dir.path() / "n2", port)) << "restart on port " << port << " failed";
  auto rc = relay->wait(60s);
  ASSERT_TRUE(rc) << log;
  while (auto l = relay->read_line(1s)) log += *l + "\n";
  EXPECT_EQ(*rc, 0) << log;
  ASSERT_TRUE(second.quit());

  // Input frames by payload → index.
  const auto input = av_tags(in);
  std::map<rtmfp::Bytes, std::size_t> index;
  std::size_t last_video = 0;
  for (std::size_t i = 0; i < input.size(); ++i)
    if (input[i].type == TagType::video && !is_avc_header(input[i])) {
      index.emplace(input[i].data, i);
      last_video = i;
    }
  const auto rec = av_tags(dir.path() / "n2" / "rec" / "x.flv");
  std::vector<std::size_t> got;
  bool first_is_key = false;
  for (const auto& t : rec) {
    if (t.type != TagType::video || is_avc_header(t)) continue;
    auto it = index.find(t.data);
    ASSERT_NE(it, index.end()) << "a recorded frame that is not in the input";
    if (got.empty()) first_is_key = is_keyframe(t);
    got.push_back(it->second);
  }
  ASSERT_FALSE(got.empty()) << log;
  EXPECT_TRUE(first_is_key) << "the new destination starts with a keyframe";
  EXPECT_GT(got.front(), 0u) << "the file was replayed from its start";
  for (std::size_t i = 1; i < got.size(); ++i) ASSERT_GT(got[i], got[i - 1]) << "frame recorded twice or out of order";
  EXPECT_EQ(got.back(), last_video) << "frames resumed to the end of the input";
  bool avc = false;
  for (const auto& t : rec) avc = avc || is_avc_header(t);
  EXPECT_TRUE(avc) << "sequence header re-sent";
}
