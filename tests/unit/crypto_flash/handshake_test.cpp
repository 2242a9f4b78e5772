// Keying, RFC 7425 §4.6: all four public-key modes of §4.6.1 between our own
// initiator and responder configurations, key symmetry, independent DH + HMAC
// recomputation of the session keys, and the §4.6.4 / §4.6.6 negotiations.
#include <gtest/gtest.h>

#include <algorithm>

#include "flash_test_util.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/flash/identity.hpp"
#include "rtmfp/crypto/flash/keying_component.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto;
using namespace rtmfp::crypto::flash;
using namespace flash_test;

namespace {

std::unique_ptr<FlashProfile> make(FlashConfig cfg, std::uint64_t seed) {
  SeededRandom rng(seed);
  auto p = FlashProfile::create(cfg, rng);
  EXPECT_TRUE(p) << (p ? "" : p.error().message());
  return p ? std::move(*p) : nullptr;
}

FlashConfig client_cfg(bool static_key) {
  FlashConfig c;
  c.initiator_static_key = static_key;
  return c;
}
FlashConfig server_cfg(bool static_keys) {
  FlashConfig c;
  c.static_responder_keys = static_keys;
  return c;
}

struct HsRun {
  std::unique_ptr<InitiatorHandshake> ih;
  std::unique_ptr<ResponderHandshake> rh;
  SessionKeys ikeys, rkeys;
};

const FlashPacketCipher& fc(const SessionKeys& k) { return dynamic_cast<const FlashPacketCipher&>(*k.cipher); }

HsRun handshake(FlashProfile& client, FlashProfile& server, std::uint64_t seed) {
  SeededRandom rng(seed);
  HsRun r;
  auto ih = client.begin_initiator(server.local_certificate(), rng);
  EXPECT_TRUE(ih) << (ih ? "" : ih.error().message());
  if (!ih) return r;
  r.ih = std::move(*ih);
  const Bytes signed_part = cat(hex("02000000 00"), r.ih->skic());
  const Bytes sig = r.ih->sign(signed_part);
  auto rh = server.begin_responder(signed_part, r.ih->certificate(), r.ih->skic(), sig, rng);
  EXPECT_TRUE(rh) << (rh ? "" : rh.error().message());
  if (!rh) return r;
  r.rh = std::move(*rh);
  const Bytes portion = hex("45020000");
  const Bytes rsig = r.rh->sign(portion);
  auto rk = r.rh->keys();
  auto ik = r.ih->complete(portion, r.rh->skrc(), rsig);
  EXPECT_TRUE(rk && ik) << (ik ? "" : ik.error().message());
  if (rk && ik) {
    r.rkeys = std::move(*rk);
    r.ikeys = std::move(*ik);
  }
  return r;
}

void expect_symmetric_and_working(HsRun& r) {
  ASSERT_TRUE(r.ikeys.cipher && r.rkeys.cipher);
  const auto& i = fc(r.ikeys).config();
  const auto& s = fc(r.rkeys).config();
  EXPECT_EQ(i.encrypt_key, s.decrypt_key);
  EXPECT_EQ(i.decrypt_key, s.encrypt_key);
  EXPECT_EQ(i.hmac_send_key, s.hmac_recv_key);
  EXPECT_EQ(i.hmac_recv_key, s.hmac_send_key);
  EXPECT_NE(i.encrypt_key, i.decrypt_key);
  EXPECT_EQ(r.ikeys.near_nonce, r.rkeys.far_nonce);
  EXPECT_EQ(r.ikeys.far_nonce, r.rkeys.near_nonce);
  EXPECT_EQ(r.ikeys.near_nonce.size(), 32u);
  const Bytes ping = hex("8900010100 01ff");
  auto a = r.rkeys.cipher->open(r.ikeys.cipher->seal(ping));
  ASSERT_TRUE(a);
  EXPECT_EQ(Bytes(a->begin(), a->begin() + 7), ping);
  auto b = r.ikeys.cipher->open(r.rkeys.cipher->seal(ping));
  ASSERT_TRUE(b);
  EXPECT_EQ(Bytes(b->begin(), b->begin() + 7), ping);
}

// Recomputes the responder's session keys from its persisted static private
// key with plain BN_mod_exp and EVP_Q_mac (F§4.6.2-4.6.5).
void expect_independent_responder_keys(FlashProfile& server, HsRun& r, ByteView far_public, std::uint64_t group) {
  auto id = ResponderIdentity::decode(server.export_identity());
  ASSERT_TRUE(id);
  const DhKey* mine = nullptr;
  for (const auto& k : id->static_keys)
    if (k.group() == group) mine = &k;
  ASSERT_NE(mine, nullptr);
  const Bytes secret = ref_modexp(group, far_public, mine->private_key());
  const Bytes skic(r.ih->skic().begin(), r.ih->skic().end());
  const Bytes skrc(r.rh->skrc().begin(), r.rh->skrc().end());
  // At the responder, SKNC = SKRC and SKFC = SKIC.
  const Bytes enc = ref_hmac(secret, ref_hmac(skic, skrc));
  const Bytes dec = ref_hmac(secret, ref_hmac(skrc, skic));
  const auto& s = fc(r.rkeys).config();
  EXPECT_EQ(Bytes(s.encrypt_key.begin(), s.encrypt_key.end()), Bytes(enc.begin(), enc.begin() + 16));
  EXPECT_EQ(Bytes(s.decrypt_key.begin(), s.decrypt_key.end()), Bytes(dec.begin(), dec.begin() + 16));
  EXPECT_EQ(Bytes(s.hmac_send_key.begin(), s.hmac_send_key.end()), ref_hmac(secret, enc));
  EXPECT_EQ(Bytes(s.hmac_recv_key.begin(), s.hmac_recv_key.end()), ref_hmac(secret, dec));
  EXPECT_EQ(r.rkeys.near_nonce, ref_hmac(secret, skrc));
  EXPECT_EQ(r.rkeys.far_nonce, ref_hmac(secret, skic));
  // And the wire: a responder packet decrypts with the independent key
  // (first packet: SSEQ 0 is one byte; an HMAC replaces the checksum and
  // follows the cipher blocks, §4.7.2-4.7.3).
  const Bytes sealed = r.rkeys.cipher->seal(hex("0b0001"));
  const std::size_t hmac_len = s.send.hmac ? s.send.hmac_length : 0;
  const Bytes wire(sealed.begin(), sealed.end() - static_cast<std::ptrdiff_t>(hmac_len));
  const std::ptrdiff_t at = (s.send.sseq ? 1 : 0) + (s.send.hmac ? 0 : 2);
  const Bytes pt = ref_aes_cbc(false, ByteView(dec).first(16), wire);  // wrong key: must not look right
  const Bytes pt2 = ref_aes_cbc(false, ByteView(enc).first(16), wire);
  EXPECT_EQ(Bytes(pt2.begin() + at, pt2.begin() + at + 3), hex("0b0001"));
  EXPECT_NE(Bytes(pt.begin() + at, pt.begin() + at + 3), hex("0b0001"));
  if (s.send.hmac) {
    const Bytes mac = ref_hmac(Bytes(s.hmac_send_key.begin(), s.hmac_send_key.end()), wire);
    EXPECT_EQ(Bytes(sealed.end() - static_cast<std::ptrdiff_t>(hmac_len), sealed.end()),
              Bytes(mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(hmac_len)));
  }
}

}  // namespace

