// Client and server sessions connected in memory (no sockets): connect,
// publish, play, GOP cache delivery to a late player, conflicts, errors.
#include <gtest/gtest.h>

#include "media/rtmp/client_session.hpp"
#include "media/rtmp/server_session.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

namespace {
TimePoint now() { return at(milliseconds(0)); }

// Pumps bytes between one client and one server until neither has output.
void pump(ClientSession& c, ServerSession& s, std::vector<ClientEvent>& cev) {
  for (int i = 0; i < 100; ++i) {
    Bytes a = c.take_output();
    Bytes b = s.take_output();
    if (a.empty() && b.empty()) break;
    if (!a.empty()) (void)s.receive(a, now());
    if (!b.empty()) (void)c.receive(b, now());
    for (auto& e : c.take_events()) cev.push_back(std::move(e));
  }
}

ClientOptions opts(const std::string& url, bool publish) {
  ClientOptions o;
  o.url = *parse_rtmp_url(url);
  o.publish = publish;
  return o;
}

struct Peer {
  ClientSession c;
  ServerSession s;
  std::vector<ClientEvent> ev;
  Peer(StreamRegistry& reg, const std::string& url, bool publish) : c(opts(url, publish)), s(reg) {
    Bytes c01 = c.start(now());
    (void)s.receive(c01, now());
    pump(c, s, ev);
  }
  bool has(ClientEvent::Kind k, const std::string& code = {}) const {
    for (const auto& e : ev)
      if (e.kind == k && (code.empty() || e.code.find(code) != std::string::npos)) return true;
    return false;
  }
  std::vector<Message> media() const {
    std::vector<Message> r;
    for (const auto& e : ev)
      if (e.kind == ClientEvent::Kind::media) r.push_back(e.message);
    return r;
  }
};

Message av(std::uint8_t type, std::uint32_t ts, Bytes payload) { return Message{ts, type, 0, 0, std::move(payload)}; }
}  // namespace

TEST(RtmpSession, PublishThenLatePlayerGetsMetadataHeadersAndGop) {
  StreamRegistry reg;
  Peer pub(reg, "rtmp://h/live/cam", true);
  ASSERT_TRUE(pub.has(ClientEvent::Kind::connected));
  ASSERT_TRUE(pub.has(ClientEvent::Kind::publishing));
  ASSERT_TRUE(pub.c.ready());
  EXPECT_TRUE(reg.has_publisher("live/cam"));

  auto meta = encode_data(DataMessage{"onMetaData", {Value::ecma_array({{"width", Value(320)}})}}, 0, 0);
  ASSERT_TRUE(meta);
  ASSERT_TRUE(pub.c.send_media(*meta));
  ASSERT_TRUE(pub.c.send_media(av(9, 0, {0x17, 0x00, 1, 2})));    // AVC sequence header
  ASSERT_TRUE(pub.c.send_media(av(8, 0, {0xaf, 0x00, 0x12})));    // AAC sequence header
  ASSERT_TRUE(pub.c.send_media(av(9, 0, {0x27, 0x01, 9})));       // inter frame before any key: not cached
  ASSERT_TRUE(pub.c.send_media(av(9, 40, {0x17, 0x01, 1})));      // keyframe: GOP starts
  ASSERT_TRUE(pub.c.send_media(av(8, 46, {0xaf, 0x01, 5})));
  ASSERT_TRUE(pub.c.send_media(av(9, 80, {0x27, 0x01, 2})));
  pump(pub.c, pub.s, pub.ev);

  Peer player(reg, "rtmp://h/live/cam", false);
  ASSERT_TRUE(player.has(ClientEvent::Kind::playing));
  auto got = player.media();
  ASSERT_EQ(got.size(), 6u);
  auto d = decode_data(got[0]);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->handler, "onMetaData");  // @setDataFrame stripped for players
  EXPECT_TRUE(is_avc_sequence_header(got[1].payload));
  EXPECT_TRUE(is_aac_sequence_header(got[2].payload));
  EXPECT_EQ(got[3].timestamp, 40u);
  EXPECT_TRUE(is_video_keyframe(got[3].payload));
  EXPECT_EQ(got[5].timestamp, 80u);

  // Live fan-out after joining.
  ASSERT_TRUE(pub.c.send_media(av(9, 120, {0x27, 0x01, 3})));
  pump(pub.c, pub.s, pub.ev);
  pump(player.c, player.s, player.ev);
  got = player.media();
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[6].timestamp, 120u);
}

