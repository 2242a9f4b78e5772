// The rtmp-listen:// endpoints on loopback with our own client (no external
// programs): concurrent players, the late-joiner GOP, a source ending on
// unpublish, the server's bounds (silent connection, player not reading, slow
// player thinned by whole GOPs, idle connections, caps, access keys), and the
// client telling a dropped connection from a clean end of stream.
//
// Pace: no test decides by sleeping or by how fast the machine moves bytes.
// Readers are driven by events: a "keeping up" player gates the producer
// (lockstep), a slow player may read only a fixed share of the bytes produced,
// and a stuck one reads nothing; sockets that must fill get small buffers.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "media/io/listen_endpoints.hpp"
#include "media/io/rtmp_client_conn.hpp"
#include "media/rtmp/client_session.hpp"
#include "media/rtmp/command.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace std::chrono_literals;
using io::ListenSink;
using io::ListenSource;
using io::RtmpClientConn;
using rtmp::Message;

namespace {

io::RtmpListenServer::Options server_options(std::chrono::milliseconds io_timeout = 3000ms) {
  io::RtmpListenServer::Options o;
  o.bind = "127.0.0.1";
  o.port = 0;
  o.io_timeout = io_timeout;
  return o;
}

std::unique_ptr<RtmpClientConn> client(std::uint16_t port, const std::string& stream, bool publish) {
  rtmp::ClientOptions o;
  o.url = *rtmp::parse_rtmp_url("rtmp://127.0.0.1:" + std::to_string(port) + "/live/" + stream);
  o.publish = publish;
  return std::make_unique<RtmpClientConn>(o, io::TlsOptions{}, 2000ms, 3000ms);
}

Message video(std::uint32_t ts, std::uint8_t frame_type, std::uint8_t tag, std::size_t size = 64) {
  Message m{ts, rtmp::msg_type::video, 0, 0, Bytes(size, tag)};
  m.payload[0] = static_cast<std::uint8_t>(frame_type << 4 | 7);
  m.payload[1] = 1;
  return m;
}

Message audio(std::uint32_t ts, std::size_t size = 32) {
  Message m{ts, rtmp::msg_type::audio, 0, 0, Bytes(size, 0x55)};
  m.payload[0] = 0xAF;  // AAC
  m.payload[1] = 1;     // raw frame (not a sequence header)
  return m;
}

// A player on a raw socket with a small receive buffer (so the server's
// queue, not the kernel, holds its backlog), reading only as far as a byte
// budget allows: the test decides how much it reads, not the machine's pace.
class GatedPlayer {
 public:
  GatedPlayer(std::uint16_t port, const std::string& stream, const char* bind_ip = "127.0.0.1") : sock_(ctx_) {
    sock_.open(asio::ip::tcp::v4());
    sock_.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
    // Bounded: a read that waits 60 s ends the player as timed out (not "closed").
    const timeval tv{60, 0};
    ::setsockopt(sock_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sock_.bind({asio::ip::make_address(bind_ip), 0});
    asio::error_code ec;
    sock_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) closed_ = true;
    rtmp::ClientOptions o;
    o.url = *rtmp::parse_rtmp_url("rtmp://127.0.0.1:" + std::to_string(port) + "/live/" + stream);
    sess_.emplace(o);
    asio::write(sock_, asio::buffer(sess_->start(TimePoint{})), ec);  // a refused one is seen in open()
  }
  // Reads until Play.Start (or a refusal / close).
  bool open() {
    while (!playing_ && !closed_ && error_.empty()) read_once(64 * 1024);
    return playing_;
  }
  // Reads until `total` bytes were read in all, the stream ended or the connection closed.
  void read_until(std::uint64_t total) {
    while (read_ < total && !ended_ && !closed_) read_once(std::min<std::uint64_t>(total - read_, 64 * 1024));
  }
  void read_to_end() { read_until(~std::uint64_t{0}); }
  // Sets the budget from another thread; read_gated() follows it.
  void allow(std::uint64_t total) {
    {
      std::lock_guard lk(mu_);
      budget_ = total;
    }
    cv_.notify_all();
  }
  void read_gated() {
    for (;;) {
      std::uint64_t b;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return budget_ > read_; });
        b = budget_;
      }
      read_until(b);
      if (ended_ || closed_) return;
    }
  }
  std::vector<Message> media;
  std::function<void()> on_progress;  // after every read (reader's thread)
  bool ended() const { return ended_; }
  bool closed_without_end() const { return closed_ && !ended_ && !timed_out_; }
  const std::string& error() const { return error_; }
  std::uint64_t bytes_read() const { return read_; }
  std::size_t videos() const { return videos_.load(); }

 private:
  void read_once(std::uint64_t max) {
    std::array<std::uint8_t, 64 * 1024> buf{};
    asio::error_code ec;
    const std::size_t n = sock_.read_some(asio::buffer(buf.data(), std::min<std::uint64_t>(max, buf.size())), ec);
    if (ec) {
      timed_out_ = ec == asio::error::would_block || ec == asio::error::try_again || ec == asio::error::timed_out;
      closed_ = true;
      return;
    }
    read_ += n;
    if (auto r = sess_->receive(ByteView(buf.data(), n), TimePoint{}); !r) error_ = r.error().detail;
    for (auto& e : sess_->take_events()) {
      if (e.kind == rtmp::ClientEvent::Kind::playing) playing_ = true;
      if (e.kind == rtmp::ClientEvent::Kind::ended) ended_ = true;
      if (e.kind == rtmp::ClientEvent::Kind::media) {
        if (e.message.type == rtmp::msg_type::video) ++videos_;
        media.push_back(std::move(e.message));
      }
    }
    if (auto out = sess_->take_output(); !out.empty()) asio::write(sock_, asio::buffer(out), ec);
    if (!error_.empty()) closed_ = true;
    if (on_progress) on_progress();
  }
  asio::io_context ctx_;
  asio::ip::tcp::socket sock_;
  std::optional<rtmp::ClientSession> sess_;
  std::atomic<std::uint64_t> read_{0};
  bool playing_ = false;
  std::atomic<bool> ended_{false}, closed_{false}, timed_out_{false};
  std::atomic<std::size_t> videos_{0};
  std::string error_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t budget_ = 0;
};

