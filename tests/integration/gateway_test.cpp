// Integration: `rtmfp gateway` (many relay routes in one process) with real
// ffmpeg and a private nginx-rtmp recording every publish.
//  * Three ingest routes share one rtmp-listen:// port (routed by
//    app/stream): ffmpeg's H.264/AAC and a legacy-FLV HEVC stream go to
//    nginx, whose recordings hold every frame, byte for byte, in order; an
//    Enhanced RTMP HEVC stream ('hvc1') goes to an rtmp-listen://
//    destination on the same port and its player gets every frame.
//  * SIGHUP: a route added and one removed from the config while a third
//    route carries a live stream to a player that stays connected: that
//    player gets every frame without a gap, the route reports no reconnect.
//  * nginx killed mid-stream and started again: the nginx route reconnects
//    (reconnect counted, frames resume, the new recording starts with the
//    sequence header and a keyframe, timestamps rebased monotonically)
//    while an rtmp-listen route beside it never stops flowing.
// Decided by events (the gateway's JSON stats lines and log lines, process
// exits); the timeouts are only safety nets.
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "media/rtmp/command.hpp"
#include "tests/integration/rtmp_test_util.hpp"

using namespace rtmp_it;
namespace rtmp = rtmfp::media::rtmp;

namespace {

const std::string kCli = RTMFP_CLI;

// nginx-rtmp recording every publish of app "live" into DIR/rec/STREAM.flv.
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
      return ::testing::AssertionFailure() << "nginx could not listen on " << port << ": "
                                           << PrivateNginx::read_text(dir / "error.log");
    return ::testing::AssertionSuccess();
  }
  void kill() {
    (*proc_)->signal(SIGKILL);
    ended_ = (*proc_)->wait(10s).has_value();
  }
  bool quit() {  // graceful: recordings finished
    (*proc_)->signal(SIGQUIT);
    ended_ = (*proc_)->wait(20s).has_value();
    return ended_;
  }
  ~RecordingNginx() {
    if (proc_ && *proc_ && !ended_) {  // (a reaped child's wait() would only time out)
      (*proc_)->signal(SIGKILL);
      (void)(*proc_)->wait(5s);
    }
  }

 private:
  std::optional<std::optional<ChildProcess>> proc_;
  bool ended_ = false;
};

// The gateway as a child process, its stderr (merged into stdout) read by a
// thread into a list of lines the test waits on.
class GatewayProc {
 public:
  explicit GatewayProc(const std::vector<std::string>& args) {
    std::string cmd = "exec " + kCli + " gateway";
    for (const auto& a : args) cmd += " '" + a + "'";
    proc_.emplace(ChildProcess::spawn({"/bin/sh", "-c", cmd + " 2>&1"}));
    if (!*proc_) return;
    reader_ = std::thread([this] {
      for (;;) {
        auto l = (*proc_)->read_line(60s);
        std::lock_guard lk(mu_);
        if (!l) {
          eof_ = true;
          cv_.notify_all();
          return;
        }
        lines_.push_back(*l);
        cv_.notify_all();
      }
    });
  }
  ~GatewayProc() {
    if (proc_ && *proc_ && !exit_) {
      (*proc_)->signal(SIGKILL);
      (void)(*proc_)->wait(5s);
    }
    if (reader_.joinable()) reader_.join();
  }
  bool ok() const { return proc_ && *proc_; }
  // Waits until some line satisfies `pred` (false on EOF or timeout).
  bool wait_line(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout = 30s) {
    std::unique_lock lk(mu_);
    std::size_t i = 0;
    return cv_.wait_for(lk, timeout, [&] {
      for (; i < lines_.size(); ++i)
        if (pred(lines_[i])) return true;
      return eof_;
    }) && !(eof_ && i >= lines_.size());
  }
  // The JSON stats line of a route (its label contains `key`) with frames >= n.
  bool wait_frames(const std::string& key, std::uint64_t n, std::chrono::milliseconds timeout = 30s) {
    return wait_line([&](const std::string& l) {
      auto j = stats(l, key);
      return j && (*j)["frames"].get<std::uint64_t>() >= n;
    }, timeout);
  }
  static std::optional<nlohmann::json> stats(const std::string& line, const std::string& key) {
    if (line.empty() || line[0] != '{') return std::nullopt;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("route") || !j.contains("frames")) return std::nullopt;
    if (j["route"].get<std::string>().find(key) == std::string::npos) return std::nullopt;
    return j;
  }
  std::vector<nlohmann::json> all_stats(const std::string& key) {
    std::lock_guard lk(mu_);
    std::vector<nlohmann::json> v;
    for (const auto& l : lines_)
      if (auto j = stats(l, key)) v.push_back(*j);
    return v;
  }
  std::string log() {
    std::lock_guard lk(mu_);
    std::string s;
    for (const auto& l : lines_) s += l + "\n";
    return s;
  }
  void signal(int sig) { (*proc_)->signal(sig); }
  std::optional<int> stop(int sig = SIGTERM) {
    (*proc_)->signal(sig);
    auto rc = (*proc_)->wait(30s);
    exit_ = rc.has_value();
    if (reader_.joinable()) reader_.join();
    return rc;
  }

 private:
  std::optional<std::optional<ChildProcess>> proc_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false, exit_ = false;
};

