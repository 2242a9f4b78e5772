// MediaServer connection bounds (review R5, media.md §4): a cap on sessions in
// all and per source address, the oldest idle connection evicted when full,
// and io_timeout for connections that never publish or play, silent
// publishers and players handed nothing. On the virtual clock of the
// in-memory World: every decision is an event or a virtual deadline.
#include <gtest/gtest.h>

#include "media/gateway/rtmfp_mapping.hpp"
#include "tests/unit/media_gateway/gateway_world.hpp"

namespace rtmfp::media::gateway {
namespace {

using testing::Client;
using testing::World;
using K = NcClientEvent::Kind;

ServerPolicy policy(bool relay_publishes) {
  ServerPolicy p;
  p.app = "live";
  p.stream = "s";
  p.allow_play = relay_publishes;
  p.allow_publish = !relay_publishes;
  return p;
}

NcClientConfig client(bool publish) {
  NcClientConfig c;
  c.app = "live";
  c.tc_url = "rtmfp://server/live";
  c.stream = "s";
  c.publish = publish;
  return c;
}

bool streaming(const Client& c) { return c.has(K::publishing) || c.has(K::playing) || c.failure(); }
bool gone(const Client& c) { return c.session_closed || c.failure() != nullptr; }

rtmp::Message video(std::uint32_t ts, bool key) {
  rtmp::Message m;
  m.type = 9;
  m.timestamp = ts;
  m.payload = {std::uint8_t(key ? 0x17 : 0x27), 0x01, 0, 0, 0, std::uint8_t(ts)};
  return m;
}

TEST(MediaServerLimits, SessionsFromOneAddressAreCapped) {
  World w;
  ServerPolicy p = policy(true);
  p.max_connections_per_address = 2;
  w.add_server(p);
  ASSERT_TRUE(w.server().publish());
  Client& a = w.add_client(client(false), std::pair{std::uint8_t(20), std::uint16_t(5001)});
  Client& b = w.add_client(client(false), std::pair{std::uint8_t(20), std::uint16_t(5002)});
  ASSERT_TRUE(w.run_until([&] { return streaming(a) && streaming(b); }));
  ASSERT_TRUE(a.has(K::playing));
  ASSERT_TRUE(b.has(K::playing));
  Client& c = w.add_client(client(false), std::pair{std::uint8_t(20), std::uint16_t(5003)});
  ASSERT_TRUE(w.run_until([&] { return gone(c) || streaming(c); }));
  EXPECT_FALSE(c.has(K::playing)) << "a third session from 10.0.0.20 is over the per-address cap";
  EXPECT_EQ(w.server().stats().refused, 1u);
  EXPECT_EQ(w.server().connections(), 2u);
  // Another address is still welcome, and the two first players stay.
  Client& d = w.add_client(client(false), std::pair{std::uint8_t(21), std::uint16_t(5001)});
  ASSERT_TRUE(w.run_until([&] { return streaming(d); }));
  EXPECT_TRUE(d.has(K::playing));
  EXPECT_FALSE(gone(a));
  EXPECT_FALSE(gone(b));
}

TEST(MediaServerLimits, AFullServerEvictsTheOldestIdleConnection) {
  World w;
  ServerPolicy p = policy(true);
  p.max_connections = 3;
  w.add_server(p);
  ASSERT_TRUE(w.server().publish());
  auto& idle1 = w.add_idle_client(30);
  ASSERT_TRUE(w.run_until([&] { return idle1.opened; }));
  w.run_for(milliseconds(100));
  auto& idle2 = w.add_idle_client(31);
  ASSERT_TRUE(w.run_until([&] { return idle2.opened; }));
  Client& player = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return streaming(player); }));
  ASSERT_TRUE(player.has(K::playing));
  ASSERT_EQ(w.server().connections(), 3u);
  // Full: a new player takes the place of the oldest idle session.
  Client& late = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return streaming(late) && idle1.closed; }));
  EXPECT_TRUE(late.has(K::playing));
  EXPECT_FALSE(idle2.closed);
  EXPECT_FALSE(gone(player));
  EXPECT_EQ(w.server().stats().evicted, 1u);
  // Full of players: nobody idle to evict, the next one is refused.
  Client& third = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return streaming(third) && idle2.closed; }));
  Client& fourth = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return gone(fourth) || streaming(fourth); }));
  EXPECT_FALSE(fourth.has(K::playing));
  EXPECT_EQ(w.server().stats().refused, 1u);
  EXPECT_EQ(w.server().connections(), 3u);
}

TEST(MediaServerLimits, ASessionThatNeverPlaysTimesOut) {
  World w;
  ServerPolicy p = policy(true);
  p.io_timeout = milliseconds(4000);
  w.add_server(p);
  ASSERT_TRUE(w.server().publish());
  auto& idle = w.add_idle_client(30);
  ASSERT_TRUE(w.run_until([&] { return idle.opened; }));
  const TimePoint opened = w.now;
  ASSERT_TRUE(w.run_until([&] { return idle.closed; }, seconds(30)));
  EXPECT_GE(w.now - opened, milliseconds(3900));
  EXPECT_LE(w.now - opened, milliseconds(5000));
  EXPECT_EQ(w.server().stats().timed_out, 1u);
  EXPECT_EQ(w.server().connections(), 0u);
}

TEST(MediaServerLimits, APlayerHandedNothingTimesOutAndOneFedStays) {
  World w;
  ServerPolicy p = policy(true);
  p.io_timeout = milliseconds(3000);
  w.add_server(p);
  ASSERT_TRUE(w.server().publish());
  Client& player = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return streaming(player); }));
  ASSERT_TRUE(player.has(K::playing));
  // Fed every second for 6 s: stays.
  for (std::uint32_t t = 0; t < 6000; t += 1000) {
    w.server().media(video(t, true));
    w.server().flush(w.now);
    w.run_for(milliseconds(1000));
    ASSERT_FALSE(gone(player)) << "at " << t;
  }
  // Then nothing: closed after io_timeout.
  ASSERT_TRUE(w.run_until([&] { return gone(player); }, seconds(30)));
  EXPECT_EQ(w.server().stats().timed_out, 1u);
}

TEST(MediaServerLimits, ASilentPublisherTimesOut) {
  World w;
  ServerPolicy p = policy(false);
  p.io_timeout = milliseconds(3000);
  w.add_server(p);
  Client& pub = w.add_client(client(true));
  ASSERT_TRUE(w.run_until([&] { return streaming(pub); }));
  ASSERT_TRUE(pub.has(K::publishing));
  ASSERT_TRUE(w.server().has_publisher());
  ASSERT_TRUE(w.run_until([&] { return !w.server().has_publisher(); }, seconds(30)));
  EXPECT_EQ(w.server().stats().timed_out, 1u);
  EXPECT_EQ(w.server().connections(), 0u);
}

}  // namespace
}  // namespace rtmfp::media::gateway
