// Session startup and lifetime on the endpoint, RFC 7016 §3.5, with the
// null (test-only) crypto profile. Loss and delay scenarios run in
// tests/scenarios with the real profiles.
#include <gtest/gtest.h>

#include "endpoint_harness.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"

namespace rtmfp::testing {
namespace {

ConnectRequest to_server(Node& server, bool by_peer_id = false) {
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://server/app";
  if (by_peer_id) r.epd.peer_id = server.profile->local_peer_id();
  r.candidates = {server.address};
  return r;
}

TEST(EndpointHandshake, OpensBothSidesAndReportsPeerId) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto s = client.endpoint->connect(h.now, to_server(server, true));
  ASSERT_TRUE(s);
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  auto opened = client.events_of<SessionOpened>();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].session, *s);
  EXPECT_TRUE(opened[0].initiator);
  EXPECT_EQ(opened[0].far_peer_id, server.profile->local_peer_id());
  EXPECT_EQ(opened[0].peer, server.address);
  auto accepted = server.events_of<SessionOpened>();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_FALSE(accepted[0].initiator);
  EXPECT_EQ(accepted[0].peer, client.address);
  // Four startup packets, no retransmission on a perfect network.
  EXPECT_EQ(h.log.size(), 4u);
  EXPECT_EQ(server.endpoint->stats().sessions_open, 1u);
  EXPECT_EQ(client.endpoint->stats().handshakes_completed, 1u);
  auto info = client.endpoint->session_info(*s);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->state, SessionState::S_OPEN);
  EXPECT_NE(info->send_session_id, 0u);
}

TEST(EndpointHandshake, WrongPeerIdNeverAnswersAndFailsAfterOpenTimeout) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  ConnectRequest r = to_server(server);
  PeerId other{};
  other[0] = 0x42;
  r.epd.peer_id = other;
  TimePoint start = h.now;
  ASSERT_TRUE(client.endpoint->connect(h.now, r));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpenFailed>().empty(); }, seconds(200)));
  auto failed = client.events_of<SessionOpenFailed>();
  EXPECT_EQ(failed[0].error.code, Errc::not_found);
  EXPECT_EQ(failed[0].error.detail, "no endpoint with that peer ID answered");
  EXPECT_EQ(h.now - start, params::kUltimateOpenTimeout);
  // The server never answered, and the IHello retransmissions follow the
  // §3.5.1.1.1 backoff: each interval >= 1.5x and >= +1.5 s the previous.
  std::vector<TimePoint> sends;
  for (auto& d : h.log) {
    EXPECT_EQ(d.from, client.address) << "server must not answer a non-selecting EPD";
    sends.push_back(d.at);
  }
  ASSERT_GE(sends.size(), 5u);
  Duration prev{};
  for (std::size_t i = 1; i < sends.size(); ++i) {
    Duration gap = sends[i] - sends[i - 1];
    if (i == 1) {
      EXPECT_GE(gap, milliseconds(1500));
    } else {
      EXPECT_GE(gap, prev + milliseconds(1500));
      EXPECT_GE(gap.count(), static_cast<long>(static_cast<double>(prev.count()) * 1.5));
    }
    prev = gap;
  }
  EXPECT_GT(server.endpoint->stats().drops[static_cast<std::size_t>(DropReason::epd_not_selected)], 0u);
}

TEST(EndpointHandshake, RetransmittedIIKeyingGetsTheSameRIKeyingAndNoSecondSession) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  // Drop the first RIKeying (the 4th datagram) so the client retransmits IIKeying.
  int n = 0;
  h.filter = [&](SentDatagram&) { return ++n != 4; };
  ASSERT_TRUE(client.endpoint->connect(h.now, to_server(server)));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(10)));
  EXPECT_EQ(server.events_of<SessionOpened>().size(), 1u);
  EXPECT_EQ(server.endpoint->sessions().size(), 1u);
  EXPECT_EQ(h.log.size(), 6u);
}

