// RFC 7016 §2.1.2 VLU: boundary table (DIGEST §1.1), non-minimal input,
// truncation and >64-bit overflow.
#include "rtmfp/core/wire/vlu.hpp"

#include <gtest/gtest.h>

#include "tests/unit/wire/vector_file.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;
using wire_test::hex;

TEST(Vlu, BoundaryTableFromVectorFile) {
  auto v = wire_test::load_vector("vlu_boundaries.vec");
  ASSERT_TRUE(v.loaded);
  ASSERT_EQ(v.vlus.size(), 12u);
  for (const auto& [text, enc] : v.vlus) {
    const std::uint64_t value = std::stoull(text);
    Bytes out;
    ByteWriter w(out);
    write_vlu(w, value);
    EXPECT_EQ(to_hex(out), enc) << "encoding " << text;
    EXPECT_EQ(vlu_size(value), out.size());
    Bytes in = hex(enc);
    ByteReader r(in);
    EXPECT_EQ(read_vlu(r), value) << "decoding " << enc;
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.empty());
  }
}

TEST(Vlu, AcceptsNonMinimalEncodings) {
  for (auto [enc, value] : {std::pair{"8005", 5ull}, {"808080807f", 127ull}, {"808100", 128ull}}) {
    Bytes in = hex(enc);
    ByteReader r(in);
    EXPECT_EQ(read_vlu(r), value) << enc;
    EXPECT_TRUE(r.ok());
  }
  // Many leading 0x80 bytes before a maximal value are still 64-bit.
  Bytes in = hex("8080808080 81ffffffffffffffff7f");
  ByteReader r(in);
  EXPECT_EQ(read_vlu(r), ~0ull);
  EXPECT_TRUE(r.ok());
}

TEST(Vlu, RejectsTruncation) {
  for (auto enc : {"", "81", "ff ff", "81 80 80"}) {
    Bytes in = hex(enc);
    ByteReader r(in);
    (void)read_vlu(r);
    EXPECT_FALSE(r.ok()) << "'" << enc << "'";
  }
}

TEST(Vlu, RejectsValuesBeyond64Bits) {
  // 2^64: one more than the maximum.
  for (auto enc : {"82 80 80 80 80 80 80 80 80 00", "81 ff ff ff ff ff ff ff ff ff 7f",
                   "ff ff ff ff ff ff ff ff ff ff ff 7f"}) {
    Bytes in = hex(enc);
    ByteReader r(in);
    (void)read_vlu(r);
    EXPECT_FALSE(r.ok()) << enc;
  }
}

TEST(Vlu, ReadsStopAtTheFinalByte) {
  Bytes in = hex("81 00 7f 05");
  ByteReader r(in);
  EXPECT_EQ(read_vlu(r), 128u);
  EXPECT_EQ(read_vlu(r), 127u);
  EXPECT_EQ(r.remaining(), 1u);
}