TEST(RtmpSession, WaitingPlayerGetsStreamThatStartsLater) {
  StreamRegistry reg;
  Peer player(reg, "rtmp://h/live/later", false);
  ASSERT_TRUE(player.has(ClientEvent::Kind::playing));
  Peer pub(reg, "rtmp://h/live/later", true);
  ASSERT_TRUE(pub.c.send_media(av(9, 0, {0x17, 0x00, 1})));
  ASSERT_TRUE(pub.c.send_media(av(9, 0, {0x17, 0x01, 1})));
  pump(pub.c, pub.s, pub.ev);
  pump(player.c, player.s, player.ev);
  EXPECT_EQ(player.media().size(), 2u);
  pub.c.finish();
  pump(pub.c, pub.s, pub.ev);
  pump(player.c, player.s, player.ev);
  EXPECT_FALSE(reg.has_publisher("live/later"));
  EXPECT_TRUE(player.has(ClientEvent::Kind::ended));
}

TEST(RtmpSession, PublishConflictIsBadName) {
  StreamRegistry reg;
  Peer a(reg, "rtmp://h/live/x", true);
  ASSERT_TRUE(a.has(ClientEvent::Kind::publishing));
  Peer b(reg, "rtmp://h/live/x", true);
  EXPECT_FALSE(b.has(ClientEvent::Kind::publishing));
  EXPECT_TRUE(b.has(ClientEvent::Kind::error, "NetStream.Publish.BadName"));
}

TEST(RtmpSession, ObjectEncodingNegotiation) {
  // A client asking for objectEncoding 3 gets 3 and AMF3 (type 17) answers;
  // our client (no objectEncoding) gets 0 and type 20 (E§8.1.1).
  StreamRegistry reg;
  ServerSession s(reg);
  Handshake hs(HandshakeRole::client);
  Bytes c01 = hs.start();
  ASSERT_TRUE(s.receive(c01, now()));
  Bytes c2;
  ASSERT_TRUE(hs.feed(s.take_output(), c2));
  ChunkSerializer ser;
  auto conn = encode_command(
      Command{"connect", 1, Value::object({{"app", Value("live")}, {"objectEncoding", Value(3)}}), {}}, 0, true);
  ASSERT_TRUE(conn);
  ASSERT_TRUE(ser.write(*conn, c2));
  ASSERT_TRUE(s.receive(c2, now()));
  ChunkParser p;
  std::vector<Message> msgs;
  ASSERT_TRUE(p.feed(s.take_output(), msgs));
  bool found = false;
  for (const auto& m : msgs) {
    if (m.type != msg_type::command_amf3) continue;
    auto c = decode_command(m);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->name, "_result");
    ASSERT_FALSE(c->args.empty());
    EXPECT_EQ(*c->args[0].get("objectEncoding")->as_number(), 3);
    found = true;
  }
  EXPECT_TRUE(found);
}

TEST(RtmpSession, PingAndGarbage) {
  StreamRegistry reg;
  ServerSession s(reg);
  Bytes junk = {3};
  junk.resize(1537, 0);
  ASSERT_TRUE(s.receive(junk, now()));
  (void)s.take_output();
  Bytes c2(1536, 0);
  // Then a chunk referencing an unknown chunk stream with type 1.
  c2.push_back(0x45);
  c2.insert(c2.end(), {0, 0, 0, 0, 0, 1, 8});
  auto r = s.receive(c2, now());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("no previous type 0"), std::string::npos);
}