TEST(EndpointHandshake, CookieChangeWhenIIKeyingComesFromAnotherAddress) {
  // RFC 7016 §3.5.1.2, Fig. 10: the IHello leaves through interface Ix, the
  // IIKeyings through interface Iy, so the cookie (bound to Ix) mismatches.
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  SocketAddress iy = addr(3, 6000);
  h.aliases[iy] = &client;
  int iikeyings = 0;
  h.filter = [&](SentDatagram& d) {
    if (d.from != client.address) return true;
    auto plain = server.profile->default_cipher().open(ByteView(d.data).subspan(4));
    if (plain) {
      auto parsed = wire::parse_packet(*plain);
      if (parsed && !parsed->chunks.empty() && parsed->chunks[0].type == 0x30) return true;  // IHello via Ix
      if (parsed && !parsed->chunks.empty() && parsed->chunks[0].type == 0x38) ++iikeyings;
    }
    d.from = iy;
    return true;
  };
  ASSERT_TRUE(client.endpoint->connect(h.now, to_server(server)));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(10)));
  EXPECT_EQ(server.endpoint->stats().cookie_changes_sent, 1u);
  EXPECT_EQ(iikeyings, 2) << "one IIKeying with the old cookie, one re-signed with the new";
  EXPECT_EQ(server.events_of<SessionOpened>()[0].peer, iy);
}

TEST(EndpointHandshake, ForgedCookieIsIgnored) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  h.filter = [&](SentDatagram& d) {
    // Corrupt the cookie inside every RHello (it follows tag-echo in the payload).
    if (d.from != server.address) return true;
    auto plain = client.profile->default_cipher().open(ByteView(d.data).subspan(4));
    if (!plain) return true;
    auto parsed = wire::parse_packet(*plain);
    if (!parsed || parsed->chunks.empty() || parsed->chunks[0].type != 0x70) return true;
    auto rh = wire::RHelloChunk::decode(parsed->chunks[0].payload);
    Bytes cookie(rh->cookie.begin(), rh->cookie.end());
    cookie[10] ^= 1;
    wire::RHelloChunk forged{rh->tag_echo, cookie, rh->certificate};
    Bytes payload;
    ByteWriter w(payload);
    forged.encode(w);
    wire::PacketBuilder b(parsed->header, 1100);
    b.add_chunk(0x70, payload);
    d.data = wire::scramble_datagram(0, client.profile->default_cipher().seal(std::move(b).finish()));
    return true;
  };
  ASSERT_TRUE(client.endpoint->connect(h.now, to_server(server)));
  h.run_for(seconds(5));
  EXPECT_TRUE(client.events_of<SessionOpened>().empty());
  EXPECT_GT(server.endpoint->stats().drops[static_cast<std::size_t>(DropReason::cookie_invalid)], 0u);
  EXPECT_TRUE(server.endpoint->sessions().empty());
}

TEST(EndpointHandshake, GlareLeavesExactlyOneSession) {
  Harness h;
  Node& a = h.add(addr(1, 1000), 11);
  Node& b = h.add(addr(2, 2000), 12);
  ASSERT_TRUE(a.endpoint->connect(h.now, to_server(b)));
  ASSERT_TRUE(b.endpoint->connect(h.now, to_server(a)));
  h.run_for(seconds(30));
  auto a_open = a.events_of<SessionOpened>();
  auto b_open = b.events_of<SessionOpened>();
  ASSERT_EQ(a_open.size(), 1u);
  ASSERT_EQ(b_open.size(), 1u);
  EXPECT_NE(a_open[0].initiator, b_open[0].initiator) << "one initiator, one responder";
  EXPECT_EQ(a.endpoint->stats().sessions_open, 1u);
  EXPECT_EQ(b.endpoint->stats().sessions_open, 1u);
}

TEST(EndpointHandshake, AmplificationBudgetHoldsForSpoofedIHellos) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  // A bare minimal IHello (no padding) from a spoofed victim address.
  wire::IHelloChunk ih;
  Bytes epd{'U', 'x'};
  Bytes tag(8, 7);
  ih.epd = epd;
  ih.tag = tag;
  Bytes payload;
  ByteWriter w(payload);
  ih.encode(w);
  wire::PacketHeader hdr;
  wire::PacketBuilder b(hdr, 1100);
  b.add_chunk(0x30, payload);
  Bytes dg = wire::scramble_datagram(0, server.profile->default_cipher().seal(std::move(b).finish()));
  SocketAddress victim = addr(9, 9);
  std::size_t in = 0, out = 0;
  for (int i = 0; i < 50; ++i) {
    server.endpoint->on_datagram(h.now, victim, dg);
    in += dg.size();
    while (auto t = server.endpoint->poll_transmit(h.now)) out += t->data.size();
  }
  EXPECT_LE(out, 3 * in);
  EXPECT_GT(out, 0u);
}