// Waits for a condition that another thread makes true and signals.
struct Progress {
  std::mutex mu;
  std::condition_variable cv;
  template <class P>
  bool wait(P p, std::chrono::milliseconds bound = 60000ms) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, bound, p);
  }
  void notify() {
    { std::lock_guard lk(mu); }
    cv.notify_all();
  }
};

// Everything a player receives until the stream ends.
std::vector<Message> drain(RtmpClientConn& c) {
  std::vector<Message> r;
  for (;;) {
    auto m = c.next();
    if (!m) ADD_FAILURE() << "player: " << m.error().detail;
    if (!m || !*m) return r;
    r.push_back(std::move(**m));
  }
}

}  // namespace

TEST(ListenSink, ConcurrentPlayersAndLateJoiner) {
  // The 55 frames are written faster than real time: no thinning here (the
  // players' reading pace must not matter).
  auto so = server_options();
  so.max_player_latency = 0ms;
  so.max_player_lag = 0ms;
  auto sink = ListenSink::open(so, "live/s");
  ASSERT_TRUE(sink) << sink.error().detail;
  const auto port = (*sink)->port();
  std::vector<std::unique_ptr<RtmpClientConn>> early;
  std::vector<std::future<std::vector<Message>>> got;
  for (int i = 0; i < 4; ++i) {
    early.push_back(client(port, "s", false));
    ASSERT_TRUE(early.back()->open());
  }
  for (auto& c : early) got.push_back(std::async(std::launch::async, [&c] { return drain(*c); }));

  auto meta = rtmp::encode_data({"onMetaData", {amf::Value::ecma_array({{"width", amf::Value(320)}})}}, 0, 0);
  ASSERT_TRUE((*sink)->write(*meta));
  Message avc{0, rtmp::msg_type::video, 0, 0, {0x17, 0x00, 1, 2, 3}};
  ASSERT_TRUE((*sink)->write(avc));
  for (std::uint32_t i = 0; i < 50; ++i) ASSERT_TRUE((*sink)->write(video(i * 40, i % 10 == 0 ? 1 : 2, std::uint8_t(i))));

  // Joins after frame 49: the cache holds the GOP from keyframe 40.
  auto late = client(port, "s", false);
  ASSERT_TRUE(late->open());
  // open() returned after Play.Start: the late player is registered and primed
  // (same server-thread step), so frames written now reach it after the GOP.
  auto late_got = std::async(std::launch::async, [&] { return drain(*late); });
  for (std::uint32_t i = 50; i < 55; ++i) ASSERT_TRUE((*sink)->write(video(i * 40, 2, std::uint8_t(i))));
  ASSERT_TRUE((*sink)->finish());

  for (auto& f : got) {
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    auto v = f.get();
    ASSERT_EQ(v.size(), 57u);  // metadata + header + 55 frames
    EXPECT_EQ(v[0].type, rtmp::msg_type::data_amf0);
    for (std::uint32_t i = 0; i < 55; ++i) EXPECT_EQ(v[2 + i].timestamp, i * 40);
  }
  ASSERT_EQ(late_got.wait_for(5s), std::future_status::ready);
  auto v = late_got.get();
  ASSERT_EQ(v.size(), 2u + 15u);  // metadata, AVC header, frames 40..54
  EXPECT_EQ(v[0].type, rtmp::msg_type::data_amf0);
  EXPECT_TRUE(rtmp::is_avc_sequence_header(v[1].payload));
  EXPECT_TRUE(rtmp::is_video_keyframe(v[2].payload));
  EXPECT_EQ(v[2].timestamp, 40u * 40);
  EXPECT_EQ(v.back().timestamp, 54u * 40);
}

