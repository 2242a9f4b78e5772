// Certificates (RFC 7425 §4.3), EPDs (§4.4), glare and override (§4.3.6-7),
// signatures (§4.3.5) and identity persistence.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "flash_test_util.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/epd.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/flash/signature.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto;
using namespace rtmfp::crypto::flash;
using namespace flash_test;

namespace {
PeerId ref_sha(ByteView b) {
  PeerId id;
  SHA256(b.data(), b.size(), id.data());
  return id;
}
}  // namespace

TEST(FlashCertificate, ServerCertificateLayoutLikeAms) {
  SeededRandom rng(3);
  auto p = FlashProfile::create(FlashConfig{}, rng);
  ASSERT_TRUE(p);
  ByteView cert = (*p)->local_certificate();
  ASSERT_EQ(cert.size(), 2u + 66u + 9u);
  EXPECT_EQ(to_hex(cert.first(4)), "010a410e");
  EXPECT_EQ(to_hex(cert.subspan(68)), "02150202150502150e");
  EXPECT_EQ((*p)->local_peer_id(), ref_sha(cert));  // no Marker: whole certificate (§4.3.2)
  auto parsed = parse_certificate(cert);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->accepts_ancillary_data);
  EXPECT_EQ(parsed->ephemeral_groups, (std::vector<std::uint64_t>{2, 5, 14}));
  EXPECT_TRUE((*p)->certificate_authentic(cert));
}

TEST(FlashCertificate, IdentityPersistsPeerId) {
  SeededRandom rng(4);
  FlashConfig cfg;
  cfg.hostname = "media.example";
  auto p = FlashProfile::create(cfg, rng);
  ASSERT_TRUE(p);
  cfg.identity = (*p)->export_identity();
  auto q = FlashProfile::create(cfg, rng);
  ASSERT_TRUE(q);
  EXPECT_EQ((*p)->local_peer_id(), (*q)->local_peer_id());
  cfg.identity.reset();
  auto r = FlashProfile::create(cfg, rng);
  EXPECT_NE((*p)->local_peer_id(), (*r)->local_peer_id());
  cfg.identity = hex("05");  // malformed
  EXPECT_FALSE(FlashProfile::create(cfg, rng));
}

TEST(FlashCertificate, CanonicalSectionEndsAtFirstMarker) {
  const Bytes cert = hex("010a 00 410e" + std::string(128, 'a'));
  auto parsed = parse_certificate(cert);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->canonical_length, 2u);
  auto fp = certificate_fingerprint(cert);
  ASSERT_TRUE(fp);
  EXPECT_EQ(*fp, ref_sha(hex("010a")));
  // Options after the Marker are ignored (§4.3.3.1-5).
  auto late = parse_certificate(hex("0215 02 00 010a"));
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->accepts_ancillary_data);
}

TEST(FlashCertificate, RejectsMalformedAndContradictory) {
  EXPECT_FALSE(parse_certificate(hex("05 0a")));
  EXPECT_FALSE(parse_certificate(hex("03 00 61 62 03 00 63 64")));  // two Hostnames
  EXPECT_FALSE(parse_certificate(hex("021502 051d02aabbcc")));       // ephemeral + static
  EXPECT_FALSE(parse_certificate(hex("021581")));                    // truncated group VLU
  EXPECT_FALSE(parse_certificate(hex("021d02")));                    // static key without key bytes
  EXPECT_TRUE(parse_certificate(hex("037f0102 010a")));              // unknown type ignored
}

TEST(FlashCertificate, GlareAndOverride) {
  SeededRandom rng(5);
  auto p = FlashProfile::create(FlashConfig{}, rng);
  ASSERT_TRUE(p);
  auto& prof = **p;
  EXPECT_TRUE(prof.near_prevails(hex("0102"), hex("0103")));
  EXPECT_FALSE(prof.near_prevails(hex("0103"), hex("0102")));
  EXPECT_TRUE(prof.near_prevails(hex("0102"), hex("010203")));  // shorter prefix first
  EXPECT_FALSE(prof.near_prevails(hex("010203"), hex("0102")));
  EXPECT_TRUE(prof.near_prevails(hex("0102"), hex("0102")));    // identical: near prevails
  EXPECT_TRUE(prof.near_prevails(hex("7f"), hex("80")));        // unsigned bytes
  EXPECT_TRUE(prof.overrides(hex("0102"), hex("0102")));
  EXPECT_FALSE(prof.overrides(hex("0102"), hex("010200")));
}

