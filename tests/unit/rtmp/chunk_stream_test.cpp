// Chunk stream vectors built by hand from R§5.3 and the errata (E§4, E§5.1, E§6).
#include "media/rtmp/chunk_stream.hpp"

#include <gtest/gtest.h>

#include "media/rtmp/control.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

namespace {
Bytes B(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes r;
  for (const auto& p : parts) r.insert(r.end(), p.begin(), p.end());
  return r;
}
Bytes fill(std::size_t n, int v) { return Bytes(n, static_cast<std::uint8_t>(v)); }
std::vector<Message> parse_all(const Bytes& in, ChunkParser& p) {
  std::vector<Message> out;
  auto r = p.feed(in, out);
  EXPECT_TRUE(r) << (r ? "" : r.error().detail);
  return out;
}
}  // namespace

TEST(RtmpChunk, Type0SingleChunk) {
  // fmt 0, csid 3; ts 0x000102; len 3; type 20; msid 1 (little-endian, E§4.2).
  Bytes in = cat({B({0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x03, 20, 0x01, 0x00, 0x00, 0x00}), B({'a', 'b', 'c'})});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].timestamp, 0x102u);
  EXPECT_EQ(msgs[0].type, 20);
  EXPECT_EQ(msgs[0].stream_id, 1u);
  EXPECT_EQ(msgs[0].csid, 3u);
  EXPECT_EQ(msgs[0].payload, B({'a', 'b', 'c'}));
}

TEST(RtmpChunk, Types123AndDeltas) {
  // R§5.3.2.1 example 1 shape: type 0 ts 1000, type 2 delta 33, type 3 (delta 33), type 1 delta 20 new length.
  Bytes in = cat({B({0x04, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x02, 8, 0x01, 0, 0, 0}), B({1, 2}),
                  B({0x84, 0x00, 0x00, 0x21}), B({3, 4}),
                  B({0xC4}), B({5, 6}),
                  B({0x44, 0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 9}), B({7})});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].timestamp, 1000u);
  EXPECT_EQ(msgs[1].timestamp, 1033u);
  EXPECT_EQ(msgs[2].timestamp, 1066u);
  EXPECT_EQ(msgs[2].payload, B({5, 6}));
  EXPECT_EQ(msgs[3].timestamp, 1086u);
  EXPECT_EQ(msgs[3].type, 9);
  EXPECT_EQ(msgs[3].stream_id, 1u);
}

TEST(RtmpChunk, Type3AfterType0UsesTimestampAsDelta) {
  // R§5.3.1.2.4.
  Bytes in = cat({B({0x04, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 8, 0, 0, 0, 0}), B({1}), B({0xC4}), B({2})});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].timestamp, 20u);
}

TEST(RtmpChunk, MultiChunkMessageAndByteByByte) {
  // 200-byte message at default chunk size 128: 128 + type 3 + 72.
  Bytes in = cat({B({0x03, 0, 0, 0, 0x00, 0x00, 200, 20, 0, 0, 0, 0}), fill(128, 0xAA), B({0xC3}), fill(72, 0xBB)});
  ChunkParser p;
  std::vector<Message> out;
  for (auto b : in) ASSERT_TRUE(p.feed(ByteView(&b, 1), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.size(), 200u);
  EXPECT_EQ(out[0].payload[127], 0xAA);
  EXPECT_EQ(out[0].payload[128], 0xBB);
  EXPECT_EQ(p.bytes_received(), in.size());
}

TEST(RtmpChunk, TwoAndThreeByteBasicHeaders) {
  // csid 64+10 in the 2-byte form; csid 64 + 0x0201 in the 3-byte form, little-endian (E§4.1).
  Bytes in = cat({B({0x00, 10, 0, 0, 5, 0, 0, 1, 8, 0, 0, 0, 0}), B({9}),
                  B({0x01, 0x01, 0x02, 0, 0, 6, 0, 0, 1, 9, 0, 0, 0, 0}), B({8})});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].csid, 74u);
  EXPECT_EQ(msgs[0].timestamp, 5u);
  EXPECT_EQ(msgs[1].csid, 64u + 0x0201u);
  EXPECT_EQ(msgs[1].timestamp, 6u);
}