TEST(EndpointSession, PingRoundTripAndOrderlyClose) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto s = client.endpoint->connect(h.now, to_server(server));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  Bytes msg{1, 2, 3};
  ASSERT_TRUE(client.endpoint->ping(h.now, *s, msg));
  h.deliver();
  auto replies = client.events_of<PingReplied>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].message, msg);
  ASSERT_TRUE(client.endpoint->close(h.now, *s));
  h.deliver();
  auto closed = server.events_of<SessionClosed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason, CloseReason::remote_close);
  EXPECT_TRUE(client.endpoint->sessions().empty()) << "Close Ack ends S_NEARCLOSE";
  h.run_for(seconds(30));
  EXPECT_TRUE(server.endpoint->sessions().empty()) << "S_FARCLOSE_LINGER ends";
}

TEST(EndpointSession, IdleTimeoutClosesADeadPeer) {
  Harness h;
  EndpointConfig cfg;
  cfg.keepalive_period = seconds(5);
  cfg.idle_timeout = seconds(20);
  Node& server = h.add(addr(1, 1935), 1, cfg);
  Node& client = h.add(addr(2, 5000), 2, cfg);
  ASSERT_TRUE(client.endpoint->connect(h.now, to_server(server)));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  // Keepalives keep it up while the network works.
  h.run_for(seconds(60));
  EXPECT_TRUE(server.events_of<SessionClosed>().empty());
  // Then the network dies.
  h.filter = [](SentDatagram&) { return false; };
  TimePoint cut = h.now;
  // Run until the close, so h.now is the moment it happened.
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionClosed>().empty(); }, seconds(60)));
  const Duration after_cut = h.now - cut;
  auto closed = client.events_of<SessionClosed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason, CloseReason::idle_timeout);
  // §3.5.4.1: closed idle_timeout after the last packet heard, which came at
  // most one keepalive period before the cut (keepalives were flowing).
  EXPECT_LE(after_cut, cfg.idle_timeout) << "closed late";
  EXPECT_GE(after_cut, cfg.idle_timeout - cfg.keepalive_period) << "closed before idle_timeout of silence";
}

TEST(EndpointSession, ShutdownIsBounded) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  ASSERT_TRUE(client.endpoint->connect(h.now, to_server(server)));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  h.filter = [](SentDatagram&) { return false; };  // the client vanished
  TimePoint start = h.now;
  server.endpoint->shutdown(h.now);
  ASSERT_TRUE(h.run_until([&] { return server.endpoint->drained(); }, seconds(10)));
  EXPECT_LE(h.now - start, server.endpoint->config().shutdown_grace);
}

TEST(EndpointRobustness, GarbageIsDroppedAndCounted) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  SeededRandom rng(99);
  for (int i = 0; i < 2000; ++i) {
    Bytes junk(rng.below(100));
    rng.fill(junk);
    server.endpoint->on_datagram(h.now, addr(7, 7), junk);
  }
  EXPECT_EQ(server.endpoint->stats().total_drops(), 2000u);
  EXPECT_FALSE(server.endpoint->poll_transmit(h.now));
}

TEST(EndpointRobustness, OutgoingQueueIsBoundedAndShedDatagramsAreCounted) {
  // A caller that never drains poll_transmit: the queue stops at
  // kMaxQueuedDatagrams and every datagram beyond it is counted as shed.
  Harness h;
  Node& client = h.add(addr(2, 5000), 2);
  const std::size_t connects = params::kMaxQueuedDatagrams / 2 + 100;  // two IHellos each
  for (std::size_t i = 0; i < connects; ++i) {
    ConnectRequest r;
    r.profile = ProfileKind::modern;
    r.epd.uri = "rtmfp://server/app";
    r.candidates = {addr(static_cast<std::uint8_t>(10 + i % 200), static_cast<std::uint16_t>(1000 + i)),
                    addr(static_cast<std::uint8_t>(10 + i % 200), static_cast<std::uint16_t>(30000 + i))};
    ASSERT_TRUE(client.endpoint->connect(h.now, r)) << i;
  }
  const auto& st = client.endpoint->stats();
  EXPECT_EQ(st.packets_out, params::kMaxQueuedDatagrams);
  EXPECT_EQ(st.datagrams_shed, 2 * connects - params::kMaxQueuedDatagrams);
  std::size_t queued = 0;
  while (client.endpoint->poll_transmit(h.now)) ++queued;
  EXPECT_EQ(queued, params::kMaxQueuedDatagrams);
}

}  // namespace
}  // namespace rtmfp::testing

