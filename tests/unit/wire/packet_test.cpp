// RFC 7016 §2.2.2 scrambled session ID and §2.2.4 plain packet parsing/building.
#include "rtmfp/core/wire/packet.hpp"

#include <gtest/gtest.h>

#include "rtmfp/core/wire/chunk_types.hpp"
#include "tests/unit/wire/vector_file.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;
using wire_test::hex;

TEST(Scramble, XorsTheFirstTwoWords) {
  Bytes enc = hex("01 02 03 04 10 20 30 40 ff ff");
  Bytes d = scramble_datagram(0x02000000, enc);
  ASSERT_EQ(d.size(), 14u);
  // SSID = 0x02000000 ^ 0x01020304 ^ 0x10203040
  EXPECT_EQ(to_hex(ByteView(d).first(4)), "13223344");
  EXPECT_EQ(unscramble_session_id(d), 0x02000000u);
}

TEST(Scramble, ShortPacketsAreZeroPadded) {
  // §2.2.2: fewer than 8 encrypted bytes are treated as end-padded with 0s.
  Bytes enc = hex("aa bb cc dd 11");
  Bytes d = scramble_datagram(0, enc);
  EXPECT_EQ(to_hex(ByteView(d).first(4)), "bbbbccdd");  // aabbccdd ^ 11000000
  EXPECT_EQ(unscramble_session_id(d), 0u);
  Bytes only_ssid = hex("12 34 56 78");
  EXPECT_EQ(unscramble_session_id(only_ssid), 0x12345678u);
  Bytes too_short = hex("12 34 56");
  EXPECT_FALSE(unscramble_session_id(too_short));
}

TEST(PacketHeader, DecodesTheDigestExamples) {
  for (auto name : {"header_startup_timestamp.vec", "header_initiator_tc.vec"}) {
    auto v = wire_test::load_vector(name);
    ASSERT_TRUE(v.loaded) << name;
    auto p = parse_packet(v.bytes);
    ASSERT_TRUE(p) << name;
    EXPECT_EQ(static_cast<int>(p->header.mode), std::stoi(v.expect.at("mode")));
    EXPECT_EQ(p->header.time_critical, v.expect.at("tc") == "1");
    EXPECT_EQ(p->header.time_critical_reverse, v.expect.at("tcr") == "1");
    ASSERT_TRUE(p->header.timestamp);
    EXPECT_EQ(*p->header.timestamp, std::stoul(v.expect.at("timestamp")));
    EXPECT_EQ(p->header.timestamp_echo.has_value(), v.expect.at("timestamp_echo") != "none");
    EXPECT_TRUE(p->chunks.empty());
    // Building the same header gives the same bytes.
    PacketBuilder b(p->header, 100);
    EXPECT_EQ(std::move(b).finish(), v.bytes) << name;
  }
}

TEST(PacketHeader, AllFlagsRoundTrip) {
  PacketHeader h;
  h.time_critical = true;
  h.time_critical_reverse = true;
  h.mode = PacketMode::responder;
  h.timestamp = 0x1234;
  h.timestamp_echo = 0xabcd;
  EXPECT_EQ(header_size(h), 5u);
  PacketBuilder b(h, 64);
  Bytes pkt = std::move(b).finish();
  EXPECT_EQ(to_hex(pkt), "ce1234abcd");
  auto p = parse_packet(pkt);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->header.time_critical);
  EXPECT_TRUE(p->header.time_critical_reverse);
  EXPECT_EQ(p->header.mode, PacketMode::responder);
  EXPECT_EQ(p->header.timestamp, 0x1234);
  EXPECT_EQ(p->header.timestamp_echo, 0xabcd);
}

TEST(Packet, ModeZeroIsRejected) {
  auto p = parse_packet(hex("00 01 00 00"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::malformed);
  EXPECT_NE(p.error().detail.find("mode 0"), std::string::npos);
  auto p2 = parse_packet(hex("8c 00 01 00 02"));  // TC+TS+TSE, mode 0
  EXPECT_FALSE(p2);
}

TEST(Packet, TruncatedHeaderAndEmptyInputAreRejected) {
  EXPECT_FALSE(parse_packet({}));
  EXPECT_FALSE(parse_packet(hex("0b 13")));     // TS but one byte
  EXPECT_FALSE(parse_packet(hex("0f 13 2d 00")));  // TSE but one byte
}

TEST(Packet, ChunksAreReadWhileMoreThanTwoBytesRemain) {
  // mode 1; ping(2 bytes) ; close (empty) ; 2 trailing bytes = padding
  Bytes pkt = hex("01 01 00 02 aa bb 0c 00 00 ff ff");
  auto p = parse_packet(pkt);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->chunks.size(), 2u);
  EXPECT_EQ(p->chunks[0].type, 0x01);
  EXPECT_EQ(to_hex(p->chunks[0].payload), "aabb");
  EXPECT_EQ(p->chunks[1].type, 0x0c);
  EXPECT_TRUE(p->chunks[1].payload.empty());
  EXPECT_EQ(p->padding_bytes, 2u);
}

TEST(Packet, OverrunningChunkEndsParsingAsPadding) {
  // Second chunk claims 5 bytes but only 4 remain: it and the rest are padding.
  Bytes pkt = hex("02 41 00 01 99 10 00 05 01 02 03 04");
  auto p = parse_packet(pkt);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->chunks.size(), 1u);
  EXPECT_EQ(p->chunks[0].type, 0x41);
  EXPECT_EQ(p->padding_bytes, 7u);
}

