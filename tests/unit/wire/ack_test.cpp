// RFC 7016 §2.3.13 Bitmap Ack and §2.3.14 Range Ack: Figures 4, 5 and 6,
// and the encoder's choice of the smaller form with truncation to fit.
#include "rtmfp/core/wire/ack_codec.hpp"

#include <gtest/gtest.h>

#include "rtmfp/core/wire/chunk_types.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "tests/unit/wire/vector_file.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;
using wire_test::hex;

namespace {

// Parses a vector holding one ack chunk (with its header) and checks the
// decode against the file's `expect:` line.
void check_ack_vector(const char* name, std::uint8_t type) {
  auto v = wire_test::load_vector(name);
  ASSERT_TRUE(v.loaded) << name;
  Bytes pkt{0x02};
  pkt.insert(pkt.end(), v.bytes.begin(), v.bytes.end());
  auto p = parse_packet(pkt);
  ASSERT_TRUE(p) << name;
  ASSERT_EQ(p->chunks.size(), 1u) << name;
  ASSERT_EQ(p->chunks[0].type, type) << name;
  auto a = type == 0x50 ? decode_bitmap_ack(p->chunks[0].payload) : decode_range_ack(p->chunks[0].payload);
  ASSERT_TRUE(a) << name << ": " << a.error().message();
  EXPECT_EQ(a->flow_id, std::stoull(v.expect.at("flow_id"))) << name;
  EXPECT_EQ(a->buffer_blocks_available, std::stoull(v.expect.at("buffer_blocks"))) << name;
  EXPECT_EQ(a->cumulative_ack, std::stoull(v.expect.at("cumulative_ack"))) << name;
  EXPECT_EQ(wire_test::acked_ranges(*a), wire_test::parse_ranges(v.expect.at("acked"))) << name;
}

}  // namespace

TEST(AckCodec, Rfc7016Figure4Bitmap) { check_ack_vector("fig4_bitmap_ack.vec", 0x50); }
TEST(AckCodec, Rfc7016Figure5Ranges) { check_ack_vector("fig5_range_ack.vec", 0x51); }
TEST(AckCodec, Rfc7016Figure6TruncatedRanges) { check_ack_vector("fig6_range_ack_truncated.vec", 0x51); }

TEST(AckCodec, Figure4SetMembership) {
  auto a = decode_bitmap_ack(hex("05 7f 10 79 06"));
  ASSERT_TRUE(a);
  for (std::uint64_t s = 0; s <= 16; ++s) EXPECT_TRUE(a->acknowledges(s)) << s;
  for (std::uint64_t s : {17, 19, 20, 25, 26, 29, 30}) EXPECT_FALSE(a->acknowledges(s)) << s;
  for (std::uint64_t s : {18, 21, 22, 23, 24, 27, 28}) EXPECT_TRUE(a->acknowledges(s)) << s;
}

TEST(AckCodec, EncodesTheFigureBytes) {
  // Figure 5's set encodes to the figure's ranges, and Figure 4's to its bitmap.
  DataAck fig5{5, 127, 16, {{18, 18}, {21, 24}}};
  EXPECT_EQ(to_hex(encode_range_ack(fig5)), "057f1000000103");
  DataAck fig4{5, 127, 16, {{18, 18}, {21, 24}, {27, 28}}};
  EXPECT_EQ(to_hex(encode_bitmap_ack(fig4)), "057f107906");
  EXPECT_EQ(to_hex(encode_bitmap_ack(fig5)), "057f1079");
}

TEST(AckCodec, EncodeAckPicksTheSmallerForm) {
  // Dense: bitmap (5 bytes) beats ranges (9 bytes).
  DataAck dense{5, 127, 16, {{18, 18}, {21, 24}, {27, 28}}};
  auto e = encode_ack(dense, 100);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->chunk_type, static_cast<std::uint8_t>(ChunkType::ack_bitmap));
  EXPECT_EQ(to_hex(e->payload), "057f107906");
  // Sparse and far: ranges win.
  DataAck sparse{1, 8, 100, {{1000, 1000}, {5000, 5009}}};
  auto s = encode_ack(sparse, 1000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->chunk_type, static_cast<std::uint8_t>(ChunkType::ack_ranges));
  auto back = decode_range_ack(s->payload);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, sparse);
  // Only a cumulative ack: 3 VLUs, no bitmap bytes.
  auto c = encode_ack(DataAck{3, 0, 9, {}}, 3);
  ASSERT_TRUE(c);
  EXPECT_EQ(to_hex(c->payload), "030009");
}

TEST(AckCodec, EncodeAckTruncatesToFit) {
  DataAck a{2, 64, 10, {}};
  for (std::uint64_t s = 20; s < 20 + 40 * 100; s += 100) a.ranges.push_back({s, s + 3});
  auto full = encode_ack(a, 65535);
  ASSERT_TRUE(full);
  for (std::size_t max : {3u, 5u, 8u, 12u, 30u}) {
    auto e = encode_ack(a, max);
    ASSERT_TRUE(e) << max;
    EXPECT_LE(e->payload.size(), max);
    auto d = e->chunk_type == 0x50 ? decode_bitmap_ack(e->payload) : decode_range_ack(e->payload);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->cumulative_ack, 10u);
    EXPECT_LT(d->ranges.size(), a.ranges.size());
    // Whatever survives is a prefix of the real ranges: nothing falsely acked.
    for (std::size_t i = 0; i < d->ranges.size(); ++i) EXPECT_EQ(d->ranges[i], a.ranges[i]);
  }
  EXPECT_FALSE(encode_ack(a, 2));  // the three VLUs alone need 3 bytes
}

TEST(AckCodec, MalformedHeadersAndOverflow) {
  for (auto bad : {"", "05", "05 7f", "05 7f 90", "85 7f 10"}) {
    EXPECT_FALSE(decode_bitmap_ack(hex(bad))) << bad;
    EXPECT_FALSE(decode_range_ack(hex(bad))) << bad;
  }
  // cumAck = 2^64-1 with a bitmap bit set would ack beyond 2^64-1.
  EXPECT_FALSE(decode_bitmap_ack(hex("01 00 81ffffffffffffffff7f 01")));
  EXPECT_TRUE(decode_bitmap_ack(hex("01 00 81ffffffffffffffff7f 00")));
  EXPECT_FALSE(decode_range_ack(hex("01 00 81ffffffffffffffff7f 00 00")));
}

TEST(AckCodec, NormalizesCallerRanges) {
  // Unsorted, overlapping, and one range touching cumAck + 1.
  DataAck a{1, 1, 10, {{30, 31}, {11, 14}, {20, 22}, {21, 25}}};
  auto d = decode_range_ack(encode_range_ack(a));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->cumulative_ack, 14u);
  EXPECT_EQ(d->ranges, (std::vector<SeqRange>{{20, 25}, {30, 31}}));
}
