// RFC 7016 §2.3.1-§2.3.18 chunk codecs: RFC Figure 3, a round trip per chunk
// type, and malformed payloads (truncation, overrunning lengths, bad VLUs).
#include "rtmfp/core/wire/chunks.hpp"

#include <gtest/gtest.h>

#include <string>

#include "rtmfp/core/wire/packet.hpp"
#include "tests/unit/wire/vector_file.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;
using wire_test::hex;

namespace {

template <class C>
Bytes encode(const C& c) {
  Bytes out;
  ByteWriter w(out);
  c.encode(w);
  return out;
}

ByteView sv(const char* s) { return as_bytes(s); }

bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

TEST(ChunkTypes, TableLookupsMatchTheRegistry) {
  auto info = chunk_type_info(0x10);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->type, ChunkType::user_data);
  EXPECT_STREQ(info->section, "2.3.11");
  EXPECT_FALSE(info->startup_only);
  auto ih = chunk_type_info(0x30);
  ASSERT_TRUE(ih);
  EXPECT_TRUE(ih->startup_only);
  EXPECT_STREQ(chunk_type_name(0x78), "rikeying");
  EXPECT_STREQ(chunk_type_name(0x5e), "flow_exception_report");
  EXPECT_STREQ(chunk_type_name(0x42), "unknown");
  EXPECT_FALSE(chunk_type_info(0x00));
  EXPECT_FALSE(chunk_type_info(0xff));
  int known = 0;
  for (int c = 0; c < 256; ++c) known += chunk_type_info(static_cast<std::uint8_t>(c)).has_value();
  EXPECT_EQ(known, 18);
}

TEST(UserData, Rfc7016Figure3) {
  auto v = wire_test::load_vector("fig3_user_data_next_user_data.vec");
  ASSERT_TRUE(v.loaded);
  // Wrap the chunks in an initiator-mode packet and parse it.
  Bytes pkt{0x01};
  pkt.insert(pkt.end(), v.bytes.begin(), v.bytes.end());
  auto p = parse_packet(pkt);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->chunks.size(), std::stoul(v.expect.at("chunks")));
  ASSERT_EQ(p->chunks[0].type, static_cast<std::uint8_t>(ChunkType::user_data));
  auto ud = UserDataChunk::decode(p->chunks[0].payload);
  ASSERT_TRUE(ud) << ud.error().message();
  EXPECT_EQ(ud->flow_id, std::stoull(v.expect.at("flow_id")));
  const std::uint64_t first_seq = std::stoull(v.expect.at("first_seq"));
  EXPECT_EQ(ud->sequence_number, first_seq);
  const std::uint64_t fsn = ud->sequence_number - ud->fsn_offset;
  EXPECT_EQ(fsn, std::stoull(v.expect.at("fsn")));
  EXPECT_EQ(ud->flags.fragmentation, Fragmentation::whole);
  EXPECT_FALSE(ud->flags.abandon);
  EXPECT_FALSE(ud->flags.final);
  EXPECT_TRUE(ud->options.empty());
  std::string datas = to_hex(ud->data);
  // Next User Data: same flow and FSN, seq + 1 each (§2.3.12).
  std::uint64_t seq = ud->sequence_number;
  for (std::size_t i = 1; i < p->chunks.size(); ++i) {
    ASSERT_EQ(p->chunks[i].type, static_cast<std::uint8_t>(ChunkType::next_user_data));
    auto nud = NextUserDataChunk::decode(p->chunks[i].payload);
    ASSERT_TRUE(nud);
    ++seq;
    EXPECT_EQ(nud->flags.fragmentation, Fragmentation::whole);
    datas += "," + to_hex(nud->data);
    EXPECT_EQ(encode(*nud), Bytes(p->chunks[i].payload.begin(), p->chunks[i].payload.end()));
  }
  EXPECT_EQ(seq, first_seq + 2);
  EXPECT_EQ(datas, v.expect.at("data"));
  // Re-encoding gives the figure's bytes.
  EXPECT_EQ(encode(*ud), Bytes(p->chunks[0].payload.begin(), p->chunks[0].payload.end()));
  EXPECT_EQ(ud->encoded_size(), p->chunks[0].payload.size());
}

