// Checksum (RFC 7425 §4.7.3.1), options, replay window (§4.7.3.3), DH
// (§4.2, §4.6.2) and the key schedule (§4.6.3-4.6.5), each against an
// independent computation.
#include <gtest/gtest.h>

#include "flash_test_util.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/crypto/flash/checksum.hpp"
#include "rtmfp/crypto/flash/dh_group.hpp"
#include "rtmfp/crypto/flash/key_schedule.hpp"
#include "rtmfp/crypto/flash/options.hpp"
#include "rtmfp/crypto/flash/replay_window.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto::flash;
using namespace flash_test;

TEST(FlashChecksum, DigestWorkedExampleOddLengthRule) {
  // DIGEST §8.8: RFC 7425 odd rule gives c6bd; RFC 1071 pad-right would give c8bb.
  EXPECT_EQ(flash_checksum(hex("0b132d30ff")), 0xc6bd);
  EXPECT_NE(flash_checksum(hex("0b132d30ff")), 0xc8bb);
}

TEST(FlashChecksum, MatchesNaiveOnesComplementSum) {
  SeededRandom rng(7);
  for (std::size_t len = 0; len < 70; ++len) {
    Bytes b(len);
    rng.fill(b);
    // naive: word by word with the low-half rule for the last odd byte
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < len; i += 2) sum += i + 1 < len ? (b[i] << 8 | b[i + 1]) : b[i];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    EXPECT_EQ(flash_checksum(b), static_cast<std::uint16_t>(~sum)) << len;
  }
  EXPECT_EQ(flash_checksum({}), 0xffff);
}

TEST(FlashOptions, VluBoundariesAndHostileInput) {
  for (auto [v, enc] : std::vector<std::pair<std::uint64_t, const char*>>{
           {0, "00"}, {127, "7f"}, {128, "8100"}, {16384, "818000"}, {UINT64_MAX, "81ffffffffffffffff7f"}}) {
    Bytes out;
    ByteWriter w(out);
    write_vlu(w, v);
    EXPECT_EQ(to_hex(out), enc);
    ByteReader r(out);
    EXPECT_EQ(read_vlu(r), v);
    EXPECT_TRUE(r.ok());
  }
  const Bytes trunc_bytes = hex("81");
  ByteReader trunc(trunc_bytes);
  read_vlu(trunc);
  EXPECT_FALSE(trunc.ok());
  const Bytes big_bytes = hex("82808080808080808000");  // 2^64
  ByteReader big(big_bytes);
  read_vlu(big);
  EXPECT_FALSE(big.ok());
  EXPECT_FALSE(parse_options(hex("05 0a 01"), "x"));        // overrun
  EXPECT_FALSE(parse_options(hex("02 ff"), "x"));           // truncated type VLU
  auto ok = parse_options(hex("01 0a 00 02 15 02"), "x");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_TRUE((*ok)[1].marker);
  EXPECT_EQ((*ok)[2].type, 0x15u);
}

TEST(FlashReplayWindow, DuplicatesAndOldRejectedReorderAccepted) {
  ReplayWindow w;
  EXPECT_TRUE(w.acceptable(5));
  w.record(5);
  EXPECT_FALSE(w.acceptable(5));
  EXPECT_TRUE(w.acceptable(3));
  w.record(3);
  EXPECT_FALSE(w.acceptable(3));
  w.record(100);
  EXPECT_TRUE(w.acceptable(100 - 63));  // inside the 64 window, unseen
  EXPECT_FALSE(w.acceptable(100 - 64));  // below the window
  EXPECT_FALSE(w.acceptable(5));
  EXPECT_TRUE(w.acceptable(68));  // reordering by 32 tolerated (§4.7.3.3)
  w.record(68);
  EXPECT_FALSE(w.acceptable(68));
}

TEST(FlashDh, PrimesMatchOpenSslCopies) {
  for (std::uint64_t g : {2u, 5u, 14u}) {
    const DhGroupInfo* info = find_dh_group(g);
    ASSERT_NE(info, nullptr);
    BIGNUM* p = ref_prime(g);
    Bytes ref(static_cast<std::size_t>(BN_num_bytes(p)));
    BN_bn2bin(p, ref.data());
    BN_free(p);
    EXPECT_EQ(dh_prime_bytes(*info), ref) << g;
    EXPECT_EQ(ref.size() * 8, info->bits);
  }
  EXPECT_EQ(find_dh_group(1), nullptr);
}

