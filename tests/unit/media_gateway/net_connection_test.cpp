// NetConnectionClient against MediaServer over two in-memory RTMFP endpoints
// (RFC 7425 §5.3): connect, setPeerInfo, Set Keepalive Timers, createStream,
// publish / play, refusals, flow rejection, the Flow Synchronization barrier
// at the end of a stream and the §5.3.6 close.
#include <gtest/gtest.h>

#include "media/gateway/rtmfp_mapping.hpp"
#include "tests/unit/media_gateway/gateway_world.hpp"

namespace rtmfp::media::gateway {
namespace {

using testing::Client;
using testing::World;
using K = NcClientEvent::Kind;

rtmp::Message media(std::uint8_t type, std::uint32_t ts, Bytes payload) {
  rtmp::Message m;
  m.type = type;
  m.timestamp = ts;
  m.payload = std::move(payload);
  return m;
}
rtmp::Message metadata() {
  auto m = rtmp::encode_data({"onMetaData", {rtmp::Value::ecma_array({{"width", rtmp::Value::number(320)}})}}, 0, 0);
  return *m;
}
rtmp::Message avc_header() { return media(9, 0, {0x17, 0x00, 0, 0, 0, 0x42}); }
rtmp::Message aac_header() { return media(8, 0, {0xaf, 0x00, 0x12, 0x10}); }
rtmp::Message key(std::uint32_t ts) { return media(9, ts, {0x17, 0x01, 0, 0, 0, std::uint8_t(ts)}); }
rtmp::Message inter(std::uint32_t ts) { return media(9, ts, {0x27, 0x01, 0, 0, 0, std::uint8_t(ts)}); }
rtmp::Message aac(std::uint32_t ts) { return media(8, ts, {0xaf, 0x01, std::uint8_t(ts), 7}); }

// The relay's player on the server's registry (rtmfp-listen:// as a source).
struct Capture : rtmp::StreamSink {
  std::vector<rtmp::Message> got;
  bool started = false, stopped = false;
  std::size_t at_stop = 0;
  void deliver(const rtmp::Message& m) override { got.push_back(m); }
  void publisher_started() override { started = true; }
  void publisher_stopped() override {
    stopped = true;
    at_stop = got.size();
  }
};

ServerPolicy policy(bool relay_publishes) {
  ServerPolicy p;
  p.app = "live";
  p.stream = "s";
  p.allow_play = relay_publishes;
  p.allow_publish = !relay_publishes;
  return p;
}

NcClientConfig client(bool publish, std::string app = "live", std::string stream = "s") {
  NcClientConfig c;
  c.app = std::move(app);
  c.tc_url = "rtmfp://server/" + c.app;
  c.stream = std::move(stream);
  c.publish = publish;
  c.peer_addresses = {"192.0.2.129:50001"};
  return c;
}

bool streaming(const Client& c) { return c.has(K::publishing) || c.has(K::playing) || c.failure(); }

TEST(NetConnection, PublishReachesTheServerInOrderAndEndsAfterTheMedia) {
  World w;
  w.add_server(policy(false));
  Capture cap;
  ASSERT_TRUE(w.server().add_player(&cap));
  Client& c = w.add_client(client(true));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  ASSERT_FALSE(c.failure()) << c.failure()->text;
  EXPECT_TRUE(c.has(K::connected));
  EXPECT_TRUE(cap.started);
  // §5.3.4: the server advised 15 s; the client took it (>= its 5 s minimum).
  ASSERT_TRUE(c.nc->server_keepalive());
  EXPECT_EQ(*c.nc->server_keepalive(), milliseconds(15000));
  std::vector<rtmp::Message> sent = {metadata(), avc_header(), aac_header(), key(0), aac(0)};
  for (std::uint32_t t = 40; t < 2000; t += 40) {
    sent.push_back(t % 1000 == 0 ? key(t) : inter(t));
    sent.push_back(aac(t));
  }
  for (auto& m : sent) ASSERT_TRUE(c.nc->send_media(w.now, *c.port, m));
  ASSERT_TRUE(c.nc->send_media(w.now, *c.port, media(5, 0, {0, 0, 0, 1})));  // window ack size: never sent (§5.1)
  c.nc->finish(w.now, *c.port);
  bool ok = w.run_until([&] { return c.nc->done() && cap.stopped; });
  ASSERT_TRUE(ok)
      << "client state " << int(c.nc->state()) << " stopped " << cap.stopped << " got " << cap.got.size() << " of "
      << sent.size() << (c.failure() ? " failure: " + c.failure()->text : std::string()) << " log: " << [&] {
           std::string s;
           for (auto& l : w.server().take_log()) s += l + "; ";
           return s;
         }();
  EXPECT_EQ(c.nc->state(), NetConnectionClient::State::ended) << "server closed its control flow in answer (§5.3.6)";
  EXPECT_FALSE(c.failure());
  // Every message arrived before the unpublish (barrier, §5.2), each type in order.
  EXPECT_EQ(cap.at_stop, cap.got.size());
  for (std::uint8_t type : {8, 9}) {
    std::vector<Bytes> a, b;
    for (auto& m : sent)
      if (m.type == type) a.push_back(m.payload);
    for (auto& m : cap.got)
      if (m.type == type) b.push_back(m.payload);
    EXPECT_EQ(a, b) << "type " << int(type);
  }
  ASSERT_FALSE(cap.got.empty());
  EXPECT_EQ(cap.got.front().type, 18) << "onMetaData (without @setDataFrame) first";
  auto d = rtmp::decode_data(cap.got.front());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->handler, "onMetaData");
  for (auto& m : cap.got) EXPECT_FALSE(m.type == 5) << "control types are not forwarded";
  bool peer_info = false;
  for (auto& l : w.server().take_log()) peer_info = peer_info || l.find("setPeerInfo with 1 address") != std::string::npos;
  EXPECT_TRUE(peer_info) << "§5.3.3: the client sent setPeerInfo";
}

TEST(NetConnection, PlayersEarlyAndLateGetTheStreamAndItsEnd) {
  World w;
  w.add_server(policy(true));
  ASSERT_TRUE(w.server().publish());
  Client& early = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return streaming(early); }));
  ASSERT_FALSE(early.failure()) << early.failure()->text;
  for (auto& m : {metadata(), avc_header(), aac_header(), key(0), aac(0), inter(40), aac(40), key(1000), inter(1040),
                  aac(1040)})
    w.server().media(m);
  w.server().flush(w.now);
  w.run_for(milliseconds(500));
  Client& late = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return streaming(late); }));
  ASSERT_FALSE(late.failure()) << late.failure()->text;
  w.server().media(inter(1080));
  w.server().unpublish();
  w.server().flush(w.now);
  ASSERT_TRUE(w.run_until([&] { return early.has(K::ended) && late.has(K::ended); }));
  EXPECT_EQ(early.media().size(), 11u);
  // Late: metadata + both sequence headers + the GOP from the last keyframe.
  auto lm = late.media();
  ASSERT_EQ(lm.size(), 7u);
  std::size_t headers = 0, meta = 0;
  for (auto& m : lm) {
    headers += rtmp::is_avc_sequence_header(m.payload) && m.type == 9;
    headers += rtmp::is_aac_sequence_header(m.payload) && m.type == 8;
    meta += m.type == 18;
  }
  EXPECT_EQ(headers, 2u);
  EXPECT_EQ(meta, 1u);
  std::vector<std::uint32_t> video_ts;
  for (auto& m : lm)
    if (m.type == 9 && !rtmp::is_avc_sequence_header(m.payload)) video_ts.push_back(m.timestamp);
  EXPECT_EQ(video_ts, (std::vector<std::uint32_t>{1000, 1040, 1080}));
}