TEST(FlashEpd, BuildDescribeAndCanonical) {
  SeededRandom rng(6);
  auto p = FlashProfile::create(FlashConfig{}, rng);
  ASSERT_TRUE(p);
  auto& prof = **p;
  auto epd = prof.make_epd(EpdRequest{"rtmfp://user:pw@cc.rtmfp.net:1935/app?x=1#frag", {}, {}});
  ASSERT_TRUE(epd);
  EXPECT_EQ(to_hex(*epd), "220a" + to_hex(as_bytes("rtmfp://cc.rtmfp.net:1935/app?x=1")));
  auto info = prof.describe_epd(*epd);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->uri, "rtmfp://cc.rtmfp.net:1935/app?x=1");
  EXPECT_FALSE(prof.make_epd(EpdRequest{}));
  auto can = prof.canonical_epd(prof.local_certificate());
  ASSERT_TRUE(can);
  ASSERT_EQ(can->size(), 34u);
  EXPECT_EQ((*can)[0], 0x21);
  EXPECT_EQ((*can)[1], 0x0f);
  const PeerId id = prof.local_peer_id();
  EXPECT_EQ(Bytes(can->begin() + 2, can->end()), Bytes(id.begin(), id.end()));
  auto d = prof.describe_epd(*can);
  ASSERT_TRUE(d && d->peer_id);
  EXPECT_EQ(*d->peer_id, prof.local_peer_id());
  EXPECT_FALSE(prof.describe_epd(hex("030f0102")));  // short fingerprint
  EXPECT_FALSE(prof.describe_epd(hex("020a61 020a62")));  // repeated option
}

TEST(FlashEpd, SelectionAlgorithm) {
  SeededRandom rng(7);
  FlashConfig cfg;
  cfg.hostname = "h.example";
  auto p = FlashProfile::create(cfg, rng);
  ASSERT_TRUE(p);
  auto& prof = **p;
  auto sel = [&](const EpdRequest& r) { return prof.epd_selects_local(*prof.make_epd(r)); };
  EXPECT_TRUE(sel({"rtmfp://x/", {}, {}}));
  EXPECT_TRUE(sel({{}, prof.local_peer_id(), {}}));
  PeerId other{};
  EXPECT_FALSE(sel({"rtmfp://x/", other, "h.example"}));  // fingerprint decides alone
  EXPECT_TRUE(sel({{}, prof.local_peer_id(), "wrong"}));
  EXPECT_TRUE(sel({{}, {}, "h.example"}));
  EXPECT_FALSE(sel({{}, {}, "other.example"}));
  EXPECT_FALSE(sel({"rtmfp://x/", {}, "other.example"}));
  EXPECT_FALSE(prof.epd_selects_local(hex("")));        // no selecting option
  EXPECT_FALSE(prof.epd_selects_local(hex("037f0102")));  // only unknown option
  EXPECT_FALSE(prof.epd_selects_local(hex("ff")));      // malformed
  FlashConfig no_anc;
  no_anc.accept_ancillary_data = false;
  auto q = FlashProfile::create(no_anc, rng);
  ASSERT_TRUE(q);
  EXPECT_FALSE((*q)->epd_selects_local(*prof.make_epd({"rtmfp://x/", {}, {}})));
  EXPECT_TRUE(prof.epd_selects_certificate(*prof.make_epd({"rtmfp://x/", {}, {}}), prof.local_certificate()));
  EXPECT_FALSE(prof.epd_selects_certificate(*prof.make_epd({"rtmfp://x/", {}, {}}), (*q)->local_certificate()));
}

TEST(FlashSignature, EmptyXMalformedAndSimplePassword) {
  const Bytes params = hex("0102030405");
  SignaturePolicy none;
  EXPECT_EQ(make_signature(params, none), hex("58"));
  EXPECT_TRUE(verify_signature(hex("58"), params, none));
  EXPECT_TRUE(verify_signature({}, params, none));
  EXPECT_TRUE(verify_signature(hex("ff"), params, none));  // malformed == empty
  SignaturePolicy pw;
  pw.passwords["alice"] = "secret";
  pw.send_password_id = "alice";
  const Bytes sig = make_signature(params, pw);
  const Bytes mac = ref_hmac(as_bytes("secret"), params);
  Bytes expect_value = cat(mac, as_bytes("alice"));
  EXPECT_EQ(sig, cat(hex("261d"), expect_value));  // length 0x26 = 1 + 32 + 5
  pw.require_password = true;
  EXPECT_TRUE(verify_signature(sig, params, pw));
  EXPECT_FALSE(verify_signature(hex("58"), params, pw));
  EXPECT_FALSE(verify_signature(sig, hex("010203"), pw));  // known ID, bad HMAC
  SignaturePolicy other;
  other.passwords["bob"] = "x";
  EXPECT_TRUE(verify_signature(sig, params, other));  // unknown ID ignored
}