TEST(FlashHandshake, StaticInitiatorEphemeralResponderLikeFlashPlayer) {  // §4.6.1.3
  auto client = make(client_cfg(true), 1), server = make(server_cfg(false), 2);
  HsRun r = handshake(*client, *server, 3);
  auto cert = parse_certificate(r.ih->certificate());
  ASSERT_TRUE(cert);
  ASSERT_EQ(cert->static_keys.size(), 1u);
  EXPECT_EQ(cert->static_keys[0].group, 14u);  // strongest common group
  auto skic = parse_keying_component(r.ih->skic(), "SKIC");
  ASSERT_TRUE(skic);
  EXPECT_EQ(skic->group_select, 14u);
  EXPECT_FALSE(skic->ephemeral_key);
  EXPECT_EQ(skic->extra_randomness->size(), 64u);
  auto skrc = parse_keying_component(r.rh->skrc(), "SKRC");
  ASSERT_TRUE(skrc && skrc->ephemeral_key);
  EXPECT_EQ(skrc->ephemeral_key->group, 14u);
  expect_symmetric_and_working(r);
}

TEST(FlashHandshake, EphemeralBoth) {  // §4.6.1.1
  auto client = make(client_cfg(false), 4), server = make(server_cfg(false), 5);
  HsRun r = handshake(*client, *server, 6);
  auto cert = parse_certificate(r.ih->certificate());
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->ephemeral_groups, (std::vector<std::uint64_t>{2, 5, 14}));
  auto skic = parse_keying_component(r.ih->skic(), "SKIC");
  ASSERT_TRUE(skic && skic->ephemeral_key);
  EXPECT_FALSE(skic->group_select);
  auto skrc = parse_keying_component(r.rh->skrc(), "SKRC");
  ASSERT_TRUE(skrc && skrc->ephemeral_key);
  expect_symmetric_and_working(r);
}