bool coded_video(const Tag& t) {
  if (t.type != TagType::video) return false;
  const auto k = rtmp::classify_video(t.data);
  return k == rtmp::MediaKind::keyframe || k == rtmp::MediaKind::frame;
}
bool coded_audio(const Tag& t) {
  return t.type == TagType::audio && rtmp::classify_audio(t.data) != rtmp::MediaKind::sequence_start;
}

// Every coded frame of `in` (video and audio, as two sequences) is in `out`,
// in order, byte for byte, timestamps one constant offset apart; `out` has
// the video decoder configuration before its first frame.
void expect_every_frame(const std::vector<Tag>& in, const std::vector<Tag>& out) {
  for (auto coded : {&coded_video, &coded_audio}) {
    std::vector<const Tag*> a, b;
    for (const auto& t : in)
      if (coded(t)) a.push_back(&t);
    for (const auto& t : out)
      if (coded(t)) b.push_back(&t);
    ASSERT_FALSE(a.empty());
    ASSERT_EQ(a.size(), b.size()) << (coded == &coded_video ? "video" : "audio") << " frames";
    const std::int64_t off = std::int64_t(b[0]->timestamp) - std::int64_t(a[0]->timestamp);
    for (std::size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i]->data, b[i]->data) << "frame " << i;
      ASSERT_EQ(std::int64_t(b[i]->timestamp) - std::int64_t(a[i]->timestamp), off) << "timestamp of frame " << i;
    }
  }
  bool header_first = false;
  for (const auto& t : out)
    if (t.type == TagType::video) {
      header_first = rtmp::classify_video(t.data) == rtmp::MediaKind::sequence_start;
      break;
    }
  EXPECT_TRUE(header_first) << "the video sequence header comes first";
}

// onMetaData {videocodecid: id, audiocodecid: 10} in AMF0.
rtmfp::Bytes metadata(double videocodecid) {
  rtmfp::Bytes d{0x02, 0x00, 0x0a};
  for (char c : std::string("onMetaData")) d.push_back(static_cast<std::uint8_t>(c));
  d.insert(d.end(), {0x08, 0, 0, 0, 2});
  auto number = [&](const std::string& key, double v) {
    d.push_back(0);
    d.push_back(static_cast<std::uint8_t>(key.size()));
    for (char c : key) d.push_back(static_cast<std::uint8_t>(c));
    d.push_back(0x00);
    std::uint64_t bits;
    std::memcpy(&bits, &v, 8);
    for (int i = 7; i >= 0; --i) d.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
  };
  number("videocodecid", videocodecid);
  number("audiocodecid", 10);
  d.insert(d.end(), {0, 0, 0x09});
  return d;
}