// Review I4: data messages other than onMetaData pass the ServerSession hop
// (publisher → registry) and the ClientSession hop (player); only
// @setDataFrame is taken off, and @clearDataFrame forgets the metadata.
TEST(RtmpSession, DataOtherThanOnMetaDataPassesBothHops) {
  StreamRegistry reg;
  Peer pub(reg, "rtmp://h/live/cam", true);
  ASSERT_TRUE(pub.has(ClientEvent::Kind::publishing));
  Peer player(reg, "rtmp://h/live/cam", false);
  ASSERT_TRUE(player.has(ClientEvent::Kind::playing));
  const std::vector<std::string> handlers = {"onMetaData", "onCuePoint", "onTextData", "onCaptionInfo",
                                             "|RtmpSampleAccess"};
  std::uint32_t ts = 0;
  for (const auto& h : handlers) {
    auto m = encode_data(DataMessage{h, {Value::object({{"text", Value::string("x")}})}}, 1, ts += 40);
    ASSERT_TRUE(m);
    ASSERT_TRUE(pub.c.send_media(*m));
  }
  // A publisher wrapping a cue point in @setDataFrame.
  auto wrapped = encode_data(add_set_data_frame(DataMessage{"onCuePoint", {Value::string("y")}}), 1, ts += 40);
  ASSERT_TRUE(pub.c.send_media(*wrapped));
  pump(pub.c, pub.s, pub.ev);
  pump(player.c, player.s, player.ev);
  std::vector<std::string> got;
  std::vector<std::uint32_t> times;
  for (const auto& m : player.media()) {
    auto d = decode_data(m);
    ASSERT_TRUE(d);
    got.push_back(d->handler);
    times.push_back(m.timestamp);
  }
  auto expected = handlers;
  expected.push_back("onCuePoint");
  EXPECT_EQ(got, expected);
  EXPECT_EQ(times, (std::vector<std::uint32_t>{40, 80, 120, 160, 200, 240}));

  // @clearDataFrame: a late player gets no metadata.
  auto clear = encode_data(DataMessage{"@clearDataFrame", {}}, 1, 300);
  ASSERT_TRUE(pub.c.send_media(*clear));
  pump(pub.c, pub.s, pub.ev);
  Peer late(reg, "rtmp://h/live/cam", false);
  ASSERT_TRUE(late.has(ClientEvent::Kind::playing));
  for (const auto& m : late.media()) EXPECT_NE(m.type, 18) << "metadata cleared";
}

namespace {
struct RecordingSink : StreamSink {
  std::vector<std::size_t> sizes;
  void deliver(const Message& m) override { sizes.push_back(m.payload.size()); }
  void publisher_started() override {}
  void publisher_stopped() override {}
};

// The client's C2 (the 1536 bytes after its C0C1) for a server, so a test can
// write raw chunks before connect.
Bytes handshake(ServerSession& s) {
  ClientSession c(opts("rtmp://h/live/x", true));
  Bytes c01 = c.start(now());
  EXPECT_TRUE(s.receive(c01, now()));
  (void)c.receive(s.take_output(), now());
  Bytes out = c.take_output();
  return Bytes(out.begin(), out.begin() + 1536);
}
}  // namespace

