// RFC 7016 §3.4 packet fragmentation at the endpoint (L7): startup packets
// larger than the datagram size leave in Packet Fragments; fragments are
// reassembled on a default-key SID = ISID packet (RIKeying) and inside an
// open session.
#include <gtest/gtest.h>

#include "endpoint_harness.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/core/wire/reassembly.hpp"

namespace rtmfp::testing {
namespace {

std::uint64_t drops(const Node& n, DropReason r) { return n.endpoint->stats().drops[static_cast<std::size_t>(r)]; }

ConnectRequest to(Node& server) {
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://server/app";
  r.candidates = {server.address};
  return r;
}

// Re-sends `d` (sealed with `cipher`) as fragments of at most `piece` plain bytes.
std::vector<Bytes> refragment(PacketCipher& cipher, const Bytes& d, std::size_t piece, std::uint64_t id) {
  auto sid = wire::unscramble_session_id(d);
  auto plain = cipher.open(ByteView(d).subspan(4));
  EXPECT_TRUE(plain);
  auto parsed = wire::parse_packet(*plain);
  EXPECT_TRUE(parsed);
  auto pieces = wire::fragment_packet(*plain, id, parsed->header, piece);
  EXPECT_TRUE(pieces);
  std::vector<Bytes> out;
  for (auto& p : *pieces) out.push_back(wire::scramble_datagram(*sid, cipher.seal(p)));
  return out;
}

TEST(EndpointFragments, FragmentedRIKeyingToTheInitiatorSessionIdOpens) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  std::size_t fragments = 0;
  h.filter = [&](SentDatagram& d) {
    if (d.from != server.address || wire::unscramble_session_id(d.data).value_or(0) == 0) return true;
    auto plain = server.profile->default_cipher().open(ByteView(d.data).subspan(4));
    if (!plain) return true;
    auto parsed = wire::parse_packet(*plain);
    if (!parsed || parsed->chunks.empty() || parsed->chunks[0].type != 0x78) return true;
    auto pieces = refragment(server.profile->default_cipher(), d.data, 20, 7);
    EXPECT_GT(pieces.size(), 1u);
    for (auto& p : pieces) {
      ++fragments;
      client.endpoint->on_datagram(h.now, d.from, p);
    }
    return false;  // the original is replaced by its fragments
  };
  ASSERT_TRUE(client.endpoint->connect(h.now, to(server)));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(1)));
  EXPECT_GT(fragments, 1u);
  EXPECT_EQ(drops(client, DropReason::malformed_chunk), 0u);
}

// FNV-1a as the null profile keys its session cipher (null_profile.cpp).
std::uint32_t null_key(ByteView skic, ByteView skrc) {
  std::uint32_t x = 2166136261u;
  for (auto b : skic) x = (x ^ b) * 16777619u;
  for (auto b : skrc) x = (x ^ b) * 16777619u;
  return x;
}

TEST(EndpointFragments, PacketFragmentsInsideAnOpenSessionAreReassembled) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  Bytes skic, skrc;
  bool fragment_pings = false;
  std::size_t fragments = 0;
  h.filter = [&](SentDatagram& d) {
    auto sid = wire::unscramble_session_id(d.data).value_or(0);
    if (auto plain = server.profile->default_cipher().open(ByteView(d.data).subspan(4))) {
      auto parsed = wire::parse_packet(*plain);
      if (parsed && !parsed->chunks.empty() && parsed->chunks[0].type == 0x38) {
        auto ik = wire::IIKeyingChunk::decode(parsed->chunks[0].payload);
        skic.assign(ik->skic.begin(), ik->skic.end());
      }
      if (parsed && !parsed->chunks.empty() && parsed->chunks[0].type == 0x78) {
        auto rik = wire::RIKeyingChunk::decode(parsed->chunks[0].payload);
        skrc.assign(rik->skrc.begin(), rik->skrc.end());
      }
      return true;
    }
    if (!fragment_pings || d.from != client.address || sid == 0) return true;
    auto cipher = NullProfile::make_cipher(null_key(skic, skrc));
    auto pieces = refragment(*cipher, d.data, 30, 9);
    for (auto& p : pieces) {
      ++fragments;
      server.endpoint->on_datagram(h.now, d.from, p);
    }
    return false;
  };
  auto s = client.endpoint->connect(h.now, to(server));
  ASSERT_TRUE(s);
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(1)));
  fragment_pings = true;
  const Bytes msg(40, 'q');
  ASSERT_TRUE(client.endpoint->ping(h.now, *s, msg));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<PingReplied>().empty(); }, seconds(1)));
  EXPECT_EQ(client.events_of<PingReplied>()[0].message, msg);
  EXPECT_GT(fragments, 1u);
}

// The endpoint itself fragments a startup packet larger than its datagram
// size (here: a tiny max_datagram), and the far end reassembles it.
TEST(EndpointFragments, LargeStartupPacketsAreSentInFragments) {
  Harness h;
  EndpointConfig small;
  small.max_datagram = 64;
  small.path_mtu_discovery = false;
  Node& server = h.add(addr(1, 1935), 1, small);
  Node& client = h.add(addr(2, 5000), 2, small);
  ASSERT_TRUE(client.endpoint->connect(h.now, to(server)));
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(10)));
  std::size_t startup = 0;
  for (auto& d : h.log) {
    if (wire::unscramble_session_id(d.data).value_or(1) == 0 || d.from == server.address) {
      EXPECT_LE(d.data.size(), 64u);
      ++startup;
    }
  }
  EXPECT_GT(startup, 4u) << "RHello and IIKeying went in fragments";
}

}  // namespace
}  // namespace rtmfp::testing
