#include "rendezvous/control/control_codec.hpp"

#include <gtest/gtest.h>

namespace rtmfp::rendezvous::control {
namespace {

SocketAddress v4(std::uint8_t d, std::uint16_t port) { return SocketAddress::ipv4(192, 0, 2, d, port); }

TEST(ControlCodec, EveryMessageRoundTrips) {
  PeerId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<Message> all = {
      Registration{7, {v4(1, 1935), *SocketAddress::parse("[2001:db8::1]:1935")}},
      Registration{8, {v4(2, 1935)}, true},  // a NatReport follows
      Registered{7, v4(9, 40000), 15000, id},
      Registered{8, v4(9, 40000), 15000, std::nullopt},
      Lookup{9, id},
      LookupResult{9, true, {v4(3, 3), v4(4, 4)}},
      LookupResult{10, false, {}},
      NatReport{NatBehaviour::address_and_port_dependent, NatBehaviour::endpoint_independent, true,
                {v4(5, 5), v4(6, 6)}},
      Failure{11, "not registered"},
  };
  {
    NatReport n{NatBehaviour::address_and_port_dependent, NatBehaviour::address_and_port_dependent, false, {v4(5, 5)}};
    n.allocation = PortAllocation::sequential;
    n.port_delta = -2;
    n.last_port = 40010;
    all.push_back(n);
    NatReport b;
    b.udp_blocked = true;
    all.push_back(b);
    Introduction i;
    i.strategy = PathStrategy::predict;
    i.initiator = true;
    i.peer_id = id;
    i.peer_address = v4(7, 40000);
    NatProfile own{NatBehaviour::address_and_port_dependent, NatBehaviour::address_and_port_dependent};
    own.allocation = PortAllocation::sequential;
    own.port_delta = 1;
    i.own_class = own;
    i.peer_class = NatProfile{NatBehaviour::endpoint_independent, NatBehaviour::address_and_port_dependent};
    i.hard_side = true;
    i.predicted_ports = {40001, 40002, 40003};
    i.relay_later = true;
    all.push_back(i);
    Introduction bd;
    bd.strategy = PathStrategy::birthday;
    bd.peer_address = v4(8, 1);
    bd.birthday_sockets = 256;
    bd.birthday_probes = 1024;
    bd.birthday_rate = 100;
    bd.birthday_max_ms = 12000;
    all.push_back(bd);
  }
  for (const auto& m : all) {
    auto bytes = encode(m);
    ASSERT_TRUE(bytes) << bytes.error().message();
    auto back = decode(*bytes);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, m) << "variant " << m.index();
  }
}

TEST(ControlCodec, AnIntroductionBeyondItsBoundsIsRefused) {
  Introduction i;
  i.peer_address = v4(1, 1);
  i.predicted_ports.assign(kMaxPredictedPorts + 1, 40000);
  EXPECT_FALSE(encode(i));  // local misuse
  // From a peer: too many predicted ports, or birthday beyond its caps.
  i.predicted_ports.assign(kMaxPredictedPorts, 40000);
  auto bytes = encode(i);
  ASSERT_TRUE(bytes);
  EXPECT_TRUE(decode(*bytes));
  i.predicted_ports.clear();
  i.birthday_rate = kMaxBirthdayRate + 1;
  bytes = encode(i);
  ASSERT_TRUE(bytes);
  auto r = decode(*bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
}

TEST(ControlCodec, MalformedInputIsAnErrorNamingWhatWasWrong) {
  // Not a protobuf message at all (a field with wire type 7).
  Bytes junk = {0x0f, 0xff, 0xff};
  auto r = decode(junk);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::malformed);

  // An empty message has no body.
  auto empty = decode(ByteView{});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::unsupported);

  // A 5-byte address: field 1 (registration) { field 2 (address) { field 1 (ip) 5 bytes } }.
  Bytes bad_ip = {0x0a, 0x09, 0x12, 0x07, 0x0a, 0x05, 1, 2, 3, 4, 5};
  auto b = decode(bad_ip);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find("5 bytes"), std::string::npos) << b.error().message();

  // A lookup whose peer ID is not 32 bytes.
  Bytes short_id = {0x1a, 0x04, 0x12, 0x02, 0xaa, 0xbb};
  auto s = decode(short_id);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("peer ID"), std::string::npos);
}

TEST(ControlCodec, SizeAndCountAreBounded) {
  Bytes big(kMaxControlMessage + 1, 0);
  auto r = decode(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);

  Registration many;
  for (int i = 0; i < 30; ++i) many.host_addresses.push_back(v4(static_cast<std::uint8_t>(i), 1));
  EXPECT_FALSE(encode(many));
  // Hand-built: 25 addresses on the wire are refused by the decoder.
  Bytes wire;
  Bytes inner;
  for (int i = 0; i < 25; ++i) {
    Bytes addr = {0x12, 0x08, 0x0a, 0x04, 10, 0, 0, static_cast<std::uint8_t>(i), 0x10, 0x01};
    inner.insert(inner.end(), addr.begin(), addr.end());
  }
  ASSERT_LT(inner.size(), 16384u);
  wire.push_back(0x0a);  // field 1, length-delimited; the length as a two-byte varint
  wire.push_back(static_cast<std::uint8_t>(0x80 | (inner.size() & 0x7f)));
  wire.push_back(static_cast<std::uint8_t>(inner.size() >> 7));
  wire.insert(wire.end(), inner.begin(), inner.end());
  auto d = decode(wire);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::limit_exceeded);
}

TEST(ControlCodec, UnknownFieldsAndNewerEnumValuesAreTolerated) {
  // NatReport { mapping = 9 (newer), field 15 varint 1 (unknown) }.
  Bytes newer = {0x2a, 0x04, 0x08, 0x09, 0x78, 0x01};
  auto r = decode(newer);
  ASSERT_TRUE(r) << r.error().message();
  auto* n = std::get_if<NatReport>(&*r);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->mapping, NatBehaviour::unknown);
}

}  // namespace
}  // namespace rtmfp::rendezvous::control
