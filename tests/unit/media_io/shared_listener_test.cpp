// rtmp-listen:// endpoints naming one ADDR:PORT share one server
// (SharedRtmpListener): routed by APP/STREAM, one holder per key, the server
// goes with its last endpoint, port 0 stays private.
#include <gtest/gtest.h>

#include "media/io/listen_endpoints.hpp"
#include "media/io/rtmp_client_conn.hpp"
#include "tests/support/free_port.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace std::chrono_literals;

namespace {

io::RtmpListenServer::Options options(std::uint16_t port) {
  io::RtmpListenServer::Options o;
  o.bind = "127.0.0.1";
  o.port = port;
  o.io_timeout = 3000ms;
  return o;
}

std::uint16_t some_port() { return static_cast<std::uint16_t>(rtmfp::testing::free_tcp_port()); }

std::unique_ptr<io::RtmpClientConn> client(std::uint16_t port, const std::string& stream, bool publish) {
  rtmp::ClientOptions o;
  o.url = *rtmp::parse_rtmp_url("rtmp://127.0.0.1:" + std::to_string(port) + "/live/" + stream);
  o.publish = publish;
  return std::make_unique<io::RtmpClientConn>(o, io::TlsOptions{}, 3000ms, 3000ms);
}

rtmp::Message video(std::uint32_t ts, std::uint8_t tag) {
  rtmp::Message m;
  m.type = rtmp::msg_type::video;
  m.timestamp = ts;
  m.payload = {0x17, 0x01, 0, 0, 0, tag};
  return m;
}

}  // namespace

TEST(SharedRtmpListener, TwoKeysOnOnePortEachWithItsOwnStream) {
  const std::uint16_t port = some_port();
  ASSERT_NE(port, 0);
  auto src = io::ListenSource::open(options(port), "live/cam1");
  ASSERT_TRUE(src) << src.error().detail;
  auto sink = io::ListenSink::open(options(port), "live/cam2");
  ASSERT_TRUE(sink) << sink.error().detail;
  EXPECT_EQ(&(*src)->server(), &(*sink)->server()) << "one server for the port";
  // The same key again on that port is refused, naming it.
  auto again = io::ListenSink::open(options(port), "live/cam2");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().detail.find("live/cam2 is already served"), std::string::npos) << again.error().detail;

  // A player of cam2 gets the sink's media; a publisher of cam1 reaches the source.
  auto player = client(port, "cam2", false);
  ASSERT_TRUE(player->open()) << "play cam2";
  ASSERT_TRUE((*sink)->write(video(0, 1)));
  auto m = player->next();
  ASSERT_TRUE(m && *m);
  EXPECT_EQ((*m)->payload.back(), 1);
  EXPECT_EQ((*sink)->players(), 1u);
  auto pub = client(port, "cam1", true);
  ASSERT_TRUE(pub->open()) << "publish cam1";
  ASSERT_TRUE(pub->send(video(0, 7)));
  auto got = (*src)->next();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->payload.back(), 7);
  // Keys nobody serves are refused; a destination's key takes no publisher.
  EXPECT_FALSE(client(port, "cam3", true)->open());
  EXPECT_FALSE(client(port, "cam2", true)->open());

  // cam1's endpoint goes: its key is free, cam2 goes on on the same server.
  pub->close();
  src->reset();
  EXPECT_FALSE(client(port, "cam1", true)->open()) << "released keys are not served";
  ASSERT_TRUE((*sink)->write(video(40, 2)));
  auto m2 = player->next();
  ASSERT_TRUE(m2 && *m2);
  EXPECT_EQ((*m2)->payload.back(), 2);
  auto src2 = io::ListenSource::open(options(port), "live/cam1");
  EXPECT_TRUE(src2) << "the key can be claimed again";
}

TEST(SharedRtmpListener, TheLastEndpointTakesTheServerWithIt) {
  const std::uint16_t port = some_port();
  ASSERT_NE(port, 0);
  {
    auto a = io::ListenSink::open(options(port), "live/a");
    ASSERT_TRUE(a) << a.error().detail;
  }
  // Closed with its only endpoint, so a second open binds it anew.
  auto b = io::ListenSink::open(options(port), "live/b");
  ASSERT_TRUE(b) << b.error().detail;
  EXPECT_FALSE(client(port, "a", false)->open()) << "live/a went with its endpoint";
}

TEST(SharedRtmpListener, PortZeroIsNeverShared) {
  auto a = io::ListenSink::open(options(0), "live/a");
  auto b = io::ListenSink::open(options(0), "live/a");
  ASSERT_TRUE(a && b);
  EXPECT_NE((*a)->port(), (*b)->port());
}
