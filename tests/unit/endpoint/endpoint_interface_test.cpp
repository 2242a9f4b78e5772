// Interface IDs (rtmfp/core/interface_id.hpp): a host with several sockets
// tells the endpoint which one each datagram came in on, and every Transmit
// names the one to leave by: the request's for startup answers (RHello,
// RIKeying, Redirect; RFC 7016 §3.5.1.1.2, §3.5.1.4), the one the session's
// peer was last heard on for session traffic, any for an initiator's first
// IHellos (the host picks by family).
#include <gtest/gtest.h>

#include <set>

#include "endpoint_harness.hpp"

namespace rtmfp::testing {
namespace {

struct Side {
  SocketAddress address;
  SeededRandom rng;
  NullProfile profile;
  Endpoint endpoint;
  std::vector<EndpointEvent> events;
  std::vector<InterfaceId> sent_on;  // Transmit::interface of every datagram it sent
  Side(SocketAddress a, std::uint64_t seed, EndpointConfig cfg = {})
      : address(a), rng(seed), profile(rng), endpoint(cfg, rng) {
    endpoint.add_profile(profile);
  }
};

// Two endpoints on an instant link; datagrams to `server` arrive on
// `server_rx` (the socket the client's packets reach), to `client` on
// `client_rx`.
struct Link {
  TimePoint now = at(seconds(1000));
  Side client{addr(2, 5000), 2};
  Side server;
  InterfaceId server_rx = 7, client_rx = 2;
  explicit Link(EndpointConfig cfg = {}) : server(addr(1, 1935), 1, cfg) {}

  bool move(Side& from, Side& to, InterfaceId rx) {
    bool any = false;
    while (auto t = from.endpoint.poll_transmit(now)) {
      any = true;
      from.sent_on.push_back(t->interface);
      to.endpoint.on_datagram(now, from.address, t->data, rx);
    }
    while (auto e = from.endpoint.poll_event()) from.events.push_back(std::move(*e));
    return any;
  }
  void deliver() {
    for (int i = 0; i < 1000; ++i) {
      bool a = move(client, server, server_rx);
      bool b = move(server, client, client_rx);
      if (!a && !b) break;
    }
  }
  template <class T>
  static std::vector<T> of(const Side& s) {
    std::vector<T> out;
    for (auto& e : s.events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
    return out;
  }
  SessionHandle connect() {
    ConnectRequest r;
    r.epd.uri = "rtmfp://server/app";
    r.candidates = {server.address};
    auto s = client.endpoint.connect(now, r);
    EXPECT_TRUE(s);
    // The first IHello: no interface known yet, the host chooses.
    auto t = client.endpoint.poll_transmit(now);
    EXPECT_TRUE(t);
    if (t) {
      EXPECT_EQ(t->interface, kAnyInterface);
      client.sent_on.push_back(t->interface);
      server.endpoint.on_datagram(now, client.address, t->data, server_rx);
    }
    deliver();
    return s.value_or(0);
  }
};

TEST(EndpointInterfaces, AnswersAndSessionTrafficLeaveByTheInterfaceThePeerWasHeardOn) {
  Link l;
  const SessionHandle cs = l.connect();
  ASSERT_EQ(Link::of<SessionOpened>(l.client).size(), 1u);
  ASSERT_EQ(Link::of<SessionOpened>(l.server).size(), 1u);
  // Every server datagram so far (RHello, RIKeying, acks) left by interface 7.
  ASSERT_FALSE(l.server.sent_on.empty());
  for (auto i : l.server.sent_on) EXPECT_EQ(i, 7u);
  // The client's IIKeying and its session traffic leave by the interface
  // the RHello came in on.
  ASSERT_GE(l.client.sent_on.size(), 2u);
  for (std::size_t k = 1; k < l.client.sent_on.size(); ++k) EXPECT_EQ(l.client.sent_on[k], 2u);
  const SessionHandle ss = Link::of<SessionOpened>(l.server).at(0).session;
  EXPECT_EQ(l.server.endpoint.session_info(ss)->interface, 7u);
  EXPECT_EQ(l.client.endpoint.session_info(cs)->interface, 2u);

  // The client's packets now reach the server on another socket (same far
  // address): the server follows.
  l.server_rx = 3;
  l.server.sent_on.clear();
  auto f = l.client.endpoint.open_flow(l.now, cs, Bytes{'x'});
  ASSERT_TRUE(f);
  ASSERT_TRUE(l.client.endpoint.write(l.now, cs, *f, Bytes(100, 1)));
  l.deliver();
  ASSERT_EQ(Link::of<FlowMessage>(l.server).size(), 1u);
  ASSERT_FALSE(l.server.sent_on.empty());  // its acknowledgement
  for (auto i : l.server.sent_on) EXPECT_EQ(i, 3u);
  EXPECT_EQ(l.server.endpoint.session_info(ss)->interface, 3u);
}

TEST(EndpointInterfaces, UnmatchedIHelloCarriesItsInterfaceAndTheRedirectLeavesByIt) {
  EndpointConfig cfg;
  cfg.report_unmatched_ihellos = true;
  Link l(cfg);
  ConnectRequest r;
  r.epd.peer_id = PeerId{};
  (*r.epd.peer_id)[0] = 0x42;  // nobody here
  r.candidates = {l.server.address};
  ASSERT_TRUE(l.client.endpoint.connect(l.now, r));
  l.move(l.client, l.server, 5);
  while (auto e = l.server.endpoint.poll_event()) l.server.events.push_back(std::move(*e));
  auto u = Link::of<UnmatchedIHello>(l.server);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].interface, 5u);
  std::vector<wire::WireAddress> to{wire::WireAddress{addr(9, 9000), wire::AddressOrigin::observed}};
  ASSERT_TRUE(l.server.endpoint.send_redirect(l.now, u[0].profile, u[0].tag, u[0].from, to, u[0].interface));
  auto t = l.server.endpoint.poll_transmit(l.now);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->interface, 5u);
  EXPECT_EQ(t->to, l.client.address);
}

TEST(EndpointInterfaces, WithoutInterfacesEverythingSaysAny) {
  Link l;
  l.server_rx = kAnyInterface;
  l.client_rx = kAnyInterface;
  l.connect();
  ASSERT_EQ(Link::of<SessionOpened>(l.server).size(), 1u);
  for (auto i : l.server.sent_on) EXPECT_EQ(i, kAnyInterface);
  for (auto i : l.client.sent_on) EXPECT_EQ(i, kAnyInterface);
}

}  // namespace
}  // namespace rtmfp::testing
