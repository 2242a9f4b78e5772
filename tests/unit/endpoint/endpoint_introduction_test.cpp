// Introductions through the engine (RFC 7016 §3.5.1.4-3.5.1.6): an
// introducer that accepts no sessions of its own reports unmatched IHellos,
// answers with a Redirect and forwards an FIHello; the registered peer answers
// the FIHello with an RHello straight to the initiator, which opens a filtering
// NAT in front of it.
#include <gtest/gtest.h>

#include <set>

#include "endpoint_harness.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp::testing {
namespace {

ConnectRequest to_peer(Node& target, Node& via) {
  ConnectRequest r;
  r.epd.peer_id = target.profile->local_peer_id();
  r.candidates = {via.address};
  return r;
}

struct IntroWorld {
  Harness h;
  Node* rv = nullptr;  // introducer
  Node* a = nullptr;   // registered peer (responder)
  Node* b = nullptr;   // initiator
  SessionHandle rv_to_a = 0;
  // Address-restricted filtering in front of a and b: a datagram reaches a
  // node only from an address it has sent to (RFC 4787 filtering).
  std::map<SocketAddress, std::set<SocketAddress>> sent_to;
  bool filter_nats = true;

  explicit IntroWorld(bool rv_accepts = false, EndpointConfig ac = {}) {
    EndpointConfig rc;
    rc.accept_sessions = rv_accepts;
    rc.report_unmatched_ihellos = true;
    rv = &h.add(addr(1, 1935), 1, rc);
    a = &h.add(addr(2, 5000), 2, ac);
    b = &h.add(addr(3, 6000), 3);
    h.filter = [this](SentDatagram& d) {
      sent_to[d.from].insert(d.to);
      if (!filter_nats) return true;
      if (d.to == a->address || d.to == b->address) return sent_to[d.to].count(d.from) > 0;
      return true;
    };
  }

  // a opens a session to the introducer (its registration).
  void register_a() {
    // The introducer must accept a's session for it to be registered.
    ConnectRequest r;
    r.epd.uri = "rtmfp://rv/";
    r.candidates = {rv->address};
    auto s = a->endpoint->connect(h.now, r);
    ASSERT_TRUE(s);
    ASSERT_TRUE(h.run_until([&] { return !rv->events_of<SessionOpened>().empty(); }, seconds(5)));
    rv_to_a = rv->events_of<SessionOpened>().at(0).session;
  }