TEST(FlashDh, PublicKeyAcceptanceRules) {
  const Bytes p = dh_prime_bytes(*find_dh_group(2));
  EXPECT_FALSE(check_public_key(2, hex("00ffffff")));  // < 2^24
  EXPECT_FALSE(check_public_key(2, p));                // > p - 2^24
  Bytes few_ones(128, 0);
  few_ones[0] = 0x80;
  few_ones[127] = 0x01;
  EXPECT_FALSE(check_public_key(2, few_ones));  // 2 one bits
  Bytes few_zeros(16, 0xff);                   // 128 ones, no zeros below the leading one
  EXPECT_FALSE(check_public_key(2, few_zeros));
  few_zeros[5] = 0x00;  // 8 zeros
  EXPECT_FALSE(check_public_key(2, few_zeros));
  few_zeros[6] = 0x00;  // 16 zeros
  EXPECT_TRUE(check_public_key(2, few_zeros));
  Bytes leading(8, 0x00);  // leading zeros do not count as zero bits
  Bytes tail(16, 0xff);
  tail[3] = 0x7f;
  leading.insert(leading.end(), tail.begin(), tail.end());
  EXPECT_FALSE(check_public_key(2, leading));
  EXPECT_FALSE(check_public_key(3, few_zeros));  // unknown group
}

TEST(FlashDh, SharedSecretMatchesIndependentModExpAndIsMinimal) {
  SeededRandom rng(42);
  for (std::uint64_t g : {2u, 5u, 14u}) {
    for (int i = 0; i < (g == 2 ? 40 : 3); ++i) {
      auto a = DhKey::generate(g, rng);
      auto b = DhKey::generate(g, rng);
      ASSERT_TRUE(a && b);
      Bytes pub = a->public_key();
      ASSERT_EQ(pub.size(), find_dh_group(g)->bits / 8);  // prime width
      while (!pub.empty() && pub[0] == 0) pub.erase(pub.begin());
      EXPECT_EQ(pub, ref_modexp(g, hex("02"), a->private_key()));
      EXPECT_EQ(a->private_key().size(), 32u);
      auto s1 = a->shared_secret(b->public_key());
      auto s2 = b->shared_secret(a->public_key());
      ASSERT_TRUE(s1 && s2);
      EXPECT_EQ(*s1, *s2);
      EXPECT_EQ(*s1, ref_modexp(g, b->public_key(), a->private_key()));
      EXPECT_NE((*s1)[0], 0);  // DH_SECRET: no leading zero bytes (§4.6.2)
    }
  }
}

TEST(FlashDh, SecretWithLeadingZeroByteIsStripped) {
  // About 1 in 256 secrets has a zero top byte; search deterministically.
  SeededRandom rng(99);
  auto a = DhKey::generate(2, rng);
  ASSERT_TRUE(a);
  bool found = false;
  for (int i = 0; i < 5000 && !found; ++i) {
    auto b = DhKey::generate(2, rng);
    ASSERT_TRUE(b);
    auto s = a->shared_secret(b->public_key());
    ASSERT_TRUE(s);
    const Bytes ref = ref_modexp(2, b->public_key(), a->private_key());
    ASSERT_EQ(*s, ref);
    ASSERT_NE((*s)[0], 0);
    if (s->size() < 128) found = true;
  }
  EXPECT_TRUE(found);
}

TEST(FlashDh, RejectsUnacceptableFarKeyAndRestoresFromPrivate) {
  SeededRandom rng(1);
  auto a = DhKey::generate(2, rng);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->shared_secret(hex("02")));
  auto again = DhKey::from_private(2, a->private_key());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->public_key(), a->public_key());
  EXPECT_FALSE(DhKey::from_private(2, Bytes(200, 1)));
}

TEST(FlashKeySchedule, EachFormulaMatchesDirectHmac) {
  // §4.6.3-4.6.5 with HMAC(K, M), key first.
  const Bytes secret = hex("0123456789");  // the §4.6.2 example encoding
  const Bytes sknc = hex("021d02410e00112233"), skfc = hex("031a0000021e00");
  const KeySchedule k = derive_keys(secret, sknc, skfc);
  const Bytes enc = ref_hmac(secret, ref_hmac(skfc, sknc));
  const Bytes dec = ref_hmac(secret, ref_hmac(sknc, skfc));
  EXPECT_EQ(Bytes(k.encrypt_key.begin(), k.encrypt_key.end()), enc);
  EXPECT_EQ(Bytes(k.decrypt_key.begin(), k.decrypt_key.end()), dec);
  EXPECT_EQ(Bytes(k.hmac_send_key.begin(), k.hmac_send_key.end()), ref_hmac(secret, enc));
  EXPECT_EQ(Bytes(k.hmac_recv_key.begin(), k.hmac_recv_key.end()), ref_hmac(secret, dec));
  EXPECT_EQ(Bytes(k.near_nonce.begin(), k.near_nonce.end()), ref_hmac(secret, sknc));
  EXPECT_EQ(Bytes(k.far_nonce.begin(), k.far_nonce.end()), ref_hmac(secret, skfc));
  // Symmetry: the far end's view.
  const KeySchedule f = derive_keys(secret, skfc, sknc);
  EXPECT_EQ(k.encrypt_key, f.decrypt_key);
  EXPECT_EQ(k.decrypt_key, f.encrypt_key);
  EXPECT_EQ(k.hmac_send_key, f.hmac_recv_key);
  EXPECT_EQ(k.near_nonce, f.far_nonce);
  EXPECT_NE(k.encrypt_key, k.decrypt_key);
}
