// Property-style randomized round trips (seeded, replayable): VLUs, chunks,
// whole packets and acks; and random garbage never crashes the decoders.
#include <gtest/gtest.h>

#include "rtmfp/core/random.hpp"
#include "rtmfp/core/wire/ack_codec.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/core/wire/vlu.hpp"
#include "tests/unit/wire/chunk_roundtrip.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;

namespace {

constexpr std::uint64_t kSeed = 0x7016;

std::uint64_t random_u64(SeededRandom& rng) {
  // Spread over all magnitudes: random bit width, then random bits.
  const unsigned bits = static_cast<unsigned>(rng.below(65));
  if (bits == 0) return 0;
  const std::uint64_t v = rng.next();
  return bits == 64 ? v : v & ((1ull << bits) - 1);
}

Bytes random_bytes(SeededRandom& rng, std::size_t max) {
  Bytes b(rng.below(max + 1));
  rng.fill(b);
  return b;
}

bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

TEST(Property, VluRoundTrip) {
  SeededRandom rng(kSeed);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t v = random_u64(rng);
    Bytes out;
    ByteWriter w(out);
    write_vlu(w, v);
    ASSERT_EQ(out.size(), vlu_size(v));
    ByteReader r(out);
    ASSERT_EQ(read_vlu(r), v) << "seed " << kSeed << " iteration " << i;
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r.empty());
  }
}

TEST(Property, UserDataPacketsRoundTrip) {
  SeededRandom rng(kSeed + 1);
  for (int iter = 0; iter < 2000; ++iter) {
    PacketHeader h;
    h.mode = rng.below(2) ? PacketMode::initiator : PacketMode::responder;
    h.time_critical = rng.below(2);
    if (rng.below(2)) h.timestamp = static_cast<std::uint16_t>(rng.u32());
    if (rng.below(2)) h.timestamp_echo = static_cast<std::uint16_t>(rng.u32());
    PacketBuilder b(h, 1200);
    std::vector<Bytes> datas;
    std::vector<Bytes> meta;
    std::vector<UserDataChunk> sent;
    const std::size_t n = 1 + rng.below(6);
    for (std::size_t k = 0; k < n; ++k) {
      UserDataChunk c;
      c.flags.fragmentation = static_cast<Fragmentation>(rng.below(4));
      c.flags.abandon = rng.below(2);
      c.flags.final = rng.below(2);
      c.flow_id = random_u64(rng);
      c.sequence_number = random_u64(rng);
      c.fsn_offset = c.sequence_number == 0 ? 0 : rng.next() % (c.sequence_number) + 1;
      if (c.fsn_offset > c.sequence_number) c.fsn_offset = c.sequence_number;
      datas.push_back(random_bytes(rng, 150));
      meta.push_back(random_bytes(rng, 20));
      sent.push_back(c);
    }
    for (std::size_t k = 0; k < n; ++k) {
      sent[k].data = datas[k];
      if (k % 2 == 0) sent[k].options.push_back(Option{false, kOptionPerFlowMetadata, meta[k], 0});
      ByteWriter w = b.begin_chunk(static_cast<std::uint8_t>(ChunkType::user_data));
      sent[k].encode(w);
      ASSERT_TRUE(b.end_chunk());
    }
    Bytes pkt = std::move(b).finish();
    // Flash-style 0xff padding must not disturb parsing.
    pkt.resize(pkt.size() + rng.below(16), 0xff);
    auto p = parse_packet(pkt);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->header.mode, h.mode);
    EXPECT_EQ(p->header.timestamp, h.timestamp);
    EXPECT_EQ(p->header.timestamp_echo, h.timestamp_echo);
    ASSERT_EQ(p->chunks.size(), n);
    for (std::size_t k = 0; k < n; ++k) {
      auto d = UserDataChunk::decode(p->chunks[k].payload);
      ASSERT_TRUE(d) << "seed " << kSeed + 1 << " iteration " << iter << ": " << d.error().message();
      EXPECT_EQ(d->flow_id, sent[k].flow_id);
      EXPECT_EQ(d->sequence_number, sent[k].sequence_number);
      EXPECT_EQ(d->fsn_offset, sent[k].fsn_offset);
      EXPECT_EQ(d->flags.fragmentation, sent[k].flags.fragmentation);
      EXPECT_EQ(d->flags.abandon, sent[k].flags.abandon);
      EXPECT_EQ(d->flags.final, sent[k].flags.final);
      ASSERT_EQ(d->options.size(), sent[k].options.size());
      if (!d->options.empty()) {
        EXPECT_TRUE(same(d->options[0].value, meta[k]));
      }
      EXPECT_TRUE(same(d->data, datas[k]));
    }
  }
}