  // b connects to a's peer ID through the introducer; its IHello reaches
  // the introducer, which reports it (one UnmatchedIHello, in `u`).
  void b_asks_for_a(std::vector<UnmatchedIHello>& u) {
    ASSERT_TRUE(b->endpoint->connect(h.now, to_peer(*a, *rv)));
    h.deliver();
    u = rv->events_of<UnmatchedIHello>();
    ASSERT_EQ(u.size(), 1u);
  }
};

TEST(EndpointIntroduction, UnmatchedIHelloIsReportedWithEpdTagAndSourceAndNothingIsSent) {
  IntroWorld w(/*rv_accepts=*/true);
  std::vector<UnmatchedIHello> u;
  ASSERT_NO_FATAL_FAILURE(w.b_asks_for_a(u));
  EXPECT_EQ(u[0].from, w.b->address);
  EXPECT_EQ(u[0].profile, w.a->profile->kind());
  auto epd = w.b->profile->make_epd(to_peer(*w.a, *w.rv).epd);
  ASSERT_TRUE(epd);
  EXPECT_EQ(u[0].epd, *epd);
  EXPECT_EQ(u[0].tag.size(), params::kTagSize);
  EXPECT_EQ(w.rv->endpoint->stats().rhellos_sent, 0u);
  EXPECT_EQ(w.rv->endpoint->stats().unmatched_ihellos, 1u);
}

TEST(EndpointIntroduction, WithoutReportingAnUnmatchedIHelloIsDroppedAsBefore) {
  Harness h;
  Node& rv = h.add(addr(1, 1935), 1);
  Node& a = h.add(addr(2, 5000), 2);
  Node& b = h.add(addr(3, 6000), 3);
  ASSERT_TRUE(b.endpoint->connect(h.now, to_peer(a, rv)));
  h.deliver();
  EXPECT_TRUE(rv.events_of<UnmatchedIHello>().empty());
  EXPECT_EQ(rv.endpoint->stats().drops[static_cast<int>(DropReason::epd_not_selected)], 1u);
}

TEST(EndpointIntroduction, BothFilteringNatsOpenThroughRedirectAndForwardedIHello) {
  IntroWorld w(/*rv_accepts=*/true);
  w.register_a();
  const TimePoint start = w.h.now;
  std::vector<UnmatchedIHello> u;
  ASSERT_NO_FATAL_FAILURE(w.b_asks_for_a(u));
  // The introducer: Redirect to the initiator first (so its IHello opens its
  // own NAT), then the FIHello to the registered peer (§3.5.1.6).
  std::vector<wire::WireAddress> addrs = {{w.a->address, wire::AddressOrigin::observed}};
  ASSERT_TRUE(w.rv->endpoint->send_redirect(w.h.now, u[0].profile, u[0].tag, u[0].from, addrs));
  ASSERT_TRUE(w.rv->endpoint->forward_ihello(w.h.now, w.rv_to_a, u[0].epd, u[0].tag,
                                             {u[0].from, wire::AddressOrigin::observed}));
  ASSERT_TRUE(w.h.run_until([&] { return !w.b->events_of<SessionOpened>().empty(); }, seconds(10)));
  auto opened = w.b->events_of<SessionOpened>().at(0);
  EXPECT_EQ(opened.peer, w.a->address);
  EXPECT_EQ(opened.far_peer_id, w.a->profile->local_peer_id());
  EXPECT_EQ(w.a->endpoint->stats().fihellos_answered, 1u);
  // Instant links: the session opens without waiting for an IHello
  // retransmission (the first IHello to a is filtered only if it raced ahead
  // of a's RHello; here the Redirect goes first, so it may be dropped once).
  EXPECT_LT(w.h.now - start, params::kHelloFirstInterval * 2);
}

TEST(EndpointIntroduction, AnAnsweredForwardedIHelloIsReportedWhenAskedFor) {
  // A node behind a TURN relay permits the initiator it is introduced to
  // (rendezvous/turn/io/turn_permit_service.hpp): the event names it.
  EndpointConfig ac;
  ac.report_forwarded_ihellos = true;
  IntroWorld w(/*rv_accepts=*/true, ac);
  w.register_a();
  std::vector<UnmatchedIHello> u;
  ASSERT_NO_FATAL_FAILURE(w.b_asks_for_a(u));
  ASSERT_TRUE(w.rv->endpoint->forward_ihello(w.h.now, w.rv_to_a, u[0].epd, u[0].tag,
                                             {u[0].from, wire::AddressOrigin::observed}));
  w.h.deliver();
  auto f = w.a->events_of<ForwardedIHelloAnswered>();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].initiator, w.b->address);
  EXPECT_EQ(f[0].origin, wire::AddressOrigin::observed) << "the reply address's origin tag";
  EXPECT_EQ(w.a->endpoint->stats().fihellos_answered, 1u);
}

TEST(EndpointIntroduction, WithoutTheForwardedIHelloTheFilteringNatStaysClosed) {
  IntroWorld w(/*rv_accepts=*/true);
  w.register_a();
  std::vector<UnmatchedIHello> u;
  ASSERT_NO_FATAL_FAILURE(w.b_asks_for_a(u));
  std::vector<wire::WireAddress> addrs = {{w.a->address, wire::AddressOrigin::observed}};
  ASSERT_TRUE(w.rv->endpoint->send_redirect(w.h.now, u[0].profile, u[0].tag, u[0].from, addrs));
  // No FIHello: a never sends towards b, so its NAT drops every IHello.
  EXPECT_FALSE(w.h.run_until([&] { return !w.b->events_of<SessionOpened>().empty(); }, seconds(10)));
}

