// The real `rtmfp relay` binary under signals and a closed pipe (C6) and its
// timer-driven stats (C7):
//  * SIGTERM while recording from a FIFO: exit 0 and every tag written is
//    complete in the file (stdio flushed);
//  * SIGINT while publishing to rtmp://: the server sees an orderly end
//    (FCUnpublish/deleteStream), not a lost publisher;
//  * SIGINT while serving rtmp-listen://: the player is told the stream
//    ended (StreamEOF / UnpublishNotify);
//  * `--to -` into a pipe whose reader went away: exit 6 with a message,
//    not death by SIGPIPE (141);
//  * a JSON stats line while no publisher sends anything (a stall).
// Each test decides by events: lines from the relay (stderr merged into the
// pipe we read), messages at our servers, the child's exit.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "media/flv/flv_reader.hpp"
#include "media/flv/flv_writer.hpp"
#include "media/io/listen_endpoints.hpp"
#include "media/io/rtmp_client_conn.hpp"
#include "media/rtmp/url.hpp"
#include "tests/support/fifo.hpp"
#include "tests/support/child_process.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace std::chrono_literals;
using rtmfp::testing::ChildProcess;
using rtmfp::testing::open_fifo_writer_fd;
using rtmfp::testing::run_command;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string t = "/tmp/relay_cli_XXXXXX";
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<flv::Tag> tags(std::uint32_t n, std::size_t size = 200) {
  std::vector<flv::Tag> v;
  for (std::uint32_t i = 0; i < n; ++i) {
    Bytes p(size, static_cast<std::uint8_t>(i));
    p[0] = i % 10 == 0 ? 0x17 : 0x27;
    p[1] = 1;
    v.push_back({flv::TagType::video, i * 40, 0, false, std::move(p), 0});
  }
  return v;
}

Bytes header_bytes() {
  Bytes out;
  flv::write_header(flv::Header{}, out);
  return out;
}

Bytes tag_bytes(const flv::Tag& t) {
  Bytes out;
  (void)flv::write_tag(t, out);
  return out;
}

// `rtmfp relay ARGS` with its stderr merged into the stdout pipe we read.
std::optional<ChildProcess> spawn_relay(const std::string& args) {
  return ChildProcess::spawn({"/bin/sh", "-c", std::string("exec ") + RTMFP_CLI + " relay " + args + " 2>&1"});
}

// Reads lines until one contains `what`; returns it (nullopt: EOF/timeout).
std::optional<std::string> wait_line(ChildProcess& p, const std::string& what, std::string* log = nullptr) {
  for (;;) {
    auto l = p.read_line(30s);
    if (!l) return std::nullopt;
    if (log) *log += *l + "\n";
    if (l->find(what) != std::string::npos) return l;
  }
}

io::RtmpListenServer::Options server_options() {
  io::RtmpListenServer::Options so;
  so.bind = "127.0.0.1";
  so.port = 0;
  so.io_timeout = 10000ms;
  return so;
}

}  // namespace

TEST(RelayCli, SigtermWhileRecordingExitsZeroWithEveryTagComplete) {
  TempDir dir;
  const fs::path fifo = dir.path() / "in.fifo", out = dir.path() / "out.flv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto relay = spawn_relay("--from " + fifo.string() + " --to " + out.string() + " --stats-interval 20");
  ASSERT_TRUE(relay);
  const int w = open_fifo_writer_fd(fifo, [&] { return relay->exited(); }, 30s);  // once the relay opens it
  ASSERT_GE(w, 0);
  auto v = tags(7);
  Bytes all = header_bytes();
  for (const auto& t : v) {
    auto b = tag_bytes(t);
    all.insert(all.end(), b.begin(), b.end());
  }
  ASSERT_EQ(::write(w, all.data(), all.size()), static_cast<ssize_t>(all.size()));
  std::string log;
  ASSERT_TRUE(wait_line(*relay, " 7 frames", &log)) << log;  // the relay has written all 7
  relay->signal(SIGTERM);  // the FIFO stays open: the relay is blocked reading it
  auto rc = relay->wait(20s);
  ::close(w);
  ASSERT_TRUE(rc) << "the relay did not stop on SIGTERM";
  EXPECT_EQ(*rc, 0) << log;
  std::ifstream f(out, std::ios::binary);
  Bytes got((std::istreambuf_iterator<char>(f)), {});
  auto file = flv::read_file(got);
  ASSERT_TRUE(file) << "the recording ends in a torn tag: " << file.error().detail;
  EXPECT_EQ(file->tags.size(), 7u);
}

