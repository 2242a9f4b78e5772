// The rtmp-listen:// endpoints on loopback with our own client (no external
// programs): concurrent players, the late-joiner GOP, a source ending on
// unpublish, the server's bounds (silent connection, player not reading), and
// the client telling a dropped connection from a clean end of stream.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "media/io/listen_endpoints.hpp"
#include "media/io/rtmp_client_conn.hpp"
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
  auto sink = ListenSink::open(server_options(), "live/s");
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
  auto late_got = std::async(std::launch::async, [&] { return drain(*late); });
  std::this_thread::sleep_for(200ms);
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

TEST(ListenSink, PlayerThatStopsReadingIsDropped) {
  auto so = server_options(20000ms);
  so.max_player_backlog = 8u << 20;  // above the sink's 4 MiB hand-over queue
  auto sink = ListenSink::open(so, "live/slow");
  ASSERT_TRUE(sink);
  auto stuck = client((*sink)->port(), "slow", false);  // plays, then never reads again
  ASSERT_TRUE(stuck->open());
  auto good = client((*sink)->port(), "slow", false);
  ASSERT_TRUE(good->open());
  auto good_got = std::async(std::launch::async, [&] { return drain(*good); });
  // 400 x 64 KiB = 25 MiB at ~64 MB/s (a live pace the reading player keeps
  // up with): more than socket buffers plus the 8 MiB backlog.
  for (std::uint32_t i = 0; i < 400; ++i) {
    ASSERT_TRUE((*sink)->write(video(i * 40, i == 0 ? 1 : 2, 1, 64 * 1024)));
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE((*sink)->finish());
  ASSERT_EQ(good_got.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(good_got.get().size(), 400u);  // the reading player got everything
  // The stuck one was cut off: it finds far fewer messages and then the end.
  std::size_t n = 0;
  for (;;) {
    auto m = stuck->next();
    if (!m || !*m) break;
    ++n;
  }
  EXPECT_LT(n, 400u);
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