TEST(RtmpChunk, ExtendedTimestampRepeatedInType3) {
  // ts 0x01000000 (> 0xFFFFFF): marker + 4-byte extended field; 200-byte message
  // so a type 3 continuation repeats the field (E§5.1); then a new message as type 3.
  Bytes ext = B({0x01, 0x00, 0x00, 0x00});
  Bytes in = cat({B({0x06, 0xff, 0xff, 0xff, 0x00, 0x00, 200, 9, 1, 0, 0, 0}), ext, fill(128, 1),
                  B({0xC6}), ext, fill(72, 2),
                  B({0xC6}), ext, fill(128, 3), B({0xC6}), ext, fill(72, 4)});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].timestamp, 0x01000000u);
  EXPECT_EQ(msgs[0].payload[128], 2);
  EXPECT_EQ(msgs[1].timestamp, 0x02000000u);  // type 3 after type 0: delta = timestamp
  EXPECT_EQ(msgs[1].payload[0], 3);
  EXPECT_EQ(p.ext_ts_mode(), ExtTsMode::repeated);
}

TEST(RtmpChunk, ExtendedTimestampOmittedByPeerIsDetected) {
  Bytes in = cat({B({0x06, 0xff, 0xff, 0xff, 0x00, 0x00, 200, 9, 1, 0, 0, 0}), B({0x01, 0, 0, 0}), fill(128, 1),
                  B({0xC6}), fill(72, 2)});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].payload[128], 2);
  EXPECT_EQ(msgs[0].payload.size(), 200u);
  EXPECT_EQ(p.ext_ts_mode(), ExtTsMode::omitted);
}

TEST(RtmpChunk, InterleavedChunkStreams) {
  Bytes in = cat({B({0x04, 0, 0, 1, 0, 0, 200, 8, 1, 0, 0, 0}), fill(128, 'a'),
                  B({0x06, 0, 0, 2, 0, 0, 130, 9, 1, 0, 0, 0}), fill(128, 'v'),
                  B({0xC4}), fill(72, 'A'), B({0xC6}), fill(2, 'V')});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].type, 8);
  EXPECT_EQ(msgs[0].payload.size(), 200u);
  EXPECT_EQ(msgs[0].payload[199], 'A');
  EXPECT_EQ(msgs[1].type, 9);
  EXPECT_EQ(msgs[1].payload[129], 'V');
}

TEST(RtmpChunk, SetChunkSizeMidStream) {
  Bytes in = cat({B({0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0}), B({0, 0, 1, 0}),  // chunk size 256
                  B({0x03, 0, 0, 0, 0, 1, 0x2c, 20, 0, 0, 0, 0}), fill(256, 7), B({0xC3}), fill(44, 8)});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].type, msg_type::set_chunk_size);
  EXPECT_EQ(p.chunk_size(), 256u);
  EXPECT_EQ(msgs[1].payload.size(), 300u);
  EXPECT_EQ(msgs[1].payload[255], 7);
  EXPECT_EQ(msgs[1].payload[256], 8);
}

TEST(RtmpChunk, AbortDiscardsOnePartialMessage) {
  Bytes in = cat({B({0x04, 0, 0, 0, 0, 0, 200, 8, 1, 0, 0, 0}), fill(128, 1),
                  B({0x02, 0, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0}), B({0, 0, 0, 4}),  // abort csid 4
                  B({0x04, 0, 0, 5, 0, 0, 2, 8, 1, 0, 0, 0}), B({9, 9})});
  ChunkParser p;
  auto msgs = parse_all(in, p);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].type, msg_type::abort);
  EXPECT_EQ(msgs[1].payload, B({9, 9}));
  EXPECT_EQ(msgs[1].timestamp, 5u);
}