TEST(FlashHandshake, EphemeralInitiatorStaticResponder) {  // §4.6.1.2
  auto client = make(client_cfg(false), 7), server = make(server_cfg(true), 8);
  HsRun r = handshake(*client, *server, 9);
  auto skrc = parse_keying_component(r.rh->skrc(), "SKRC");
  ASSERT_TRUE(skrc);
  EXPECT_FALSE(skrc->ephemeral_key);
  EXPECT_TRUE(skrc->extra_randomness);
  expect_symmetric_and_working(r);
  auto skic = parse_keying_component(r.ih->skic(), "SKIC");
  ASSERT_TRUE(skic && skic->ephemeral_key);
  expect_independent_responder_keys(*server, r, skic->ephemeral_key->public_key, skic->ephemeral_key->group);
}

TEST(FlashHandshake, StaticBoth) {  // §4.6.1.4
  auto client = make(client_cfg(true), 10), server = make(server_cfg(true), 11);
  HsRun r = handshake(*client, *server, 12);
  auto skrc = parse_keying_component(r.rh->skrc(), "SKRC");
  ASSERT_TRUE(skrc);
  EXPECT_FALSE(skrc->ephemeral_key);
  EXPECT_TRUE(skrc->extra_randomness);
  expect_symmetric_and_working(r);
  auto cert = parse_certificate(r.ih->certificate());
  ASSERT_TRUE(cert && cert->uses_static_keys());
  expect_independent_responder_keys(*server, r, cert->static_keys[0].public_key, cert->static_keys[0].group);
}

TEST(FlashHandshake, FreshInitiatorCertificatePerSession) {  // F§5.3
  auto client = make(client_cfg(true), 13), server = make(server_cfg(false), 14);
  SeededRandom rng(15);
  auto a = client->begin_initiator(server->local_certificate(), rng);
  auto b = client->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(a && b);
  EXPECT_NE(Bytes((*a)->certificate().begin(), (*a)->certificate().end()),
            Bytes((*b)->certificate().begin(), (*b)->certificate().end()));
}

TEST(FlashHandshake, GroupChoiceHonoursResponderList) {
  FlashConfig only2 = server_cfg(false);
  only2.dh_groups = {2};
  auto client = make(client_cfg(true), 16), server = make(only2, 17);
  HsRun r = handshake(*client, *server, 18);
  auto skic = parse_keying_component(r.ih->skic(), "SKIC");
  ASSERT_TRUE(skic);
  EXPECT_EQ(skic->group_select, 2u);
  expect_symmetric_and_working(r);
}

TEST(FlashHandshake, NegotiationPerDirection) {
  FlashConfig cc = client_cfg(true);
  cc.hmac.request = true;          // client asks the server for HMAC
  cc.sseq.send_always = true;      // client always sends SSEQ
  cc.sseq.request = false;         // ... but does not ask for it
  FlashConfig sc = server_cfg(false);
  sc.hmac_length = 16;
  sc.hmac.request = false;         // the server asks for nothing
  sc.sseq.request = false;
  auto client = make(cc, 19), server = make(sc, 20);
  HsRun r = handshake(*client, *server, 21);
  expect_symmetric_and_working(r);
  const auto& i = fc(r.ikeys).config();
  EXPECT_FALSE(i.send.hmac);  // server did not request
  EXPECT_TRUE(i.recv.hmac);   // server SOR + client REQ (§4.6.4)
  EXPECT_EQ(i.recv.hmac_length, 16u);
  EXPECT_TRUE(i.send.sseq);   // SND (§4.6.6)
  EXPECT_FALSE(i.recv.sseq);
  const auto& s = fc(r.rkeys).config();
  EXPECT_TRUE(s.send.hmac);
  EXPECT_EQ(s.send.hmac_length, 16u);
  EXPECT_TRUE(s.recv.sseq);
  // Replay on the SSEQ direction is refused.
  const Bytes wire = r.ikeys.cipher->seal(hex("0b00"));
  EXPECT_TRUE(r.rkeys.cipher->open(wire));
  EXPECT_FALSE(r.rkeys.cipher->open(wire));
}

