// Replayed session packets (RFC 7425 §4.6.6, §4.7.3.3 for flash; the modern
// profile's packet numbers): with the DEFAULT configurations a captured data
// packet injected again is dropped, and the endpoint counts it as a replay.
#include <gtest/gtest.h>

#include "endpoint_harness.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"

namespace rtmfp::testing {
namespace {

std::unique_ptr<CryptoProfile> make_profile(ProfileKind kind, RandomSource& rng) {
  if (kind == ProfileKind::flash) return std::move(*crypto::FlashProfile::create(crypto::FlashConfig{}, rng));
  return std::move(*crypto::ModernProfile::create(crypto::ModernConfig{}, rng));
}

void replay_is_dropped_and_counted(ProfileKind kind) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto sp = make_profile(kind, *server.rng);
  auto cp = make_profile(kind, *client.rng);
  server.endpoint->add_profile(*sp);
  client.endpoint->add_profile(*cp);
  ConnectRequest r;
  r.profile = kind;
  r.epd.peer_id = sp->local_peer_id();
  r.candidates = {server.address};
  auto s = client.endpoint->connect(h.now, r);
  ASSERT_TRUE(s);
  ASSERT_TRUE(h.run_until([&] { return !server.events_of<SessionOpened>().empty(); }, seconds(10)));
  std::optional<SentDatagram> captured;
  h.filter = [&](SentDatagram& d) {
    if (!captured && d.from == client.address && wire::unscramble_session_id(d.data).value_or(0) != 0) captured = d;
    return true;
  };
  const Bytes msg{'p', 'i', 'n', 'g'};
  ASSERT_TRUE(client.endpoint->ping(h.now, *s, msg));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<PingReplied>().empty(); }, seconds(5)));
  ASSERT_TRUE(captured);
  const auto before = server.endpoint->stats();
  server.endpoint->on_datagram(h.now, captured->from, captured->data);  // the replay
  h.deliver();
  const auto after = server.endpoint->stats();
  EXPECT_EQ(after.drops[static_cast<std::size_t>(DropReason::replayed)], 1u);
  EXPECT_EQ(after.total_drops(), before.total_drops() + 1);
  EXPECT_EQ(client.events_of<PingReplied>().size(), 1u) << "the replayed Ping was not answered again";
}

TEST(EndpointReplay, FlashDefaultsDropAndCountAReplayedPacket) { replay_is_dropped_and_counted(ProfileKind::flash); }
TEST(EndpointReplay, ModernDropsAndCountsAReplayedPacket) { replay_is_dropped_and_counted(ProfileKind::modern); }

}  // namespace
}  // namespace rtmfp::testing
