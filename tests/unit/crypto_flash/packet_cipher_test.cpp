// RFC 7425 §4.7 packet encryption, checked against direct OpenSSL AES-CBC and
// HMAC computations, in checksum, HMAC and SSEQ modes.
#include <gtest/gtest.h>

#include "flash_test_util.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/crypto/flash/checksum.hpp"
#include "rtmfp/crypto/flash/packet_cipher.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto::flash;
using namespace flash_test;

namespace {

CipherConfig session_config(bool hmac, std::size_t hmac_len, bool sseq) {
  CipherConfig c;
  for (int i = 0; i < 16; ++i) {
    c.encrypt_key[i] = static_cast<std::uint8_t>(i + 1);
    c.decrypt_key[i] = static_cast<std::uint8_t>(0xa0 + i);
  }
  for (int i = 0; i < 32; ++i) {
    c.hmac_send_key[i] = static_cast<std::uint8_t>(3 * i);
    c.hmac_recv_key[i] = static_cast<std::uint8_t>(5 * i + 1);
  }
  c.send = DirectionChecks{hmac, hmac ? hmac_len : 0, sseq};
  c.recv = c.send;
  return c;
}

CipherConfig mirrored(const CipherConfig& c) {
  CipherConfig m = c;
  std::swap(m.encrypt_key, m.decrypt_key);
  std::swap(m.hmac_send_key, m.hmac_recv_key);
  std::swap(m.send, m.recv);
  return m;
}

}  // namespace

TEST(FlashDefaultCipher, SealMatchesDirectAesWithZeroIvAndChecksum) {
  auto c = FlashPacketCipher::make_default();
  const Bytes plain = hex("0b132d3000271615");  // a header + chunk start
  const Bytes wire = c->seal(plain);
  ASSERT_EQ(wire.size(), 16u);
  const Bytes pt = ref_aes_cbc(false, kDefaultSessionKey, wire);
  // checksum || plain || 0xff padding to 16 (§4.7.2)
  EXPECT_EQ(Bytes(pt.begin() + 2, pt.begin() + 10), plain);
  for (std::size_t i = 10; i < 16; ++i) EXPECT_EQ(pt[i], 0xff);
  const std::uint16_t sum = flash_checksum(ByteView(pt).subspan(2));
  EXPECT_EQ(pt[0], sum >> 8);
  EXPECT_EQ(pt[1], sum & 0xff);
  // And the reverse: hand-built packet opens.
  Bytes mine = pt;
  EXPECT_EQ(ref_aes_cbc(true, kDefaultSessionKey, mine), wire);
  auto opened = c->open(wire);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Bytes(opened->begin(), opened->begin() + 8), plain);
  EXPECT_EQ(opened->size(), 14u);  // padding remains for the §2.2.4 parser
}

TEST(FlashDefaultCipher, EveryPacketIsZeroIvCbcWhateverCameBefore) {
  // §4.7.1: each packet on its own is AES-CBC with a zero IV. One long-lived
  // cipher seals and opens many packets of different sizes, in any order;
  // every packet must equal the direct zero-IV encryption and open both in
  // the long-lived cipher and in a fresh one.
  auto sealer = FlashPacketCipher::make_default();
  auto opener = FlashPacketCipher::make_default();
  SeededRandom rng(7);
  std::vector<std::pair<Bytes, Bytes>> packets;  // plain, wire
  for (int i = 0; i < 40; ++i) {
    Bytes plain(1 + rng.below(1300));
    rng.fill(plain);
    Bytes wire = sealer->seal(plain);
    ASSERT_FALSE(wire.empty());
    const Bytes pt = ref_aes_cbc(false, kDefaultSessionKey, wire);  // zero IV
    EXPECT_EQ(Bytes(pt.begin() + 2, pt.begin() + 2 + static_cast<std::ptrdiff_t>(plain.size())), plain) << i;
    packets.emplace_back(std::move(plain), std::move(wire));
  }
  for (std::size_t k = 0; k < packets.size(); ++k) {
    const std::size_t i = (k * 7) % packets.size();  // out of order
    auto a = opener->open(packets[i].second);
    ASSERT_TRUE(a) << i;
    EXPECT_EQ(Bytes(a->begin(), a->begin() + static_cast<std::ptrdiff_t>(packets[i].first.size())), packets[i].first);
    auto b = FlashPacketCipher::make_default()->open(packets[i].second);
    ASSERT_TRUE(b) << i;
    EXPECT_EQ(*a, *b);
  }
  // A forged packet (fails its checksum) does not disturb the next one.
  Bytes forged = packets[0].second;
  forged[5] ^= 0x40;
  EXPECT_FALSE(opener->open(forged));
  EXPECT_TRUE(opener->open(packets[1].second));
}

