// RFC 7016 §2.1.3 Option, §2.1.4 Option List, §2.1.5 Address; RFC 7425
// §4.3.1 canonical section length.
#include <gtest/gtest.h>

#include "rtmfp/core/wire/address_codec.hpp"
#include "rtmfp/core/wire/option.hpp"
#include "tests/unit/wire/vector_file.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;
using wire_test::hex;

TEST(OptionList, DecodesTheTcMetadataVector) {
  auto v = wire_test::load_vector("option_list_tc_metadata.vec");
  ASSERT_TRUE(v.loaded);
  ByteReader r(v.bytes);
  auto list = read_option_list(r);
  ASSERT_TRUE(list) << list.error().message();
  ASSERT_EQ(list->size(), std::stoul(v.expect.at("options")));
  EXPECT_EQ((*list)[0].type, std::stoull(v.expect.at("type")));
  EXPECT_EQ(to_hex((*list)[0].value), v.expect.at("value"));
  EXPECT_EQ(r.position(), std::stoul(v.expect.at("consumed")));
  // And encodes back to the same bytes.
  Bytes out;
  ByteWriter w(out);
  for (auto& o : *list) write_option(w, o.type, o.value);
  write_marker(w);
  EXPECT_EQ(out, v.bytes);
}

TEST(OptionList, EmptyListIsAMarker) {
  Bytes in = hex("00 aa");
  ByteReader r(in);
  auto list = read_option_list(r);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(OptionList, RejectsMissingMarkerOverrunAndBadType) {
  for (auto bad : {"", "02 01 aa", "05 00 54", "02 81", "03 81 80 80", "81"}) {
    Bytes in = hex(bad);
    ByteReader r(in);
    auto list = read_option_list(r);
    EXPECT_FALSE(list) << bad;
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(OptionSequence, ReportsMarkersAndOffsets) {
  // opt(type 1, "a"), marker, opt(type 0x200, ""), marker
  Bytes in = hex("02 01 61 00 02 84 00 00");
  auto seq = parse_option_sequence(in);
  ASSERT_TRUE(seq);
  ASSERT_EQ(seq->size(), 4u);
  EXPECT_FALSE((*seq)[0].marker);
  EXPECT_EQ((*seq)[0].type, 1u);
  EXPECT_EQ(as_chars((*seq)[0].value), "a");
  EXPECT_TRUE((*seq)[1].marker);
  EXPECT_EQ((*seq)[1].offset, 3u);
  EXPECT_EQ((*seq)[2].type, 0x200u);
  EXPECT_TRUE((*seq)[2].value.empty());
  EXPECT_EQ((*seq)[3].offset, 7u);
}

TEST(CanonicalSection, EndsAtTheFirstMarker) {
  // RFC 7425 §4.3.1: AMS-like certificate: 01 0a, 03 15 02 ..., marker, extra.
  Bytes cert = hex("01 0a 02 15 02 00 02 15 05");
  auto len = canonical_section_length(cert);
  ASSERT_TRUE(len);
  EXPECT_EQ(*len, 5u);
  Bytes no_marker = hex("01 0a 02 15 02");
  EXPECT_EQ(*canonical_section_length(no_marker), 5u);
  Bytes leading_marker = hex("00 01 0a");
  EXPECT_EQ(*canonical_section_length(leading_marker), 0u);
  EXPECT_EQ(*canonical_section_length({}), 0u);
  Bytes malformed = hex("01 0a 05 15");
  EXPECT_FALSE(canonical_section_length(malformed));
}

TEST(Address, DecodesTheIpv4Vector) {
  auto v = wire_test::load_vector("address_ipv4_observed.vec");
  ASSERT_TRUE(v.loaded);
  ByteReader r(v.bytes);
  WireAddress a = read_address(r);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(a.address.to_string(), v.expect.at("address"));
  EXPECT_EQ(static_cast<int>(a.origin), std::stoi(v.expect.at("origin")));
  Bytes out;
  ByteWriter w(out);
  write_address(w, a);
  EXPECT_EQ(out, v.bytes);
  EXPECT_EQ(address_size(a), out.size());
}

TEST(Address, Ipv6RoundTripWithEveryOrigin) {
  auto base = SocketAddress::parse("[2001:db8::1]:443");
  ASSERT_TRUE(base);
  for (int o = 0; o < 4; ++o) {
    WireAddress a{*base, static_cast<AddressOrigin>(o)};
    Bytes out;
    ByteWriter w(out);
    write_address(w, a);
    ASSERT_EQ(out.size(), 19u);
    EXPECT_EQ(out[0], 0x80 | o);
    ByteReader r(out);
    EXPECT_EQ(read_address(r), a);
    EXPECT_TRUE(r.ok());
  }
}

TEST(Address, IgnoresReservedBitsAndRejectsTruncation) {
  Bytes in = hex("7e c0 00 02 01 07 8f");  // reserved bits set, origin 2, IPv4
  ByteReader r(in);
  WireAddress a = read_address(r);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(a.address.v6);
  EXPECT_EQ(a.origin, AddressOrigin::observed);
  for (auto bad : {"", "02", "02 c0 00 02 01 07", "80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00"}) {
    Bytes b = hex(bad);
    ByteReader rb(b);
    (void)read_address(rb);
    EXPECT_FALSE(rb.ok()) << bad;
  }
}
