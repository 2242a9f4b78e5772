// Integration: rtmp-listen:// as a relay DESTINATION. An FLV "file" (a FIFO
// the test writes at the media pace) → relay → rtmp-listen://, with two
// ffmpeg players connected to the relay concurrently:
//  * an early one, subscribed before any data flows: gets every frame;
//  * a late one, joining mid-stream: starts with metadata and sequence
//    headers at a keyframe (the GOP cache), then every later frame.
// Also: several clients at once are served concurrently (a client that never
// speaks does not block the others).
//
// Decided by events, not sleeps: the relay listens on port 0 and the test
// reads the port from its "listening" line; "subscribed" and "mid-stream"
// are the relay's "playing" lines and the writer's progress (the FIFO is
// written in two parts). A failed ASSERT never leaves the relay blocked on
// the FIFO (FifoRelease, review tests M8).
#include <fcntl.h>

#include <cstring>

#include <condition_variable>
#include <future>
#include <mutex>

#include "media/io/relay.hpp"
#include "tests/support/fifo.hpp"
#include "tests/integration/rtmp_test_util.hpp"

using namespace rtmp_it;

namespace {

// Tees this process's stderr (the in-process relay's log lines) so the test
// can wait for them; everything still reaches the real stderr.
class StderrTap {
 public:
  StderrTap() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return;
    saved_ = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
    ::dup2(p[1], 2);
    ::close(p[1]);
    rd_ = p[0];
    th_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        const ssize_t n = ::read(rd_, buf, sizeof buf);
        if (n <= 0) break;
        (void)!::write(saved_, buf, static_cast<std::size_t>(n));
        {
          std::lock_guard lk(mu_);
          text_.append(buf, static_cast<std::size_t>(n));
        }
        cv_.notify_all();
      }
    });
  }
  ~StderrTap() {
    if (saved_ < 0) return;
    ::dup2(saved_, 2);  // closes the pipe's last write end: the thread sees EOF
    th_.join();
    ::close(rd_);
    ::close(saved_);
  }
  // Waits until `needle` appeared `count` times (false after `bound`).
  bool wait_for(const std::string& needle, int count = 1, std::chrono::milliseconds bound = 30000ms) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, bound, [&] {
      int n = 0;
      for (auto pos = text_.find(needle); pos != std::string::npos; pos = text_.find(needle, pos + 1)) ++n;
      return n >= count;
    });
  }
  // The port of "relay: listening rtmp://127.0.0.1:PORT/".
  int listening_port() {
    if (!wait_for("relay: listening rtmp://127.0.0.1:")) return 0;
    std::lock_guard lk(mu_);
    const auto pos = text_.find("relay: listening rtmp://127.0.0.1:") + std::strlen("relay: listening rtmp://127.0.0.1:");
    return std::atoi(text_.c_str() + pos);
  }

 private:
  int saved_ = -1, rd_ = -1;
  std::thread th_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string text_;
};

// M8: if the test fails before the writer opened the FIFO, the relay would
// wait in open() forever and the std::async future with it. At teardown, open
// and close the write end (non-blocking: only once the relay is reading)
// until the relay has returned.
struct FifoRelease {
  fs::path fifo;
  std::future<int>& relay;
  ~FifoRelease() {
    while (relay.valid() && relay.wait_for(0s) != std::future_status::ready) {
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
      (void)relay.wait_for(100ms);
    }
  }
};

// Writes the FLV to the FIFO at the media pace in two parts: the tags before
// `split_ms`, then (after resume()) the rest.
class SplitWriter {
 public:
  SplitWriter(fs::path in, fs::path fifo, std::uint32_t split_ms) : in_(std::move(in)), fifo_(std::move(fifo)), split_(split_ms) {}
  // `reader_gone`: the relay returned (it will never open the FIFO).
  void run(const std::function<bool()>& reader_gone) {
    auto tags = all_tags(in_);
    std::FILE* f = rtmfp::testing::open_fifo_writer(fifo_, reader_gone, 60s);
    if (!f) return;
    rtmfp::Bytes out;
    rtmfp::media::flv::write_header(rtmfp::media::flv::Header{}, out);
    std::fwrite(out.data(), 1, out.size(), f);
    std::fflush(f);
    auto start = std::chrono::steady_clock::now();
    bool split = false;
    for (const auto& t : tags) {
      if (!split && t.timestamp >= split_) {
        split = true;
        {
          std::lock_guard lk(mu_);
          at_split_ = true;
        }
        cv_.notify_all();
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return resumed_; });
        start = std::chrono::steady_clock::now() - std::chrono::milliseconds(t.timestamp);
      }
      std::this_thread::sleep_until(start + std::chrono::milliseconds(t.timestamp));  // media pace
      out.clear();
      (void)rtmfp::media::flv::write_tag(t, out);
      std::fwrite(out.data(), 1, out.size(), f);
      std::fflush(f);
    }
    std::fclose(f);
  }
  bool wait_split(std::chrono::milliseconds bound = 30000ms) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, bound, [&] { return at_split_; });
  }
  void resume() {
    {
      std::lock_guard lk(mu_);
      resumed_ = true;
    }
    cv_.notify_all();
  }

 private:
  fs::path in_, fifo_;
  std::uint32_t split_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool at_split_ = false, resumed_ = false;
};

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
  StderrTap tap;  // first: outlives the relay, whose log it reads
  const fs::path fifo = dir_->path() / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  rtmfp::media::io::RelayOptions o;
  o.from = fifo.string();
  o.to = "rtmp-listen://127.0.0.1:0/live/out";
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  FifoRelease release{fifo, relay};
  // The listening destination opens before the source: players can subscribe first.
  const int port = tap.listening_port();
  ASSERT_NE(port, 0) << "relay did not listen";
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/out";

  const fs::path early = dir_->path() / "early.flv", late = dir_->path() / "late.flv";
  auto p1 = spawn_player(url, early);
  ASSERT_TRUE(p1);
  ASSERT_TRUE(tap.wait_for("playing live/out", 1)) << "early player did not subscribe";  // before any data
  SplitWriter w(input_, fifo, 3200);  // keyframes every second: 3.2 s is mid-GOP, mid-stream
  auto writer = std::async(std::launch::async, [&] { w.run([&] { return relay.wait_for(0s) == std::future_status::ready; }); });
  struct Resume {  // a failed ASSERT must not leave the writer paused
    SplitWriter& w;
    ~Resume() { w.resume(); }
  } resume_on_exit{w};
  ASSERT_TRUE(w.wait_split());
  auto p2 = spawn_player(url, late);
  ASSERT_TRUE(p2);
  ASSERT_TRUE(tap.wait_for("playing live/out", 2)) << "late player did not subscribe";
  w.resume();

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
  StderrTap tap;
  const fs::path fifo = dir_->path() / "s.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  rtmfp::media::io::RelayOptions o;
  o.from = fifo.string();
  o.to = "rtmp-listen://127.0.0.1:0/live/s";
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  FifoRelease release{fifo, relay};
  const int port = tap.listening_port();
  ASSERT_NE(port, 0) << "relay did not listen";
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/s";
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
  // All three subscribed (while the silent one is connected) before any data.
  ASSERT_TRUE(tap.wait_for("playing live/s", 3)) << "players were not served";
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