// A synthetic HEVC stream: by Enhanced RTMP (ExVideoTagHeader, FourCC
// 'hvc1': SequenceStart, then CodedFramesX) or as legacy FLV codec 12 (the
// AVC layout: packet type 0 header / 1 NALU, composition time), at 25 fps
// with a keyframe every second, onMetaData first and AAC audio beside it.
// The payloads are not decodable HEVC; the routes must only carry them.
void write_hevc_flv(const fs::path& p, int seconds, bool enhanced = true) {
  rtmfp::Bytes out;
  rtmfp::media::flv::write_header(rtmfp::media::flv::Header{}, out);
  auto tag = [&](TagType type, std::uint32_t ts, rtmfp::Bytes data) {
    Tag t;
    t.type = type;
    t.timestamp = ts;
    t.data = std::move(data);
    (void)rtmfp::media::flv::write_tag(t, out);
  };
  auto video = [&](bool key, bool header, const rtmfp::Bytes& body) {
    rtmfp::Bytes d;
    if (enhanced) {
      d = {static_cast<std::uint8_t>(0x80 | (key ? 0x10 : 0x20) | (header ? 0 : 3)), 'h', 'v', 'c', '1'};
    } else {
      d = {static_cast<std::uint8_t>((key ? 0x10 : 0x20) | 12), static_cast<std::uint8_t>(header ? 0 : 1), 0, 0, 0};
    }
    d.insert(d.end(), body.begin(), body.end());
    return d;
  };
  tag(TagType::script, 0, metadata(enhanced ? double(0x68766331) : 12.0));
  tag(TagType::video, 0, video(true, true, {0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00}));  // decoder config
  tag(TagType::audio, 0, {0xaf, 0x00, 0x12, 0x10});                                            // AAC config
  std::uint32_t audio_ts = 0;
  for (int i = 0; i < seconds * 25; ++i) {
    const std::uint32_t ts = static_cast<std::uint32_t>(i * 40);
    rtmfp::Bytes body(300 + (i % 7) * 50);
    for (std::size_t k = 0; k < body.size(); ++k) body[k] = static_cast<std::uint8_t>(i * 31 + k);
    tag(TagType::video, ts, video(i % 25 == 0, false, body));
    for (; audio_ts <= ts; audio_ts += 23) {
      rtmfp::Bytes a{0xaf, 0x01};
      for (int k = 0; k < 60; ++k) a.push_back(static_cast<std::uint8_t>(audio_ts + k));
      tag(TagType::audio, audio_ts, a);
    }
  }
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
}

std::string listen_url(int port, const std::string& key) {
  return "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/" + key;
}
std::string rtmp_url(int port, const std::string& key) {
  return "rtmp://127.0.0.1:" + std::to_string(port) + "/live/" + key;
}

class GatewayIt : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("nginx") || !have("ffmpeg") || !fs::exists(kRtmpModule)) GTEST_SKIP() << "needs nginx-rtmp and ffmpeg";
  }
};

}  // namespace