TEST(RtmpChunk, MalformedInputs) {
  auto err = [](const Bytes& in, ChunkLimits lim = {}) {
    ChunkParser p(lim);
    std::vector<Message> out;
    auto r = p.feed(in, out);
    EXPECT_FALSE(r);
    return r ? std::string() : r.error().detail;
  };
  EXPECT_NE(err(B({0x43, 0, 0, 0, 0, 0, 1, 8})).find("no previous type 0"), std::string::npos);
  EXPECT_NE(err(B({0x03, 0, 0, 0, 0xff, 0xff, 0xff, 8, 0, 0, 0, 0})).find("exceeds the limit"), std::string::npos);
  EXPECT_NE(err(cat({B({0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0}), B({0x80, 0, 0, 1})})).find("top bit"), std::string::npos);
  EXPECT_NE(err(cat({B({0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0}), B({0x7f, 0xff, 0xff, 0xff})})).find("Set Chunk Size"),
            std::string::npos);
  EXPECT_NE(err(cat({B({0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0}), B({0, 0, 0, 0})})).find("of 0"), std::string::npos);
  // New type 0 header while a message is incomplete on the same chunk stream.
  EXPECT_NE(err(cat({B({0x03, 0, 0, 0, 0, 0, 200, 20, 0, 0, 0, 0}), fill(128, 0),
                     B({0x03, 0, 0, 0, 0, 0, 1, 20, 0, 0, 0, 0, 0})}))
                .find("incomplete"),
            std::string::npos);
  ChunkLimits small;
  small.max_chunk_streams = 2;
  Bytes many;
  for (int cs = 3; cs < 6; ++cs) many = cat({many, B({cs, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0})});
  EXPECT_NE(err(many, small).find("too many chunk streams"), std::string::npos);
  // After an error the parser stays failed.
  ChunkParser p;
  std::vector<Message> out;
  EXPECT_FALSE(p.feed(B({0x43, 0, 0, 0, 0, 0, 1, 8}), out));
  EXPECT_FALSE(p.feed(B({0x03, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0}), out));
}

TEST(RtmpChunk, SerializerRoundTripAndCompression) {
  ChunkSerializer s;
  std::vector<Message> in;
  std::uint32_t ts = 0xFFFFF0;  // crosses into extended timestamps
  for (int i = 0; i < 20; ++i) {
    Message m;
    m.type = i % 3 == 0 ? msg_type::audio : msg_type::video;
    m.stream_id = 1;
    m.timestamp = ts;
    ts += (i % 5 == 0) ? 40 : 20;
    m.payload = fill(static_cast<std::size_t>(50 + i * 37), i);
    in.push_back(m);
  }
  in[10].timestamp = 0x30000000;  // jump: large delta (extended) on type 1/2
  in[11].timestamp = 5;           // backwards → type 0
  Bytes wire;
  for (const auto& m : in) ASSERT_TRUE(s.write(m, wire));
  ASSERT_TRUE(s.write(control::set_chunk_size(4096), wire));
  ASSERT_TRUE(s.set_chunk_size(4096));
  Message big{77, msg_type::video, 1, 0, fill(10000, 0x5a)};
  ASSERT_TRUE(s.write(big, wire));
  ChunkParser p;
  auto out = parse_all(wire, p);
  ASSERT_EQ(out.size(), in.size() + 2);
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].timestamp, in[i].timestamp) << i;
    EXPECT_EQ(out[i].type, in[i].type) << i;
    EXPECT_EQ(out[i].payload, in[i].payload) << i;
  }
  EXPECT_EQ(out.back().payload.size(), 10000u);
  EXPECT_EQ(out.back().timestamp, 77u);
  EXPECT_EQ(p.chunk_size(), 4096u);
}