TEST(ListenSource, YieldsPublisherMessagesThenEnds) {
  auto src = ListenSource::open(server_options(), "live/in");
  ASSERT_TRUE(src) << src.error().detail;
  auto pub = client((*src)->port(), "in", true);
  ASSERT_TRUE(pub->open());
  for (std::uint32_t i = 0; i < 20; ++i) ASSERT_TRUE(pub->send(video(i * 40, i == 0 ? 1 : 2, 7)));
  pub->close();
  std::vector<Message> got;
  for (;;) {
    auto m = (*src)->next();
    ASSERT_TRUE(m) << m.error().detail;
    if (!*m) break;
    got.push_back(std::move(**m));
  }
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got.back().timestamp, 19u * 40);
}

TEST(ListenSink, SilentConnectionIsDroppedAndDoesNotBlockOthers) {
  auto sink = ListenSink::open(server_options(400ms), "live/q");
  ASSERT_TRUE(sink);
  asio::io_context ctx;
  asio::ip::tcp::socket silent(ctx);
  silent.connect({asio::ip::make_address("127.0.0.1"), (*sink)->port()});
  auto player = client((*sink)->port(), "q", false);
  ASSERT_TRUE(player->open());  // served while the silent one is connected
  // The silent connection is closed after io_timeout.
  silent.non_blocking(false);
  std::array<char, 16> buf{};
  asio::error_code ec;
  const auto t0 = std::chrono::steady_clock::now();
  (void)silent.read_some(asio::buffer(buf), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

// The stuck player reads nothing after Play.Start; the other one gates the
// producer (frame i is written only once it received frame i - 8), so it
// keeps up by construction, whatever the machine's speed. The stuck one falls
// behind the live edge in media time and is closed without an end of stream.
TEST(ListenSink, PlayerThatStopsReadingIsDropped) {
  auto so = server_options(60000ms);  // "stuck" by no write progress would take 60 s: the lag bound decides
  so.max_player_lag = 4000ms;
  so.max_player_latency = 1000ms;
  so.send_buffer = 64 * 1024;
  auto sink = ListenSink::open(so, "live/slow");
  ASSERT_TRUE(sink);
  GatedPlayer stuck((*sink)->port(), "slow");
  ASSERT_TRUE(stuck.open());
  GatedPlayer good((*sink)->port(), "slow");
  ASSERT_TRUE(good.open());
  Progress prog;
  good.on_progress = [&] { prog.notify(); };
  good.allow(~std::uint64_t{0});
  auto good_done = std::async(std::launch::async, [&] { good.read_gated(); });
  // 400 frames of 16 KiB, 25 per second (16 s of media, keyframe every second).
  constexpr std::uint32_t kFrames = 400;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    ASSERT_TRUE((*sink)->write(video(i * 40, i % 25 == 0 ? 1 : 2, 1, 16 * 1024)));
    if (i >= 8) {
      ASSERT_TRUE(prog.wait([&] { return good.videos() + 8 >= i || good.ended(); }, 60000ms)) << "frame " << i;
    }
  }
  ASSERT_TRUE((*sink)->finish());
  ASSERT_EQ(good_done.wait_for(60s), std::future_status::ready);
  EXPECT_TRUE(good.ended());
  EXPECT_EQ(good.videos(), kFrames);  // the player that keeps up lost nothing
  // The stuck one was closed while the stream went on: what it finds is cut
  // off without StreamEOF / UnpublishNotify.
  stuck.read_to_end();
  EXPECT_TRUE(stuck.closed_without_end());
  EXPECT_LT(stuck.videos(), 50u);  // about what its socket buffers held
  EXPECT_GE((*sink)->server().stats().dropped_slow, 1u);
}

TEST(RtmpClientConn, ServerDroppingMidStreamIsAnErrorNotAnEnd) {
  // A one-connection server on this thread's helper: serves play, sends two
  // frames, then drops the TCP connection without StreamEOF / UnpublishNotify.
  asio::io_context ctx;
  asio::ip::tcp::acceptor acc(ctx, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acc.local_endpoint().port();
  auto server = std::async(std::launch::async, [&] {
    rtmp::StreamRegistry reg;
    const int publisher = 0;
    EXPECT_TRUE(reg.publish("live/drop", &publisher));
    rtmp::ServerSession sess(reg);
    asio::ip::tcp::socket s = acc.accept();
    std::array<std::uint8_t, 4096> buf{};
    bool playing = false;
    while (!playing) {
      asio::error_code ec;
      const std::size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec) return;
      EXPECT_TRUE(sess.receive(ByteView(buf.data(), n), TimePoint{}));
      for (const auto& e : sess.take_events()) playing = playing || e.kind == rtmp::ServerEvent::Kind::playing;
      asio::write(s, asio::buffer(sess.take_output()), ec);
    }
    reg.on_media("live/drop", video(0, 1, 1));
    reg.on_media("live/drop", video(40, 2, 2));
    asio::error_code ec;
    asio::write(s, asio::buffer(sess.take_output()), ec);
    s.close();  // no end-of-stream notice
    sess.close();
  });
  auto player = client(port, "drop", false);
  ASSERT_TRUE(player->open());
  int frames = 0;
  Result<std::optional<Message>> m;
  for (;;) {
    m = player->next();
    if (!m || !*m) break;
    ++frames;
  }
  ASSERT_EQ(server.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(frames, 2);
  ASSERT_FALSE(m) << "a dropped connection must not look like a clean end";
  EXPECT_EQ(m.error().code, Errc::closed);
  EXPECT_NE(m.error().detail.find("without ending the stream"), std::string::npos) << m.error().detail;
}

// S1. Three players of one stream (25 fps, 16 KiB frames, a keyframe every
// 25 frames, audio every 40 ms): "fast" gates the producer (keeps up by
// construction), "slow" may read only 60 % of the bytes produced so far, and
// both have small socket buffers so the backlog sits in the server's queue.
// The slow one's queued video never spans more than the bound, it receives
// only whole GOPs (each starting at a keyframe), all the audio, and the end
// of the stream; the fast one loses nothing.
TEST(ListenSink, SlowPlayerIsThinnedByWholeGops) {
  auto so = server_options(60000ms);
  so.max_player_latency = 2000ms;
  so.max_player_lag = 0ms;  // this test is about thinning, not closing
  so.send_buffer = 32 * 1024;
  auto sink = ListenSink::open(so, "live/thin");
  ASSERT_TRUE(sink) << sink.error().detail;
  GatedPlayer fast((*sink)->port(), "thin"), slow((*sink)->port(), "thin");
  ASSERT_TRUE(fast.open());
  ASSERT_TRUE(slow.open());
  Progress prog;
  fast.on_progress = [&] { prog.notify(); };
  fast.allow(~std::uint64_t{0});
  auto fast_done = std::async(std::launch::async, [&] { fast.read_gated(); });
  auto slow_done = std::async(std::launch::async, [&] { slow.read_gated(); });

  Message avc{0, rtmp::msg_type::video, 0, 0, {0x17, 0x00, 1, 2, 3}};
  ASSERT_TRUE((*sink)->write(avc));
  constexpr std::uint32_t kFrames = 1000, kGop = 25;  // 40 s of media, 16 MiB
  std::uint64_t produced = 0;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    auto v = video(i * 40, i % kGop == 0 ? 1 : 2, 0, 16 * 1024);
    v.payload[2] = static_cast<std::uint8_t>(i >> 8);
    v.payload[3] = static_cast<std::uint8_t>(i);
    ASSERT_TRUE((*sink)->write(v));
    ASSERT_TRUE((*sink)->write(audio(i * 40)));
    produced += v.payload.size() + 32;
    slow.allow(produced * 6 / 10);
    if (i >= 4) {
      ASSERT_TRUE(prog.wait([&] { return fast.videos() >= i - 3; })) << "frame " << i;
    }
  }
  slow.allow(~std::uint64_t{0});
  ASSERT_TRUE((*sink)->finish());
  ASSERT_EQ(fast_done.wait_for(60s), std::future_status::ready);
  ASSERT_EQ(slow_done.wait_for(60s), std::future_status::ready);

  EXPECT_TRUE(fast.ended());
  EXPECT_EQ(fast.videos(), kFrames + 1);  // header + every frame
  ASSERT_TRUE(slow.ended()) << "the slow player must be thinned, not closed: " << slow.error();
  const auto st = (*sink)->server().stats();
  EXPECT_GT(st.thinned_video, 0u) << "a player reading 60 % of the stream must be thinned";
  EXPECT_LE(st.max_video_span_ms, 2000u);
  // Whole GOPs only: each received run starts at a keyframe and has all 25 frames.
  std::vector<std::uint32_t> idx;
  std::size_t audio_n = 0;
  for (const auto& m : slow.media) {
    if (m.type == rtmp::msg_type::audio) ++audio_n;
    if (m.type != rtmp::msg_type::video || rtmp::is_avc_sequence_header(m.payload)) continue;
    idx.push_back(std::uint32_t(m.payload[2]) << 8 | m.payload[3]);
  }
  EXPECT_EQ(audio_n, kFrames);  // audio is never thinned
  ASSERT_FALSE(idx.empty());
  EXPECT_LT(idx.size(), kFrames);
  EXPECT_EQ(idx.size() % kGop, 0u);
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (i % kGop == 0)
      ASSERT_EQ(idx[i] % kGop, 0u) << "GOP run " << i / kGop << " does not start at a keyframe";
    else
      ASSERT_EQ(idx[i], idx[i - 1] + 1) << "hole inside a GOP at " << i;
  }
}