// Three ingest routes on one rtmp-listen:// port: ffmpeg's H.264 and a
// legacy-FLV HEVC (codec 12) stream out to nginx (its recordings hold every
// frame), and an Enhanced RTMP HEVC stream ('hvc1') out to an rtmp-listen://
// destination on the same port, played there. (Debian's nginx-rtmp drops
// Enhanced RTMP video, frame type nibble 9/10, so it cannot be the far end
// of that one.)
TEST_F(GatewayIt, IngestRoutesOnOnePortH264AndHevc) {
  TempDir dir("gateway_two");
  const fs::path h264 = dir.path() / "h264.flv", hevc = dir.path() / "hevc.flv", legacy = dir.path() / "hevc12.flv";
  ASSERT_TRUE(make_test_flv(h264, 3));
  write_hevc_flv(hevc, 3, true);
  write_hevc_flv(legacy, 3, false);
  const int nport = free_port(), port = free_port();
  RecordingNginx nginx;
  ASSERT_TRUE(nginx.start(dir.path() / "n", nport));
  GatewayProc gw({"--json", "--stats-interval", "0.2", "--route", listen_url(port, "cam1"), rtmp_url(nport, "cam1"),
                  "--route", listen_url(port, "cam2"), listen_url(port, "cam2_out"), "--route",
                  listen_url(port, "cam3"), rtmp_url(nport, "cam3")});
  ASSERT_TRUE(gw.ok());
  int listening = 0;
  ASSERT_TRUE(gw.wait_line([&](const std::string& l) {
    return l.find("listening rtmp://127.0.0.1:" + std::to_string(port)) != std::string::npos && ++listening == 4;
  })) << gw.log();
  const fs::path got2 = dir.path() / "cam2_play.flv";
  auto player2 = ChildProcess::spawn({kCli, "relay", "--from", rtmp_url(port, "cam2_out"), "--stats-interval", "0",
                                      "--to", got2.string()});
  ASSERT_TRUE(player2);
  ASSERT_TRUE(gw.wait_line([](const std::string& l) { return l.find("playing live/cam2_out") != std::string::npos; }))
      << gw.log();
  auto pub1 = ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", h264.string(), "-c",
                                   "copy", "-f", "flv", rtmp_url(port, "cam1")});
  auto pub2 = ChildProcess::spawn({kCli, "relay", "--from", hevc.string(), "--realtime", "--stats-interval", "0", "--to",
                                   rtmp_url(port, "cam2")});
  auto pub3 = ChildProcess::spawn({kCli, "relay", "--from", legacy.string(), "--realtime", "--stats-interval", "0",
                                   "--to", rtmp_url(port, "cam3")});
  ASSERT_TRUE(pub1 && pub2 && pub3);
  EXPECT_EQ(pub1->wait(30s), 0) << pub1->stderr_text();
  EXPECT_EQ(pub2->wait(30s), 0) << pub2->stderr_text();
  EXPECT_EQ(pub3->wait(30s), 0) << pub3->stderr_text();
  // Each publisher ended in order: its route finished its destination.
  int ended = 0;
  ASSERT_TRUE(gw.wait_line([&](const std::string& l) {
    return l.find("ended (exit 0)") != std::string::npos && ++ended == 3;
  })) << gw.log();
  reap(*player2, 30s, "player of cam2_out");
  EXPECT_EQ(gw.stop(), 0) << gw.log();
  ASSERT_TRUE(nginx.quit());
  const std::string log = gw.log();
  EXPECT_NE(log.find("\"summary\":true"), std::string::npos) << log;
  SCOPED_TRACE(log);
  {
    SCOPED_TRACE("H.264 route to nginx");
    expect_every_frame(all_tags(h264), all_tags(dir.path() / "n" / "rec" / "cam1.flv"));
  }
  {
    SCOPED_TRACE("legacy HEVC route to nginx");
    expect_every_frame(all_tags(legacy), all_tags(dir.path() / "n" / "rec" / "cam3.flv"));
  }
  {
    SCOPED_TRACE("Enhanced RTMP HEVC route");
    const auto got = all_tags(got2);
    expect_every_frame(all_tags(hevc), got);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got[0].type, TagType::script) << "onMetaData first";
    bool fourcc = false;
    for (const auto& t : got)
      fourcc = fourcc || (t.type == TagType::video && t.data.size() > 5 && t.data[1] == 'h' && t.data[4] == '1');
    EXPECT_TRUE(fourcc) << "hvc1 FourCC kept";
    EXPECT_TRUE(has_metadata(got2));
  }
}