TEST(EndpointIntroduction, AcceptedSessionsIgnoreForwardedIHellosByDefault) {
  IntroWorld w(/*rv_accepts=*/true);
  w.filter_nats = false;
  // b opens a session to a directly; a accepted it, so an FIHello from b is
  // not trusted: a peer must not be able to make a send RHellos anywhere.
  ConnectRequest r;
  r.epd.peer_id = w.a->profile->local_peer_id();
  r.candidates = {w.a->address};
  ASSERT_TRUE(w.b->endpoint->connect(w.h.now, r));
  ASSERT_TRUE(w.h.run_until([&] { return !w.a->events_of<SessionOpened>().empty(); }, seconds(5)));
  SessionHandle b_to_a = w.b->events_of<SessionOpened>().at(0).session;
  auto epd = w.a->profile->make_epd(r.epd);
  ASSERT_TRUE(epd);
  Bytes tag(16, 7);
  ASSERT_TRUE(w.b->endpoint->forward_ihello(w.h.now, b_to_a, *epd, tag,
                                            {SocketAddress::ipv4(192, 0, 2, 66, 1), wire::AddressOrigin::observed}));
  w.h.deliver();
  EXPECT_EQ(w.a->endpoint->stats().fihellos_answered, 0u);
  EXPECT_EQ(w.a->endpoint->stats().drops[static_cast<int>(DropReason::fihello_ignored)], 1u);
}

TEST(EndpointIntroduction, ForwardedIHellosAreChargedToTheForwardingSessionAndDeduplicatedByTag) {
  IntroWorld w(/*rv_accepts=*/true);
  w.filter_nats = false;
  w.register_a();
  auto epd = w.a->profile->make_epd(EpdRequest{.uri = {}, .peer_id = w.a->profile->local_peer_id(), .hostname = {}});
  ASSERT_TRUE(epd);
  std::size_t to_strangers = 0;
  w.h.filter = [&](SentDatagram& d) {
    if (d.from == w.a->address && d.to.ip[0] == 192) ++to_strangers;
    return true;
  };
  // The same tag twice: answered once.
  Bytes tag(16, 1);
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(w.rv->endpoint->forward_ihello(w.h.now, w.rv_to_a, *epd, tag,
                                               {SocketAddress::ipv4(192, 0, 2, 1, 1), wire::AddressOrigin::observed}));
  w.h.deliver();
  EXPECT_EQ(w.a->endpoint->stats().fihellos_answered, 1u);
  // A flood of distinct tags at one instant: at most the burst is answered.
  for (int i = 0; i < 500; ++i) {
    Bytes t(16, 2);
    t[0] = static_cast<std::uint8_t>(i);
    t[1] = static_cast<std::uint8_t>(i >> 8);
    ASSERT_TRUE(w.rv->endpoint->forward_ihello(
        w.h.now, w.rv_to_a, *epd, t,
        {SocketAddress::ipv4(192, 0, 2, static_cast<std::uint8_t>(i), 1), wire::AddressOrigin::observed}));
  }
  w.h.deliver();
  EXPECT_LE(w.a->endpoint->stats().fihellos_answered, static_cast<std::uint64_t>(params::kFIHelloBurst) + 1);
  EXPECT_EQ(to_strangers, w.a->endpoint->stats().fihellos_answered);
  EXPECT_GT(w.a->endpoint->stats().drops[static_cast<int>(DropReason::fihello_limited)], 400u);
}

TEST(EndpointIntroduction, APureIntroducerThatAcceptsNoSessionsStillReportsAndRedirects) {
  IntroWorld w(/*rv_accepts=*/false);
  w.filter_nats = false;
  std::vector<UnmatchedIHello> u;
  ASSERT_NO_FATAL_FAILURE(w.b_asks_for_a(u));
  std::vector<wire::WireAddress> addrs = {{w.a->address, wire::AddressOrigin::observed}};
  ASSERT_TRUE(w.rv->endpoint->send_redirect(w.h.now, u[0].profile, u[0].tag, u[0].from, addrs));
  // No filtering NAT here: the Redirect alone (§3.5.1.4) reaches a.
  ASSERT_TRUE(w.h.run_until([&] { return !w.b->events_of<SessionOpened>().empty(); }, seconds(10)));
  EXPECT_EQ(w.b->events_of<SessionOpened>().at(0).peer, w.a->address);
  // And an IHello for the introducer itself is refused: it accepts no sessions.
  ConnectRequest self;
  self.epd.peer_id = w.rv->profile->local_peer_id();
  self.candidates = {w.rv->address};
  ASSERT_TRUE(w.b->endpoint->connect(w.h.now, self));
  w.h.deliver();
  EXPECT_GE(w.rv->endpoint->stats().drops[static_cast<int>(DropReason::responder_disabled)], 1u);
}

