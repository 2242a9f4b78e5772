// Hostile input: truncation at every byte of every vector, bad markers,
// excessive nesting, references out of range or cyclic, huge declared
// lengths and reference bombs must give errors, never crashes.
#include <dirent.h>

#include <gtest/gtest.h>

#include "media/amf/amf0.hpp"
#include "media/amf/amf3.hpp"
#include "tests/unit/amf/amf_test_util.hpp"

using namespace rtmfp;
using namespace rtmfp::media::amf;
using amf_test::hex;
using amf_test::load_vector;

namespace {

std::vector<std::string> vector_files(const std::string& dir) {
  std::vector<std::string> out;
  std::string path = std::string(RTMFP_SOURCE_DIR) + "/rfc-vectors/" + dir;
  if (DIR* d = opendir(path.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 4 && n.ends_with(".hex")) out.push_back(dir + "/" + n);
    }
    closedir(d);
  }
  return out;
}

std::string err(const Result<Value>& r) { return r ? std::string("(ok)") : r.error().message(); }

}  // namespace

TEST(AmfMalformed, Amf0TruncatedAtEveryByteFails) {
  auto files = vector_files("amf0");
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    Bytes wire = load_vector(f);
    ASSERT_TRUE(amf0::decode_all(wire)) << f;
    for (std::size_t n = 0; n < wire.size(); ++n) {
      auto r = amf0::decode(ByteView(wire.data(), n));
      if (f.ends_with("connect_command.hex")) {
        // a sequence: a prefix may be complete values; decode_all must still fail mid-value
        auto all = amf0::decode_all(ByteView(wire.data(), n));
        if (n == 0 || n == 10 || n == 19) continue;  // value boundaries
        EXPECT_FALSE(all) << f << " prefix " << n;
        continue;
      }
      EXPECT_FALSE(r) << f << " prefix " << n;
    }
  }
}

TEST(AmfMalformed, Amf3TruncatedAtEveryByteFails) {
  auto files = vector_files("amf3");
  ASSERT_GE(files.size(), 10u);
  const auto& flex = amf3::ExternalizableRegistry::flex();
  for (const auto& f : files) {
    Bytes wire = load_vector(f);
    ASSERT_TRUE(amf3::decode(wire, {}, &flex)) << f;
    for (std::size_t n = 0; n < wire.size(); ++n)
      EXPECT_FALSE(amf3::decode(ByteView(wire.data(), n), {}, &flex)) << f << " prefix " << n;
  }
}

TEST(AmfMalformed, Amf0BadMarkers) {
  auto mc = amf0::decode(hex("04"));
  ASSERT_FALSE(mc);
  EXPECT_NE(mc.error().detail.find("movieclip"), std::string::npos);
  auto rs = amf0::decode(hex("0e"));
  ASSERT_FALSE(rs);
  EXPECT_NE(rs.error().detail.find("recordset"), std::string::npos);
  auto end = amf0::decode(hex("09"));
  ASSERT_FALSE(end);
  EXPECT_NE(end.error().detail.find("object-end"), std::string::npos);
  auto unk = amf0::decode(hex("12"));
  ASSERT_FALSE(unk);
  EXPECT_NE(unk.error().detail.find("unknown AMF0 type marker 18"), std::string::npos) << unk.error().detail;
  // empty key not followed by object-end
  EXPECT_FALSE(amf0::decode(hex("03 0000 05")));
  // trailing bytes after one value
  auto tr = amf0::decode(hex("05 05"));
  ASSERT_FALSE(tr);
  EXPECT_NE(tr.error().detail.find("trailing"), std::string::npos);
}

