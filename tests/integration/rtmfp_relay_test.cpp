// Integration: the relay's RTMP-over-RTMFP endpoints (RFC 7425 §5) as real
// programs, with both crypto profiles:
//  * Publish: `rtmfp relay --from FILE --to rtmfp://…` → `rtmfp relay --from
//    rtmfp-listen://… --to rtmp://nginx` → private nginx-rtmp → ffmpeg player
//    (-c copy): audio and video payloads byte-identical to the file's.
//  * Play: FILE → `rtmfp relay --to rtmfp-listen://…` → `rtmfp relay --from
//    rtmfp://… --to out.flv`: the same, with timestamps preserved.
//  * Burst (no --realtime): the publisher's audio flow drains before its
//    video flow (RFC 7425 §5.1.1, §5.2); the rtmfp-listen relay merges them
//    by timestamp: every frame reaches ffmpeg through nginx, and an FLV
//    written by the relay is interleaved by timestamp.
//  * Errors: nothing listening (connect_failed within the connect timeout),
//    a bad URL (bad_url), and an unknown stream (refused: BadName /
//    StreamNotFound).
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <future>
#include <map>
#include <sstream>

#include "media/io/relay.hpp"
#include "tests/support/fifo.hpp"
#include "tests/integration/rtmp_test_util.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/stderr_wait.hpp"

using namespace rtmp_it;
using rtmfp::media::io::relay_bad_url;
using rtmfp::media::io::relay_connect_failed;
using rtmfp::media::io::relay_ok;
using rtmfp::media::io::relay_refused;

namespace {

const std::string kCli = RTMFP_CLI;


// Waits until the child's stderr contains `text` (or it exited / timed out).

std::optional<ChildProcess> relay(std::vector<std::string> args) {
  args.insert(args.begin(), {kCli, "relay"});
  return ChildProcess::spawn(args);
}

// Waits for a child's exit code; kills it after `timeout`.
int exit_of(ChildProcess& p, std::chrono::milliseconds timeout, const char* what) {
  auto rc = p.wait(timeout);
  if (!rc) {
    ADD_FAILURE() << what << " did not end within " << timeout.count() << " ms: " << p.stderr_text();
    p.signal(SIGKILL);
    (void)p.wait(5s);
    return -1;
  }
  return *rc;
}

std::string rtmfp_url(const char* scheme, int port, const std::string& stream = "s") {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + "/live/" + stream;
}

class RtmfpRelay : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!have("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
    dir_.emplace("rtmfp_relay_it");
    input_ = dir_->path() / "in.flv";
    ASSERT_TRUE(make_test_flv(input_, 3));  // H.264 + AAC, keyframe every second
  }
  std::string crypto() const { return GetParam(); }

  std::optional<TempDir> dir_;
  fs::path input_;
};

}  // namespace

// FILE → rtmfp:// (publish) → rtmfp-listen:// relay → rtmp:// nginx → ffmpeg.
TEST_P(RtmfpRelay, PublishThroughListenRelayToNginxAndFfmpeg) {
  if (!have("nginx") || !fs::exists(kRtmpModule)) GTEST_SKIP() << "nginx or libnginx-mod-rtmp not installed";
  PrivateNginx nginx;
  const int nginx_port = free_port();
  ASSERT_TRUE(nginx.start(dir_->path() / "nginx", nginx_port));
  const std::string nginx_url = "rtmp://127.0.0.1:" + std::to_string(nginx_port) + "/live/s";

  auto server = relay({"--from", rtmfp_url("rtmfp-listen", 0), "--to", nginx_url});
  ASSERT_TRUE(server);
  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->stderr_text();
  const int p1 = *listening;

  const fs::path out = dir_->path() / "out.flv";
  auto player = spawn_player(nginx_url, out);
  ASSERT_TRUE(player);
  std::this_thread::sleep_for(1s);  // subscribed before the media starts (nginx keeps no GOP)

  auto pub = run_command({kCli, "relay", "--realtime", "--crypto", crypto(), "--from", input_.string(), "--to",
                          rtmfp_url("rtmfp", p1)},
                         60s);
  EXPECT_EQ(pub.exit_code, relay_ok) << pub.err;
  EXPECT_EQ(exit_of(*server, 30s, "rtmfp-listen relay"), relay_ok) << server->stderr_text();
  const std::string log = server->stderr_text();
  EXPECT_NE(log.find(std::string("session open (") + crypto() + " profile)"), std::string::npos) << log;
  EXPECT_NE(log.find("publishing live/s"), std::string::npos) << log;
  EXPECT_NE(log.find("setPeerInfo"), std::string::npos) << "RFC 7425 §5.3.3: the client MUST send it\n" << log;
  reap(*player, 20s, "ffmpeg player");
  SCOPED_TRACE("player stderr: " + player->stderr_text());
  expect_same_av(av_tags(input_), av_tags(out));
  EXPECT_TRUE(has_metadata(out));
}

