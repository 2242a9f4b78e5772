// Full keying between two ModernProfile instances through the CryptoProfile
// interface, and rejection of every tampered handshake message.
#include "modern_test_util.hpp"

namespace rtmfp::crypto::modern_test {
namespace {

TEST(ModernHandshake, BothDirectionsDecryptAndNoncesMirror) {
  auto server = make_profile(1, "media.example");
  auto client = make_profile(2);
  SeededRandom rng(3);
  Exchange x = run_handshake(*client, *server, rng);
  ASSERT_TRUE(x.initiator_keys && x.responder_keys);
  PacketCipher& ci = *x.initiator_keys->cipher;
  PacketCipher& cr = *x.responder_keys->cipher;
  const Bytes a = plain_packet(100, 1), b = plain_packet(1200, 2);
  auto ab = cr.open(ci.seal(a));
  ASSERT_TRUE(ab) << ab.error().message();
  EXPECT_EQ(*ab, a);
  auto ba = ci.open(cr.seal(b));
  ASSERT_TRUE(ba) << ba.error().message();
  EXPECT_EQ(*ba, b);
  // A side cannot open its own packets (distinct direction keys).
  EXPECT_FALSE(ci.open(ci.seal(a)));
  EXPECT_EQ(x.initiator_keys->near_nonce, x.responder_keys->far_nonce);
  EXPECT_EQ(x.initiator_keys->far_nonce, x.responder_keys->near_nonce);
  EXPECT_EQ(x.initiator_keys->near_nonce.size(), 32u);
  EXPECT_NE(x.initiator_keys->near_nonce, x.initiator_keys->far_nonce);
  // The responder learns the initiator's (fresh) identity.
  auto far_id = server->peer_id(x.ih->certificate());
  ASSERT_TRUE(far_id);
  EXPECT_NE(*far_id, client->local_peer_id()) << "initiator identity must be fresh per session";
}

TEST(ModernHandshake, FreshInitiatorIdentityAndKeysPerSession) {
  auto server = make_profile(1);
  auto client = make_profile(2);
  SeededRandom rng(3);
  Exchange x1 = run_handshake(*client, *server, rng);
  Exchange x2 = run_handshake(*client, *server, rng);
  ASSERT_TRUE(x1.initiator_keys && x2.initiator_keys);
  EXPECT_NE(Bytes(x1.ih->certificate().begin(), x1.ih->certificate().end()),
            Bytes(x2.ih->certificate().begin(), x2.ih->certificate().end()));
  EXPECT_NE(x1.initiator_keys->near_nonce, x2.initiator_keys->near_nonce);
  // Keys of session 1 do not open session 2.
  EXPECT_FALSE(x2.responder_keys->cipher->open(x1.initiator_keys->cipher->seal(plain_packet(50))));
}

TEST(ModernHandshake, StableInitiatorIdentityUsesLocalCertificate) {
  SeededRandom rng(3);
  ModernConfig cfg;
  cfg.stable_initiator_identity = true;
  auto client = ModernProfile::create(cfg, rng);
  ASSERT_TRUE(client);
  auto server = make_profile(1);
  Exchange x1 = run_handshake(**client, *server, rng);
  Exchange x2 = run_handshake(**client, *server, rng);
  ASSERT_TRUE(x1.initiator_keys && x2.initiator_keys && x2.responder_keys);
  EXPECT_TRUE(std::ranges::equal(x1.ih->certificate(), (*client)->local_certificate()));
  EXPECT_TRUE(std::ranges::equal(x2.ih->certificate(), (*client)->local_certificate()));
  EXPECT_EQ(*server->peer_id(x1.ih->certificate()), (*client)->local_peer_id());
  EXPECT_NE(x1.skrc, x2.skrc) << "fresh ephemeral keys per session still";
  EXPECT_NE(x1.initiator_keys->near_nonce, x2.initiator_keys->near_nonce);
  EXPECT_TRUE(server->overrides(x1.ih->certificate(), x2.ih->certificate()));
}

TEST(ModernHandshake, TamperedIIKeyingRejected) {
  auto server = make_profile(1);
  auto client = make_profile(2);
  SeededRandom rng(3);
  auto ih = client->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(ih);
  const Bytes cookie(30, 7);
  Bytes sp = iikeying_signed_part(9, cookie, (*ih)->certificate(), (*ih)->skic());
  Bytes sig = (*ih)->sign(sp);
  ASSERT_TRUE(server->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), sig, rng));
  // Flipped signature bit.
  Bytes bad_sig = sig;
  bad_sig[5] ^= 0x01;
  auto r1 = server->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), bad_sig, rng);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, Errc::crypto_failure);
  // Truncated signature.
  EXPECT_FALSE(server->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), ByteView(sig).first(63), rng));
  // Cookie changed after signing (the signed part covers it).
  Bytes sp2 = iikeying_signed_part(9, Bytes(30, 8), (*ih)->certificate(), (*ih)->skic());
  EXPECT_FALSE(server->begin_responder(sp2, (*ih)->certificate(), (*ih)->skic(), sig, rng));
  // SKIC argument that is not the one in the signed part.
  Bytes other_skic((*ih)->skic().begin(), (*ih)->skic().end());
  other_skic.back() ^= 1;
  auto r2 = server->begin_responder(sp, (*ih)->certificate(), other_skic, sig, rng);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, Errc::malformed);
  // Signed for a different responder (binding to SHA-256(RC)).
  auto other_server = make_profile(4);
  EXPECT_FALSE(other_server->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), sig, rng));
}

