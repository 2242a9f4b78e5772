// The RTMP client with objectEncoding 3 (E§8.1.1, E§7.2) against our server
// session, in memory: connect goes as type 20 carrying objectEncoding 3 (the
// encoding is not agreed yet), every later command as type 17 once the server
// answered 3; a server that answers 0 keeps the client on type 20.
#include <gtest/gtest.h>

#include "media/rtmp/client_session.hpp"
#include "media/rtmp/server_session.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

namespace {
TimePoint now() { return at(milliseconds(0)); }

ClientOptions opts(const std::string& url, bool publish, int enc) {
  ClientOptions o;
  o.url = *parse_rtmp_url(url);
  o.publish = publish;
  o.object_encoding = enc;
  return o;
}

// One client and one server session joined in memory; every byte the client
// sends is also kept, to be decoded afterwards.
struct Link {
  ClientSession c;
  ServerSession s;
  Bytes client_wire;
  std::vector<ClientEvent> ev;
  bool finished = false;
  Link(StreamRegistry& reg, ClientOptions o) : c(std::move(o)), s(reg) {
    Bytes c01 = c.start(now());
    client_wire = c01;
    EXPECT_TRUE(s.receive(c01, now()));
    pump();
  }
  void pump() {
    for (int i = 0; i < 100; ++i) {
      Bytes a = c.take_output();
      Bytes b = s.take_output();
      if (a.empty() && b.empty()) break;
      client_wire.insert(client_wire.end(), a.begin(), a.end());
      if (!a.empty()) {
        EXPECT_TRUE(s.receive(a, now()));
      }
      if (!b.empty()) {
        auto r = c.receive(b, now());
        EXPECT_TRUE(r || finished) << r.error().detail;  // after finish() the client takes nothing more
      }
      for (auto& e : c.take_events()) ev.push_back(std::move(e));
    }
  }
  // Messages the client sent after the handshake (C0+C1 and C2 skipped).
  std::vector<Message> client_messages() const {
    ChunkParser p;
    std::vector<Message> out;
    EXPECT_TRUE(p.feed(ByteView(client_wire).subspan(1 + 2 * kHandshakeSize), out));
    return out;
  }
  bool has(ClientEvent::Kind k) const {
    for (const auto& e : ev)
      if (e.kind == k) return true;
    return false;
  }
};

std::vector<std::pair<std::uint8_t, std::string>> commands(const std::vector<Message>& msgs) {
  std::vector<std::pair<std::uint8_t, std::string>> r;
  for (const auto& m : msgs) {
    if (m.type != msg_type::command_amf0 && m.type != msg_type::command_amf3) continue;
    auto c = decode_command(m);
    EXPECT_TRUE(c) << c.error().detail;
    if (c) r.emplace_back(m.type, c->name);
  }
  return r;
}
}  // namespace