// SIGHUP: a route added, one removed; a third carries a live stream to a
// player meanwhile and is not disturbed (every frame, no reconnect).
TEST_F(GatewayIt, SighupAddsAndRemovesRoutesLeavingOthersUndisturbed) {
  TempDir dir("gateway_hup");
  const fs::path in = dir.path() / "in.flv", small = dir.path() / "small.flv";
  ASSERT_TRUE(make_test_flv(in, 4));
  write_hevc_flv(small, 1);
  const int port = free_port();
  const fs::path conf = dir.path() / "routes.conf";
  auto write_conf = [&](const std::vector<std::string>& keys) {
    std::ofstream f(conf);
    f << "# gateway routes\n\n";
    for (const auto& k : keys) f << listen_url(port, k) << "   " << listen_url(port, k + "_out") << "  # " << k << "\n";
  };
  write_conf({"a", "c"});
  GatewayProc gw({"--json", "--stats-interval", "0.1", "--config", conf.string()});
  ASSERT_TRUE(gw.ok());
  int listening = 0;
  ASSERT_TRUE(gw.wait_line([&](const std::string& l) {
    return l.find("listening rtmp://") != std::string::npos && ++listening == 4;
  })) << gw.log();
  // The player of route a connects first, then ffmpeg publishes 4 s.
  const fs::path got = dir.path() / "a_out.flv";
  auto player = ChildProcess::spawn({kCli, "relay", "--from", rtmp_url(port, "a_out"), "--stats-interval", "0", "--to",
                                     got.string()});
  ASSERT_TRUE(player);
  ASSERT_TRUE(gw.wait_line([](const std::string& l) { return l.find("playing live/a_out") != std::string::npos; }))
      << gw.log();
  auto pub = ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", in.string(), "-c", "copy",
                                  "-f", "flv", rtmp_url(port, "a")});
  ASSERT_TRUE(pub);
  ASSERT_TRUE(gw.wait_frames("live/a ", 50)) << gw.log();  // about 1 s in
  write_conf({"a", "b"});
  gw.signal(SIGHUP);
  ASSERT_TRUE(gw.wait_line([](const std::string& l) {
    return l.find("reloaded") != std::string::npos && l.find("1 added, 1 removed, 1 kept") != std::string::npos;
  })) << gw.log();
  // b takes a publisher now; c refuses one (BadName: exit 4).
  auto to_b = run_command({kCli, "relay", "--from", small.string(), "--stats-interval", "0", "--to", rtmp_url(port, "b")},
                          30s);
  EXPECT_EQ(to_b.exit_code, 0) << to_b.err;
  auto to_c = run_command({kCli, "relay", "--from", small.string(), "--stats-interval", "0", "--to", rtmp_url(port, "c")},
                          30s);
  EXPECT_EQ(to_c.exit_code, 4) << to_c.err;
  ASSERT_TRUE(gw.wait_line([](const std::string& l) {
    unsigned long long frames = 0;
    const auto at = l.find("live/b_out: done, ");
    return at != std::string::npos && std::sscanf(l.c_str() + at, "live/b_out: done, %llu frames", &frames) == 1 &&
           frames >= 10;
  })) << gw.log();
  // A bad config on SIGHUP changes nothing.
  {
    std::ofstream f(conf);
    f << listen_url(port, "a") << " " << listen_url(port, "a_out") << "\nthree fields here\n";
  }
  gw.signal(SIGHUP);
  ASSERT_TRUE(gw.wait_line([&](const std::string& l) {
    return l.find(conf.string() + ":2: expected 'SRC DST'") != std::string::npos &&
           l.find("routes unchanged") != std::string::npos;
  })) << gw.log();
  EXPECT_EQ(pub->wait(30s), 0) << pub->stderr_text();
  reap(*player, 30s, "player of a_out");
  EXPECT_EQ(gw.stop(), 0) << gw.log();
  const std::string log = gw.log();
  SCOPED_TRACE(log);
  // Route a: never reconnected, never restarted before its publisher ended.
  for (const auto& j : gw.all_stats("live/a ")) ASSERT_EQ(j["reconnects"].get<int>(), 0) << j.dump();
  // The player saw the stream from its start to its end without a gap.
  expect_every_frame(all_tags(in), all_tags(got));
}