TEST(FlashDefaultCipher, ExactMultipleOf16AfterChecksum) {
  auto c = FlashPacketCipher::make_default();
  EXPECT_EQ(c->seal(Bytes(14, 0x01)).size(), 16u);
  EXPECT_EQ(c->seal(Bytes(15, 0x01)).size(), 32u);
  EXPECT_EQ(c->max_plain_size(1200), 1200u - 16u + 14u);  // 1200 = 75*16 -> 1198
  EXPECT_EQ(c->max_plain_size(1200), 1198u);
  EXPECT_EQ(c->seal(Bytes(c->max_plain_size(1207), 0x01)).size(), 1200u);
}

TEST(FlashDefaultCipher, RejectsHostileInput) {
  auto c = FlashPacketCipher::make_default();
  Bytes wire = c->seal(hex("0b0000"));
  EXPECT_FALSE(c->open({}));
  EXPECT_FALSE(c->open(ByteView(wire).first(15)));
  Bytes odd = wire;
  odd.push_back(0);
  EXPECT_FALSE(c->open(odd));
  for (std::size_t i = 0; i < wire.size(); ++i) {
    Bytes t = wire;
    t[i] ^= 0x01;
    EXPECT_FALSE(c->open(t)) << i;  // CBC: every flipped bit breaks the checksum here
  }
  EXPECT_TRUE(c->open(wire));
  EXPECT_TRUE(c->open(wire));  // default key: no replay state
}

TEST(FlashSessionCipher, ChecksumModeUsesDirectionKeys) {
  const CipherConfig a_cfg = session_config(false, 0, false);
  FlashPacketCipher a(a_cfg), b(mirrored(a_cfg));
  const Bytes plain(100, 0x42);
  const Bytes wire = a.seal(plain);
  const Bytes pt = ref_aes_cbc(false, a_cfg.encrypt_key, wire);
  EXPECT_EQ(Bytes(pt.begin() + 2, pt.begin() + 102), plain);
  auto opened = b.open(wire);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Bytes(opened->begin(), opened->begin() + 100), plain);
  EXPECT_FALSE(a.open(wire));  // a's decrypt key is different
}

TEST(FlashSessionCipher, HmacModeTruncatedOverCiphertext) {
  for (std::size_t len : {4u, 10u, 32u}) {
    const CipherConfig cfg = session_config(true, len, false);
    FlashPacketCipher a(cfg), b(mirrored(cfg));
    const Bytes plain(37, 0x11);
    const Bytes wire = a.seal(plain);
    ASSERT_EQ((wire.size() - len) % 16, 0u);
    const ByteView blocks = ByteView(wire).first(wire.size() - len);
    const Bytes mac = ref_hmac(cfg.hmac_send_key, blocks);
    EXPECT_EQ(Bytes(wire.end() - static_cast<std::ptrdiff_t>(len), wire.end()),
              Bytes(mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(len)));
    // No checksum field in HMAC mode (§4.7.3.2: mutually exclusive).
    const Bytes pt = ref_aes_cbc(false, cfg.encrypt_key, blocks);
    EXPECT_EQ(Bytes(pt.begin(), pt.begin() + 37), plain);
    EXPECT_EQ(pt.size(), 48u);
    ASSERT_TRUE(b.open(wire));
    Bytes bad = wire;
    bad.back() ^= 0x80;
    EXPECT_FALSE(b.open(bad));
    bad = wire;
    bad[0] ^= 0x80;
    EXPECT_FALSE(b.open(bad));
    EXPECT_FALSE(b.open(ByteView(wire).first(wire.size() - 1)));
    EXPECT_EQ(a.max_plain_size(1200), (1200 - len) / 16 * 16);
  }
}