// Review P4: before connect, a 100 KB message (or a 9th chunk stream) is refused.
TEST(RtmpSession, PreConnectLimitsAreSmall) {
  StreamRegistry reg;
  ServerSession s(reg);
  Bytes c2 = handshake(s);
  ASSERT_TRUE(s.receive(c2, now()));
  Bytes big{0x03, 0, 0, 0, 0x01, 0x86, 0xA0, 20, 0, 0, 0, 0};
  big.insert(big.end(), 128, 0x02);
  auto r = s.receive(big, now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
}

// Review P4: once publishing, a 12 MiB keyframe (over the old 8 MiB limit,
// within the wire's 16 MiB - 1) reaches the registry.
TEST(RtmpSession, LargeKeyframeAfterPublishIsAccepted) {
  StreamRegistry reg;
  RecordingSink sink;
  ASSERT_TRUE(reg.add_player("live/big", &sink));
  Peer pub(reg, "rtmp://h/live/big", true);
  ASSERT_TRUE(pub.has(ClientEvent::Kind::publishing));
  Bytes frame(12u << 20, 0);
  frame[0] = 0x17;
  frame[1] = 0x01;
  ASSERT_TRUE(pub.c.send_media(av(9, 40, frame)));
  Bytes b = pub.c.take_output();
  auto r = pub.s.receive(b, now());
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_FALSE(sink.sizes.empty());
  EXPECT_EQ(sink.sizes.back(), frame.size());
  reg.remove_player("live/big", &sink);
}

// Review I3: when add_player fails the client gets Play.Failed and no
// Play.Start, and the server reports no `playing`.
TEST(RtmpSession, PlayFailedWithoutPlayStart) {
  RegistryLimits lim;
  lim.max_players_per_stream = 0;
  StreamRegistry reg(lim);
  Peer player(reg, "rtmp://h/live/full", false);
  EXPECT_TRUE(player.has(ClientEvent::Kind::error, "NetStream.Play.Failed"));
  EXPECT_FALSE(player.has(ClientEvent::Kind::playing)) << "no Play.Start before Play.Failed";
  for (const auto& e : player.s.take_events()) EXPECT_NE(e.kind, ServerEvent::Kind::playing);
}

// Review S2: a player whose output backlog passes max_output_bytes is
// closed, never silently skipped a message.
TEST(RtmpSession, SlowPlayerIsClosedNotSkipped) {
  StreamRegistry reg;
  ServerOptions so;
  so.max_output_bytes = 64u << 10;
  ClientSession pc(opts("rtmp://h/live/slow", false));
  ServerSession ps(reg, so);
  std::vector<ClientEvent> pev;
  (void)ps.receive(pc.start(now()), now());
  pump(pc, ps, pev);
  (void)ps.take_events();
  Peer pub(reg, "rtmp://h/live/slow", true);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(pub.c.send_media(av(9, i * 40, Bytes(4096, 0x27))));
  pump(pub.c, pub.s, pub.ev);  // the player's output is never taken
  EXPECT_TRUE(ps.closed());
  bool error = false;
  for (const auto& e : ps.take_events()) error |= e.kind == ServerEvent::Kind::error;
  EXPECT_TRUE(error);
}

namespace {
// Every message the client sent after the handshake (C0C1 and C2 skipped).
std::vector<Message> client_messages(const Bytes& all_client_bytes) {
  ChunkParser p(kMediaLimits);
  std::vector<Message> out;
  EXPECT_TRUE(p.feed(ByteView(all_client_bytes).subspan(1537 + 1536), out));
  return out;
}
std::vector<std::uint32_t> window_acks(const std::vector<Message>& msgs) {
  std::vector<std::uint32_t> r;
  for (const auto& m : msgs)
    if (m.type == msg_type::window_ack_size) r.push_back(*control::decode_u32(m));
  return r;
}
}  // namespace

// Review I6: the client announces its Window Acknowledgement Size after
// connect and answers Set Peer Bandwidth when the limit changes (R§5.4.5).
TEST(RtmpSession, ClientSendsWindowAckSizeAndAnswersSetPeerBandwidth) {
  StreamRegistry reg;
  ClientSession c(opts("rtmp://h/live/w", false));
  ServerSession s(reg);
  Bytes sent = c.start(now());
  (void)s.receive(sent, now());
  for (int i = 0; i < 100; ++i) {
    Bytes a = c.take_output();
    Bytes b = s.take_output();
    if (a.empty() && b.empty()) break;
    sent.insert(sent.end(), a.begin(), a.end());
    if (!a.empty()) (void)s.receive(a, now());
    if (!b.empty()) (void)c.receive(b, now());
  }
  EXPECT_EQ(window_acks(client_messages(sent)), (std::vector<std::uint32_t>{2500000}));
  // A Hard limit of 1,000,000 from the server (own serializer, csid 2 type 0).
  ChunkSerializer ser;
  Bytes spb;
  ASSERT_TRUE(ser.write(control::set_peer_bandwidth(1000000, BandwidthLimit::hard), spb));
  ASSERT_TRUE(c.receive(spb, now()));
  Bytes a = c.take_output();
  sent.insert(sent.end(), a.begin(), a.end());
  // The same limit again (Dynamic after Hard = Hard): no new answer.
  Bytes spb2;
  ASSERT_TRUE(ser.write(control::set_peer_bandwidth(1000000, BandwidthLimit::dynamic), spb2));
  ASSERT_TRUE(c.receive(spb2, now()));
  a = c.take_output();
  sent.insert(sent.end(), a.begin(), a.end());
  EXPECT_EQ(window_acks(client_messages(sent)), (std::vector<std::uint32_t>{2500000, 1000000}));
}