TEST(UserData, FlagsAndOptionsRoundTrip) {
  Bytes tc = hex("54 43 04 00");
  Bytes rfa = hex("05");
  for (int fra = 0; fra < 4; ++fra) {
    UserDataChunk c;
    c.flags.fragmentation = static_cast<Fragmentation>(fra);
    c.flags.abandon = fra & 1;
    c.flags.final = fra & 2;
    c.flow_id = 300;
    c.sequence_number = 1ull << 40;
    c.fsn_offset = 17;
    c.options.push_back(Option{false, kOptionPerFlowMetadata, tc, 0});
    c.options.push_back(Option{false, kOptionReturnFlowAssociation, rfa, 0});
    Bytes data(200, static_cast<std::uint8_t>(fra));
    c.data = data;
    Bytes enc = encode(c);
    EXPECT_EQ(enc.size(), c.encoded_size());
    EXPECT_EQ(enc[0] & kUserDataOptions, kUserDataOptions);
    EXPECT_EQ((enc[0] & kUserDataFragmentMask) >> 4, fra);
    auto d = UserDataChunk::decode(enc);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->flags.fragmentation, c.flags.fragmentation);
    EXPECT_EQ(d->flags.abandon, c.flags.abandon);
    EXPECT_EQ(d->flags.final, c.flags.final);
    EXPECT_EQ(d->flow_id, 300u);
    EXPECT_EQ(d->sequence_number, 1ull << 40);
    EXPECT_EQ(d->fsn_offset, 17u);
    ASSERT_EQ(d->options.size(), 2u);
    EXPECT_EQ(d->options[0].type, kOptionPerFlowMetadata);
    EXPECT_TRUE(same(d->options[0].value, tc));
    EXPECT_EQ(d->options[1].type, kOptionReturnFlowAssociation);
    EXPECT_TRUE(same(d->options[1].value, rfa));
    EXPECT_TRUE(same(d->data, data));
  }
}

TEST(UserData, RejectsFsnOffsetAboveSequenceNumber) {
  auto bad = UserDataChunk::decode(hex("00 02 05 06 aa"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("fsnOffset"), std::string::npos);
  EXPECT_TRUE(UserDataChunk::decode(hex("00 02 05 05 aa")));  // == is allowed
}

TEST(UserData, RejectsTruncationAndBadVlus) {
  for (auto bad : {"", "00", "00 02", "00 02 05", "00 02 85", "80 02 05 01",  // OPT set, no marker
                   "80 02 05 01 05 00 54", "00 ff ff ff ff ff ff ff ff ff ff 7f 01 00"}) {
    EXPECT_FALSE(UserDataChunk::decode(hex(bad))) << bad;
  }
  for (auto bad : {"", "80", "80 03 00"}) EXPECT_FALSE(NextUserDataChunk::decode(hex(bad))) << bad;
}

TEST(UserData, ReservedFlagBitsAreIgnored) {
  auto d = UserDataChunk::decode(hex("4f 01 01 01"));  // rsv 0x40, 0x0c set; ABN FIN
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->flags.abandon);
  EXPECT_TRUE(d->flags.final);
  EXPECT_EQ(d->flags.fragmentation, Fragmentation::whole);
  EXPECT_TRUE(d->options.empty());
}

TEST(PacketFragment, RoundTripAndEmptyFragmentRejected) {
  Bytes frag = hex("0b 13 2d 30");
  PacketFragmentChunk c{true, 1000, 3, frag};
  Bytes enc = encode(c);
  EXPECT_EQ(to_hex(enc), "80876803" "0b132d30");
  auto d = PacketFragmentChunk::decode(enc);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->more_fragments);
  EXPECT_EQ(d->packet_id, 1000u);
  EXPECT_EQ(d->fragment_num, 3u);
  EXPECT_TRUE(same(d->fragment, frag));
  EXPECT_FALSE(PacketFragmentChunk::decode(hex("00 01 00")));   // empty fragment
  EXPECT_FALSE(PacketFragmentChunk::decode(hex("80 01")));      // truncated
  EXPECT_FALSE(PacketFragmentChunk::decode(hex("00 81 80")));   // bad VLU
}