TEST(FlashSessionCipher, HmacOfEveryPacketMatchesTheReference) {
  // The HMAC key's pad states are kept between packets: every packet of a
  // run (sizes across SHA-256 block boundaries) still carries exactly
  // HMAC-SHA256(key, cipher blocks), and the peer opens each in turn.
  const CipherConfig cfg = session_config(true, 32, false);
  FlashPacketCipher a(cfg), b(mirrored(cfg));
  for (std::size_t n : {1u, 40u, 55u, 64u, 100u, 1180u, 7u, 600u}) {
    const Bytes wire = a.seal(Bytes(n, static_cast<std::uint8_t>(n)));
    const ByteView blocks = ByteView(wire).first(wire.size() - 32);
    EXPECT_EQ(Bytes(wire.end() - 32, wire.end()), ref_hmac(cfg.hmac_send_key, blocks)) << n;
    auto opened = b.open(wire);
    ASSERT_TRUE(opened) << n;
    EXPECT_EQ(Bytes(opened->begin(), opened->begin() + static_cast<std::ptrdiff_t>(n)),
              Bytes(n, static_cast<std::uint8_t>(n)));
  }
}

TEST(FlashSessionCipher, SequenceNumbersStartAtZeroAndRejectReplays) {
  const CipherConfig cfg = session_config(false, 0, true);
  FlashPacketCipher a(cfg), b(mirrored(cfg));
  std::vector<Bytes> sent;
  for (int i = 0; i < 200; ++i) sent.push_back(a.seal(Bytes(20, static_cast<std::uint8_t>(i))));
  // SSEQ VLU first, then checksum over what follows it (§4.7.2, §4.7.3.1).
  const Bytes p0 = ref_aes_cbc(false, cfg.encrypt_key, sent[0]);
  EXPECT_EQ(p0[0], 0x00);
  EXPECT_EQ(flash_checksum(ByteView(p0).subspan(3)), (p0[1] << 8) | p0[2]);
  const Bytes p150 = ref_aes_cbc(false, cfg.encrypt_key, sent[150]);
  EXPECT_EQ(p150[0], 0x81);  // 150 = 0x81 0x16
  EXPECT_EQ(p150[1], 0x16);
  EXPECT_EQ(flash_checksum(ByteView(p150).subspan(4)), (p150[2] << 8) | p150[3]);
  // Reordered within the window: accepted once each.
  ASSERT_TRUE(b.open(sent[40]));
  for (int i = 39; i >= 9; --i) EXPECT_TRUE(b.open(sent[i])) << i;
  EXPECT_FALSE(b.open(sent[40]));  // duplicate
  EXPECT_FALSE(b.open(sent[20]));  // duplicate
  ASSERT_TRUE(b.open(sent[199]));
  EXPECT_FALSE(b.open(sent[100]));  // below the 64 window
  EXPECT_TRUE(b.open(sent[150]));
  EXPECT_FALSE(b.open(sent[150]));
}

TEST(FlashSessionCipher, OddLengthSseqUsesLowHalfChecksumRule) {
  // SSEQ = 0 (1 byte) makes the checked range 16k - 3 bytes: odd.
  const CipherConfig cfg = session_config(false, 0, true);
  FlashPacketCipher a(cfg), b(mirrored(cfg));
  const Bytes wire = a.seal(hex("0b132d"));
  const Bytes pt = ref_aes_cbc(false, cfg.encrypt_key, wire);
  ASSERT_EQ((pt.size() - 3) % 2, 1u);
  std::uint32_t sum = 0;
  for (std::size_t i = 3; i < pt.size(); i += 2) sum += i + 1 < pt.size() ? (pt[i] << 8 | pt[i + 1]) : pt[i];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  EXPECT_EQ((pt[1] << 8) | pt[2], static_cast<std::uint16_t>(~sum));
  EXPECT_TRUE(b.open(wire));
}

TEST(FlashSessionCipher, HmacAndSseqTogetherAndMaxPlainSize) {
  const CipherConfig cfg = session_config(true, 10, true);
  FlashPacketCipher a(cfg), b(mirrored(cfg));
  for (std::size_t budget : {100u, 1200u, 1500u}) {
    const std::size_t m = a.max_plain_size(budget);
    const Bytes wire = a.seal(Bytes(m, 0x22));
    EXPECT_LE(wire.size(), budget);
    EXPECT_GT(wire.size() + 16, budget);  // no whole block wasted
    EXPECT_TRUE(b.open(wire));
  }
  EXPECT_EQ(a.max_plain_size(5), 0u);
}