// A player joining 3 s into a 5 s GOP starts with that GOP's keyframe: the
// join prime (sequence header + the GOP since the last keyframe) is never
// thinned although it spans more than max_player_latency; then it gets every
// later frame. Ordered by events: the server thread has taken the first 3 s
// (a call() after the writes) before the player plays.
TEST(ListenSink, LatePlayerThreeSecondsIntoALongGopGetsDecodableVideo) {
  auto so = server_options(60000ms);
  so.max_player_latency = 2000ms;
  auto sink = ListenSink::open(so, "live/longgop");
  ASSERT_TRUE(sink) << sink.error().detail;
  auto frame = [](std::uint32_t i) {
    auto v = video(i * 40, i % 125 == 0 ? 1 : 2, 0, 256);  // a keyframe every 5 s
    v.payload[2] = static_cast<std::uint8_t>(i >> 8);
    v.payload[3] = static_cast<std::uint8_t>(i);
    return v;
  };
  ASSERT_TRUE((*sink)->write(Message{0, rtmp::msg_type::video, 0, 0, {0x17, 0x00, 1, 2, 3}}));
  for (std::uint32_t i = 0; i <= 75; ++i) {  // 0 .. 3.0 s
    ASSERT_TRUE((*sink)->write(frame(i)));
    ASSERT_TRUE((*sink)->write(audio(i * 40)));
  }
  ASSERT_TRUE((*sink)->server().call([](rtmp::StreamRegistry&) {}));
  GatedPlayer late((*sink)->port(), "longgop");
  ASSERT_TRUE(late.open());
  late.allow(~std::uint64_t{0});
  auto done = std::async(std::launch::async, [&] { late.read_gated(); });
  // The player keeps up (lockstep: each frame waits until the server has
  // written out everything queued before it), so nothing after the prime
  // is thinned either.
  for (std::uint32_t i = 76; i < 150; ++i) {  // to 6 s, with the next keyframe at 5 s
    ASSERT_TRUE((*sink)->server().drain(60000ms)) << "frame " << i;
    ASSERT_TRUE((*sink)->write(frame(i)));
    ASSERT_TRUE((*sink)->write(audio(i * 40)));
  }
  ASSERT_TRUE((*sink)->finish());
  ASSERT_EQ(done.wait_for(60s), std::future_status::ready);
  ASSERT_TRUE(late.ended()) << late.error();
  std::vector<std::uint32_t> idx;
  bool header_first = false;
  for (const auto& m : late.media) {
    if (m.type != rtmp::msg_type::video) continue;
    if (rtmp::is_avc_sequence_header(m.payload)) {
      header_first = idx.empty();
      continue;
    }
    idx.push_back(std::uint32_t(m.payload[2]) << 8 | m.payload[3]);
  }
  EXPECT_TRUE(header_first) << "the sequence header comes before any frame";
  ASSERT_FALSE(idx.empty());
  EXPECT_EQ(idx.front(), 0u) << "starts at the keyframe of the GOP it joined, not at the next one";
  ASSERT_EQ(idx.size(), 150u) << "every frame from that keyframe on";
  for (std::size_t i = 1; i < idx.size(); ++i) ASSERT_EQ(idx[i], idx[i - 1] + 1) << "hole at " << i;
  EXPECT_EQ((*sink)->server().stats().thinned_video, 0u);
}