TEST(NetConnection, UnknownStreamAndAppAreRefused) {
  World w;
  w.add_server(policy(true));
  ASSERT_TRUE(w.server().publish());
  Client& wrong_stream = w.add_client(client(false, "live", "other"));
  Client& wrong_app = w.add_client(client(false, "vod", "s"));
  Client& publisher = w.add_client(client(true));  // the relay is the only publisher here
  ASSERT_TRUE(w.run_until([&] { return wrong_stream.failure() && wrong_app.failure() && publisher.failure(); }));
  EXPECT_EQ(wrong_stream.failure()->error.code, Errc::refused);
  EXPECT_NE(wrong_stream.failure()->text.find("NetStream.Play.StreamNotFound"), std::string::npos)
      << wrong_stream.failure()->text;
  EXPECT_EQ(wrong_app.failure()->error.code, Errc::refused);
  EXPECT_NE(wrong_app.failure()->text.find("NetConnection.Connect.Rejected"), std::string::npos)
      << wrong_app.failure()->text;
  EXPECT_NE(publisher.failure()->text.find("NetStream.Publish.BadName"), std::string::npos) << publisher.failure()->text;

  World w2;
  w2.add_server(policy(false));
  Client& bad_publish = w2.add_client(client(true, "live", "nope"));
  ASSERT_TRUE(w2.run_until([&] { return bad_publish.failure() != nullptr; }));
  EXPECT_NE(bad_publish.failure()->text.find("NetStream.Publish.BadName"), std::string::npos);
}

TEST(NetConnection, UnexpectedFlowsAreRejectedWithCodeZero) {
  World w;
  w.add_server(policy(true));
  ASSERT_TRUE(w.server().publish());
  Client& c = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  Endpoint& ep = *c.peer->endpoint;
  // Not a "TC" flow (§5.1.1), a TC flow for a stream never created and a
  // second unassociated control flow (§5.3.5.3).
  auto f1 = ep.open_flow(w.now, *c.session, Bytes{'X', 'Y', 4, 0});
  auto f2 = ep.open_flow(w.now, *c.session, encode_metadata({77, false}), std::nullopt);
  auto f3 = ep.open_flow(w.now, *c.session, encode_metadata({0, false}), std::nullopt);
  ASSERT_TRUE(f1 && f2 && f3);
  for (auto f : {*f1, *f2, *f3}) ASSERT_TRUE(ep.write(w.now, *c.session, f, encode_message(20, 0, Bytes{5, 0})));
  ASSERT_TRUE(w.run_until([&] { return c.rejected.size() >= 3; }));
  for (auto& r : c.rejected) EXPECT_EQ(r.code, 0u);
  EXPECT_FALSE(c.failure()) << "the NetConnection itself goes on";
}

