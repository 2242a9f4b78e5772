// WIRE.md §12 worked example.
//  - Wire_md_ExampleIsCurrent: a change detector, not an oracle. It generates
//    the example from seeded RNGs and checks the text between the example
//    markers is exactly what the code produces today (on a mismatch it prints
//    the block to paste): the document follows the code.
//  - PublishedPacketsOpenWithPublishedKeys: the packets printed in WIRE.md open
//    with the keys printed there, both through the profile's ciphers and with
//    libsodium called as WIRE.md §7 describes.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iostream>
#include <map>
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

// The example values as published in WIRE.md (name = hex), read from the file.
std::map<std::string, Bytes> published_example() {
  std::map<std::string, Bytes> out;
  std::ifstream in(std::string(RTMFP_SOURCE_DIR) + "/rtmfp/crypto/modern/WIRE.md");
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "<!-- example:begin -->") inside = true;
    if (line == "<!-- example:end -->") break;
    const auto eq = line.find(" = ");
    if (!inside || line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    Bytes b;
    const std::string hex = line.substr(eq + 3);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    out[line.substr(0, eq)] = b;
  }
  return out;
}

// The published packets open with the published keys: the bytes in WIRE.md,
// not a packet sealed now. Each is opened twice: by the profile's ciphers,
// and by libsodium directly following the WIRE.md §7 text (AEAD parameters,
// nonce and AAD layout), so the document describes the bytes it shows.
TEST(ModernWireExample, PublishedPacketsOpenWithPublishedKeys) {
  auto ex = published_example();
  for (const char* k : {"key i2r", "iv i2r", "session plain packet", "initiator packet PN 0", "startup plain packet",
                        "default-key packet"})
    ASSERT_TRUE(ex.count(k)) << "WIRE.md example has no '" << k << "'";
  ASSERT_EQ(ex["key i2r"].size(), 32u);
  ASSERT_EQ(ex["iv i2r"].size(), 12u);
  const Bytes& plain = ex["session plain packet"];
  const Bytes& packet = ex["initiator packet PN 0"];

  // §7.1 through the profile: a responder's cipher receives with key/iv i2r.
  DirectionKeys recv;
  std::copy_n(ex["key i2r"].begin(), 32, recv.key.begin());
  std::copy_n(ex["iv i2r"].begin(), 12, recv.iv.begin());
  SessionCipher responder(DirectionKeys{}, recv);
  auto opened = responder.open(packet);
  ASSERT_TRUE(opened) << "the published session packet does not open with the published i2r keys";
  EXPECT_EQ(*opened, plain);

  // §7.1 by hand: PN (8, big-endian) || ciphertext || tag; nonce = iv XOR (0^4 || PN); AAD = PN.
  ASSERT_GE(packet.size(), 24u);
  std::array<std::uint8_t, 12> nonce{};
  std::copy_n(ex["iv i2r"].begin(), 12, nonce.begin());
  for (int i = 0; i < 8; ++i) nonce[4 + i] ^= packet[i];
  Bytes direct(packet.size() - 24);
  unsigned long long n = 0;
  ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_decrypt(direct.data(), &n, nullptr, packet.data() + 8,
                                                      packet.size() - 8, packet.data(), 8, nonce.data(),
                                                      ex["key i2r"].data()),
            0);
  direct.resize(n);
  EXPECT_EQ(direct, plain);

  // §7.2 through the profile and by hand: header 4d444b01, key = the ASCII
  // string, zero nonce, AAD = header; plain packet then 0xff padding.
  const Bytes& startup = ex["startup plain packet"];
  const Bytes& dk = ex["default-key packet"];
  DefaultCipher c;
  auto o = c.open(dk);
  ASSERT_TRUE(o) << "the published default-key packet does not open";
  ASSERT_GE(o->size(), startup.size());
  EXPECT_TRUE(std::equal(startup.begin(), startup.end(), o->begin()));
  for (std::size_t i = startup.size(); i < o->size(); ++i) EXPECT_EQ((*o)[i], 0xff) << "padding byte " << i;
  ASSERT_GE(dk.size(), 20u);
  EXPECT_EQ(Bytes(dk.begin(), dk.begin() + 4), (Bytes{0x4d, 0x44, 0x4b, 0x01}));
  const std::string key_text = "RTMFP modern profile default key";
  ASSERT_EQ(key_text.size(), 32u);
  const std::array<std::uint8_t, 12> zero{};
  Bytes direct_dk(dk.size() - 20);
  ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_decrypt(direct_dk.data(), &n, nullptr, dk.data() + 4, dk.size() - 4,
                                                      dk.data(), 4, zero.data(),
                                                      reinterpret_cast<const std::uint8_t*>(key_text.data())),
            0);
  direct_dk.resize(n);
  EXPECT_EQ(direct_dk, *o);
  EXPECT_EQ(direct_dk.size() % 16, 4u) << "§7.2: plain + padding ≡ 4 (mod 16)";
}

}  // namespace
}  // namespace rtmfp::crypto::modern_test