TEST(AmfMalformed, Amf3BadMarkers) {
  auto r = amf3::decode(hex("12"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("unsupported AMF3 type marker 18"), std::string::npos) << err(r);
}

TEST(AmfMalformed, ReferencesOutOfRange) {
  auto a0 = amf0::decode(hex("07 0000"));
  ASSERT_FALSE(a0);
  EXPECT_NE(a0.error().detail.find("reference 0 out of range"), std::string::npos) << err(a0);
  auto s3 = amf3::decode(hex("06 02"));  // string ref 1, empty table
  ASSERT_FALSE(s3);
  EXPECT_NE(s3.error().detail.find("string reference 1 out of range"), std::string::npos) << err(s3);
  auto o3 = amf3::decode(hex("0a 04"));  // object ref 2
  ASSERT_FALSE(o3);
  EXPECT_NE(o3.error().detail.find("object reference 2 out of range"), std::string::npos) << err(o3);
  auto t3 = amf3::decode(hex("0a 05"));  // traits ref 1
  ASSERT_FALSE(t3);
  EXPECT_NE(t3.error().detail.find("traits reference 1 out of range"), std::string::npos) << err(t3);
}

TEST(AmfMalformed, CyclicReferencesRejected) {
  // AMF0: object whose member references itself (index 0)
  auto a0 = amf0::decode(hex("03 0001 61 07 0000 000009"));
  ASSERT_FALSE(a0);
  EXPECT_NE(a0.error().detail.find("cyclic"), std::string::npos) << err(a0);
  // AMF3: array containing a reference to itself
  auto a3 = amf3::decode(hex("09 03 01 09 00"));
  ASSERT_FALSE(a3);
  EXPECT_NE(a3.error().detail.find("cyclic"), std::string::npos) << err(a3);
}

TEST(AmfMalformed, ExcessiveNesting) {
  Bytes deep0;
  for (int i = 0; i < 100000; ++i) deep0.insert(deep0.end(), {0x0a, 0, 0, 0, 1});  // strict array of 1
  deep0.push_back(0x05);
  auto r0 = amf0::decode(deep0);
  ASSERT_FALSE(r0);
  EXPECT_EQ(r0.error().code, Errc::limit_exceeded);
  EXPECT_NE(r0.error().detail.find("nesting"), std::string::npos);

  Bytes deep3;
  for (int i = 0; i < 100000; ++i) deep3.insert(deep3.end(), {0x09, 0x03, 0x01});
  deep3.push_back(0x01);
  auto r3 = amf3::decode(deep3);
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, Errc::limit_exceeded);

  // AMF0 -> avmplus -> AMF3 nesting shares the depth limit
  Bytes mixed;
  for (int i = 0; i < 100; ++i) mixed.insert(mixed.end(), {0x0a, 0, 0, 0, 1, 0x11, 0x09, 0x03, 0x01});
  EXPECT_FALSE(amf0::decode(mixed));

  // within the limit is fine
  DecodeLimits lim;
  lim.max_depth = 10;
  Bytes ok;
  for (int i = 0; i < 9; ++i) ok.insert(ok.end(), {0x09, 0x03, 0x01});
  ok.push_back(0x01);
  EXPECT_TRUE(amf3::decode(ok, lim));
  ok.insert(ok.begin(), {0x09, 0x03, 0x01});
  EXPECT_FALSE(amf3::decode(ok, lim));
}