TEST(NetConnection, SetKeepaliveIsClampedToTheClientMinimum) {
  World w;
  ServerPolicy p = policy(true);
  p.keepalive = {1000, 500};
  w.add_server(p);
  ASSERT_TRUE(w.server().publish());
  Client& c = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return c.has(K::keepalive); }));
  EXPECT_EQ(*c.nc->server_keepalive(), milliseconds(5000)) << "§5.3.4: at least five seconds";
}

TEST(NetConnection, SessionCloseByThePublisherReleasesTheStream) {
  World w;
  w.add_server(policy(false));
  Capture cap;
  ASSERT_TRUE(w.server().add_player(&cap));
  Client& c = w.add_client(client(true));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  ASSERT_TRUE(w.server().has_publisher());
  ASSERT_TRUE(c.peer->endpoint->close(w.now, *c.session));  // no NetConnection close first
  ASSERT_TRUE(w.run_until([&] { return cap.stopped; }));
  EXPECT_FALSE(w.server().has_publisher());
  EXPECT_EQ(w.server().connections(), 0u);
}

TEST(NetConnection, ServerGoingAwayFailsThePublisher) {
  World w;
  w.add_server(policy(false));
  Client& c = w.add_client(client(true));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  w.server_peer().endpoint->shutdown(w.now);
  ASSERT_TRUE(w.run_until([&] { return c.failure() != nullptr; }));
  EXPECT_EQ(c.failure()->error.code, Errc::closed) << c.failure()->text;
}

TEST(NetConnection, LossOnThePathStillDeliversEverythingWithinTheDeadlines) {
  World w;
  w.add_server(policy(false));
  Capture cap;
  ASSERT_TRUE(w.server().add_player(&cap));
  Client& c = w.add_client(client(true));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  int n = 0;
  w.filter = [&](const SocketAddress&, const SocketAddress&, const Bytes&) { return ++n % 10 != 0; };  // 10% loss
  std::size_t frames = 0;
  for (std::uint32_t t = 0; t < 3000; t += 40) {
    ASSERT_TRUE(c.nc->send_media(w.now, *c.port, t % 1000 == 0 ? key(t) : inter(t)));
    ASSERT_TRUE(c.nc->send_media(w.now, *c.port, aac(t)));
    frames += 2;
    w.run_for(milliseconds(40));
  }
  c.nc->finish(w.now, *c.port);
  ASSERT_TRUE(w.run_until([&] { return cap.stopped; }, seconds(60)));
  EXPECT_EQ(cap.got.size(), frames) << "retransmission recovers well within the 3 s deadlines";
}


// Review I3: a player the registry refuses gets Play.Failed without a
// Play.Start first.
TEST(NetConnection, PlayRefusedByTheRegistryIsFailedWithoutStart) {
  World w;
  rtmp::RegistryLimits lim;
  lim.max_players_per_stream = 0;
  w.add_server(policy(true), lim);
  ASSERT_TRUE(w.server().publish());
  Client& c = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return c.failure() != nullptr || c.has(K::playing); }));
  w.run_for(milliseconds(500));
  EXPECT_FALSE(c.has(K::playing)) << "Play.Start before Play.Failed";
  EXPECT_TRUE(c.failure());
}

// A keyframe larger than the flow layer's default 1 MiB receive buffer: the
// RTMP-over-RTMFP endpoints configure kStreamReceiveBuffer, so a 3 MiB
// keyframe (4K video) arrives whole instead of getting its flow rejected.
TEST(NetConnection, AThreeMegabyteKeyframeArrivesWhole) {
  World w;
  w.add_server(policy(false));
  Capture cap;
  ASSERT_TRUE(w.server().add_player(&cap));
  Client& c = w.add_client(client(true));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  ASSERT_FALSE(c.failure()) << c.failure()->text;
  Bytes big(3u << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 31 + 7);
  big[0] = 0x17;
  big[1] = 0x01;
  for (auto& m : {metadata(), avc_header(), media(9, 0, big), inter(40), aac(40)})
    ASSERT_TRUE(c.nc->send_media(w.now, *c.port, m));
  c.nc->finish(w.now, *c.port);
  ASSERT_TRUE(w.run_until([&] { return c.nc->done() && cap.stopped; }))
      << "got " << cap.got.size() << (c.failure() ? " failure: " + c.failure()->text : std::string());
  bool whole = false;
  for (auto& m : cap.got) whole = whole || (m.type == 9 && m.payload == big);
  EXPECT_TRUE(whole) << "the 3 MiB keyframe did not arrive intact";
}

}  // namespace
}  // namespace rtmfp::media::gateway