TEST(IHello, RoundTripAndOverrun) {
  IHelloChunk c{sv("\x0a" "rtmfp://x"), sv("0123456789abcdef")};
  Bytes enc = encode(c);
  auto d = IHelloChunk::decode(enc);
  ASSERT_TRUE(d);
  EXPECT_TRUE(same(d->epd, c.epd));
  EXPECT_TRUE(same(d->tag, c.tag));
  EXPECT_FALSE(IHelloChunk::decode(hex("05 01 02")));
  EXPECT_FALSE(IHelloChunk::decode({}));
  auto empty_tag = IHelloChunk::decode(hex("01 aa"));
  ASSERT_TRUE(empty_tag);
  EXPECT_TRUE(empty_tag->tag.empty());
}

TEST(FIHello, RoundTripAndTruncatedAddress) {
  FIHelloChunk c;
  Bytes epd = hex("21 0f 01 02");
  c.epd = epd;
  c.reply_address = WireAddress{*SocketAddress::parse("[fe80::2]:1935"), AddressOrigin::observed};
  Bytes tag = hex("11 22 33");
  c.tag = tag;
  const Bytes d_enc = encode(c);
  auto d = FIHelloChunk::decode(d_enc);
  ASSERT_TRUE(d);
  EXPECT_TRUE(same(d->epd, epd));
  EXPECT_EQ(d->reply_address, c.reply_address);
  EXPECT_TRUE(same(d->tag, tag));
  EXPECT_FALSE(FIHelloChunk::decode(hex("01 aa 02 c0 00 02")));
}

TEST(RHello, RoundTripAndOverruns) {
  RHelloChunk c{sv("tag"), sv("cookie-cookie"), sv("\x01\x0a")};
  const Bytes d_enc = encode(c);
  auto d = RHelloChunk::decode(d_enc);
  ASSERT_TRUE(d);
  EXPECT_TRUE(same(d->tag_echo, c.tag_echo));
  EXPECT_TRUE(same(d->cookie, c.cookie));
  EXPECT_TRUE(same(d->certificate, c.certificate));
  EXPECT_FALSE(RHelloChunk::decode(hex("01 aa 09 01")));
  EXPECT_FALSE(RHelloChunk::decode(hex("01 aa")));
}

TEST(Redirect, AddressesAndImpliedRedirect) {
  RedirectChunk c;
  c.tag_echo = sv("tg");
  c.addresses.push_back(WireAddress{SocketAddress::ipv4(192, 0, 2, 1, 1935), AddressOrigin::relay});
  c.addresses.push_back(WireAddress{*SocketAddress::parse("[2001:db8::9]:5000"), AddressOrigin::local});
  const Bytes d_enc = encode(c);
  auto d = RedirectChunk::decode(d_enc);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->addresses, c.addresses);
  auto implied = RedirectChunk::decode(hex("02 aa bb"));
  ASSERT_TRUE(implied);
  EXPECT_TRUE(implied->addresses.empty());
  EXPECT_FALSE(RedirectChunk::decode(hex("00 03 c0 00 02 01 07")));  // truncated address
}

TEST(CookieChange, RoundTrip) {
  CookieChangeChunk c{sv("old"), sv("brand-new")};
  const Bytes d_enc = encode(c);
  auto d = CookieChangeChunk::decode(d_enc);
  ASSERT_TRUE(d);
  EXPECT_TRUE(same(d->old_cookie, c.old_cookie));
  EXPECT_TRUE(same(d->new_cookie, c.new_cookie));
  EXPECT_FALSE(CookieChangeChunk::decode(hex("04 01")));
}

