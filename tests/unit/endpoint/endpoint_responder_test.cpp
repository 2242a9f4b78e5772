// Responder cost and bounds (RFC 7016 §3.5.1.1.2), glare with per-session
// initiator certificates (§3.5.1.3), the peer-ID index, Redirect hardening
// (§2.3.5) and startup robustness, on the null profile.
#include <gtest/gtest.h>

#include "endpoint_harness.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"

namespace rtmfp::testing {
namespace {

std::uint64_t drops(const Node& n, DropReason r) { return n.endpoint->stats().drops[static_cast<std::size_t>(r)]; }

Bytes startup_datagram(NullProfile& p, std::uint32_t sid, std::uint8_t type, ByteView payload) {
  wire::PacketHeader hdr;
  wire::PacketBuilder b(hdr, 1100);
  b.add_chunk(type, payload);
  return wire::scramble_datagram(sid, p.default_cipher().seal(std::move(b).finish()));
}

std::optional<wire::ParsedPacket> open_startup(NullProfile& p, const Bytes& datagram, Bytes& plain) {
  auto opened = p.default_cipher().open(ByteView(datagram).subspan(4));
  if (!opened) return std::nullopt;
  plain = std::move(*opened);
  auto parsed = wire::parse_packet(plain);
  if (!parsed) return std::nullopt;
  return *parsed;
}

// A hand-made initiator against `server`: IHello from `from`, the cookie of
// the RHello, then IIKeyings with any certificate.
struct RawInitiator {
  Node& server;
  SocketAddress from;
  TimePoint now;
  Bytes cookie;
  std::uint32_t next_isid = 100;

  bool hello() {
    wire::IHelloChunk ih;
    Bytes epd = *server.profile->make_epd(EpdRequest{"rtmfp://x/", {}, {}});
    Bytes tag(16, 9);
    ih.epd = epd;
    ih.tag = tag;
    Bytes payload;
    ByteWriter w(payload);
    ih.encode(w);
    Bytes dg = startup_datagram(*server.profile, 0, 0x30, payload);
    dg.resize(dg.size() + 0);  // the null cipher frame is self-delimiting
    // Enough bytes in for the 3x budget: send it three times.
    for (int i = 0; i < 3; ++i) server.endpoint->on_datagram(now, from, dg);
    while (auto t = server.endpoint->poll_transmit(now)) {
      Bytes plain;
      auto pkt = open_startup(*server.profile, t->data, plain);
      if (!pkt || pkt->chunks.empty() || pkt->chunks[0].type != 0x70) continue;
      auto rh = wire::RHelloChunk::decode(pkt->chunks[0].payload);
      if (rh) cookie.assign(rh->cookie.begin(), rh->cookie.end());
    }
    return !cookie.empty();
  }

  static Bytes fresh_certificate(std::uint32_t seed) {
    Bytes c{'N', 'U', 'L', 'L'};
    for (int i = 0; i < 4; ++i) c.push_back(static_cast<std::uint8_t>(seed >> (8 * i)));
    for (int i = 0; i < 28; ++i) c.push_back(static_cast<std::uint8_t>(i * 7 + 1));
    return c;
  }

