// The seeds of tests/fuzz/corpus/{flash,modern}_handshake_parse are valid
// encodings: each "ours_*" / "capture_*" file parses in the mode its first
// byte selects (see tests/fuzz/*_handshake_parse.cpp), so the fuzzers start on
// the success paths. "regress_*" files are past findings and may be anything.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "rtmfp/core/wire/vlu.hpp"
#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/epd.hpp"
#include "rtmfp/crypto/flash/identity.hpp"
#include "rtmfp/crypto/flash/keying_component.hpp"
#include "rtmfp/crypto/modern/certificate.hpp"
#include "rtmfp/crypto/modern/epd.hpp"
#include "rtmfp/crypto/modern/handshake.hpp"
#include "rtmfp/crypto/modern/keying_component.hpp"

namespace rtmfp::crypto {
namespace {

ByteView field(ByteReader& r) {
  const std::uint64_t n = wire::read_vlu(r);
  if (!r.ok() || n > r.remaining()) return {};
  return r.take(static_cast<std::size_t>(n));
}

// Calls check(mode, message) for every seed of the corpus; returns how many.
std::size_t for_each_seed(const char* corpus, const std::function<void(std::uint8_t, ByteView)>& check) {
  const std::filesystem::path dir = std::filesystem::path(RTMFP_SOURCE_DIR) / "tests/fuzz/corpus" / corpus;
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("regress_", 0) == 0) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const Bytes bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_FALSE(bytes.empty()) << name;
    if (bytes.empty()) continue;
    SCOPED_TRACE(name);
    check(bytes[0] & 7, ByteView(bytes).subspan(1));
    ++checked;
  }
  return checked;
}

TEST(FlashFuzzSeeds, EverySeedIsAValidEncoding) {
  using namespace flash;
  const std::size_t checked = for_each_seed("flash_handshake_parse", [](std::uint8_t mode, ByteView msg) {
    switch (mode) {
      case 0: EXPECT_TRUE(parse_certificate(msg).has_value()); break;
      case 1: EXPECT_TRUE(parse_epd(msg).has_value()); break;
      case 2: EXPECT_TRUE(parse_keying_component(msg, "SKIC").has_value()); break;
      case 3: {  // VLU|signed parameters| then the signature
        ByteReader r(msg);
        EXPECT_FALSE(field(r).empty());
        EXPECT_FALSE(r.rest().empty());
        break;
      }
      case 4: EXPECT_TRUE(ResponderIdentity::decode(msg).has_value()); break;
      case 5: {  // IIKeying signed part: u32 ISID, cookie, certificate, SKIC
        ByteReader r(msg);
        ByteReader sp(field(r));
        (void)sp.u32();
        EXPECT_FALSE(field(sp).empty());
        EXPECT_TRUE(parse_certificate(field(sp)).has_value());
        EXPECT_TRUE(parse_keying_component(field(sp), "SKIC").has_value());
        EXPECT_TRUE(sp.ok() && sp.empty());
        break;
      }
      case 6: {  // RHello certificate, RIKeying portion (u32 RSID, SKRC)
        ByteReader r(msg);
        EXPECT_TRUE(parse_certificate(field(r)).has_value());
        ByteReader rp(field(r));
        (void)rp.u32();
        EXPECT_TRUE(parse_keying_component(field(rp), "SKRC").has_value());
        EXPECT_TRUE(rp.ok() && rp.empty());
        break;
      }
      case 7: EXPECT_GE(msg.size(), 2u); break;  // checks byte and a packet
    }
  });
  EXPECT_GE(checked, 20u);
}

namespace modern_seeds {
using namespace modern;

// u32, cookie, certificate, SKIC: the IIKeying signed part (WIRE.md §6).
void expect_signed_part(ByteView sp_bytes) {
  ByteReader sp(sp_bytes);
  (void)sp.u32();
  (void)field(sp);
  const ByteView cert = field(sp), skic = field(sp);
  EXPECT_TRUE(parse_certificate(cert).has_value());
  EXPECT_TRUE(parse_keying_component(skic, "SKIC").has_value());
  EXPECT_TRUE(check_iikeying_signed_part(sp_bytes, cert, skic).has_value());
}

}  // namespace modern_seeds

TEST(ModernFuzzSeeds, EverySeedIsAValidEncoding) {
  using namespace modern;
  using modern_seeds::expect_signed_part;
  const std::size_t checked = for_each_seed("modern_handshake_parse", [](std::uint8_t mode, ByteView msg) {
    switch (mode) {
      case 0: EXPECT_TRUE(parse_certificate(msg).has_value()); break;
      case 1: EXPECT_TRUE(parse_epd(msg).has_value()); break;
      case 2: EXPECT_TRUE(parse_keying_component(msg, "SKIC").has_value()); break;
      case 3: {  // an IIKeying signed part or a RIKeying portion (u32 RSID, SKRC)
        ByteReader r(msg);
        (void)r.u32();
        const ByteView first = field(r);
        if (r.empty()) {
          EXPECT_TRUE(check_rikeying_portion(msg, first).has_value());
        } else {
          expect_signed_part(msg);
        }
        break;
      }
      case 4: {  // VLU|signed part| then a signature
        ByteReader r(msg);
        expect_signed_part(field(r));
        EXPECT_EQ(r.rest().size(), kSignatureSize);
        break;
      }
      case 5: {  // RHello certificate, RIKeying portion, signature
        ByteReader r(msg);
        EXPECT_TRUE(parse_certificate(field(r)).has_value());
        const ByteView portion = field(r);
        ByteReader rp(portion);
        (void)rp.u32();
        EXPECT_TRUE(check_rikeying_portion(portion, field(rp)).has_value());
        EXPECT_EQ(r.rest().size(), kSignatureSize);
        break;
      }
      case 6: EXPECT_GE(msg.size(), kKeySize + kSignatureSize); break;  // key, signature, message
      case 7: EXPECT_FALSE(msg.empty()); break;                          // a packet
    }
  });
  EXPECT_GE(checked, 10u);
}

}  // namespace
}  // namespace rtmfp::crypto
