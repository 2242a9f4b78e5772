// The NAT check's wire format and classification (rendezvous/core/
// nat_check.hpp), and its responder on a real Endpoint.
#include "rendezvous/core/nat_check.hpp"

#include <gtest/gtest.h>

#include "rendezvous/core/nat_check_responder.hpp"
#include "rtmfp/crypto/testing/null_profile.hpp"

namespace rtmfp::rendezvous {
namespace {

TEST(NatCheckEpd, RoundTripsEveryModeAndRejectsEverythingElse) {
  for (auto m : {NatCheckReplyFrom::same, NatCheckReplyFrom::other_port, NatCheckReplyFrom::other_address}) {
    auto epd = encode_nat_check_epd(m);
    EXPECT_EQ(decode_nat_check_epd(epd), m);
    Bytes longer = epd;
    longer.push_back(0);
    EXPECT_FALSE(decode_nat_check_epd(longer));
    Bytes shorter(epd.begin(), epd.end() - 1);
    EXPECT_FALSE(decode_nat_check_epd(shorter));
  }
  Bytes bad_mode = encode_nat_check_epd(NatCheckReplyFrom::same);
  bad_mode.back() = 3;
  EXPECT_FALSE(decode_nat_check_epd(bad_mode));
  Bytes other_magic = encode_nat_check_epd(NatCheckReplyFrom::same);
  other_magic[40] ^= 1;
  EXPECT_FALSE(decode_nat_check_epd(other_magic));
  EXPECT_FALSE(decode_nat_check_epd({}));
}

const SocketAddress kMe = SocketAddress::ipv4(203, 0, 113, 1, 40000);
const SocketAddress kMe2 = SocketAddress::ipv4(203, 0, 113, 1, 40001);

TEST(NatCheckClassify, MappingAndFilteringByRfc4787) {
  NatObservations o;
  EXPECT_EQ(classify(o).mapping, NatBehaviour::unknown);  // nothing answered
  o.reflexive = kMe;
  o.other_port = SocketAddress::ipv4(198, 51, 100, 1, 1936);
  o.other_address = SocketAddress::ipv4(198, 51, 100, 2, 1935);
  o.reflexive_other_port = kMe;
  o.reflexive_other_address = kMe;
  o.reached_from_other_address = true;
  o.reached_from_other_port = true;
  auto c = classify(o);
  EXPECT_EQ(c.mapping, NatBehaviour::endpoint_independent);
  EXPECT_EQ(c.filtering, NatBehaviour::endpoint_independent);
  EXPECT_TRUE(c.address_tested);
  EXPECT_EQ(c.reflexive.size(), 1u);
  o.reached_from_other_address = false;
  EXPECT_EQ(classify(o).filtering, NatBehaviour::address_dependent);
  o.reached_from_other_port = false;
  EXPECT_EQ(classify(o).filtering, NatBehaviour::address_and_port_dependent);
  o.reflexive_other_address = kMe2;
  EXPECT_EQ(classify(o).mapping, NatBehaviour::address_dependent);
  o.reflexive_other_port = kMe2;
  c = classify(o);
  EXPECT_EQ(c.mapping, NatBehaviour::address_and_port_dependent);
  EXPECT_EQ(c.reflexive.size(), 2u);
}

TEST(NatCheckClassify, WithOneServerAddressTheStricterClassIsReported) {
  NatObservations o;
  o.reflexive = kMe;
  o.other_port = SocketAddress::ipv4(198, 51, 100, 1, 1936);
  o.reflexive_other_port = kMe;
  o.reached_from_other_port = true;  // full cone or address-restricted: cannot tell
  auto c = classify(o);
  EXPECT_FALSE(c.address_tested);
  EXPECT_EQ(c.mapping, NatBehaviour::endpoint_independent);
  EXPECT_EQ(c.filtering, NatBehaviour::address_dependent);
  // A server with no other socket at all: only the reflexive address is known.
  NatObservations alone;
  alone.reflexive = kMe;
  c = classify(alone);
  EXPECT_EQ(c.mapping, NatBehaviour::unknown);
  EXPECT_EQ(c.filtering, NatBehaviour::unknown);
  EXPECT_EQ(c.reflexive, std::vector<SocketAddress>{kMe});
}

TEST(NatCheckResponder, AnswersFromTheSocketAskedAndIgnoresOtherEpds) {
  SeededRandom rng(1), crng(2);
  testing::NullProfile profile(rng), cprofile(crng);
  EndpointConfig cfg;
  cfg.report_unmatched_ihellos = true;
  Endpoint ep(cfg, rng), client(EndpointConfig{}, crng);
  ep.add_profile(profile);
  client.add_profile(cprofile);
  const auto a = SocketAddress::ipv4(198, 51, 100, 1, 1935), b = SocketAddress::ipv4(198, 51, 100, 1, 1936);
  NatCheckResponder r(ep, {{0, a}, {1, b}});
  const TimePoint now = at(seconds(10));
  // A real check IHello from kMe reaching socket 0, as UnmatchedIHello.
  auto ask = [&](NatCheckReplyFrom mode) -> std::optional<UnmatchedIHello> {
    EXPECT_TRUE(client.send_probe_ihello(now, cprofile.kind(), encode_nat_check_epd(mode), Bytes(16, 7), a));
    auto t = client.poll_transmit(now);
    if (!t) return std::nullopt;
    ep.on_datagram(now, kMe, t->data, 0);
    auto e = ep.poll_event();
    if (!e || !std::holds_alternative<UnmatchedIHello>(*e)) return std::nullopt;
    return std::get<UnmatchedIHello>(*e);
  };
  auto u = ask(NatCheckReplyFrom::other_port);
  ASSERT_TRUE(u);
  EXPECT_TRUE(r.on_event(now, *u));
  auto t = ep.poll_transmit(now);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, kMe);
  EXPECT_EQ(t->interface, 1u);  // the other port
  EXPECT_EQ(r.stats().answered, 1u);
  // The answer, at the client: a ProbeRedirect listing what the server saw
  // first, then its other port.
  client.on_datagram(now, b, t->data);
  auto e = client.poll_event();
  ASSERT_TRUE(e && std::holds_alternative<ProbeRedirect>(*e));
  const auto& pr = std::get<ProbeRedirect>(*e);
  ASSERT_EQ(pr.addresses.size(), 2u);
  EXPECT_EQ(pr.addresses[0].address, kMe);
  EXPECT_EQ(pr.addresses[0].origin, wire::AddressOrigin::observed);
  EXPECT_EQ(pr.addresses[1].address, b);
  EXPECT_EQ(pr.addresses[1].origin, wire::AddressOrigin::local);
  // Asking for another address the server does not have: silence.
  u = ask(NatCheckReplyFrom::other_address);
  ASSERT_TRUE(u);
  EXPECT_TRUE(r.on_event(now, *u));
  EXPECT_FALSE(ep.poll_transmit(now));
  EXPECT_EQ(r.stats().no_such_socket, 1u);
  // Not a NAT check: left for the introducer.
  u->epd = Bytes{0x21, 0x0f};
  EXPECT_FALSE(r.on_event(now, *u));
}

}  // namespace
}  // namespace rtmfp::rendezvous
