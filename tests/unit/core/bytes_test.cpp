#include "rtmfp/core/bytes.hpp"

#include <gtest/gtest.h>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/random.hpp"

namespace rtmfp {
namespace {

TEST(ByteReader, ReadsBigEndianAndFailsOnShortInput) {
  Bytes b{0x01, 0x02, 0x03, 0x04, 0x05};
  ByteReader r(b);
  EXPECT_EQ(r.u16(), 0x0102);
  EXPECT_EQ(r.u16(), 0x0304);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u16(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Hex, RoundTrips) {
  Bytes out;
  ASSERT_TRUE(from_hex("0a ff 10", out));
  EXPECT_EQ(to_hex(out), "0aff10");
  Bytes bad;
  EXPECT_FALSE(from_hex("0g", bad));
  EXPECT_FALSE(from_hex("abc", bad));
}

TEST(SocketAddress, ParsesAndPrintsV4AndV6) {
  auto a = SocketAddress::parse("127.0.0.1:1935");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "127.0.0.1:1935");
  EXPECT_TRUE(a->is_loopback());
  auto b = SocketAddress::parse("[::1]:80");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->v6);
  EXPECT_EQ(b->to_string(), "[::1]:80");
  EXPECT_FALSE(SocketAddress::parse("1.2.3.4"));
  EXPECT_FALSE(SocketAddress::parse("1.2.3.4:70000"));
  EXPECT_FALSE(SocketAddress::parse("host:1"));
}

TEST(SeededRandom, IsDeterministicAndUniformEnough) {
  SeededRandom a(42), b(42);
  EXPECT_EQ(a.u64(), b.u64());
  int counts[4] = {};
  for (int i = 0; i < 4000; ++i) counts[a.below(4)]++;
  for (int c : counts) EXPECT_NEAR(c, 1000, 150);
}

}  // namespace
}  // namespace rtmfp
