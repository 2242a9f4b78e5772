// RFC 7016 §3.4 Packet Fragment reassembly (chunk §2.3.1) and splitting.
#include "rtmfp/core/wire/reassembly.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "rtmfp/core/random.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;

namespace {

const SocketAddress kA = SocketAddress::ipv4(192, 0, 2, 1, 1935);
const SocketAddress kB = SocketAddress::ipv4(192, 0, 2, 2, 1935);

// A startup-mode plain packet of `n` bytes: header 0b + timestamp + filler.
Bytes startup_packet(std::size_t n, std::uint8_t seed = 1) {
  Bytes p(n);
  p[0] = 0x0b;
  for (std::size_t i = 1; i < n; ++i) p[i] = static_cast<std::uint8_t>(seed + i * 7);
  return p;
}

PacketFragmentChunk frag(const Bytes& whole, std::uint64_t id, std::uint64_t num, std::size_t off, std::size_t len,
                         bool more) {
  return PacketFragmentChunk{more, id, num, ByteView(whole).subspan(off, len)};
}

}  // namespace

TEST(Reassembly, InOrderFragmentsComplete) {
  FragmentReassembler r;
  Bytes pkt = startup_packet(300);
  auto t = at(seconds(5));
  auto r0 = r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 9, 0, 0, 100, true));
  ASSERT_TRUE(r0);
  EXPECT_FALSE(*r0);
  EXPECT_EQ(r.buffer_count(), 1u);
  EXPECT_EQ(r.buffered_bytes(), 100u);
  ASSERT_TRUE(r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 9, 1, 100, 100, true)));
  auto done = r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 9, 2, 200, 100, false));
  ASSERT_TRUE(done);
  ASSERT_TRUE(*done);
  EXPECT_EQ((*done)->plain, pkt);
  EXPECT_EQ((*done)->packet_id, 9u);
  EXPECT_EQ((*done)->source, kA);
  EXPECT_EQ((*done)->mode, PacketMode::startup);
  EXPECT_EQ(r.buffer_count(), 0u);
}

TEST(Reassembly, OutOfOrderAndDuplicatesAndSingleFragment) {
  FragmentReassembler r;
  Bytes pkt = startup_packet(90);
  auto t = at(seconds(1));
  EXPECT_FALSE(*r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 2, 60, 30, false)));
  EXPECT_FALSE(*r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 0, 0, 30, true)));
  EXPECT_FALSE(*r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 0, 0, 30, true)));  // duplicate
  auto done = r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 1, 30, 30, true));
  ASSERT_TRUE(done && *done);
  EXPECT_EQ((*done)->plain, pkt);
  auto single = r.on_fragment(t, kB, PacketMode::startup, frag(pkt, 4, 0, 0, 90, false));
  ASSERT_TRUE(single && *single);
  EXPECT_EQ((*single)->plain, pkt);
}

TEST(Reassembly, KeyedBySourceAndPacketId) {
  FragmentReassembler r;
  Bytes p1 = startup_packet(40, 1), p2 = startup_packet(40, 2);
  auto t = at(seconds(1));
  ASSERT_TRUE(r.on_fragment(t, kA, PacketMode::startup, frag(p1, 7, 0, 0, 20, true)));
  ASSERT_TRUE(r.on_fragment(t, kB, PacketMode::startup, frag(p2, 7, 0, 0, 20, true)));
  EXPECT_EQ(r.buffer_count(), 2u);
  auto d2 = r.on_fragment(t, kB, PacketMode::startup, frag(p2, 7, 1, 20, 20, false));
  ASSERT_TRUE(d2 && *d2);
  EXPECT_EQ((*d2)->plain, p2);
  auto d1 = r.on_fragment(t, kA, PacketMode::startup, frag(p1, 7, 1, 20, 20, false));
  ASSERT_TRUE(d1 && *d1);
  EXPECT_EQ((*d1)->plain, p1);
}

TEST(Reassembly, DiscardsEmptyAndModeMismatchedFragments) {
  FragmentReassembler r;
  Bytes pkt = startup_packet(40);
  auto t = at(seconds(1));
  EXPECT_FALSE(r.on_fragment(t, kA, PacketMode::startup, PacketFragmentChunk{true, 1, 0, {}}));
  ASSERT_TRUE(r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 0, 0, 20, true)));
  auto wrong = r.on_fragment(t, kA, PacketMode::initiator, frag(pkt, 1, 1, 20, 20, false));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().detail.find("mode"), std::string::npos);
  // The right mode still completes it.
  auto done = r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 1, 20, 20, false));
  ASSERT_TRUE(done && *done);
}

TEST(Reassembly, DiscardsReassembledPacketWithAnotherMode) {
  FragmentReassembler r;
  Bytes pkt = startup_packet(40);  // mode 3 inside
  auto t = at(seconds(1));
  ASSERT_TRUE(r.on_fragment(t, kA, PacketMode::initiator, frag(pkt, 1, 0, 0, 20, true)));
  EXPECT_FALSE(r.on_fragment(t, kA, PacketMode::initiator, frag(pkt, 1, 1, 20, 20, false)));
  EXPECT_EQ(r.buffer_count(), 0u);
}

TEST(Reassembly, RejectsInconsistentFinalFragments) {
  FragmentReassembler r;
  Bytes pkt = startup_packet(60);
  auto t = at(seconds(1));
  ASSERT_TRUE(r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 1, 20, 20, false)));
  EXPECT_FALSE(r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 2, 40, 20, false)));  // beyond final
  EXPECT_FALSE(r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 5, 40, 20, true)));
}

