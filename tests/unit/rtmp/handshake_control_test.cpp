// Handshake (R§5.2, E§3), control messages (R§5.4, R§7.1.7), aggregates (R§7.1.6), URLs.
#include <gtest/gtest.h>

#include "media/rtmp/control.hpp"
#include "media/rtmp/handshake.hpp"
#include "media/rtmp/url.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

TEST(RtmpHandshake, ClientServerInMemoryWithTrailingChunkBytes) {
  Handshake c(HandshakeRole::client, 1000, 1), s(HandshakeRole::server, 2000, 2);
  Bytes c01 = c.start();
  ASSERT_EQ(c01.size(), 1537u);
  EXPECT_EQ(c01[0], 3);
  EXPECT_EQ(Bytes(c01.begin() + 5, c01.begin() + 9), Bytes(4, 0));  // C1 version zero
  Bytes s012;
  ASSERT_TRUE(s.feed(c01, s012));
  ASSERT_EQ(s012.size(), 1u + 2 * 1536u);
  EXPECT_EQ(Bytes(s012.begin() + 5, s012.begin() + 9), Bytes(4, 0));  // S1 version zero (interop §2b)
  // S2 echoes C1's time and random bytes.
  EXPECT_TRUE(std::equal(c01.begin() + 1, c01.begin() + 5, s012.begin() + 1537));
  EXPECT_TRUE(std::equal(c01.begin() + 9, c01.end(), s012.begin() + 1537 + 8));
  Bytes c2;
  // Feed S0S1S2 in two pieces.
  ASSERT_TRUE(c.feed(ByteView(s012).first(100), c2));
  EXPECT_FALSE(c.done());
  ASSERT_TRUE(c.feed(ByteView(s012).subspan(100), c2));
  ASSERT_TRUE(c.done());
  EXPECT_TRUE(c.echo_matched());
  ASSERT_EQ(c2.size(), 1536u);
  Bytes tail = c2;
  tail.push_back(0x42);
  Bytes none;
  ASSERT_TRUE(s.feed(tail, none));
  EXPECT_TRUE(s.done());
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(s.echo_matched());
  EXPECT_EQ(s.take_leftover(), Bytes{0x42});
}

TEST(RtmpHandshake, ServerEchoesDigestC1AndClientToleratesBadEcho) {
  Handshake s(HandshakeRole::server);
  Bytes c01(1537, 0x33);
  c01[0] = 3;
  c01[5] = 9;  // FP9 version field (ffmpeg / Flash send one with a digest)
  Bytes out;
  ASSERT_TRUE(s.feed(c01, out));
  EXPECT_EQ(s.peer_version(), 0x09333333u);
  EXPECT_TRUE(std::equal(c01.begin() + 9, c01.end(), out.begin() + 1537 + 8));
  Handshake c(HandshakeRole::client);
  c.start();
  Bytes s012(3073, 0x11);
  s012[0] = 3;
  Bytes c2;
  ASSERT_TRUE(c.feed(s012, c2));  // S2 is not an echo: tolerated (E§3)
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.echo_matched());
}

TEST(RtmpHandshake, BadVersionsFailClearly) {
  Handshake s(HandshakeRole::server);
  Bytes out;
  auto r = s.feed(Bytes{'G', 'E', 'T'}, out);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("HTTP"), std::string::npos);
  Handshake s2(HandshakeRole::server);
  auto r2 = s2.feed(Bytes{6}, out);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().detail.find("RTMPE"), std::string::npos);
}

TEST(RtmpControl, EncodeDecode) {
  auto m = control::window_ack_size(2500000);
  EXPECT_EQ(m.type, msg_type::window_ack_size);
  EXPECT_EQ(m.csid, 2u);
  EXPECT_EQ(*control::decode_u32(m), 2500000u);
  auto pb = control::decode_peer_bandwidth(control::set_peer_bandwidth(5000000, BandwidthLimit::dynamic));
  ASSERT_TRUE(pb);
  EXPECT_EQ(pb->limit, 2);
  auto sbl = control::decode_user_control(control::set_buffer_length(1, 3000));
  ASSERT_TRUE(sbl);
  EXPECT_EQ(sbl->event, 3);
  EXPECT_EQ(sbl->value, 1u);
  EXPECT_EQ(sbl->value2, 3000u);
  Message ping;
  ping.type = msg_type::user_control;
  ping.payload = {0, 6, 0, 0, 1, 2};
  auto pr = control::decode_user_control(ping);
  ASSERT_TRUE(pr);
  EXPECT_EQ(pr->event, 6);
  EXPECT_EQ(control::ping_response(pr->value).payload, (Bytes{0, 7, 0, 0, 1, 2}));
  ping.payload = {0, 3, 0, 0, 0, 1};
  EXPECT_FALSE(control::decode_user_control(ping));  // SetBufferLength without length
  ping.payload = {0};
  EXPECT_FALSE(control::decode_user_control(ping));
}

TEST(RtmpControl, AckWindow) {
  AckTracker t;
  EXPECT_FALSE(t.on_received(1000000));  // no window yet
  t.set_window(1000);
  auto a = t.on_received(999);
  EXPECT_FALSE(a);
  a = t.on_received(1000);
  ASSERT_TRUE(a);
  EXPECT_EQ(*control::decode_u32(*a), 1000u);
  EXPECT_FALSE(t.on_received(1500));
  EXPECT_TRUE(t.on_received(2100));
}

TEST(RtmpControl, AggregateSplit) {
  // Two FLV tags: audio ts 1000 (2 bytes), video ts 1040 (1 byte).
  Bytes p = {8, 0, 0, 2, 0x00, 0x03, 0xe8, 0, 0, 0, 0, 0xaf, 0x01, 0, 0, 0, 13,
             9, 0, 0, 1, 0x00, 0x04, 0x10, 0, 0, 0, 0, 0x17, 0, 0, 0, 12};
  Message agg{5000, msg_type::aggregate, 1, 6, p};
  auto parts = split_aggregate(agg);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].timestamp, 5000u);
  EXPECT_EQ((*parts)[1].timestamp, 5040u);
  EXPECT_EQ((*parts)[1].type, 9);
  EXPECT_EQ((*parts)[1].stream_id, 1u);
  agg.payload.resize(agg.payload.size() - 6);
  auto bad = split_aggregate(agg);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("truncated"), std::string::npos);
}

TEST(RtmpUrl, SplitRules) {
  auto u = parse_rtmp_url("rtmp://example.com/live/stream1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 1935);
  EXPECT_EQ(u->app, "live");
  EXPECT_EQ(u->stream, "stream1");
  EXPECT_EQ(u->tc_url, "rtmp://example.com/live");
  u = parse_rtmp_url("rtmps://user@h:8443/live/a/b?token=x");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->stream, "a/b?token=x");
  EXPECT_EQ(u->tc_url, "rtmps://h:8443/live");
  EXPECT_EQ(parse_rtmp_url("rtmps://h/app/s")->port, 443);
  u = parse_rtmp_url("rtmp://[::1]:1936/app/inst#key");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->app, "app/inst");
  EXPECT_EQ(u->stream, "key");
  EXPECT_FALSE(parse_rtmp_url("http://h/app/s"));
  EXPECT_FALSE(parse_rtmp_url("rtmp://h:99999/app/s"));
  EXPECT_FALSE(parse_rtmp_url("rtmp://h"));
  EXPECT_FALSE(parse_rtmp_url("rtmp:///app"));
}