  void iikeying(ByteView certificate) {
    wire::IIKeyingChunk ik;
    ik.initiator_session_id = next_isid++;
    ik.cookie_echo = cookie;
    ik.certificate = certificate;
    Bytes skic(16, static_cast<std::uint8_t>(next_isid));
    ik.skic = skic;
    Bytes sig{'X'};
    ik.signature = sig;
    Bytes payload;
    ByteWriter w(payload);
    ik.encode(w);
    server.endpoint->on_datagram(now, from, startup_datagram(*server.profile, 0, 0x38, payload));
    while (server.endpoint->poll_transmit(now)) {
    }
  }
};

// M3: after one session from an address, a flood of IIKeyings reusing its
// valid cookie with fresh certificates costs no key agreement: each is stale
// (§3.5.1.1.2 step 2.2) and refused before begin_responder.
TEST(EndpointResponderCost, StaleIIKeyingFloodRunsNoKeyAgreement) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  RawInitiator attacker{server, addr(7, 7000), h.now};
  ASSERT_TRUE(attacker.hello());
  attacker.iikeying(RawInitiator::fresh_certificate(0));
  ASSERT_EQ(server.endpoint->stats().sessions_accepted, 1u);
  ASSERT_EQ(server.profile->responder_keyings(), 1u);
  constexpr int kFlood = 500;
  for (int i = 1; i <= kFlood; ++i) attacker.iikeying(RawInitiator::fresh_certificate(static_cast<std::uint32_t>(i)));
  EXPECT_EQ(drops(server, DropReason::stale_iikeying), static_cast<std::uint64_t>(kFlood));
  EXPECT_EQ(server.profile->responder_keyings(), 1u) << "key agreements per flooded IIKeying must be 0";
  EXPECT_EQ(server.endpoint->sessions().size(), 1u);
}

// M3: at the session limit, IIKeyings are refused before any key agreement.
TEST(EndpointResponderCost, SessionLimitIsCheckedBeforeKeyAgreement) {
  Harness h;
  EndpointConfig cfg;
  cfg.max_sessions = 1;
  Node& server = h.add(addr(1, 1935), 1, cfg);
  RawInitiator first{server, addr(7, 7000), h.now};
  ASSERT_TRUE(first.hello());
  first.iikeying(RawInitiator::fresh_certificate(0));
  ASSERT_EQ(server.endpoint->sessions().size(), 1u);
  RawInitiator flood{server, addr(8, 8000), h.now};
  ASSERT_TRUE(flood.hello());
  for (int i = 1; i <= 100; ++i) flood.iikeying(RawInitiator::fresh_certificate(static_cast<std::uint32_t>(i)));
  EXPECT_EQ(drops(server, DropReason::session_limit), 100u);
  EXPECT_EQ(server.profile->responder_keyings(), 1u);
}

// M3: one source IP with many ports gets at most max_sessions_per_address
// sessions (the per-endpoint memory bound per attacker host).
TEST(EndpointResponderCost, SessionsFromOneAddressAreCapped) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  const std::size_t cap = server.endpoint->config().max_sessions_per_address;
  ASSERT_EQ(cap, params::kMaxSessionsPerAddress);
  for (std::size_t i = 0; i < cap + 20; ++i) {
    RawInitiator r{server, addr(7, static_cast<std::uint16_t>(10000 + i)), h.now};
    ASSERT_TRUE(r.hello());
    r.iikeying(RawInitiator::fresh_certificate(static_cast<std::uint32_t>(i)));
  }
  EXPECT_EQ(server.endpoint->stats().sessions_accepted, cap);
  EXPECT_EQ(drops(server, DropReason::address_session_limit), 20u);
  EXPECT_EQ(server.profile->responder_keyings(), cap) << "refused before key agreement";
  // Another address is not affected.
  RawInitiator other{server, addr(8, 8000), h.now};
  ASSERT_TRUE(other.hello());
  other.iikeying(RawInitiator::fresh_certificate(200));
  EXPECT_EQ(server.endpoint->stats().sessions_accepted, cap + 1);
  // A closed session frees its slot.
  auto all = server.endpoint->sessions();
  ASSERT_TRUE(server.endpoint->close(h.now, all.front(), true));
  RawInitiator again{server, addr(7, 30000), h.now};
  ASSERT_TRUE(again.hello());
  again.iikeying(RawInitiator::fresh_certificate(201));
  EXPECT_EQ(server.endpoint->stats().sessions_accepted, cap + 2);
}

ConnectRequest to(Node& peer, bool by_peer_id = false) {
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://peer/app";
  if (by_peer_id) r.epd.peer_id = peer.profile->local_peer_id();
  r.candidates = {peer.address};
  return r;
}

TEST(EndpointPeerIndex, FindsTheOpenSessionByPeerIdUntilItCloses) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto s = client.endpoint->connect(h.now, to(server, true));
  ASSERT_TRUE(s);
  EXPECT_FALSE(client.endpoint->find_session_by_peer_id(server.profile->local_peer_id()));
  ASSERT_TRUE(h.run_until([&] { return !server.events_of<SessionOpened>().empty(); }, seconds(5)));
  EXPECT_EQ(client.endpoint->find_session_by_peer_id(server.profile->local_peer_id()), *s);
  EXPECT_EQ(client.endpoint->find_session_by_peer_id(server.profile->local_peer_id(), ProfileKind::modern), *s);
  EXPECT_FALSE(client.endpoint->find_session_by_peer_id(server.profile->local_peer_id(), ProfileKind::flash));
  auto opened = server.events_of<SessionOpened>()[0];
  EXPECT_EQ(server.endpoint->find_session_by_peer_id(opened.far_peer_id), opened.session);
  ASSERT_TRUE(client.endpoint->close(h.now, *s));
  h.run_for(seconds(1));
  EXPECT_FALSE(client.endpoint->find_session_by_peer_id(server.profile->local_peer_id()));
  EXPECT_FALSE(server.endpoint->find_session_by_peer_id(opened.far_peer_id));
}