// RFC 7425 §4.6.4, §4.6.6, §7: two default configurations protect both
// directions with an HMAC and session sequence numbers; a replay is refused
// as a replay.
TEST(FlashHandshake, DefaultsNegotiateHmacAndSequenceNumbersBothWays) {
  for (bool static_key : {true, false}) {
    auto client = make(client_cfg(static_key), 40), server = make(server_cfg(false), 41);
    HsRun r = handshake(*client, *server, 42);
    expect_symmetric_and_working(r);
    for (const auto* k : {&r.ikeys, &r.rkeys}) {
      const auto& c = fc(*k).config();
      EXPECT_TRUE(c.send.hmac && c.recv.hmac && c.send.sseq && c.recv.sseq);
      EXPECT_EQ(c.send.hmac_length, 10u);
    }
    const Bytes wire = r.ikeys.cipher->seal(hex("0b00"));
    EXPECT_TRUE(r.rkeys.cipher->open(wire));
    auto again = r.rkeys.cipher->open(wire);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::replayed);
  }
}

// A far end that REQUIRES HMAC and SSEQ and always sends them (rtmfp-cpp's
// echoserver: flags SND|SOR|REQ) keys with a default initiator, both ways.
TEST(FlashHandshake, DefaultInitiatorMeetsAResponderThatRequiresBoth) {
  FlashConfig sc = server_cfg(false);
  sc.hmac = CheckPolicy{.send_always = true, .send_on_request = true, .request = true, .require = true};
  sc.sseq = CheckPolicy{.send_always = true, .send_on_request = true, .request = true, .require = true};
  auto client = make(client_cfg(true), 43), server = make(sc, 44);
  HsRun r = handshake(*client, *server, 45);
  expect_symmetric_and_working(r);
  const auto& i = fc(r.ikeys).config();
  EXPECT_TRUE(i.send.hmac && i.recv.hmac && i.send.sseq && i.recv.sseq);
}

TEST(FlashHandshake, RequireRefusesFarEndThatWillNotSend) {
  FlashConfig cc = client_cfg(true);
  cc.hmac.send_on_request = false;  // will never send HMAC
  FlashConfig sc = server_cfg(false);
  sc.hmac.require = true;
  auto client = make(cc, 22), server = make(sc, 23);
  SeededRandom rng(24);
  auto ih = client->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(ih);
  const Bytes sp = hex("00");
  auto rh = server->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), (*ih)->sign(sp), rng);
  EXPECT_FALSE(rh);
}

TEST(FlashHandshake, ResponderRejectsHostileInitialKeying) {
  auto client = make(client_cfg(false), 25), server = make(server_cfg(false), 26);
  SeededRandom rng(27);
  auto ih = client->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(ih);
  const Bytes cert((*ih)->certificate().begin(), (*ih)->certificate().end());
  const Bytes skic((*ih)->skic().begin(), (*ih)->skic().end());
  const Bytes sp = hex("00");
  const Bytes x = hex("58");
  EXPECT_TRUE(server->begin_responder(sp, cert, skic, x, rng));
  EXPECT_FALSE(server->begin_responder(sp, hex("05"), skic, x, rng));            // malformed certificate
  EXPECT_FALSE(server->begin_responder(sp, cert, hex("031a0200"), x, rng));       // no key, bad hmacLength
  EXPECT_FALSE(server->begin_responder(sp, cert, hex("031a0000"), x, rng));       // no ephemeral key
  EXPECT_FALSE(server->begin_responder(sp, cert, hex("060d02 01000000"), x, rng));  // key < 2^24
  EXPECT_FALSE(server->begin_responder(sp, cert, hex("060d03 ffff0000ffff"), x, rng));  // group 3
  Bytes dup = skic;
  dup.insert(dup.end(), skic.begin(), skic.end());
  EXPECT_FALSE(server->begin_responder(sp, cert, dup, x, rng));  // two ephemeral keys
  Bytes truncated(skic.begin(), skic.end() - 1);
  EXPECT_FALSE(server->begin_responder(sp, cert, truncated, x, rng));
  // Static initiator certificate but the SKIC carries no group select.
  auto sclient = make(client_cfg(true), 28);
  auto sih = sclient->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(sih);
  EXPECT_FALSE(server->begin_responder(sp, (*sih)->certificate(), hex("031a0000"), x, rng));
  EXPECT_FALSE(server->begin_responder(sp, (*sih)->certificate(), hex("021d05"), x, rng));  // no key in group 5
}