TEST(RtmpChunk, SerializerHeaderTypes) {
  ChunkSerializer s;
  Bytes w;
  ASSERT_TRUE(s.write(Message{100, 8, 1, 4, B({1})}, w));
  EXPECT_EQ(w[0], 0x04);  // type 0
  w.clear();
  ASSERT_TRUE(s.write(Message{120, 8, 1, 4, B({2})}, w));
  EXPECT_EQ(w[0], 0x84);  // type 2 (same length and type, new delta 20)
  w.clear();
  ASSERT_TRUE(s.write(Message{140, 8, 1, 4, B({3})}, w));
  EXPECT_EQ(w, B({0xC4, 3}));  // type 3
  w.clear();
  ASSERT_TRUE(s.write(Message{160, 8, 1, 4, B({3, 4})}, w));
  EXPECT_EQ(w[0], 0x44);  // type 1 (length changed)
  w.clear();
  ASSERT_TRUE(s.write(Message{0, 8, 1, 400, B({3})}, w));  // 3-byte basic header
  EXPECT_EQ(w[0], 0x01);
  EXPECT_EQ(w[1], (400 - 64) & 0xff);
  EXPECT_EQ(w[2], (400 - 64) >> 8);
  EXPECT_FALSE(s.set_chunk_size(0));
  EXPECT_FALSE(s.set_chunk_size(0x80000000u));
}

// Review I2: never a Type 3 for the first message after a Type 0 (nginx-rtmp
// takes its delta as 0): same-size audio at 24, 48, 72 is Type 0, Type 2
// (delta 24 explicit), then Type 3. Golden bytes.
TEST(RtmpChunk, NoType3RightAfterType0Golden) {
  ChunkSerializer s;
  Bytes w;
  ASSERT_TRUE(s.write(Message{24, 8, 1, 4, B({0xAF})}, w));
  ASSERT_TRUE(s.write(Message{48, 8, 1, 4, B({0xAF})}, w));
  ASSERT_TRUE(s.write(Message{72, 8, 1, 4, B({0xAF})}, w));
  EXPECT_EQ(w, B({0x04, 0, 0, 24, 0, 0, 1, 8, 1, 0, 0, 0, 0xAF,  // type 0, ts 24
                  0x84, 0, 0, 24, 0xAF,                          // type 2, delta 24
                  0xC4, 0xAF}));                                  // type 3
  ChunkParser p;
  auto msgs = parse_all(w, p);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[2].timestamp, 72u);
}

// Review P4: the stage profiles are ordered and the media profile admits
// the wire's largest message.
TEST(RtmpChunk, LimitProfilesWidenByStage) {
  EXPECT_LT(kPreConnectLimits.max_message_size, kConnectedLimits.max_message_size);
  EXPECT_LT(kConnectedLimits.max_message_size, kMediaLimits.max_message_size);
  EXPECT_LT(kPreConnectLimits.max_partial_bytes, kConnectedLimits.max_partial_bytes);
  EXPECT_LT(kPreConnectLimits.max_chunk_streams, kConnectedLimits.max_chunk_streams);
  EXPECT_EQ(kMediaLimits.max_message_size, 0xffffffu);
  ChunkParser p(kPreConnectLimits);
  std::vector<Message> out;
  // 9 chunk streams, each starting a 1000-byte message: the 9th is refused.
  Result<void> r;
  for (int cs = 3; cs < 12 && r; ++cs)
    r = p.feed(cat({B({cs, 0, 0, 0, 0, 0x03, 0xE8, 20, 0, 0, 0, 0}), fill(128, 0)}), out);
  EXPECT_FALSE(r);
  ChunkParser q(kPreConnectLimits);
  EXPECT_FALSE(q.feed(B({3, 0, 0, 0, 0x01, 0x00, 0x01, 20, 0, 0, 0, 0}), out)) << "65537-byte message";
  ChunkParser w(kPreConnectLimits);
  w.set_limits(kMediaLimits);
  EXPECT_TRUE(w.feed(B({3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 9, 1, 0, 0, 0}), out)) << "16 MiB - 1 once widened";
}