// FILE → rtmfp-listen:// (the relay publishes) ← rtmfp:// (play) → FILE.
TEST_P(RtmfpRelay, PlayFromListenRelayToFile) {
  const fs::path fifo = dir_->path() / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto server = relay({"--from", fifo.string(), "--to", rtmfp_url("rtmfp-listen", 0)});
  ASSERT_TRUE(server);

  // The FLV goes into the FIFO at the pace of its timestamps, once a player
  // is subscribed (like a live source).
  std::atomic<bool> go{false};
  auto writer = std::async(std::launch::async, [&] {
    auto tags = all_tags(input_);
    // Close-on-exec, or the player spawned meanwhile would inherit the write
    // end and the relay would never see the end of the FIFO. Opened once the
    // relay opens it for reading, never waiting for a relay that died.
    std::FILE* f = rtmfp::testing::open_fifo_writer(fifo, [&] { return server->exited(); }, 30s);
    if (!f) return;
    rtmfp::Bytes bytes;
    rtmfp::media::flv::write_header(rtmfp::media::flv::Header{}, bytes);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fflush(f);
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (!go && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(10ms);
    const auto start = std::chrono::steady_clock::now();
    for (const auto& t : tags) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(t.timestamp));
      bytes.clear();
      (void)rtmfp::media::flv::write_tag(t, bytes);
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fflush(f);
    }
    std::fclose(f);
  });
  struct Release {  // the writer never waits beyond the test
    std::atomic<bool>& go;
    ~Release() { go = true; }
  } release{go};

  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->stderr_text();
  const int p1 = *listening;
  const fs::path out = dir_->path() / "out.flv";
  auto player = relay({"--crypto", crypto(), "--from", rtmfp_url("rtmfp", p1), "--to", out.string()});
  ASSERT_TRUE(player);
  ASSERT_TRUE(wait_stderr(*server, "playing live/s", 10s)) << server->stderr_text() << player->stderr_text();
  go = true;
  EXPECT_EQ(exit_of(*server, 30s, "rtmfp-listen relay"), relay_ok) << server->stderr_text();
  EXPECT_EQ(exit_of(*player, 30s, "rtmfp:// player relay"), relay_ok) << player->stderr_text() << "server:\n" << server->stderr_text();
  writer.wait();
  const std::string log = server->stderr_text();
  EXPECT_NE(log.find(std::string("session open (") + crypto() + " profile)"), std::string::npos) << log;
  auto in = av_tags(input_), got = av_tags(out);
  expect_same_av(in, got);
  // The relay keeps timestamps: the constant offset is 0.
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(of_type(got, TagType::video).front()->timestamp, of_type(in, TagType::video).front()->timestamp);
  EXPECT_TRUE(has_metadata(out));
}

INSTANTIATE_TEST_SUITE_P(Profiles, RtmfpRelay, ::testing::Values("flash", "modern"),
                         [](const auto& info) { return std::string(info.param); });

// ffprobe's packet count per stream type of an FLV file.
std::map<std::string, int> probe_packets(const fs::path& file) {
  std::map<std::string, int> r;
  auto p = run_command({"ffprobe", "-v", "error", "-count_packets", "-show_entries", "stream=codec_type,nb_read_packets",
                        "-of", "csv=p=0", file.string()},
                       60s);
  std::istringstream in(p.out);
  std::string line;
  while (std::getline(in, line)) {
    auto comma = line.find(',');
    if (comma != std::string::npos) r[line.substr(0, comma)] = std::atoi(line.c_str() + comma + 1);
  }
  return r;
}