TEST(ModernHandshake, CookieChangeResignUsesLatestSignedPart) {
  auto server = make_profile(1);
  auto client = make_profile(2);
  SeededRandom rng(3);
  auto ih = client->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(ih);
  Bytes sp1 = iikeying_signed_part(9, Bytes(30, 1), (*ih)->certificate(), (*ih)->skic());
  (void)(*ih)->sign(sp1);
  Bytes sp2 = iikeying_signed_part(9, Bytes(30, 2), (*ih)->certificate(), (*ih)->skic());
  Bytes sig2 = (*ih)->sign(sp2);
  auto rh = server->begin_responder(sp2, (*ih)->certificate(), (*ih)->skic(), sig2, rng);
  ASSERT_TRUE(rh);
  Bytes skrc((*rh)->skrc().begin(), (*rh)->skrc().end());
  Bytes portion = rikeying_portion(77, skrc);
  Bytes rsig = (*rh)->sign(portion);
  EXPECT_TRUE((*ih)->complete(portion, skrc, rsig));
}

TEST(ModernHandshake, TamperedRIKeyingRejected) {
  auto server = make_profile(1);
  auto client = make_profile(2);
  for (int variant = 0; variant < 5; ++variant) {
    SeededRandom rng(10 + variant);
    auto ih = client->begin_initiator(server->local_certificate(), rng);
    ASSERT_TRUE(ih);
    Bytes sp = iikeying_signed_part(9, Bytes(30, 1), (*ih)->certificate(), (*ih)->skic());
    Bytes sig = (*ih)->sign(sp);
    auto rh = server->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), sig, rng);
    ASSERT_TRUE(rh);
    Bytes skrc((*rh)->skrc().begin(), (*rh)->skrc().end());
    Bytes portion = rikeying_portion(77, skrc);
    Bytes rsig = (*rh)->sign(portion);
    switch (variant) {
      case 0: rsig[0] ^= 0x80; break;                          // signature bit
      case 1: portion[1] ^= 0x01; break;                       // responder session ID
      case 2: skrc.back() ^= 1; portion.back() ^= 1; break;    // SKRC nonce (consistently)
      case 3: rsig.pop_back(); break;                          // truncated signature
      case 4: {  // a valid signature by a different responder identity
        auto impostor = make_profile(99);
        auto rh2 = impostor->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), sig, rng);
        ASSERT_FALSE(rh2) << "IIKeying bound to the real responder's certificate";
        rsig.assign(64, 0);
        break;
      }
    }
    auto k = (*ih)->complete(portion, skrc, rsig);
    EXPECT_FALSE(k) << "variant " << variant;
  }
}

TEST(ModernHandshake, SmallOrderEphemeralKeyRejected) {
  auto server = make_profile(1);
  auto client = make_profile(2);
  SeededRandom rng(3);
  auto ih = client->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(ih);
  // An SKIC whose X25519 key is the all-zero (order-1) point: the initiator
  // signs it honestly, the responder must still refuse.
  Bytes skic((*ih)->skic().begin(), (*ih)->skic().end());
  // Layout: 02 4d 01 | 21 58 <32 key> | 21 4e <32 nonce>
  ASSERT_EQ(skic.size(), 3u + 34u + 34u);
  std::fill(skic.begin() + 5, skic.begin() + 37, 0);
  Bytes sp = iikeying_signed_part(9, Bytes(30, 1), (*ih)->certificate(), skic);
  Bytes sig = (*ih)->sign(sp);
  auto rh = server->begin_responder(sp, (*ih)->certificate(), skic, sig, rng);
  ASSERT_FALSE(rh);
  EXPECT_EQ(rh.error().code, Errc::crypto_failure);
}

TEST(ModernHandshake, CompleteBeforeSignIsBadState) {
  auto server = make_profile(1);
  auto client = make_profile(2);
  SeededRandom rng(3);
  auto ih = client->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(ih);
  auto k = (*ih)->complete(rikeying_portion(1, {}), {}, Bytes(64));
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, Errc::bad_state);
  EXPECT_FALSE(client->begin_initiator(Bytes{0x02, 0x4d, 0x01}, rng)) << "certificate without identity key";
}

}  // namespace
}  // namespace rtmfp::crypto::modern_test
