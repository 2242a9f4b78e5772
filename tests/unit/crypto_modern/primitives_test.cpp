// Cross-checks of the modern key schedule, signatures and packet AEAD against
// direct libsodium calls written out here (not via the profile's helpers).
#include <cstring>
#include <string>

#include <sodium.h>

#include "modern_test_util.hpp"
#include "rtmfp/crypto/modern/key_schedule.hpp"
#include "rtmfp/crypto/modern/packet_cipher.hpp"

namespace rtmfp::crypto::modern_test {
namespace {

using namespace modern;

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
ByteView str(const char* s) { return as_bytes(std::string_view(s)); }

Bytes blake2b_keyed(ByteView key, const char* label, ByteView th, std::size_t keep = 32) {
  const Bytes msg = cat({str(label), th});
  Bytes out(32);
  EXPECT_EQ(crypto_generichash(out.data(), out.size(), msg.data(), msg.size(), key.data(), key.size()), 0);
  out.resize(keep);
  return out;
}

Bytes be32(std::size_t n) {
  return {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
          static_cast<std::uint8_t>(n)};
}

Bytes sha256(ByteView b) {
  Bytes out(32);
  crypto_hash_sha256(out.data(), b.data(), b.size());
  return out;
}

Bytes th_direct(ByteView rc, ByteView sp, ByteView rp) {
  return sha256(cat({be32(rc.size()), rc, be32(sp.size()), sp, be32(rp.size()), rp}));
}

template <std::size_t N>
Bytes b(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

TEST(ModernPrimitives, TranscriptHashIsLengthPrefixedSha256) {
  const Bytes rc = {1, 2, 3}, sp(100, 4), rp = {5};
  EXPECT_EQ(b(transcript_hash(rc, sp, rp)), th_direct(rc, sp, rp));
  // Moving a byte between fields changes the hash (no concatenation ambiguity).
  EXPECT_NE(transcript_hash(Bytes{1, 2}, Bytes{3}, rp), transcript_hash(Bytes{1}, Bytes{2, 3}, rp));
}

TEST(ModernPrimitives, KdfMatchesKeyedBlake2b) {
  ASSERT_GE(sodium_init(), 0);
  Key32 shared, th;
  for (std::size_t i = 0; i < 32; ++i) {
    shared[i] = static_cast<std::uint8_t>(i);
    th[i] = static_cast<std::uint8_t>(0xa0 + i);
  }
  const DerivedKeys d = derive_keys(shared, th);
  EXPECT_EQ(b(d.key_i2r), blake2b_keyed(shared, "rtmfp-modern-1 key i2r", th));
  EXPECT_EQ(b(d.key_r2i), blake2b_keyed(shared, "rtmfp-modern-1 key r2i", th));
  EXPECT_EQ(b(d.iv_i2r), blake2b_keyed(shared, "rtmfp-modern-1 iv i2r", th, 12));
  EXPECT_EQ(b(d.iv_r2i), blake2b_keyed(shared, "rtmfp-modern-1 iv r2i", th, 12));
  EXPECT_EQ(d.nonce_initiator, blake2b_keyed(shared, "rtmfp-modern-1 nonce initiator", th));
  EXPECT_EQ(d.nonce_responder, blake2b_keyed(shared, "rtmfp-modern-1 nonce responder", th));
  EXPECT_NE(d.key_i2r, d.key_r2i);
}

TEST(ModernPrimitives, PacketNonceXorsBigEndianPnIntoLowBytes) {
  Iv iv{};
  iv.fill(0xf0);
  const Iv n = packet_nonce(iv, 0x0102030405060708ull);
  const Bytes expect = {0xf0, 0xf0, 0xf0, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8};
  EXPECT_EQ(b(n), expect);
}

// Replays a whole handshake from the same seeds with direct libsodium calls:
// identity keys, X25519, transcript, KDF, both signatures, and one packet in
// each direction decrypted by crypto_aead_chacha20poly1305_ietf_decrypt.
TEST(ModernPrimitives, HandshakeMatchesDirectLibsodium) {
  auto server = make_profile(1);
  auto client = make_profile(2);
  SeededRandom rng(3), replay(3);
  Exchange x = run_handshake(*client, *server, rng);
  ASSERT_TRUE(x.initiator_keys && x.responder_keys);

  // Draw order (WIRE.md §10): initiator seed, X25519 private, nonce; responder X25519 private, nonce.
  std::uint8_t i_seed[32], i_priv[32], i_nonce[32], r_priv[32], r_nonce[32];
  for (auto* p : {i_seed, i_priv, i_nonce, r_priv, r_nonce}) replay.fill(std::span<std::uint8_t>(p, 32));
  std::uint8_t i_pk[32], i_sk[64], i_eph[32], r_eph[32], shared_i[32], shared_r[32];
  crypto_sign_seed_keypair(i_pk, i_sk, i_seed);
  crypto_scalarmult_base(i_eph, i_priv);
  crypto_scalarmult_base(r_eph, r_priv);
  ASSERT_EQ(crypto_scalarmult(shared_i, i_priv, r_eph), 0);
  ASSERT_EQ(crypto_scalarmult(shared_r, r_priv, i_eph), 0);
  ASSERT_EQ(0, std::memcmp(shared_i, shared_r, 32));

  // Wire layouts.
  const Bytes cert_i = cat({Bytes{0x02, 0x4d, 0x01, 0x21, 0x45}, ByteView(i_pk, 32)});
  EXPECT_EQ(Bytes(x.ih->certificate().begin(), x.ih->certificate().end()), cert_i);
  const Bytes skic = cat({Bytes{0x02, 0x4d, 0x01, 0x21, 0x58}, ByteView(i_eph, 32), Bytes{0x21, 0x4e},
                          ByteView(i_nonce, 32)});
  EXPECT_EQ(Bytes(x.ih->skic().begin(), x.ih->skic().end()), skic);
  const Bytes skrc = cat({Bytes{0x02, 0x4d, 0x01, 0x21, 0x58}, ByteView(r_eph, 32), Bytes{0x21, 0x4e},
                          ByteView(r_nonce, 32)});
  EXPECT_EQ(x.skrc, skrc);

  // Signatures.
  const ByteView rc = server->local_certificate();
  const Bytes msg_i = cat({str("rtmfp-modern-1 initiator signature"), sha256(rc), x.signed_part});
  EXPECT_EQ(crypto_sign_verify_detached(x.iikeying_signature.data(), msg_i.data(), msg_i.size(), i_pk), 0);
  const Bytes th = th_direct(rc, x.signed_part, x.portion);
  const Bytes msg_r = cat({str("rtmfp-modern-1 responder signature"), th});
  ASSERT_EQ(rc.size(), 5u + 32u + 2u);  // version, key, accepts (no hostname)
  EXPECT_EQ(crypto_sign_verify_detached(x.rikeying_signature.data(), msg_r.data(), msg_r.size(), rc.data() + 5), 0);
  // Responder peer ID = SHA-256 of the identity key.
  EXPECT_EQ(b(server->local_peer_id()), sha256(rc.subspan(5, 32)));

  // Keys and nonces.
  const ByteView shared(shared_i, 32);
  EXPECT_EQ(x.initiator_keys->near_nonce, blake2b_keyed(shared, "rtmfp-modern-1 nonce initiator", th));
  EXPECT_EQ(x.initiator_keys->far_nonce, blake2b_keyed(shared, "rtmfp-modern-1 nonce responder", th));

  // Packets: initiator -> responder with key/iv i2r, packet number 0 then 1.
  const Bytes key_i2r = blake2b_keyed(shared, "rtmfp-modern-1 key i2r", th);
  const Bytes iv_i2r = blake2b_keyed(shared, "rtmfp-modern-1 iv i2r", th, 12);
  const Bytes key_r2i = blake2b_keyed(shared, "rtmfp-modern-1 key r2i", th);
  const Bytes iv_r2i = blake2b_keyed(shared, "rtmfp-modern-1 iv r2i", th, 12);
  const Bytes pt = plain_packet(77);
  (void)x.initiator_keys->cipher->seal(pt);
  const Bytes sealed = x.initiator_keys->cipher->seal(pt);
  ASSERT_EQ(sealed.size(), 8 + 77 + 16u);
  EXPECT_EQ(Bytes(sealed.begin(), sealed.begin() + 8), (Bytes{0, 0, 0, 0, 0, 0, 0, 1}));
  Bytes nonce = iv_i2r;
  nonce[11] ^= 1;
  Bytes out(sealed.size());
  unsigned long long outlen = 0;
  ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &outlen, nullptr, sealed.data() + 8,
                                                      sealed.size() - 8, sealed.data(), 8, nonce.data(),
                                                      key_i2r.data()),
            0);
  out.resize(outlen);
  EXPECT_EQ(out, pt);
  // Responder -> initiator, built here directly, opened by the profile.
  Bytes direct(8 + pt.size() + 16, 0);
  unsigned long long clen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(direct.data() + 8, &clen, pt.data(), pt.size(), direct.data(), 8,
                                            nullptr, iv_r2i.data(), key_r2i.data());
  auto opened = x.initiator_keys->cipher->open(direct);
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(*opened, pt);
}

TEST(ModernPrimitives, DefaultCipherMatchesDirectLibsodium) {
  modern::DefaultCipher c;
  const Bytes pt = plain_packet(50);  // padded to 52 (≡ 4 mod 16)
  const Bytes sealed = c.seal(pt);
  ASSERT_EQ(sealed.size(), 4 + 52 + 16u);
  const Bytes key(str("RTMFP modern profile default key").begin(), str("RTMFP modern profile default key").end());
  ASSERT_EQ(key.size(), 32u);
  const Bytes zero_nonce(12, 0);
  Bytes out(sealed.size());
  unsigned long long outlen = 0;
  ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &outlen, nullptr, sealed.data() + 4,
                                                      sealed.size() - 4, sealed.data(), 4, zero_nonce.data(),
                                                      key.data()),
            0);
  out.resize(outlen);
  EXPECT_EQ(out, cat({pt, Bytes{0xff, 0xff}}));
}

}  // namespace
}  // namespace rtmfp::crypto::modern_test