TEST(RtmpClientAmf3, PublishAndPlayWithType17Commands) {
  StreamRegistry reg;
  Link pub(reg, opts("rtmp://h/live/cam", true, 3));
  ASSERT_TRUE(pub.has(ClientEvent::Kind::publishing));
  EXPECT_TRUE(pub.c.amf3());
  auto cmds = commands(pub.client_messages());
  ASSERT_GE(cmds.size(), 5u);
  EXPECT_EQ(cmds[0], (std::pair<std::uint8_t, std::string>{20, "connect"}));
  for (std::size_t i = 1; i < cmds.size(); ++i) EXPECT_EQ(cmds[i].first, 17) << cmds[i].second << " must be type 17";
  bool saw_publish = false;
  for (const auto& c : cmds) saw_publish = saw_publish || c.second == "publish";
  EXPECT_TRUE(saw_publish);
  // connect asked for 3.
  auto first = pub.client_messages();
  for (const auto& m : first)
    if (m.type == msg_type::command_amf0) {
      auto c = decode_command(m);
      ASSERT_TRUE(c);
      ASSERT_TRUE(c->command_object.get("objectEncoding"));
      EXPECT_EQ(*c->command_object.get("objectEncoding")->as_number(), 3);
      break;
    }

  Link play(reg, opts("rtmp://h/live/cam", false, 3));
  ASSERT_TRUE(play.has(ClientEvent::Kind::playing));
  EXPECT_TRUE(play.c.amf3());
  for (const auto& c : commands(play.client_messages())) {
    if (c.second != "connect") {
      EXPECT_EQ(c.first, 17) << c.second;
    }
  }

  // Media flows publisher → server → player.
  ASSERT_TRUE(pub.c.send_media(Message{0, msg_type::video, 0, 0, {0x17, 0x00, 1}}));
  ASSERT_TRUE(pub.c.send_media(Message{40, msg_type::video, 0, 0, {0x17, 0x01, 2}}));
  pub.pump();
  play.pump();
  std::size_t media = 0;
  for (const auto& e : play.ev) media += e.kind == ClientEvent::Kind::media;
  EXPECT_EQ(media, 2u);

  // The polite end (FCUnpublish, deleteStream) goes as type 17 too.
  pub.c.finish();
  pub.finished = true;
  pub.pump();
  auto all = commands(pub.client_messages());
  ASSERT_EQ(all.back().second, "deleteStream");
  EXPECT_EQ(all.back().first, 17);
  EXPECT_FALSE(reg.has_publisher("live/cam"));
}

TEST(RtmpClientAmf3, DefaultClientStaysAmf0) {
  StreamRegistry reg;
  Link pub(reg, opts("rtmp://h/live/x", true, 0));
  ASSERT_TRUE(pub.has(ClientEvent::Kind::publishing));
  EXPECT_FALSE(pub.c.amf3());
  for (const auto& c : commands(pub.client_messages())) EXPECT_EQ(c.first, 20) << c.second;
  bool saw_connect = false;
  for (const auto& m : pub.client_messages()) {
    if (m.type != msg_type::command_amf0) continue;
    if (auto c = decode_command(m); c && c->name == "connect") {
      saw_connect = true;
      EXPECT_EQ(c->command_object.get("objectEncoding"), nullptr);
    }
  }
  EXPECT_TRUE(saw_connect);
}

TEST(RtmpClientAmf3, ServerAnsweringZeroKeepsAmf0) {
  // A server that ignores objectEncoding (answers 0, like nginx-rtmp): E§8.1.1
  // says the server's answer decides, so the client must not switch.
  ClientSession c(opts("rtmp://h/live/y", true, 3));
  Handshake server_hs(HandshakeRole::server);
  Bytes to_client;
  ASSERT_TRUE(server_hs.feed(c.start(now()), to_client));
  ASSERT_TRUE(c.receive(to_client, now()));
  Bytes from_client = c.take_output();  // C2 + set chunk size + connect
  Bytes ignored;
  ASSERT_TRUE(server_hs.feed(from_client, ignored));
  ASSERT_TRUE(server_hs.done());
  ChunkParser p;
  std::vector<Message> in;
  ASSERT_TRUE(p.feed(server_hs.take_leftover(), in));
  ChunkSerializer ser;
  Bytes reply;
  Value info = status_info("status", "NetConnection.Connect.Success", "ok");
  info.set("objectEncoding", Value::number(0));
  auto result = encode_command(Command{"_result", 1, Value::null(), {info}}, 0, false);
  ASSERT_TRUE(result);
  ASSERT_TRUE(ser.write(*result, reply));
  ASSERT_TRUE(c.receive(reply, now()));
  EXPECT_FALSE(c.amf3());
  in.clear();
  ASSERT_TRUE(p.feed(c.take_output(), in));
  auto cmds = commands(in);
  ASSERT_FALSE(cmds.empty());
  for (const auto& cmd : cmds) EXPECT_EQ(cmd.first, 20) << cmd.second;
  EXPECT_EQ(cmds.back().second, "createStream");
}
