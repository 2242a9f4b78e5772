// Probe IHellos (Endpoint::send_probe_ihello): an IHello outside any session
// opening whose Redirect answer (RFC 7016 §2.3.5) comes back as an event and
// opens nothing; the same IHello arriving back at its sender (a hairpinning
// NAT) is recognised as its own.
#include <gtest/gtest.h>

#include "endpoint_harness.hpp"

namespace rtmfp::testing {
namespace {

const Bytes kEpd{0x0a, 'c', 'h', 'e', 'c', 'k'};  // selects nobody
const Bytes kTag(16, 0x5a);

struct ProbeWorld {
  Harness h;
  Node* server = nullptr;
  Node* client = nullptr;
  ProbeWorld() {
    EndpointConfig sc;
    sc.report_unmatched_ihellos = true;
    server = &h.add(addr(1, 1935), 1, sc);
    client = &h.add(addr(2, 5000), 2);
  }
  // The server answers every unmatched IHello with a Redirect listing the
  // address it saw, as the NAT check does.
  void answer() {
    for (auto& u : server->events_of<UnmatchedIHello>()) {
      const wire::WireAddress seen{u.from, wire::AddressOrigin::observed};
      ASSERT_TRUE(server->endpoint->send_redirect(h.now, u.profile, u.tag, u.from, std::span(&seen, 1), u.interface));
    }
    server->events.clear();
    h.deliver();
  }
};

TEST(EndpointProbeIHello, TheRedirectAnswerIsAnEventWithTheAddressesAndOpensNothing) {
  ProbeWorld w;
  const auto kind = w.client->profile->kind();
  ASSERT_TRUE(w.client->endpoint->send_probe_ihello(w.h.now, kind, kEpd, kTag, w.server->address));
  w.h.deliver();
  auto u = w.server->events_of<UnmatchedIHello>();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].epd, kEpd);
  EXPECT_EQ(u[0].tag, kTag);
  w.answer();
  auto r = w.client->events_of<ProbeRedirect>();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].tag, kTag);
  EXPECT_EQ(r[0].from, w.server->address);
  ASSERT_EQ(r[0].addresses.size(), 1u);
  EXPECT_EQ(r[0].addresses[0].address, w.client->address);
  EXPECT_TRUE(w.client->endpoint->sessions().empty());
  EXPECT_EQ(w.client->endpoint->stats().probe_ihellos_sent, 1u);
  EXPECT_EQ(w.client->endpoint->stats().probe_replies, 1u);
  // Nothing is retransmitted: a probe has no timer of its own.
  EXPECT_FALSE(w.client->endpoint->next_deadline());
}

TEST(EndpointProbeIHello, AnAnswerAfterTheTagsLifetimeOrAForgottenTagIsDropped) {
  ProbeWorld w;
  const auto kind = w.client->profile->kind();
  ASSERT_TRUE(w.client->endpoint->send_probe_ihello(w.h.now, kind, kEpd, kTag, w.server->address));
  w.h.deliver();
  w.h.now += params::kProbeTagLifetime;
  w.answer();
  EXPECT_TRUE(w.client->events_of<ProbeRedirect>().empty());
  EXPECT_EQ(w.client->endpoint->stats().drops[static_cast<std::size_t>(DropReason::unmatched_redirect)], 1u);

  const Bytes other(16, 0x77);
  ASSERT_TRUE(w.client->endpoint->send_probe_ihello(w.h.now, kind, kEpd, other, w.server->address));
  w.client->endpoint->forget_probe_tag(other);
  w.h.deliver();
  w.answer();
  EXPECT_TRUE(w.client->events_of<ProbeRedirect>().empty());
}

TEST(EndpointProbeIHello, OurOwnIHelloComingBackIsReportedAsLoopedBack) {
  // A NAT that hairpins sends our IHello to our public address back to us.
  ProbeWorld w;
  const SocketAddress public_addr = SocketAddress::ipv4(192, 0, 2, 7, 40000);
  w.h.aliases[public_addr] = w.client;
  const auto kind = w.client->profile->kind();
  ASSERT_TRUE(w.client->endpoint->send_probe_ihello(w.h.now, kind, kEpd, kTag, public_addr));
  w.h.deliver();
  auto l = w.client->events_of<ProbeLoopedBack>();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].tag, kTag);
  EXPECT_EQ(l[0].from, w.client->address);
  EXPECT_EQ(w.client->endpoint->stats().rhellos_sent, 0u);  // not answered as a session request
}

TEST(EndpointProbeIHello, TheTagTableIsBounded) {
  ProbeWorld w;
  const auto kind = w.client->profile->kind();
  for (std::size_t i = 0; i < params::kMaxProbeTags + 10; ++i) {
    Bytes tag(16, 0);
    tag[0] = static_cast<std::uint8_t>(i);
    tag[1] = static_cast<std::uint8_t>(i >> 8);
    w.h.now += milliseconds(1);
    ASSERT_TRUE(w.client->endpoint->send_probe_ihello(w.h.now, kind, kEpd, tag, w.server->address));
  }
  w.h.deliver();
  w.answer();
  // The 10 oldest tags were forgotten, the rest answered.
  EXPECT_EQ(w.client->events_of<ProbeRedirect>().size(), params::kMaxProbeTags);
}

TEST(EndpointProbeIHello, LocalMisuseIsAnError) {
  ProbeWorld w;
  const auto kind = w.client->profile->kind();
  EXPECT_FALSE(w.client->endpoint->send_probe_ihello(w.h.now, kind, {}, kTag, w.server->address));
  EXPECT_FALSE(w.client->endpoint->send_probe_ihello(w.h.now, kind, kEpd, {}, w.server->address));
  EXPECT_FALSE(w.client->endpoint->send_probe_ihello(w.h.now, kind, kEpd, Bytes(256, 1), w.server->address));
}

}  // namespace
}  // namespace rtmfp::testing