// nginx dies mid-stream and comes back on the same port: the nginx route
// reconnects and resumes; the rtmp-listen route beside it keeps flowing.
TEST_F(GatewayIt, NginxRestartMidStreamRouteResumesOthersFlow) {
  TempDir dir("gateway_restart");
  const fs::path in = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(in, 5));
  const int nport = free_port(), port = free_port();
  RecordingNginx first;
  ASSERT_TRUE(first.start(dir.path() / "n1", nport));
  GatewayProc gw({"--json", "--stats-interval", "0.1", "--route", listen_url(port, "x"), rtmp_url(nport, "x"),
                  "--route", listen_url(port, "y"), listen_url(port, "y_out")});
  ASSERT_TRUE(gw.ok());
  int listening = 0;
  ASSERT_TRUE(gw.wait_line([&](const std::string& l) {
    return l.find("listening rtmp://") != std::string::npos && ++listening == 3;
  })) << gw.log();
  const fs::path got_y = dir.path() / "y_out.flv";
  auto player = ChildProcess::spawn({kCli, "relay", "--from", rtmp_url(port, "y_out"), "--stats-interval", "0", "--to",
                                     got_y.string()});
  ASSERT_TRUE(player);
  ASSERT_TRUE(gw.wait_line([](const std::string& l) { return l.find("playing live/y_out") != std::string::npos; }))
      << gw.log();
  auto pub_x = ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", in.string(), "-c",
                                    "copy", "-f", "flv", rtmp_url(port, "x")});
  auto pub_y = ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", in.string(), "-c",
                                    "copy", "-f", "flv", rtmp_url(port, "y")});
  ASSERT_TRUE(pub_x && pub_y);
  ASSERT_TRUE(gw.wait_frames("live/x ", 60)) << gw.log();  // about 1 s to the first nginx
  first.kill();
  ASSERT_TRUE(gw.wait_line([](const std::string& l) {
    return l.find("live/x") != std::string::npos && l.find("reconnecting in") != std::string::npos;
  })) << gw.log();
  std::uint64_t y_at_kill = 0, x_at_kill = 0;
  for (const auto& j : gw.all_stats("live/y ")) y_at_kill = std::max(y_at_kill, j["frames"].get<std::uint64_t>());
  for (const auto& j : gw.all_stats("live/x ")) x_at_kill = std::max(x_at_kill, j["frames"].get<std::uint64_t>());
  RecordingNginx second;
  ASSERT_TRUE(second.start(dir.path() / "n2", nport)) << "restart on port " << nport;
  // Frames resume on x (written to the new nginx), the reconnect counted.
  ASSERT_TRUE(gw.wait_line([&](const std::string& l) {
    auto j = GatewayProc::stats(l, "live/x ");
    return j && (*j)["reconnects"].get<int>() >= 1 && (*j)["frames"].get<std::uint64_t>() >= x_at_kill + 25;
  })) << gw.log();
  EXPECT_EQ(pub_x->wait(30s), 0) << pub_x->stderr_text();
  EXPECT_EQ(pub_y->wait(30s), 0) << pub_y->stderr_text();
  reap(*player, 30s, "player of y_out");
  EXPECT_EQ(gw.stop(), 0) << gw.log();
  ASSERT_TRUE(second.quit());
  const std::string log = gw.log();
  SCOPED_TRACE(log);
  // y: flowed throughout (more frames after the kill), no reconnect, every frame.
  std::uint64_t y_end = 0;
  for (const auto& j : gw.all_stats("live/y ")) {
    EXPECT_EQ(j["reconnects"].get<int>(), 0) << j.dump();
    y_end = std::max(y_end, j["frames"].get<std::uint64_t>());
  }
  EXPECT_GT(y_end, y_at_kill);
  expect_every_frame(all_tags(in), all_tags(got_y));
  // x: the second nginx got the rest of the stream: sequence header, then a
  // keyframe (the GOP current at the reconnect), frames of the input in
  // order without repeats, to its end; timestamps monotonic.
  std::map<rtmfp::Bytes, std::size_t> index;
  std::vector<const Tag*> input_video;
  const auto input = all_tags(in);
  for (const auto& t : input)
    if (coded_video(t)) {
      index.emplace(t.data, input_video.size());
      input_video.push_back(&t);
    }
  const auto rec = all_tags(dir.path() / "n2" / "rec" / "x.flv");
  std::vector<std::size_t> seen;
  bool header_before = false;
  std::uint32_t last_ts = 0;
  for (const auto& t : rec) {
    if (t.type != TagType::video) continue;
    if (rtmp::classify_video(t.data) == rtmp::MediaKind::sequence_start) {
      header_before = header_before || seen.empty();
      continue;
    }
    if (!coded_video(t)) continue;  // e.g. ffmpeg's AVC end of sequence
    auto it = index.find(t.data);
    ASSERT_NE(it, index.end()) << "a recorded frame not in the input";
    if (seen.empty()) {
      EXPECT_TRUE(is_keyframe(t)) << "the resumed stream starts with a keyframe";
    } else {
      ASSERT_GT(it->second, seen.back()) << "frame repeated or out of order";
      ASSERT_GE(t.timestamp, last_ts) << "timestamps go back";
    }
    last_ts = t.timestamp;
    seen.push_back(it->second);
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(header_before) << "sequence header before the first frame";
  EXPECT_EQ(seen.back(), input_video.size() - 1) << "frames resumed to the end of the stream";
}

// Config errors name FILE:LINE and exit 2 before anything starts.
TEST(GatewayCli, BadConfigLineIsAnErrorNamingFileAndLine) {
  TempDir dir("gateway_badconf");
  const fs::path conf = dir.path() / "bad.conf";
  {
    std::ofstream f(conf);
    f << "# ok\nrtmp-listen://127.0.0.1:1/live/a rtmp://127.0.0.1:2/live/a\nrtmp://127.0.0.1/live in.flv\n";
  }
  auto r = run_command({kCli, "gateway", "--config", conf.string()}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(conf.string() + ":3: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no stream name"), std::string::npos) << r.err;
}