// M5: both ends connect() to each other (per-session initiator certificates,
// the default): exactly one session, both connect() calls complete, nobody
// retransmits into the void until the open timeout.
void glare_case(std::uint64_t seed, Duration b_delay, bool by_peer_id) {
  Harness h;
  Node& a = h.add(addr(1, 1000), seed * 2 + 1);
  Node& b = h.add(addr(2, 2000), seed * 2 + 2);
  auto ha = a.endpoint->connect(h.now, to(b, by_peer_id));
  ASSERT_TRUE(ha);
  if (b_delay > Duration{}) h.run_for(b_delay);
  auto hb = b.endpoint->connect(h.now, to(a, by_peer_id));
  ASSERT_TRUE(hb);
  h.run_for(seconds(120));
  SCOPED_TRACE("seed " + std::to_string(seed));
  EXPECT_TRUE(a.events_of<SessionOpenFailed>().empty());
  EXPECT_TRUE(b.events_of<SessionOpenFailed>().empty());
  auto a_open = a.events_of<SessionOpened>();
  auto b_open = b.events_of<SessionOpened>();
  ASSERT_EQ(a_open.size(), 1u);
  ASSERT_EQ(b_open.size(), 1u);
  EXPECT_EQ(a_open[0].session, *ha) << "connect() completes on its own handle";
  EXPECT_EQ(b_open[0].session, *hb);
  EXPECT_NE(a_open[0].initiator, b_open[0].initiator);
  EXPECT_EQ(a.endpoint->sessions().size(), 1u);
  EXPECT_EQ(b.endpoint->sessions().size(), 1u);
  EXPECT_EQ(a.endpoint->stats().sessions_open, 1u);
  EXPECT_EQ(b.endpoint->stats().sessions_open, 1u);
}

TEST(EndpointGlare, PerSessionCertificatesSimultaneous) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) glare_case(seed, Duration{}, false);
}

TEST(EndpointGlare, PerSessionCertificatesByPeerId) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) glare_case(seed, Duration{}, true);
}

// L1: an RIKeying and a Cookie Change in one packet: the RIKeying opens the
// session (releasing its opening state); the Cookie Change must be ignored,
// not dereference it (aborts under _GLIBCXX_ASSERTIONS, the ASan build).
TEST(EndpointRobustness, CookieChangeAfterRIKeyingInOnePacketIsIgnored) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  Bytes cookie;
  h.filter = [&](SentDatagram& d) {
    Bytes plain;
    auto pkt = open_startup(*server.profile, d.data, plain);
    if (!pkt || pkt->chunks.empty()) return true;
    if (pkt->chunks[0].type == 0x70) {
      auto rh = wire::RHelloChunk::decode(pkt->chunks[0].payload);
      cookie.assign(rh->cookie.begin(), rh->cookie.end());
    }
    if (d.from != server.address || pkt->chunks[0].type != 0x78) return true;
    Bytes fresh(cookie.size(), 0x55);
    wire::CookieChangeChunk cc{cookie, fresh};
    Bytes ccp;
    ByteWriter w(ccp);
    cc.encode(w);
    wire::PacketBuilder b(pkt->header, 1100);
    b.add_chunk(0x78, pkt->chunks[0].payload);
    b.add_chunk(0x79, ccp);
    auto sid = wire::unscramble_session_id(d.data);
    d.data = wire::scramble_datagram(*sid, server.profile->default_cipher().seal(std::move(b).finish()));
    return true;
  };
  ASSERT_TRUE(client.endpoint->connect(h.now, to(server)));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  EXPECT_EQ(drops(client, DropReason::cookie_change_ignored), 1u);
}

// L13: at most kMaxOpeningSessions initiator sessions opening at once.
TEST(EndpointLimits, OpeningSessionsAreBounded) {
  Harness h;
  Node& client = h.add(addr(2, 5000), 2);
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://nowhere/";
  r.candidates = {addr(9, 9)};
  for (std::size_t i = 0; i < params::kMaxOpeningSessions; ++i) {
    ASSERT_TRUE(client.endpoint->connect(h.now, r)) << i;
    while (client.endpoint->poll_transmit(h.now)) {
    }
  }
  auto more = client.endpoint->connect(h.now, r);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, Errc::limit_exceeded);
  // One ends: room for one more.
  ASSERT_TRUE(client.endpoint->close(h.now, client.endpoint->sessions().front()));
  EXPECT_TRUE(client.endpoint->connect(h.now, r));
}

// L10: events the caller does not poll are shed oldest-first and counted.
TEST(EndpointLimits, EventQueueOverflowIsCounted) {
  Harness h;
  Node& client = h.add(addr(2, 5000), 2);
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://nowhere/";
  r.candidates = {addr(9, 9)};
  const std::size_t n = params::kMaxQueuedEvents + 7;
  for (std::size_t i = 0; i < n; ++i) {
    auto s = client.endpoint->connect(h.now, r);
    ASSERT_TRUE(s);
    ASSERT_TRUE(client.endpoint->close(h.now, *s));  // SessionOpenFailed "closed before it opened"
    while (client.endpoint->poll_transmit(h.now)) {
    }
  }
  EXPECT_EQ(client.endpoint->stats().events_shed, 7u);
  std::size_t polled = 0;
  while (client.endpoint->poll_event()) ++polled;
  EXPECT_EQ(polled, params::kMaxQueuedEvents);
}