// S3. Only the relay's key is served, and with ?publish_key= / ?play_key= a
// client must carry the token as "?key=" in its stream name (OBS: stream key
// "in?key=SECRET"; ffmpeg: rtmp://host/live/in?key=SECRET).
// A refused publisher learns why, in the status RTMP clients print (ffmpeg:
// "Server error: <description>"): a stream of another app or name is not
// served here; a key already published is taken.
TEST(ListenSource, ARefusedPublisherGetsBadNameWithTheReason) {
  auto src = ListenSource::open(server_options(), "live/in");
  ASSERT_TRUE(src) << src.error().detail;
  const auto port = (*src)->port();
  auto at = [&](const std::string& path) {
    rtmp::ClientOptions o;
    o.url = *rtmp::parse_rtmp_url("rtmp://127.0.0.1:" + std::to_string(port) + "/" + path);
    o.publish = true;
    return std::make_unique<RtmpClientConn>(o, io::TlsOptions{}, 2000ms, 3000ms);
  };
  for (const std::string path : {"other/in", "live/out"}) {
    auto r = at(path)->open();
    ASSERT_FALSE(r) << path;
    EXPECT_NE(r.error().detail.find("NetStream.Publish.BadName"), std::string::npos) << r.error().detail;
    EXPECT_NE(r.error().detail.find("'" + path + "' is not served here"), std::string::npos) << r.error().detail;
  }
  auto first = at("live/in");
  ASSERT_TRUE(first->open());
  auto second = at("live/in")->open();
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().detail.find("NetStream.Publish.BadName"), std::string::npos) << second.error().detail;
  EXPECT_NE(second.error().detail.find("already being published"), std::string::npos) << second.error().detail;
  first->close();
}