TEST(AmfMalformed, HugeDeclaredLengths) {
  auto s = amf0::decode(hex("0c ffffffff 41"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::truncated);
  EXPECT_NE(s.error().detail.find("4294967295"), std::string::npos) << err(s);
  EXPECT_FALSE(amf0::decode(hex("0a ffffffff 05")));
  EXPECT_FALSE(amf0::decode(hex("0f ffffffff")));
  EXPECT_FALSE(amf3::decode(hex("06 ffffffff")));      // string of 2^28-1 bytes
  EXPECT_FALSE(amf3::decode(hex("09 ffffffff 01")));   // dense count 2^28-1
  EXPECT_FALSE(amf3::decode(hex("0c bfffffff")));      // byte array
  EXPECT_FALSE(amf3::decode(hex("0a bfffff f3 01")));  // 2^24 sealed members
  EXPECT_FALSE(amf3::decode(hex("0d ffffffff 00")));   // vector
  EXPECT_FALSE(amf3::decode(hex("11 ffffffff 00")));   // dictionary
}

TEST(AmfMalformed, ReferenceBombHitsBudget) {
  // AMF3: each array holds two references to the previous one: 2^40 leaves.
  Bytes bomb = hex("09 05 01 04 01 04 01");  // index 0: [1, 1]
  std::size_t depth = 40;
  Bytes w;
  // [ a0, [ref0, ref0], [ref1, ref1], ... ] as one outer array
  w.push_back(0x09);
  w.push_back(static_cast<std::uint8_t>(((depth + 1) << 1) | 1));
  w.push_back(0x01);
  w.insert(w.end(), bomb.begin(), bomb.end());  // index 1
  for (std::size_t i = 0; i < depth; ++i) {
    std::uint8_t ref = static_cast<std::uint8_t>((i + 1) << 1);
    w.insert(w.end(), {0x09, 0x05, 0x01, 0x09, ref, 0x09, ref});
  }
  auto r = amf3::decode(w);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
  EXPECT_NE(r.error().detail.find("budget"), std::string::npos) << err(r);

  // AMF0 equivalent with object references.
  Bytes z;
  z.insert(z.end(), {0x0a, 0, 0, 0, static_cast<std::uint8_t>(depth + 1)});  // index 0
  z.insert(z.end(), {0x0a, 0, 0, 0, 2, 0x05, 0x05});                       // index 1
  for (std::size_t i = 0; i < depth; ++i)
    z.insert(z.end(), {0x0a, 0, 0, 0, 2, 0x07, 0, static_cast<std::uint8_t>(i + 1), 0x07, 0,
                       static_cast<std::uint8_t>(i + 1)});
  auto r0 = amf0::decode(z);
  ASSERT_FALSE(r0);
  EXPECT_EQ(r0.error().code, Errc::limit_exceeded);
}

TEST(AmfMalformed, StringReferenceBombHitsBudget) {
  // One 60000-byte string, then 100000 references to it: 6 GB if copied blindly.
  DecodeLimits lim;
  lim.max_budget = 16u << 20;
  Bytes w{0x09};
  std::uint32_t n = 100001;
  std::uint32_t h = (n << 1) | 1;
  w.insert(w.end(), {static_cast<std::uint8_t>(0x80 | (h >> 14)), static_cast<std::uint8_t>(0x80 | ((h >> 7) & 0x7f)),
                     static_cast<std::uint8_t>(h & 0x7f)});
  w.push_back(0x01);
  std::uint32_t len = (60000u << 1) | 1;
  w.insert(w.end(), {0x06, static_cast<std::uint8_t>(0x80 | (len >> 14)),
                     static_cast<std::uint8_t>(0x80 | ((len >> 7) & 0x7f)), static_cast<std::uint8_t>(len & 0x7f)});
  w.insert(w.end(), 60000, 'x');
  for (std::uint32_t i = 0; i < n - 1; ++i) w.insert(w.end(), {0x06, 0x00});
  auto r = amf3::decode(w, lim);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
}

TEST(AmfMalformed, U29FourthByteCarriesEightBits) {
  auto r = amf3::decode(hex("04 ffffffff"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, Value::integer(-1));
  EXPECT_FALSE(amf3::decode(hex("04 ffffff")));
}

TEST(AmfMalformed, DecoderErrorsAreSticky) {
  Bytes wire = hex("05 12 05");
  amf0::Decoder d0(wire);
  EXPECT_TRUE(d0.next());
  EXPECT_FALSE(d0.next());
  EXPECT_FALSE(d0.next());
  Bytes wire3 = hex("01 12 01");
  amf3::Decoder d3(wire3);
  EXPECT_TRUE(d3.next());
  EXPECT_FALSE(d3.next());
  EXPECT_FALSE(d3.next());
}