// L2 / L12: a pure Redirector (accept_sessions = false) still answers, with
// the origins its hook gives (§2.1.5), and the initiator follows it.
TEST(EndpointRedirect, PureRedirectorSendsOriginTaggedAddresses) {
  Harness h;
  EndpointConfig cfg;
  cfg.accept_sessions = false;
  Node& redirector = h.add(addr(1, 1935), 1, cfg);
  Node& server = h.add(addr(2, 1935), 2);
  Node& client = h.add(addr(3, 5000), 3);
  redirector.endpoint->set_redirect_hook([&](CryptoProfile&, ByteView, const SocketAddress&) {
    return std::optional<std::vector<wire::WireAddress>>(
        std::vector<wire::WireAddress>{{server.address, wire::AddressOrigin::observed}});
  });
  std::vector<wire::WireAddress> seen;
  h.filter = [&](SentDatagram& d) {
    Bytes plain;
    auto pkt = open_startup(*server.profile, d.data, plain);
    if (pkt && !pkt->chunks.empty() && pkt->chunks[0].type == 0x71) {
      auto r = wire::RedirectChunk::decode(pkt->chunks[0].payload);
      if (r) seen = r->addresses;
    }
    return true;
  };
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.peer_id = server.profile->local_peer_id();
  r.candidates = {redirector.address};
  ASSERT_TRUE(client.endpoint->connect(h.now, r));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].origin, wire::AddressOrigin::observed);
  EXPECT_EQ(seen[0].address, server.address);
  EXPECT_TRUE(redirector.endpoint->sessions().empty());
}

// L3: Redirect addresses that cannot be a peer are not followed.
TEST(EndpointRedirect, UnusableRedirectAddressesAreDroppedAndCounted) {
  Harness h;
  Node& redirector = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(3, 5000), 3);
  std::vector<wire::WireAddress> bad = {
      {SocketAddress::ipv4(0, 0, 0, 0, 1935), wire::AddressOrigin::relay},        // unspecified
      {SocketAddress::ipv4(255, 255, 255, 255, 1935), wire::AddressOrigin::relay},  // broadcast
      {SocketAddress::ipv4(224, 0, 0, 1, 1935), wire::AddressOrigin::relay},      // multicast
      {SocketAddress::ipv4(10, 0, 0, 4, 0), wire::AddressOrigin::relay},          // port 0
      {*SocketAddress::parse("[2001:db8::1]:1935"), wire::AddressOrigin::relay},  // other family
  };
  redirector.endpoint->set_redirect_hook([&](CryptoProfile&, ByteView, const SocketAddress&) {
    auto out = bad;
    out.push_back({addr(4, 1935), wire::AddressOrigin::observed});
    return std::optional<std::vector<wire::WireAddress>>(out);
  });
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  PeerId other{};
  other[0] = 1;
  r.epd.peer_id = other;
  r.candidates = {redirector.address};
  ASSERT_TRUE(client.endpoint->connect(h.now, r));
  h.run_for(seconds(1));  // before the first IHello retransmission (1.5 s)
  EXPECT_EQ(drops(client, DropReason::bad_redirect_address), bad.size());
  std::set<SocketAddress> targets;
  for (auto& d : h.log)
    if (d.from == client.address) targets.insert(d.to);
  EXPECT_EQ(targets, (std::set<SocketAddress>{redirector.address, addr(4, 1935)}));
}

}  // namespace
}  // namespace rtmfp::testing

namespace rtmfp::testing {
namespace {

// L11, RFC 7016 §3.5.4.1: a keepalive Ping without a Ping Reply within ERTO
// raises ERTO; an answered one does not.
TEST(EndpointKeepalive, UnansweredKeepaliveRaisesErto) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://server/app";
  r.candidates = {server.address};
  auto s = client.endpoint->connect(h.now, r);
  ASSERT_TRUE(s);
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  // Answered keepalives: ERTO settles (RTT samples) and stays.
  h.run_for(client.endpoint->config().keepalive_period + seconds(1));
  const Duration erto0 = client.endpoint->session_info(*s)->erto;
  h.run_for(client.endpoint->config().keepalive_period + seconds(1));
  EXPECT_EQ(client.endpoint->session_info(*s)->erto, erto0);
  // The server goes silent: the next keepalive is not answered.
  h.filter = [&](SentDatagram& d) { return d.from != server.address; };
  h.run_for(client.endpoint->config().keepalive_period + seconds(4));
  EXPECT_GT(client.endpoint->session_info(*s)->erto, erto0);
}

}  // namespace
}  // namespace rtmfp::testing