TEST(FlashHandshake, InitiatorRejectsBadRikeying) {
  auto client = make(client_cfg(true), 29), server = make(server_cfg(false), 30);
  HsRun r = handshake(*client, *server, 31);
  ASSERT_TRUE(r.rh);
  const Bytes skrc(r.rh->skrc().begin(), r.rh->skrc().end());
  EXPECT_TRUE(r.ih->complete(hex("00"), skrc, hex("58")));
  EXPECT_FALSE(r.ih->complete(hex("00"), hex("031a0000"), hex("58")));  // no ephemeral key
  EXPECT_FALSE(r.ih->complete(hex("00"), hex("ff"), hex("58")));        // malformed
  // Ephemeral key in another group than selected.
  SeededRandom rng(32);
  auto k5 = DhKey::generate(5, rng);
  ASSERT_TRUE(k5);
  KeyingComponent other;
  other.ephemeral_key = EphemeralKey{5, k5->public_key()};
  EXPECT_FALSE(r.ih->complete(hex("00"), build_keying_component(other), hex("58")));
  // A tampered SKRC key yields different keys: packets fail to open.
  Bytes tampered = skrc;
  tampered[tampered.size() - 5] ^= 0x10;
  auto bad = r.ih->complete(hex("00"), tampered, hex("58"));
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->cipher->open(r.rkeys.cipher->seal(hex("0b00"))));
  // Static responder: an SKRC with an ephemeral key is refused.
  auto sserver = make(server_cfg(true), 33);
  HsRun s = handshake(*client, *sserver, 34);
  ASSERT_TRUE(s.ih);
  KeyingComponent eph;
  auto k14 = DhKey::generate(14, rng);
  eph.ephemeral_key = EphemeralKey{14, k14->public_key()};
  EXPECT_FALSE(s.ih->complete(hex("00"), build_keying_component(eph), hex("58")));
}

TEST(FlashHandshake, KeysBeforeSignIsAnError) {
  auto client = make(client_cfg(true), 35), server = make(server_cfg(false), 36);
  SeededRandom rng(37);
  auto ih = client->begin_initiator(server->local_certificate(), rng);
  ASSERT_TRUE(ih);
  auto rh = server->begin_responder(hex("00"), (*ih)->certificate(), (*ih)->skic(), hex("58"), rng);
  ASSERT_TRUE(rh);
  EXPECT_FALSE((*rh)->keys());
}

TEST(FlashHandshake, ClientIdentityOneCertificatePerConnection) {  // F§5.3, §5.4.1, §7
  FlashConfig cc;
  cc.client_identity = true;
  auto a = make(cc, 40), b = make(cc, 41), server = make(server_cfg(false), 42);
  // A's certificate: static keys only (like Flash Player's), one per group.
  auto cert = parse_certificate(a->local_certificate());
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->static_keys.size(), 3u);
  EXPECT_FALSE(cert->accepts_ancillary_data);
  // To the server: A's IIKeying certificate IS its local certificate, so the
  // peer ID the server learns is the one other peers select.
  HsRun to_server = handshake(*a, *server, 43);
  ASSERT_TRUE(to_server.ih);
  EXPECT_TRUE(std::ranges::equal(to_server.ih->certificate(), a->local_certificate()));
  expect_symmetric_and_working(to_server);
  // Peer B reaches A by Fingerprint EPD (F§5.4.1): A's RHello certificate is
  // selected, and keying is static/static (§4.6.1.4) in the strongest group.
  auto epd = b->make_epd(EpdRequest{{}, a->local_peer_id(), {}});
  ASSERT_TRUE(epd);
  EXPECT_TRUE(a->epd_selects_local(*epd));
  EXPECT_TRUE(b->epd_selects_certificate(*epd, to_server.ih->certificate()));
  HsRun p2p = handshake(*b, *a, 44);
  ASSERT_TRUE(p2p.rh);
  auto skrc = parse_keying_component(p2p.rh->skrc(), "SKRC");
  ASSERT_TRUE(skrc);
  EXPECT_FALSE(skrc->ephemeral_key);
  auto skic = parse_keying_component(p2p.ih->skic(), "SKIC");
  ASSERT_TRUE(skic);
  EXPECT_EQ(skic->group_select, 14u);
  expect_symmetric_and_working(p2p);
  auto bcert = parse_certificate(b->local_certificate());
  ASSERT_TRUE(bcert);
  expect_independent_responder_keys(*a, p2p, bcert->static_key(14)->public_key, 14);
  // A Flash Player peer has only a group-2 static key: group 2 is chosen.
  FlashConfig only2 = cc;
  only2.dh_groups = {2};
  auto flashlike = make(only2, 45);
  HsRun fp = handshake(*flashlike, *a, 46);
  ASSERT_TRUE(fp.ih);
  EXPECT_EQ(parse_keying_component(fp.ih->skic(), "SKIC")->group_select, 2u);
  expect_symmetric_and_working(fp);
  // A new connection means a new profile instance: a different peer ID.
  EXPECT_NE(a->local_peer_id(), b->local_peer_id());
}