namespace rtmfp::testing {
namespace {

TEST(EndpointHandshake, RedirectorSendsTheInitiatorToTheResponder) {
  Harness h;
  Node& redirector = h.add(addr(1, 1935), 1);
  Node& server = h.add(addr(2, 1935), 2);
  Node& client = h.add(addr(3, 5000), 3);
  redirector.endpoint->set_redirect_hook([&](CryptoProfile&, ByteView, const SocketAddress&) {
    return std::optional<std::vector<wire::WireAddress>>(
        std::vector<wire::WireAddress>{{server.address, wire::AddressOrigin::observed}});
  });
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.peer_id = server.profile->local_peer_id();
  r.candidates = {redirector.address};
  ASSERT_TRUE(client.endpoint->connect(h.now, r));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  EXPECT_EQ(client.events_of<SessionOpened>()[0].peer, server.address);
  EXPECT_TRUE(redirector.endpoint->sessions().empty());
}

}  // namespace
}  // namespace rtmfp::testing

namespace rtmfp::testing {
namespace {

TEST(EndpointMobility, FollowsAVerifiedAddressChangeOnly) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://server";
  r.candidates = {server.address};
  auto cs = client.endpoint->connect(h.now, r);
  ASSERT_TRUE(h.run_until([&] { return !server.events_of<SessionOpened>().empty(); }, seconds(5)));
  SessionHandle ss = server.events_of<SessionOpened>()[0].session;

  // The client's NAT rebinds: its packets now arrive from a new port.
  SocketAddress rebound = addr(2, 6001);
  h.aliases[rebound] = &client;
  h.filter = [&](SentDatagram& d) {
    if (d.from == client.address) d.from = rebound;
    return true;
  };
  h.now += seconds(2);
  ASSERT_TRUE(client.endpoint->ping(h.now, *cs, Bytes{9}));
  h.deliver();
  EXPECT_EQ(server.endpoint->session_info(ss)->peer, rebound) << "verified by the mobility ping";

  // A packet replayed from an attacker's address does not move DESTADDR:
  // the attacker cannot answer the mobility check.
  SocketAddress attacker = addr(66, 666);
  Bytes captured;
  h.filter = [&](SentDatagram& d) {
    if (d.from == client.address) d.from = rebound;
    if (d.from == rebound && captured.empty()) captured = d.data;
    return d.to != attacker;  // whatever is sent to the attacker goes nowhere useful
  };
  h.now += seconds(2);
  ASSERT_TRUE(client.endpoint->ping(h.now, *cs, Bytes{8}));
  h.deliver();
  ASSERT_FALSE(captured.empty());
  h.now += seconds(2);
  server.endpoint->on_datagram(h.now, attacker, captured);
  h.deliver();
  h.run_for(seconds(3));
  EXPECT_EQ(server.endpoint->session_info(ss)->peer, rebound);
}

}  // namespace
}  // namespace rtmfp::testing

namespace rtmfp::testing {
namespace {

TEST(EndpointHandshake, FragmentedIHelloIsReassembledAndAnswered) {
  // RFC 7016 §3.4: an IHello split into Packet Fragment chunks.
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.peer_id = server.profile->local_peer_id();
  r.candidates = {server.address};
  Node& client = h.add(addr(2, 5000), 2);
  bool fragmented = false;
  std::uint64_t packet_id = 7;
  h.filter = [&](SentDatagram& d) {
    if (fragmented || d.from != client.address) return true;
    auto plain = client.profile->default_cipher().open(ByteView(d.data).subspan(4));
    auto frags = wire::fragment_packet(*plain, packet_id, wire::PacketHeader{}, 40);
    EXPECT_TRUE(frags && frags->size() >= 2) << (frags ? "few " + std::to_string(frags->size()) + " plain " + std::to_string(plain->size()) : frags.error().message());
    if (!frags) return true;
    fragmented = true;
    // Deliver the fragments out of order, directly.
    for (auto it = frags->rbegin(); it != frags->rend(); ++it)
      server.endpoint->on_datagram(h.now, client.address,
                                   wire::scramble_datagram(0, client.profile->default_cipher().seal(*it)));
    return false;
  };
  ASSERT_TRUE(client.endpoint->connect(h.now, r));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  EXPECT_TRUE(fragmented);
  EXPECT_EQ(h.log.size(), 4u) << "answered at once, no IHello retransmission";
}

}  // namespace
}  // namespace rtmfp::testing
