// The TURN client state machine against a scripted server built from the
// same codec: long-term authentication (401, 438), allocation, refresh,
// permissions, channels, Send/Data indications, ChannelData, timers, and
// remote garbage dropped and counted.
#include <gtest/gtest.h>

#include <deque>

#include "rendezvous/turn/core/channel_data.hpp"
#include "rendezvous/turn/core/stun_integrity.hpp"
#include "rendezvous/turn/core/turn_client.hpp"

namespace rtmfp::turn {
namespace {

const auto kRelayed = *SocketAddress::parse("198.51.100.7:50000");
const auto kMapped = *SocketAddress::parse("203.0.113.9:41000");
const auto kPeer = *SocketAddress::parse("192.0.2.44:6000");

struct Fixture : ::testing::Test {
  SeededRandom rng{7};
  TurnClientConfig cfg = [] {
    TurnClientConfig c;
    c.username = "user";
    c.password = "pass";
    return c;
  }();
  TimePoint now{seconds(1000)};
  std::array<std::uint8_t, 16> key = long_term_key("user", "test", "pass");
  std::string nonce = "nonce-1";

  std::deque<Bytes> keep;  // parsed messages are views: their bytes stay here
  StunMessage parse(const Bytes& bytes) {
    const Bytes& b = keep.emplace_back(bytes);
    auto m = parse_stun(b);
    EXPECT_TRUE(m) << (m ? "" : m.error().message());
    return m ? *m : StunMessage{};
  }
  Bytes error(const StunMessage& req, int code, bool with_realm) {
    StunBuilder b(message_type(req.method(), StunClass::error), req.transaction);
    const std::uint8_t e[] = {0, 0, static_cast<std::uint8_t>(code / 100), static_cast<std::uint8_t>(code % 100)};
    b.add(StunAttr::error_code, ByteView(e));
    if (with_realm) b.add(StunAttr::realm, std::string_view("test"));
    b.add(StunAttr::nonce, nonce);
    return std::move(b).finish({}, true);
  }
  Bytes success(const StunMessage& req, std::function<void(StunBuilder&)> attrs, bool integrity = true) {
    StunBuilder b(message_type(req.method(), StunClass::success), req.transaction);
    if (attrs) attrs(b);
    return std::move(b).finish(integrity ? ByteView(key) : ByteView(), true);
  }
  Bytes next(TurnClient& c) {
    auto t = c.poll_transmit();
    EXPECT_TRUE(t);
    return t ? *t : Bytes{};
  }
  // Runs the 401 exchange and the allocation; returns with the client allocated.
  void allocate(TurnClient& c, std::uint32_t lifetime = 600) {
    ASSERT_TRUE(c.start(now));
    StunMessage a1 = parse(next(c));
    EXPECT_EQ(a1.method(), StunMethod::allocate);
    EXPECT_FALSE(a1.find(StunAttr::message_integrity));
    ASSERT_TRUE(a1.find(StunAttr::requested_transport));
    EXPECT_EQ(a1.find(StunAttr::requested_transport)->value[0], kTransportUdp);
    c.on_datagram(now, error(a1, 401, true));
    Bytes a2b = next(c);
    StunMessage a2 = parse(a2b);
    EXPECT_NE(a2.transaction, a1.transaction);
    ASSERT_TRUE(a2.find(StunAttr::username) && a2.find(StunAttr::nonce) && a2.find(StunAttr::realm));
    EXPECT_TRUE(integrity_ok(a2, key));
    EXPECT_TRUE(fingerprint_ok(a2));
    c.on_datagram(now, success(a2, [&](StunBuilder& b) {
      b.add_xor_address(StunAttr::xor_relayed_address, kRelayed);
      b.add_xor_address(StunAttr::xor_mapped_address, kMapped);
      b.add_u32(StunAttr::lifetime, lifetime);
    }));
    ASSERT_EQ(c.state(), TurnState::allocated);
    auto e = c.poll_event();
    ASSERT_TRUE(e && std::holds_alternative<TurnAllocated>(*e));
    EXPECT_EQ(std::get<TurnAllocated>(*e).relayed, kRelayed);
    EXPECT_EQ(std::get<TurnAllocated>(*e).mapped, kMapped);
  }
};

TEST_F(Fixture, AllocatesWithLongTermCredentials) {
  TurnClient c(cfg, rng);
  allocate(c);
  EXPECT_EQ(c.relayed(), kRelayed);
  EXPECT_EQ(c.stats().requests, 2u);
}

TEST_F(Fixture, WrongCredentialsFailTheAllocation) {
  TurnClient c(cfg, rng);
  ASSERT_TRUE(c.start(now));
  StunMessage a1 = parse(next(c));
  c.on_datagram(now, error(a1, 401, true));
  StunMessage a2 = parse(next(c));
  c.on_datagram(now, error(a2, 401, true));  // still 401 under our key
  EXPECT_EQ(c.state(), TurnState::failed);
  auto e = c.poll_event();
  ASSERT_TRUE(e && std::holds_alternative<TurnFailed>(*e));
  EXPECT_EQ(std::get<TurnFailed>(*e).code, 401);
  EXPECT_FALSE(c.poll_transmit());
}

TEST_F(Fixture, ForgedSuccessIsDroppedAndCounted) {
  TurnClient c(cfg, rng);
  ASSERT_TRUE(c.start(now));
  StunMessage a1 = parse(next(c));
  c.on_datagram(now, error(a1, 401, true));
  StunMessage a2 = parse(next(c));
  key[0] ^= 1;  // the forger does not know the key
  c.on_datagram(now, success(a2, [&](StunBuilder& b) {
    b.add_xor_address(StunAttr::xor_relayed_address, kRelayed);
    b.add_u32(StunAttr::lifetime, 600);
  }));
  EXPECT_EQ(c.state(), TurnState::allocating);
  EXPECT_EQ(c.stats().dropped_integrity, 1u);
  const std::uint8_t junk[] = {0x00, 0x01, 0x00, 0x04, 1, 2, 3};
  c.on_datagram(now, junk);
  EXPECT_EQ(c.stats().dropped_malformed, 1u);
}

TEST_F(Fixture, RetransmitsOnRfc8489ScheduleThenTimesOut) {
  TurnClient c(cfg, rng);
  ASSERT_TRUE(c.start(now));
  const Bytes first = next(c);
  // 0, 500, 1500, 3500, 7500, 15500, 31500 ms; failure at 39500 ms.
  const int at_ms[] = {500, 1500, 3500, 7500, 15500, 31500};
  for (int ms : at_ms) {
    ASSERT_EQ(c.next_deadline(), now + milliseconds(ms));
    c.on_deadline(now + milliseconds(ms));
    EXPECT_EQ(next(c), first);  // same transaction, same bytes
  }
  ASSERT_EQ(c.next_deadline(), now + milliseconds(39500));
  c.on_deadline(now + milliseconds(39500));
  EXPECT_EQ(c.state(), TurnState::failed);
  EXPECT_EQ(c.stats().retransmissions, 6u);
}

TEST_F(Fixture, RefreshesBeforeLifetimeEndsAndRetriesStaleNonce) {
  TurnClient c(cfg, rng);
  allocate(c, 600);
  ASSERT_EQ(c.next_deadline(), now + seconds(540));
  now += seconds(540);
  c.on_deadline(now);
  StunMessage r1 = parse(next(c));
  EXPECT_EQ(r1.method(), StunMethod::refresh);
  EXPECT_TRUE(integrity_ok(r1, key));
  nonce = "nonce-2";
  c.on_datagram(now, error(r1, 438, false));  // stale nonce, no realm
  StunMessage r2 = parse(next(c));
  ASSERT_TRUE(r2.find(StunAttr::nonce));
  EXPECT_EQ(std::string(r2.find(StunAttr::nonce)->value.begin(), r2.find(StunAttr::nonce)->value.end()), "nonce-2");
  EXPECT_TRUE(integrity_ok(r2, key));
  c.on_datagram(now, success(r2, [](StunBuilder& b) { b.add_u32(StunAttr::lifetime, 600); }));
  EXPECT_EQ(c.state(), TurnState::allocated);
  EXPECT_EQ(c.next_deadline(), now + seconds(540));
}

TEST_F(Fixture, SendIndicationThenChannelDataBothWays) {
  TurnClient c(cfg, rng);
  allocate(c);
  const Bytes payload{1, 2, 3, 4, 5};
  ASSERT_TRUE(c.send(now, kPeer, payload));
  StunMessage perm = parse(next(c));
  EXPECT_EQ(perm.method(), StunMethod::create_permission);
  StunMessage bind = parse(next(c));
  EXPECT_EQ(bind.method(), StunMethod::channel_bind);
  auto ch = decode_channel_number(bind.find(StunAttr::channel_number)->value);
  ASSERT_TRUE(ch);
  EXPECT_EQ(*ch, kFirstChannel);
  EXPECT_EQ(decode_xor_address(bind.find(StunAttr::xor_peer_address)->value, bind.transaction), kPeer);
  StunMessage ind = parse(next(c));
  EXPECT_EQ(ind.type, 0x0016);
  EXPECT_EQ(decode_xor_address(ind.find(StunAttr::xor_peer_address)->value, ind.transaction), kPeer);
  EXPECT_EQ(Bytes(ind.find(StunAttr::data)->value.begin(), ind.find(StunAttr::data)->value.end()), payload);

  c.on_datagram(now, success(perm, nullptr));
  c.on_datagram(now, success(bind, nullptr));
  EXPECT_TRUE(c.permitted(kPeer));
  EXPECT_EQ(c.channel(kPeer), kFirstChannel);
  auto e1 = c.poll_event();
  ASSERT_TRUE(e1 && std::holds_alternative<TurnPermission>(*e1));
  auto e2 = c.poll_event();
  ASSERT_TRUE(e2 && std::holds_alternative<TurnChannel>(*e2));

  ASSERT_TRUE(c.send(now, kPeer, payload));
  const Bytes framed = next(c);
  auto cd = parse_channel_data(framed);
  ASSERT_TRUE(cd);
  EXPECT_EQ(cd->channel, kFirstChannel);
  EXPECT_EQ(Bytes(cd->data.begin(), cd->data.end()), payload);

  // In: ChannelData and a Data indication.
  c.on_datagram(now, frame_channel_data(kFirstChannel, payload));
  TransactionId tid{};
  StunBuilder di(message_type(StunMethod::data, StunClass::indication), tid);
  di.add_xor_address(StunAttr::xor_peer_address, kPeer);
  di.add(StunAttr::data, ByteView(payload));
  c.on_datagram(now, std::move(di).finish({}, false));
  for (bool via_channel : {true, false}) {
    auto e = c.poll_event();
    ASSERT_TRUE(e && std::holds_alternative<TurnData>(*e));
    EXPECT_EQ(std::get<TurnData>(*e).peer, kPeer);
    EXPECT_EQ(std::get<TurnData>(*e).data, payload);
    EXPECT_EQ(std::get<TurnData>(*e).via_channel, via_channel);
  }
  // A channel we never bound: dropped, counted.
  c.on_datagram(now, frame_channel_data(kFirstChannel + 1, payload));
  EXPECT_EQ(c.stats().dropped_channel, 1u);
  EXPECT_FALSE(c.poll_event());

  // Permission refresh after 4 minutes, channel refresh after 9.
  now += seconds(240);
  c.on_deadline(now);
  EXPECT_EQ(parse(next(c)).method(), StunMethod::create_permission);
  now += seconds(300);
  c.on_deadline(now);
  std::vector<StunMethod> seen;
  while (auto t = c.poll_transmit()) seen.push_back(parse(*t).method());
  EXPECT_NE(std::find(seen.begin(), seen.end(), StunMethod::channel_bind), seen.end());
}

TEST_F(Fixture, LocalMisuseIsAnError) {
  TurnClient c(cfg, rng);
  EXPECT_FALSE(c.send(now, kPeer, Bytes{1}));
  EXPECT_FALSE(c.permit(now, kPeer));
  allocate(c);
  EXPECT_FALSE(c.start(now));
  EXPECT_FALSE(c.send(now, kPeer, Bytes(kMaxTurnData + 1)));
}

TEST_F(Fixture, CloseSendsZeroLifetime) {
  TurnClient c(cfg, rng);
  allocate(c);
  c.close(now);
  StunMessage r = parse(next(c));
  EXPECT_EQ(r.method(), StunMethod::refresh);
  EXPECT_EQ(decode_u32(r.find(StunAttr::lifetime)->value), 0u);
  c.on_datagram(now, success(r, nullptr));
  EXPECT_EQ(c.state(), TurnState::closed);
}

}  // namespace
}  // namespace rtmfp::turn