TEST(ListenSource, PublishKeyIsRequired) {
  auto src = ListenSource::open(server_options(), "live/in?publish_key=s3cret&play_key=v1ew");
  ASSERT_TRUE(src) << src.error().detail;
  const auto port = (*src)->port();
  for (const std::string bad : {"in", "in?key=wrong", "other?key=s3cret"}) {
    auto p = client(port, bad, true);
    auto r = p->open();
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().detail.find("BadName"), std::string::npos) << r.error().detail;
  }
  auto no_key_player = client(port, "in", false);
  EXPECT_FALSE(no_key_player->open());
  auto player = client(port, "in?key=v1ew", false);
  ASSERT_TRUE(player->open());
  auto pub = client(port, "in?key=s3cret", true);
  ASSERT_TRUE(pub->open());
  for (std::uint32_t i = 0; i < 5; ++i) ASSERT_TRUE(pub->send(video(i * 40, i == 0 ? 1 : 2, 7)));
  pub->close();
  std::size_t n = 0;
  for (;;) {
    auto m = (*src)->next();
    ASSERT_TRUE(m) << m.error().detail;
    if (!*m) break;
    ++n;
  }
  EXPECT_EQ(n, 5u);
  auto got = drain(*player);  // the monitoring player saw the stream and its end
  EXPECT_EQ(got.size(), 5u);
}