TEST(EndpointIntroduction, SendRedirectIsHeldToTheAmplificationBudget) {
  IntroWorld w(/*rv_accepts=*/false);
  std::vector<wire::WireAddress> many;
  for (int i = 0; i < 24; ++i)
    many.push_back({SocketAddress::ipv4(198, 51, 100, static_cast<std::uint8_t>(i), 1), wire::AddressOrigin::local});
  // Nothing was received from this address: nothing may be sent to it.
  auto r = w.rv->endpoint->send_redirect(w.h.now, w.rv->profile->kind(), Bytes(16, 1),
                                         SocketAddress::ipv4(203, 0, 113, 1, 1), many);
  EXPECT_FALSE(r);
  std::vector<wire::WireAddress> too_many = many;
  too_many.push_back(many[0]);
  EXPECT_FALSE(w.rv->endpoint->send_redirect(w.h.now, w.rv->profile->kind(), Bytes(16, 1), w.b->address, too_many));
}

}  // namespace
}  // namespace rtmfp::testing

namespace rtmfp::testing {
namespace {

// Guessed paths (guessed_paths.cpp, birthday probing): the tag a Forwarded
// IHello's answer echoed is reported; one more IHello of the opening session
// (as the easy initiator's probe) through the responder's now open filter
// opens the session at that address; a responder's extra RHello for the
// tag is a well-formed RHello the initiator matches; misuse is an error.
TEST(EndpointIntroduction, GuessedIHellosAndRHellosUseTheOpeningSessionsTag) {
  EndpointConfig ac;
  ac.report_forwarded_ihellos = true;
  IntroWorld w(/*rv_accepts=*/true, ac);
  w.register_a();
  std::vector<UnmatchedIHello> u;
  ASSERT_NO_FATAL_FAILURE(w.b_asks_for_a(u));
  auto opening = w.b->endpoint->opening_session_to(w.a->profile->local_peer_id());
  ASSERT_TRUE(opening);
  EXPECT_FALSE(w.b->endpoint->opening_session_to(w.b->profile->local_peer_id()));
  // No Redirect: b knows nothing of a's address but from the guess below.
  ASSERT_TRUE(w.rv->endpoint->forward_ihello(w.h.now, w.rv_to_a, u[0].epd, u[0].tag,
                                             {u[0].from, wire::AddressOrigin::observed}));
  w.h.deliver();
  auto f = w.a->events_of<ForwardedIHelloAnswered>();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].tag, u[0].tag);
  EXPECT_EQ(f[0].profile, u[0].profile);
  // a's RHello was filtered at b (b never sent to a). A second one, as the
  // birthday prober sends, is the same kind of packet, filtered the same.
  ASSERT_TRUE(w.a->endpoint->send_introduced_rhello(w.h.now, f[0].profile, f[0].tag, w.b->address));
  EXPECT_EQ(w.a->endpoint->stats().guessed_rhellos_sent, 1u);
  w.h.deliver();
  EXPECT_TRUE(w.b->events_of<SessionOpened>().empty());
  // b's guessed IHello to a passes a's filter (a sent to b): the session
  // opens there.
  ASSERT_TRUE(w.b->endpoint->send_opening_ihello(w.h.now, *opening, w.a->address));
  EXPECT_EQ(w.b->endpoint->stats().guessed_ihellos_sent, 1u);
  ASSERT_TRUE(w.h.run_until([&] { return !w.b->events_of<SessionOpened>().empty(); }, seconds(1)));
  EXPECT_EQ(w.b->events_of<SessionOpened>().at(0).peer, w.a->address);
  // Misuse: the session is open now, unknown sessions, bad tags and ports.
  EXPECT_FALSE(w.b->endpoint->send_opening_ihello(w.h.now, *opening, w.a->address));
  EXPECT_FALSE(w.b->endpoint->send_opening_ihello(w.h.now, 9999, w.a->address));
  SocketAddress no_port = w.b->address;
  no_port.port = 0;
  EXPECT_FALSE(w.a->endpoint->send_introduced_rhello(w.h.now, f[0].profile, f[0].tag, no_port));
  EXPECT_FALSE(w.a->endpoint->send_introduced_rhello(w.h.now, f[0].profile, Bytes{}, w.b->address));
}

}  // namespace
}  // namespace rtmfp::testing