TEST(Packet, FlashStylePaddingIsIgnored) {
  // 0xff fill (RFC 7425 §4.7.2) reads as a chunk header whose length overruns.
  Bytes pkt = hex("0b 13 2d 30 00 02 01 0a ff ff ff ff ff ff ff");
  auto p = parse_packet(pkt);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->chunks.size(), 1u);
  EXPECT_EQ(p->chunks[0].type, 0x30);
  EXPECT_EQ(p->padding_bytes, 7u);
}

TEST(Packet, PaddingChunkTypesAreSkipped) {
  // §2.3: 0x00 and 0xff chunks are Ignore/Padding, parsing continues after
  // them; unknown types are returned (the receiver ignores them, §2.3).
  Bytes pkt = hex("01 00 00 02 11 22 ff 00 00 01 00 01 7e 00 00 00 6a 00 00");
  auto p = parse_packet(pkt);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->chunks.size(), 2u);
  EXPECT_EQ(p->chunks[0].type, 0x01);
  EXPECT_EQ(to_hex(p->chunks[0].payload), "7e");
  EXPECT_EQ(p->chunks[1].type, 0x6a);
  EXPECT_EQ(p->padding_bytes, 0u);
  EXPECT_FALSE(chunk_type_info(0x6a));
}

TEST(PacketBuilder, RespectsMaxSizeAndChunkLimit) {
  PacketHeader h;
  h.mode = PacketMode::initiator;
  h.timestamp = 7;
  PacketBuilder b(h, 20);  // 3 header bytes -> 17 left -> 14 payload bytes for one chunk
  EXPECT_EQ(b.payload_room(), 14u);
  Bytes big(15, 0xaa);
  EXPECT_FALSE(b.add_chunk(0x01, big));
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 3u);
  Bytes ok(10, 0xbb);
  EXPECT_TRUE(b.add_chunk(0x01, ok));
  EXPECT_EQ(b.payload_room(), 1u);
  EXPECT_TRUE(b.add_chunk(0x0c, {}));
  EXPECT_EQ(b.payload_room(), 0u);
  EXPECT_FALSE(b.add_chunk(0x0c, {}));
  EXPECT_EQ(b.chunk_count(), 2u);
  Bytes pkt = std::move(b).finish();
  EXPECT_EQ(pkt.size(), 19u);
  auto p = parse_packet(pkt);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->chunks.size(), 2u);
  EXPECT_EQ(p->chunks[0].payload.size(), 10u);

  PacketBuilder huge(h, 1 << 20);
  EXPECT_EQ(huge.payload_room(), 65535u);
  Bytes too_long(65536, 1);
  EXPECT_FALSE(huge.add_chunk(0x01, too_long));
  EXPECT_TRUE(huge.add_chunk(0x01, ByteView(too_long).first(65535)));
}

TEST(PacketBuilder, BeginEndChunkPatchesLengthOrRollsBack) {
  PacketHeader h;
  h.mode = PacketMode::responder;
  PacketBuilder b(h, 12);
  {
    ByteWriter w = b.begin_chunk(0x41);
    w.u32(0xdeadbeef);
  }
  EXPECT_TRUE(b.end_chunk());
  EXPECT_EQ(b.size(), 8u);
  {
    ByteWriter w = b.begin_chunk(0x01);
    w.u16(1);  // 8 + 3 + 2 = 13 > 12
  }
  EXPECT_FALSE(b.end_chunk());
  EXPECT_EQ(b.size(), 8u);
  EXPECT_EQ(b.chunk_count(), 1u);
  EXPECT_FALSE(b.end_chunk());  // nothing begun
  Bytes pkt = std::move(b).finish();
  EXPECT_EQ(to_hex(pkt), "02410004deadbeef");
}

TEST(Scramble, InPlaceMatchesTheCopyingFormForAnySize) {
  for (std::size_t n : {0u, 1u, 3u, 7u, 8u, 9u, 1200u}) {
    Bytes enc(n);
    for (std::size_t i = 0; i < n; ++i) enc[i] = static_cast<std::uint8_t>(i * 37 + 5);
    Bytes in_place = enc;
    in_place.reserve(n + 4);
    const auto* storage = in_place.data();
    scramble_datagram_in_place(0x89abcdef, in_place);
    EXPECT_EQ(in_place, scramble_datagram(0x89abcdef, enc)) << n;
    EXPECT_EQ(in_place.data(), storage) << "no new buffer with 4 bytes spare, size " << n;
    EXPECT_EQ(unscramble_session_id(in_place), 0x89abcdefu);
  }
}

TEST(PacketBuilder, ReusedBufferBuildsTheSamePacket) {
  PacketHeader h;
  h.mode = PacketMode::responder;
  h.timestamp = 0x1234;
  PacketBuilder fresh(h, 100);
  ASSERT_TRUE(fresh.add_chunk(0x10, hex("01 02 03")));
  Bytes leftover = hex("de ad be ef de ad be ef de ad be ef");  // an earlier packet's bytes
  leftover.reserve(2048);
  const auto* storage = leftover.data();
  PacketBuilder reused(h, 100, std::move(leftover));
  ASSERT_TRUE(reused.add_chunk(0x10, hex("01 02 03")));
  Bytes a = std::move(fresh).finish();
  Bytes b = std::move(reused).finish();
  EXPECT_EQ(a, b);
  EXPECT_EQ(b.data(), storage);  // the buffer's capacity was kept
}
