// Generates the worked example of WIRE.md §12 from seeded RNGs and checks that
// the text between the example markers in WIRE.md is exactly what the code
// produces today. On a mismatch it prints the block to paste.
#include <fstream>
#include <iostream>
#include <sstream>

#include "modern_test_util.hpp"
#include "rtmfp/crypto/modern/key_schedule.hpp"
#include "rtmfp/crypto/modern/packet_cipher.hpp"

namespace rtmfp::crypto::modern_test {
namespace {

using namespace modern;

template <std::size_t N>
ByteView v(const std::array<std::uint8_t, N>& a) {
  return ByteView(a.data(), N);
}

std::string generate_example() {
  std::ostringstream o;
  auto line = [&](const char* name, ByteView b) { o << name << " = " << to_hex(b) << "\n"; };
  SeededRandom server_rng(1);
  auto server = ModernProfile::create(ModernConfig{}, server_rng);
  if (!server) return "server creation failed";
  SeededRandom rng(3), replay(3);
  auto client = make_profile(2);
  Exchange x = run_handshake(*client, **server, rng);
  if (!x.initiator_keys || !x.responder_keys) return "handshake failed";
  std::array<std::uint8_t, 32> seed_i, priv_i, nonce_i, priv_r, nonce_r;
  for (auto* a : {&seed_i, &priv_i, &nonce_i, &priv_r, &nonce_r}) replay.fill(*a);

  o << "# inputs\n";
  line("responder identity seed", (*server)->export_identity());
  line("initiator identity seed", v(seed_i));
  line("initiator X25519 private", v(priv_i));
  line("responder X25519 private", v(priv_r));
  line("cookie", x.cookie);
  o << "initiator session ID = 11223344\nresponder session ID = 55667788\n";
  o << "# RHello / EPD\n";
  line("responder certificate (RC)", (*server)->local_certificate());
  line("responder peer ID", (*server)->local_peer_id());
  line("canonical EPD", *(*server)->canonical_epd((*server)->local_certificate()));
  o << "# IIKeying\n";
  line("initiator certificate", x.ih->certificate());
  line("SKIC", x.ih->skic());
  line("IIKeying signed part (SP)", x.signed_part);
  line("initiator signature", x.iikeying_signature);
  o << "# RIKeying\n";
  line("SKRC", x.skrc);
  line("RIKeying portion (RP)", x.portion);
  const Key32 th = transcript_hash((*server)->local_certificate(), x.signed_part, x.portion);
  line("transcript hash (TH)", v(th));
  line("responder signature", x.rikeying_signature);
  o << "# keys\n";
  PublicKey eph_r{};
  std::copy(x.skrc.begin() + 5, x.skrc.begin() + 37, eph_r.begin());
  auto shared = x25519_shared(priv_i, eph_r);
  if (!shared) return "x25519 failed";
  line("X25519 shared secret", v(*shared));
  const DerivedKeys d = derive_keys(*shared, th);
  line("key i2r", v(d.key_i2r));
  line("iv i2r", v(d.iv_i2r));
  line("key r2i", v(d.key_r2i));
  line("iv r2i", v(d.iv_r2i));
  line("nonce initiator", d.nonce_initiator);
  line("nonce responder", d.nonce_responder);
  o << "# packets (bytes after the scrambled session ID)\n";
  const Bytes plain = {0x89, 0x12, 0x34, 0x01, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef};  // mode 1, TS, Ping
  line("session plain packet", plain);
  line("initiator packet PN 0", x.initiator_keys->cipher->seal(plain));
  const Bytes startup = {0x0b, 0x12, 0x34, 0x01, 0x00, 0x04, 0xca, 0xfe, 0xf0, 0x0d};  // mode 3, TS
  line("startup plain packet", startup);
  line("default-key packet", (*server)->default_cipher().seal(startup));
  return o.str();
}

TEST(ModernWireExample, Wire_md_ExampleIsCurrent) {
  const std::string generated = generate_example();
  std::ifstream in(std::string(RTMFP_SOURCE_DIR) + "/rtmfp/crypto/modern/WIRE.md");
  ASSERT_TRUE(in) << "cannot read WIRE.md";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const std::string begin = "<!-- example:begin -->\n```text\n", end = "```\n<!-- example:end -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const std::string in_doc = doc.substr(b + begin.size(), e - b - begin.size());
  EXPECT_EQ(in_doc, generated) << "WIRE.md example is stale; paste this block:\n" << generated;
}

// The example's packets also open with the published keys.
TEST(ModernWireExample, ExamplePacketsOpen) {
  DefaultCipher c;
  const Bytes startup = {0x0b, 0x12, 0x34, 0x01, 0x00, 0x04, 0xca, 0xfe, 0xf0, 0x0d};
  auto o = c.open(c.seal(startup));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->size(), 20u);  // 10 + 10 bytes of 0xff: 4 + 20 + 16 = 40 ≡ 8 (mod 16)
}

}  // namespace
}  // namespace rtmfp::crypto::modern_test