// The user report: `rtmfp relay --from test.flv --to rtmfp://…` (no
// --realtime) into `rtmfp relay --from rtmfp-listen://… --to rtmp://nginx`:
// ffmpeg got every audio frame and no video, because the audio flow arrived
// first and left first. With the receive-side timestamp merge every frame
// arrives.
TEST(RtmfpRelayBurst, FileBurstThroughListenRelayNginxAndFfmpegKeepsEveryFrame) {
  if (!have("ffmpeg") || !have("ffprobe")) GTEST_SKIP() << "ffmpeg not installed";
  if (!have("nginx") || !fs::exists(kRtmpModule)) GTEST_SKIP() << "nginx or libnginx-mod-rtmp not installed";
  TempDir dir("rtmfp_burst_it");
  const fs::path input = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(input, 10));
  PrivateNginx nginx;
  const int nginx_port = free_port();
  // nginx records the stream as it receives it from the relay (arrival order).
  const fs::path rec = dir.path() / "rec";
  fs::create_directories(rec);
  ASSERT_TRUE(nginx.start(dir.path() / "nginx", nginx_port, {}, nullptr, "record all; record_path " + rec.string() + ";"));
  const std::string nginx_url = "rtmp://127.0.0.1:" + std::to_string(nginx_port) + "/live/out";
  auto server = relay({"--from", rtmfp_url("rtmfp-listen", 0), "--to", nginx_url});
  ASSERT_TRUE(server);
  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->stderr_text();
  const int p1 = *listening;
  const fs::path out = dir.path() / "out.flv";
  auto player = spawn_player(nginx_url, out);
  ASSERT_TRUE(player);
  std::this_thread::sleep_for(1s);  // subscribed before the media starts (nginx keeps no GOP)

  auto pub = run_command({kCli, "relay", "--from", input.string(), "--to", rtmfp_url("rtmfp", p1)}, 60s);
  EXPECT_EQ(pub.exit_code, relay_ok) << pub.err;
  EXPECT_EQ(exit_of(*server, 30s, "rtmfp-listen relay"), relay_ok) << server->stderr_text();
  reap(*player, 20s, "ffmpeg player");
  SCOPED_TRACE("player stderr: " + player->stderr_text() + "\nserver: " + server->stderr_text());
  const auto in = av_tags(input);
  const auto got = probe_packets(out);
  const auto want = probe_packets(input);
  ASSERT_GT(want.at("video"), 200);
  ASSERT_GT(want.at("audio"), 400);
  EXPECT_EQ(got, want) << "ffprobe: every audio and video frame reached ffmpeg";
  expect_same_av(in, av_tags(out));
  // What nginx received: one stream, audio and video interleaved by timestamp.
  nginx.stop();  // the recording is complete once nginx has ended
  // (nginx's recorder writes the sequence headers once more at its start.)
  auto frames = [](const std::vector<Tag>& v) {
    std::vector<Tag> r;
    for (const auto& t : v)
      if (!is_avc_header(t) && !is_aac_header(t)) r.push_back(t);
    return r;
  };
  const auto recorded = frames(av_tags(rec / "out.flv"));
  const auto in_frames = frames(in);
  EXPECT_EQ(of_type(recorded, TagType::video).size(), of_type(in_frames, TagType::video).size());
  EXPECT_EQ(of_type(recorded, TagType::audio).size(), of_type(in_frames, TagType::audio).size());
  for (std::size_t i = 1; i < recorded.size(); ++i)
    ASSERT_LE(recorded[i - 1].timestamp, recorded[i].timestamp)
        << "nginx got tag " << i << " (type " << int(recorded[i].type) << ") back in time";
}

// The same burst written to an FLV file by the rtmfp-listen relay: one
// stream with audio and video interleaved by timestamp, every frame present.
TEST(RtmfpRelayBurst, FileBurstThroughListenRelayToFlvIsInterleaved) {
  if (!have("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir("rtmfp_burst_flv");
  const fs::path input = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(input, 10));
  const fs::path out = dir.path() / "out.flv";
  auto server = relay({"--from", rtmfp_url("rtmfp-listen", 0), "--to", out.string()});
  ASSERT_TRUE(server);
  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->stderr_text();
  const int p1 = *listening;
  auto pub = run_command({kCli, "relay", "--from", input.string(), "--to", rtmfp_url("rtmfp", p1)}, 60s);
  EXPECT_EQ(pub.exit_code, relay_ok) << pub.err;
  EXPECT_EQ(exit_of(*server, 30s, "rtmfp-listen relay"), relay_ok) << server->stderr_text();
  const auto in = av_tags(input), got = av_tags(out);
  expect_same_av(in, got);
  ASSERT_FALSE(got.empty());
  for (std::size_t i = 1; i < got.size(); ++i)
    ASSERT_LE(got[i - 1].timestamp, got[i].timestamp)
        << "tag " << i << " (type " << int(got[i].type) << ") goes back in time: audio and video not interleaved";
}

TEST(RtmfpRelayErrors, NothingListeningIsConnectFailedWithinTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  auto r = run_command({kCli, "relay", "--connect-timeout", "2000", "--from", "/dev/null", "--to",
                        rtmfp_url("rtmfp", rtmfp::testing::free_udp_port())},
                       20s);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, relay_connect_failed) << r.err;
  EXPECT_NE(r.err.find("no RTMFP answer"), std::string::npos) << r.err;
  EXPECT_LT(took, 4s) << "bounded by --connect-timeout";
  EXPECT_GE(took, 1500ms) << "it did wait for an answer";

  // As a source too, and with the modern profile.
  r = run_command({kCli, "relay", "--connect-timeout", "1000", "--crypto", "modern", "--from",
                   rtmfp_url("rtmfp", rtmfp::testing::free_udp_port()), "--to", "/dev/null"},
                  20s);
  EXPECT_EQ(r.exit_code, relay_connect_failed) << r.err;
}