TEST(Reassembly, EnforcesThePerBufferLimit) {
  FragmentReassembler r(ReassemblyLimits{100, 4});
  Bytes pkt = startup_packet(200);
  auto t = at(seconds(1));
  ASSERT_TRUE(r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 0, 0, 60, true)));
  auto over = r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 1, 60, 60, true));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::limit_exceeded);
  EXPECT_EQ(r.buffer_count(), 0u);
  EXPECT_FALSE(r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 2, 0, 0, 101, true)));
}

TEST(Reassembly, EnforcesTheFragmentCountLimit) {
  ReassemblyLimits lim;
  lim.max_fragments_per_buffer = 3;
  FragmentReassembler r(lim);
  Bytes pkt = startup_packet(40);
  auto t = at(seconds(1));
  for (std::uint64_t n = 0; n < 3; ++n)
    ASSERT_TRUE(r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, n, n, 1, true)));
  auto over = r.on_fragment(t, kA, PacketMode::startup, frag(pkt, 1, 3, 3, 1, true));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::limit_exceeded);
  EXPECT_EQ(r.buffer_count(), 0u);
}

TEST(Reassembly, GivesUpWithoutProgressOrWhenTooOld) {
  FragmentReassembler r;
  Bytes pkt = startup_packet(4000);
  auto t0 = at(seconds(100));
  ASSERT_TRUE(r.on_fragment(t0, kA, PacketMode::startup, frag(pkt, 1, 0, 0, 10, true)));
  EXPECT_EQ(r.next_deadline(), t0 + seconds(1));
  r.expire(t0 + milliseconds(1000));
  EXPECT_EQ(r.buffer_count(), 1u);  // exactly 1 s: still allowed
  r.expire(t0 + milliseconds(1001));
  EXPECT_EQ(r.buffer_count(), 0u);
  // Progressing every 900 ms keeps it alive, but not beyond 60 s.
  std::uint64_t num = 0;
  std::size_t off = 0;
  TimePoint t = t0;
  for (; t <= t0 + seconds(60); t += milliseconds(900), ++num, off += 10)
    ASSERT_TRUE(r.on_fragment(t, kB, PacketMode::startup, frag(pkt, 2, num, off, 10, true)));
  EXPECT_EQ(r.buffer_count(), 1u);
  r.expire(t);
  EXPECT_EQ(r.buffer_count(), 0u);
  EXPECT_FALSE(r.next_deadline());
}

TEST(Reassembly, GlobalCapEvictsTheOldest) {
  FragmentReassembler r(ReassemblyLimits{65536, 3});
  Bytes pkt = startup_packet(40);
  for (std::uint64_t id = 0; id < 5; ++id)
    ASSERT_TRUE(r.on_fragment(at(milliseconds(10 * id)), kA, PacketMode::startup, frag(pkt, id, 0, 0, 20, true)));
  EXPECT_EQ(r.buffer_count(), 3u);
  // ids 0 and 1 were evicted: their last fragment starts a fresh (incomplete) buffer.
  auto old = r.on_fragment(at(milliseconds(60)), kA, PacketMode::startup, frag(pkt, 0, 1, 20, 20, false));
  ASSERT_TRUE(old);
  EXPECT_FALSE(*old);
  auto kept = r.on_fragment(at(milliseconds(60)), kA, PacketMode::startup, frag(pkt, 4, 1, 20, 20, false));
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ((*kept)->plain, pkt);
}

TEST(FragmentPacket, SplitsAndReassemblesAtEverySize) {
  SeededRandom rng(42);
  Bytes pkt = startup_packet(3000);
  PacketHeader h;
  h.mode = PacketMode::initiator;  // replaced by the packet's own mode (3)
  h.timestamp = 0x1234;
  for (std::size_t max : {20u, 64u, 500u, 1200u, 2999u}) {
    auto parts = fragment_packet(pkt, 77, h, max);
    ASSERT_TRUE(parts) << max;
    ASSERT_GT(parts->size(), 1u);
    // Deliver in a shuffled order.
    std::vector<std::size_t> order(parts->size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    FragmentReassembler r;
    std::optional<ReassembledPacket> done;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const Bytes& dg = (*parts)[order[k]];
      EXPECT_LE(dg.size(), max);
      auto parsed = parse_packet(dg);
      ASSERT_TRUE(parsed);
      EXPECT_EQ(parsed->header.mode, PacketMode::startup);
      EXPECT_EQ(parsed->header.timestamp, 0x1234);
      ASSERT_EQ(parsed->chunks.size(), 1u);
      ASSERT_EQ(parsed->chunks[0].type, 0x7f);
      auto f = PacketFragmentChunk::decode(parsed->chunks[0].payload);
      ASSERT_TRUE(f);
      EXPECT_EQ(f->more_fragments, order[k] + 1 != parts->size());
      auto res = r.on_fragment(at(seconds(1)), kA, parsed->header.mode, *f);
      ASSERT_TRUE(res);
      if (*res) done = std::move(**res);
    }
    ASSERT_TRUE(done) << max;
    EXPECT_EQ(done->plain, pkt);
  }
  auto fits = fragment_packet(pkt, 1, h, 3000);
  ASSERT_TRUE(fits);
  ASSERT_EQ(fits->size(), 1u);
  EXPECT_EQ(fits->front(), pkt);
  EXPECT_FALSE(fragment_packet(pkt, 1, h, 8));  // no room for fragment data
  EXPECT_FALSE(fragment_packet({}, 1, h, 100));
  Bytes mode0 = pkt;
  mode0[0] = 0x08;
  EXPECT_FALSE(fragment_packet(mode0, 1, h, 100));
}