TEST(IIKeying, RoundTripAndSignedPart) {
  IIKeyingChunk c{0x02000000, sv("cookie"), sv("\x81\x02\x1d\x02"), sv("\x02\x1d\x02"), sv("X"), {}};
  Bytes enc = encode(c);
  auto d = IIKeyingChunk::decode(enc);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->initiator_session_id, 0x02000000u);
  EXPECT_TRUE(same(d->cookie_echo, c.cookie_echo));
  EXPECT_TRUE(same(d->certificate, c.certificate));
  EXPECT_TRUE(same(d->skic, c.skic));
  EXPECT_TRUE(same(d->signature, c.signature));
  Bytes signed_part;
  ByteWriter w(signed_part);
  c.encode_signed_part(w);
  EXPECT_TRUE(same(d->signed_part, signed_part));
  EXPECT_EQ(signed_part.size() + 1, enc.size());
  for (auto bad : {"02 00 00", "02 00 00 00 05 aa", "02 00 00 00 00 03 aa", "02 00 00 00 00 00 81"})
    EXPECT_FALSE(IIKeyingChunk::decode(hex(bad))) << bad;
}

TEST(RIKeying, RoundTripAndPortion) {
  const Bytes skrc = hex("03 1a 00 00");
  RIKeyingChunk c{0x45020000, skrc, sv("X"), {}};
  Bytes enc = encode(c);
  auto d = RIKeyingChunk::decode(enc);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->responder_session_id, 0x45020000u);
  EXPECT_TRUE(same(d->skrc, c.skrc));
  EXPECT_TRUE(same(d->signature, c.signature));
  EXPECT_EQ(to_hex(d->signed_portion), "4502000004031a0000");
  EXPECT_FALSE(RIKeyingChunk::decode(hex("45 02 00")));
  EXPECT_FALSE(RIKeyingChunk::decode(hex("45 02 00 00 09 00")));
}

TEST(Ping, MessagesMayBeEmpty) {
  auto p = PingChunk::decode({});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->message.empty());
  PingReplyChunk r{sv("echo")};
  const Bytes d_enc = encode(r);
  auto d = PingReplyChunk::decode(d_enc);
  ASSERT_TRUE(d);
  EXPECT_EQ(as_chars(d->message_echo), "echo");
  EXPECT_EQ(as_chars(PingChunk::decode(sv("hello"))->message), "hello");
}

TEST(BufferProbeAndException, RoundTripAndMalformed) {
  BufferProbeChunk b{1ull << 50};
  const Bytes bd_enc = encode(b);
  auto bd = BufferProbeChunk::decode(bd_enc);
  ASSERT_TRUE(bd);
  EXPECT_EQ(bd->flow_id, 1ull << 50);
  EXPECT_FALSE(BufferProbeChunk::decode({}));
  EXPECT_FALSE(BufferProbeChunk::decode(hex("85")));
  EXPECT_FALSE(BufferProbeChunk::decode(hex("05 00")));  // trailing byte
  FlowExceptionReportChunk f{7, 0};
  const Bytes fd_enc = encode(f);
  auto fd = FlowExceptionReportChunk::decode(fd_enc);
  ASSERT_TRUE(fd);
  EXPECT_EQ(fd->flow_id, 7u);
  EXPECT_EQ(fd->exception, 0u);
  EXPECT_EQ(to_hex(encode(f)), "0700");
  EXPECT_FALSE(FlowExceptionReportChunk::decode(hex("07")));
  EXPECT_FALSE(FlowExceptionReportChunk::decode(hex("07 80")));
}

#include "tests/unit/wire/chunk_roundtrip.hpp"

TEST(ChunkRoundTrip, FigureChunksPassTheFuzzInvariant) {
  for (auto name : {"fig3_user_data_next_user_data.vec", "fig4_bitmap_ack.vec", "fig5_range_ack.vec",
                    "fig6_range_ack_truncated.vec"}) {
    auto v = wire_test::load_vector(name);
    ASSERT_TRUE(v.loaded);
    Bytes pkt{0x01};
    pkt.insert(pkt.end(), v.bytes.begin(), v.bytes.end());
    auto p = parse_packet(pkt);
    ASSERT_TRUE(p);
    for (const auto& c : p->chunks) EXPECT_TRUE(wire_check::check_chunk(c.type, c.payload)) << name;
  }
  // The invariant check itself can fail: a codec that lost a field would be caught.
  UserDataChunk a, b;
  a.flow_id = 1;
  b.flow_id = 2;
  EXPECT_FALSE(wire_check::eq(a, b));
}