TEST(ListenSink, NobodyElsePublishesAndOnlyTheRelayKeyPlays) {
  auto sink = ListenSink::open(server_options(), "live/out");
  ASSERT_TRUE(sink);
  auto other = client((*sink)->port(), "other", true);
  auto r = other->open();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("BadName"), std::string::npos) << r.error().detail;
  auto hijack = client((*sink)->port(), "out", true);
  EXPECT_FALSE(hijack->open());
  auto wrong_player = client((*sink)->port(), "nope", false);
  EXPECT_FALSE(wrong_player->open());
  auto player = client((*sink)->port(), "out", false);
  EXPECT_TRUE(player->open());
  EXPECT_FALSE(ListenSink::open(server_options(), "live/out?bogus=1")) << "unknown listen URL options are refused";
}

// S3. 256 players waiting on the key before anyone publishes fill every
// slot; the real publisher still gets in (an idle one is closed for it).
TEST(ListenSource, IdlePlayersDoNotLockOutThePublisher) {
  auto so = server_options(60000ms);
  so.max_connections_per_address = 1000;  // all from 127.0.0.1 here; the per-address cap has its own test
  auto src = ListenSource::open(so, "live/in");
  ASSERT_TRUE(src);
  std::vector<std::unique_ptr<RtmpClientConn>> idle;
  for (int i = 0; i < 256; ++i) {
    idle.push_back(client((*src)->port(), "in", false));
    ASSERT_TRUE(idle.back()->open()) << i;
  }
  EXPECT_EQ((*src)->server().connections(), 256u);
  auto pub = client((*src)->port(), "in", true);
  ASSERT_TRUE(pub->open()) << "the publisher must not be locked out";
  ASSERT_TRUE(pub->send(video(0, 1, 7)));
  auto m = (*src)->next();
  ASSERT_TRUE(m && *m);
  EXPECT_GE((*src)->server().stats().evicted, 1u);
}