TEST(RelayCli, SigintWhilePublishingEndsTheStreamInOrder) {
  auto dest = io::ListenSource::open(server_options(), "live/x");
  ASSERT_TRUE(dest) << dest.error().detail;
  TempDir dir;
  const fs::path fifo = dir.path() / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto relay = spawn_relay("--from " + fifo.string() + " --to rtmp://127.0.0.1:" + std::to_string((*dest)->port()) +
                           "/live/x --stats-interval 0");
  ASSERT_TRUE(relay);
  const int w = open_fifo_writer_fd(fifo, [&] { return relay->exited(); }, 30s);
  ASSERT_GE(w, 0);
  Bytes all = header_bytes();
  for (const auto& t : tags(5)) {
    auto b = tag_bytes(t);
    all.insert(all.end(), b.begin(), b.end());
  }
  ASSERT_EQ(::write(w, all.data(), all.size()), static_cast<ssize_t>(all.size()));
  for (int i = 0; i < 5; ++i) {
    auto m = (*dest)->next();
    ASSERT_TRUE(m && *m) << "frame " << i;
  }
  relay->signal(SIGINT);
  auto end = (*dest)->next();
  ::close(w);
  ASSERT_TRUE(end) << "the server saw a lost publisher, not FCUnpublish/deleteStream: " << end.error().detail;
  EXPECT_FALSE(*end);
  auto rc = relay->wait(20s);
  ASSERT_TRUE(rc);
  EXPECT_EQ(*rc, 0) << relay->stderr_text();
}

TEST(RelayCli, SigintWhileServingTellsThePlayers) {
  TempDir dir;
  const fs::path fifo = dir.path() / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto relay = spawn_relay("--from " + fifo.string() + " --to rtmp-listen://127.0.0.1:0/live/x --stats-interval 0");
  ASSERT_TRUE(relay);
  const int w = open_fifo_writer_fd(fifo, [&] { return relay->exited(); }, 30s);
  ASSERT_GE(w, 0);
  auto line = wait_line(*relay, "listening rtmp://");
  ASSERT_TRUE(line);
  const std::string url = line->substr(line->find("rtmp://"));
  auto u = rtmp::parse_rtmp_url(url);
  ASSERT_TRUE(u) << url;
  rtmp::ClientOptions co;
  co.url = *u;
  co.publish = false;
  io::RtmpClientConn player(co, {}, 5000ms, 10000ms);
  ASSERT_TRUE(player.open());
  Bytes all = header_bytes();
  for (const auto& t : tags(5)) {
    auto b = tag_bytes(t);
    all.insert(all.end(), b.begin(), b.end());
  }
  ASSERT_EQ(::write(w, all.data(), all.size()), static_cast<ssize_t>(all.size()));
  for (int i = 0; i < 5; ++i) {
    auto m = player.next();
    ASSERT_TRUE(m && *m) << "frame " << i << ": " << (m ? "end" : m.error().detail);
  }
  relay->signal(SIGINT);
  auto end = player.next();
  ::close(w);
  ASSERT_TRUE(end) << "the player was not told (" << end.error().detail << ")";
  EXPECT_FALSE(*end);
  auto rc = relay->wait(20s);
  ASSERT_TRUE(rc);
  EXPECT_EQ(*rc, 0);
}

TEST(RelayCli, StdoutIntoAClosedPipeIsExit6WithAMessage) {
  TempDir dir;
  const fs::path in = dir.path() / "in.flv", err = dir.path() / "err.txt";
  auto bytes = flv::write_file(flv::Header{}, tags(200, 8000));  // 1.6 MB: more than a pipe holds
  ASSERT_TRUE(bytes);
  std::ofstream(in, std::ios::binary).write(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const std::string script = std::string(RTMFP_CLI) + " relay --from " + in.string() + " --to - --stats-interval 0 2>" +
                             err.string() + " | head -c 100 >/dev/null; echo \"rc=${PIPESTATUS[0]}\"";
  auto r = run_command({"bash", "-c", script}, 60s);
  std::ifstream ef(err);
  const std::string msg((std::istreambuf_iterator<char>(ef)), {});
  EXPECT_NE(r.out.find("rc=6"), std::string::npos) << r.out << " (141 = killed by SIGPIPE) " << msg;
  EXPECT_NE(msg.find("Broken pipe"), std::string::npos) << msg;
}

TEST(RelayCli, JsonStatsLineDuringAStall) {
  TempDir dir;
  auto relay = spawn_relay("--from rtmp-listen://127.0.0.1:0/live/x --to " + (dir.path() / "out.flv").string() +
                           " --json --stats-interval 50");
  ASSERT_TRUE(relay);
  std::string log;
  auto line = wait_line(*relay, "{\"frames\":", &log);  // no publisher: a stall, still a line
  ASSERT_TRUE(line) << log;
  for (const char* key : {"\"bytes\":0", "\"kbps\":", "\"lag_s\":null", "\"reconnects\":0", "\"skipped\":",
                          "\"players\":", "\"last_error\":"})
    EXPECT_NE(line->find(key), std::string::npos) << key << " in " << *line;
  relay->signal(SIGTERM);
  auto rc = relay->wait(20s);
  ASSERT_TRUE(rc);
  EXPECT_EQ(*rc, 0);
}
