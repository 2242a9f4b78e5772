// Access keys on rtmfp-listen:// (as rtmp-listen:// has them, review S3):
// rtmfp-listen://ADDR:PORT/APP/STREAM?publish_key=A&play_key=B, clients
// sending STREAM?key=TOKEN. Real UDP on loopback: RtmfpListenSink /
// RtmfpListenSource and the relay's RtmfpClientConn; each open() returns on
// the server's answer (Play.Start / Publish.Start or the refusal), no pacing.
#include <gtest/gtest.h>

#include "media/io/rtmfp_client_conn.hpp"
#include "media/io/rtmfp_listen_endpoints.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace rtmfp::media::io;

namespace {

RtmfpListenServer::Options listen(const std::string& url) {
  RtmfpListenServer::Options so;
  auto u = gateway::parse_rtmfp_media_url(url);
  EXPECT_TRUE(u) << (u ? "" : u.error().detail);
  if (u) so.url = *u;
  return so;
}

Result<std::unique_ptr<RtmfpClientConn>> client(const SocketAddress& server, const std::string& stream, bool publish) {
  RtmfpClientConn::Options co;
  auto u = gateway::parse_rtmfp_media_url("rtmfp://127.0.0.1:" + std::to_string(server.port) + "/live/" + stream);
  EXPECT_TRUE(u);
  co.url = *u;
  co.publish = publish;
  co.profile = ProfileKind::modern;
  co.connect_timeout = milliseconds(20000);
  return RtmfpClientConn::open(co);
}

std::string text(const Result<std::unique_ptr<RtmfpClientConn>>& r) { return r ? "opened" : r.error().detail; }

TEST(RtmfpListenAccess, PlayersNeedThePlayKey) {
  auto sink = RtmfpListenSink::open(listen("rtmfp-listen://127.0.0.1:0/live/s?play_key=B2"), milliseconds(15000));
  ASSERT_TRUE(sink) << sink.error().detail;
  const SocketAddress at = (*sink)->local_address();
  auto none = client(at, "s", false);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().detail.find("NetStream.Play.StreamNotFound"), std::string::npos) << none.error().detail;
  EXPECT_EQ(none.error().detail.find("B2"), std::string::npos) << "the token is never echoed";
  auto wrong = client(at, "s?key=B", false);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().detail.find("NetStream.Play.StreamNotFound"), std::string::npos) << wrong.error().detail;
  auto right = client(at, "s?key=B2", false);
  EXPECT_TRUE(right) << text(right);
  auto other = client(at, "t?key=B2", false);
  EXPECT_FALSE(other) << "the token opens only the relay's stream";
}

TEST(RtmfpListenAccess, PublishersNeedThePublishKey) {
  auto src = RtmfpListenSource::open(listen("rtmfp-listen://127.0.0.1:0/live/s?publish_key=A1&play_key=B2"),
                                     milliseconds(15000));
  ASSERT_TRUE(src) << src.error().detail;
  const SocketAddress at = (*src)->local_address();
  auto play_token = client(at, "s?key=B2", true);
  ASSERT_FALSE(play_token) << "the play token does not publish";
  EXPECT_NE(play_token.error().detail.find("NetStream.Publish.BadName"), std::string::npos)
      << play_token.error().detail;
  auto right = client(at, "s?key=A1", true);
  EXPECT_TRUE(right) << text(right);
}

TEST(RtmfpListenAccess, UnknownUrlOptionsAreRefused) {
  auto sink = RtmfpListenSink::open(listen("rtmfp-listen://127.0.0.1:0/live/s?key=x"), milliseconds(15000));
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, Errc::invalid_argument);
}

}  // namespace