TEST(RtmfpRelayErrors, BadUrlsAndOptions) {
  for (const char* url : {"rtmfp://127.0.0.1:5000/live", "rtmfp://127.0.0.1:70000/live/s", "rtmfp:///live/s",
                          "rtmfp-listen://127.0.0.1/live/s"}) {
    auto r = run_command({kCli, "relay", "--from", "/dev/null", "--to", url}, 20s);
    EXPECT_EQ(r.exit_code, relay_bad_url) << url << ": " << r.err;
    EXPECT_NE(r.err.find("relay: destination:"), std::string::npos) << r.err;
  }
  auto r = run_command({kCli, "relay", "--crypto", "rot13", "--from", "/dev/null", "--to", rtmfp_url("rtmfp", 5000)}, 20s);
  EXPECT_EQ(r.exit_code, relay_bad_url) << "unknown profile: " << r.err;
  EXPECT_NE(r.err.find("--crypto must be flash or modern"), std::string::npos) << r.err;
}

TEST(RtmfpRelayErrors, UnknownStreamIsRefused) {
  auto server = relay({"--from", rtmfp_url("rtmfp-listen", 0), "--to", "/dev/null"});
  ASSERT_TRUE(server);
  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->stderr_text();
  const int p1 = *listening;
  // Publishing another stream name: NetStream.Publish.BadName.
  auto pub = run_command({kCli, "relay", "--from", "/dev/null", "--to", rtmfp_url("rtmfp", p1, "other")}, 20s);
  EXPECT_EQ(pub.exit_code, relay_refused) << pub.err;
  EXPECT_NE(pub.err.find("NetStream.Publish.BadName"), std::string::npos) << pub.err;
  // This listener takes a publisher, it has nothing to play: StreamNotFound.
  auto play = run_command({kCli, "relay", "--from", rtmfp_url("rtmfp", p1), "--to", "/dev/null"}, 20s);
  EXPECT_EQ(play.exit_code, relay_refused) << play.err;
  EXPECT_NE(play.err.find("NetStream.Play.StreamNotFound"), std::string::npos) << play.err;
  // Another application: connect rejected.
  auto app = run_command(
      {kCli, "relay", "--from", "/dev/null", "--to", "rtmfp://127.0.0.1:" + std::to_string(p1) + "/vod/s"}, 20s);
  EXPECT_EQ(app.exit_code, relay_refused) << app.err;
  EXPECT_NE(app.err.find("NetConnection.Connect.Rejected"), std::string::npos) << app.err;
  server->signal(SIGTERM);
  (void)server->wait(5s);
}

// --max-clients bounds the sessions an rtmfp-listen:// endpoint holds: with
// 1, a second client is refused while the first publishes, and the first's
// stream is untouched.
TEST(RtmfpRelayErrors, MaxClientsRefusesTheSessionBeyondIt) {
  if (!have("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir("rtmfp_relay_max_clients");
  const fs::path input = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(input, 6));
  const fs::path out = dir.path() / "out.flv";
  auto server = relay({"--from", rtmfp_url("rtmfp-listen", 0), "--to", out.string(), "--max-clients", "1"});
  ASSERT_TRUE(server);
  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->stderr_text();
  const int p1 = *listening;
  auto pub = relay({"--from", input.string(), "--realtime", "--to", rtmfp_url("rtmfp", p1)});
  ASSERT_TRUE(pub);
  ASSERT_TRUE(wait_stderr(*server, "publishing live/s", 10s)) << server->stderr_text() << pub->stderr_text();
  auto second = run_command({kCli, "relay", "--from", "/dev/null", "--to", rtmfp_url("rtmfp", p1)}, 20s);
  EXPECT_NE(second.exit_code, relay_ok) << second.err;
  EXPECT_NE(server->stderr_text().find("session refused (1 connections open)"), std::string::npos)
      << server->stderr_text();
  EXPECT_EQ(exit_of(*pub, 30s, "publisher"), relay_ok) << pub->stderr_text();
  EXPECT_EQ(exit_of(*server, 30s, "rtmfp-listen relay"), relay_ok) << server->stderr_text();
  expect_same_av(av_tags(input), av_tags(out));
}