TEST(Property, AckRoundTripAndTruncationNeverOverAcks) {
  SeededRandom rng(kSeed + 2);
  for (int iter = 0; iter < 3000; ++iter) {
    DataAck a;
    a.flow_id = random_u64(rng) >> 1;
    a.buffer_blocks_available = rng.below(100000);
    a.cumulative_ack = rng.below(1u << 20);
    std::uint64_t cursor = a.cumulative_ack + 1;
    const std::size_t n = rng.below(30);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint64_t from = cursor + 1 + rng.below(rng.below(2) ? 4 : 300);
      const std::uint64_t to = from + rng.below(rng.below(2) ? 3 : 100);
      a.ranges.push_back({from, to});
      cursor = to + 1;
    }
    auto bm = decode_bitmap_ack(encode_bitmap_ack(a));
    ASSERT_TRUE(bm);
    EXPECT_EQ(*bm, a) << "seed " << kSeed + 2 << " iteration " << iter;
    auto rg = decode_range_ack(encode_range_ack(a));
    ASSERT_TRUE(rg);
    EXPECT_EQ(*rg, a);
    const std::size_t max = 3 + rng.below(60);
    auto e = encode_ack(a, max);
    if (!e) continue;
    EXPECT_LE(e->payload.size(), max);
    auto d = e->chunk_type == 0x50 ? decode_bitmap_ack(e->payload) : decode_range_ack(e->payload);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->cumulative_ack, a.cumulative_ack);
    ASSERT_LE(d->ranges.size(), a.ranges.size());
    for (std::size_t i = 0; i < d->ranges.size(); ++i) EXPECT_EQ(d->ranges[i], a.ranges[i]);
  }
}

// Random bytes through every decoder: no crash (the ASan stage), and whatever
// decodes is consistent: a parsed packet's chunks lie inside the input, in
// order, after the header; every chunk codec that accepts the bytes
// re-encodes them to the same fields (wire_check::check_chunk). The inputs
// must also reach the success paths, not only the rejections.
TEST(Property, RandomBytesDecodeConsistently) {
  SeededRandom rng(kSeed + 3);
  std::size_t packets = 0, chunks = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes junk = random_bytes(rng, 64);
    if (auto p = parse_packet(junk)) {
      ++packets;
      const std::uint8_t* cursor = junk.data() + header_size(p->header);
      const std::uint8_t* end = junk.data() + junk.size();
      for (const auto& c : p->chunks) {
        ASSERT_GE(c.payload.data(), cursor + 3) << "chunk " << chunks << " overlaps what precedes it";
        ASSERT_LE(c.payload.data() + c.payload.size(), end) << "chunk outside the packet";
        cursor = c.payload.data() + c.payload.size();
        ++chunks;
      }
      ASSERT_LE(p->padding_bytes, junk.size());
    }
    for (int t = 0; t < 256; ++t)
      ASSERT_TRUE(wire_check::check_chunk(static_cast<std::uint8_t>(t), junk))
          << "chunk type " << t << " does not round-trip " << to_hex(junk);
    (void)parse_option_sequence(junk);
  }
  EXPECT_GT(packets, 1000u) << "random inputs must reach the packet parser's success path";
  EXPECT_GT(chunks, 0u);
}


namespace {

WireAddress random_address(SeededRandom& rng) {
  WireAddress a;
  a.address.v6 = rng.below(2);
  rng.fill(std::span(a.address.ip.data(), a.address.v6 ? 16 : 4));
  a.address.port = static_cast<std::uint16_t>(rng.u32());
  a.origin = static_cast<AddressOrigin>(rng.below(4));
  return a;
}

template <class C>
void expect_roundtrip(const C& c, int iter) {
  Bytes enc;
  ByteWriter w(enc);
  c.encode(w);
  auto d = C::decode(enc);
  ASSERT_TRUE(d) << "iteration " << iter << ": " << d.error().message();
  EXPECT_TRUE(wire_check::eq(c, *d)) << "iteration " << iter << " " << to_hex(enc);
}

}  // namespace

TEST(Property, EveryChunkTypeRoundTrips) {
  SeededRandom rng(kSeed + 4);
  for (int iter = 0; iter < 1000; ++iter) {
    Bytes b1 = random_bytes(rng, 80), b2 = random_bytes(rng, 80), b3 = random_bytes(rng, 300),
          b4 = random_bytes(rng, 40), b5 = random_bytes(rng, 10);
    Bytes frag = b1;
    frag.push_back(0x42);  // never empty
    expect_roundtrip(PacketFragmentChunk{static_cast<bool>(rng.below(2)), random_u64(rng), random_u64(rng), frag}, iter);
    expect_roundtrip(IHelloChunk{b1, b2}, iter);
    expect_roundtrip(FIHelloChunk{b1, random_address(rng), b2}, iter);
    expect_roundtrip(RHelloChunk{b1, b2, b3}, iter);
    RedirectChunk rd{b4, {}};
    for (std::size_t i = rng.below(5); i > 0; --i) rd.addresses.push_back(random_address(rng));
    expect_roundtrip(rd, iter);
    expect_roundtrip(CookieChangeChunk{b1, b2}, iter);
    expect_roundtrip(IIKeyingChunk{rng.u32(), b1, b3, b2, b5, {}}, iter);
    expect_roundtrip(RIKeyingChunk{rng.u32(), b2, b5, {}}, iter);
    expect_roundtrip(PingChunk{b1}, iter);
    expect_roundtrip(PingReplyChunk{b2}, iter);
    NextUserDataChunk n;
    n.flags.fragmentation = static_cast<Fragmentation>(rng.below(4));
    n.flags.final = rng.below(2);
    if (rng.below(2)) n.options.push_back(Option{false, random_u64(rng), b4, 0});
    n.data = b3;
    expect_roundtrip(n, iter);
    expect_roundtrip(BufferProbeChunk{random_u64(rng)}, iter);
    expect_roundtrip(FlowExceptionReportChunk{random_u64(rng), random_u64(rng)}, iter);
  }
}