TEST(ListenSource, PerAddressCap) {
  auto so = server_options(60000ms);
  so.max_connections_per_address = 3;
  auto src = ListenSource::open(so, "live/in");
  ASSERT_TRUE(src);
  std::vector<std::unique_ptr<GatedPlayer>> from2;
  for (int i = 0; i < 3; ++i) {
    from2.push_back(std::make_unique<GatedPlayer>((*src)->port(), "in", "127.0.0.2"));
    ASSERT_TRUE(from2.back()->open());
  }
  GatedPlayer fourth((*src)->port(), "in", "127.0.0.2");
  EXPECT_FALSE(fourth.open()) << "a 4th connection from 127.0.0.2 is refused";
  GatedPlayer other((*src)->port(), "in", "127.0.0.3");
  EXPECT_TRUE(other.open()) << "another address is not affected";
  EXPECT_GE((*src)->server().stats().refused, 1u);
}

// S3. A play on a key nobody publishes is closed after io_timeout; so is a
// connection that never sends connect.
TEST(ListenSource, IdlePlayerAndPreConnectAreClosed) {
  auto so = server_options(400ms);
  auto src = ListenSource::open(so, "live/in");
  ASSERT_TRUE(src);
  GatedPlayer waiting((*src)->port(), "in");
  ASSERT_TRUE(waiting.open());
  waiting.read_to_end();  // returns when the server closes it
  EXPECT_TRUE(waiting.closed_without_end());
  asio::io_context ctx;
  asio::ip::tcp::socket silent(ctx);
  silent.connect({asio::ip::make_address("127.0.0.1"), (*src)->port()});
  std::array<char, 16> buf{};
  asio::error_code ec;
  (void)silent.read_some(asio::buffer(buf), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ((*src)->server().connections(), 0u);
}

// Item 4: the relay thread blocks (on a condition variable) once the server
// thread is kMaxHandOver bytes behind; here the server thread is held, so
// exactly the writes that fit succeed and the next one times out.
TEST(ListenSink, BackPressureBoundsTheHandOver) {
  auto sink = ListenSink::open(server_options(300ms), "live/bp");
  ASSERT_TRUE(sink);
  std::promise<void> release;
  auto held = release.get_future().share();
  struct Release {  // the server thread is never left held, even on a failed ASSERT
    std::promise<void>& p;
    bool done = false;
    void now() {
      if (!done) p.set_value();
      done = true;
    }
    ~Release() { now(); }
  } rel{release};
  std::promise<void> entered;
  (*sink)->server().post([&entered, held](rtmp::StreamRegistry&) {
    entered.set_value();
    held.wait();
  });
  entered.get_future().wait();
  constexpr std::size_t kSize = 64 * 1024;
  std::size_t ok = 0;
  Result<void> r;
  for (;;) {
    r = (*sink)->write(video(ok * 40, ok == 0 ? 1 : 2, 1, kSize));
    if (!r) break;
    ++ok;
    ASSERT_LE((*sink)->handed_over(), ListenSink::kMaxHandOver + kSize);
  }
  EXPECT_EQ(r.error().code, Errc::timeout);
  EXPECT_EQ(ok, ListenSink::kMaxHandOver / kSize + 1);
  rel.now();
  ASSERT_TRUE((*sink)->write(video(ok * 40, 2, 1, kSize))) << "resumes once the server thread takes the queue";
}
