// Session and default-key packet protection: tampering, replay, reordering,
// exact max_plain_size, and the one-port demux rule against the flash profile.
#include "modern_test_util.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"

namespace rtmfp::crypto::modern_test {
namespace {

using modern::DefaultCipher;
using modern::DirectionKeys;
using modern::SessionCipher;

DirectionKeys keys_of(std::uint8_t k, std::uint8_t iv) {
  DirectionKeys d;
  d.key.fill(k);
  d.iv.fill(iv);
  return d;
}

struct Pair {
  SessionCipher a{keys_of(1, 2), keys_of(3, 4)};
  SessionCipher b{keys_of(3, 4), keys_of(1, 2)};
};

TEST(ModernSessionCipher, RoundTripAndLayout) {
  Pair p;
  const Bytes pt = plain_packet(300);
  Bytes ct0 = p.a.seal(pt);
  Bytes ct1 = p.a.seal(pt);
  ASSERT_EQ(ct0.size(), 8 + pt.size() + 16);
  EXPECT_EQ(Bytes(ct0.begin(), ct0.begin() + 8), Bytes(8, 0));
  EXPECT_EQ(Bytes(ct1.begin(), ct1.begin() + 8), (Bytes{0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_NE(Bytes(ct0.begin() + 8, ct0.end()), Bytes(ct1.begin() + 8, ct1.end()));
  auto o0 = p.b.open(ct0);
  ASSERT_TRUE(o0);
  EXPECT_EQ(*o0, pt);
  auto o1 = p.b.open(ct1);
  ASSERT_TRUE(o1);
  EXPECT_EQ(*o1, pt);
}

TEST(ModernSessionCipher, EveryBitFlipRejected) {
  Pair p;
  const Bytes pt = plain_packet(40);
  const Bytes ct = p.a.seal(pt);
  for (std::size_t i = 0; i < ct.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = ct;
      bad[i] ^= static_cast<std::uint8_t>(1u << bit);
      auto r = p.b.open(bad);
      EXPECT_FALSE(r) << "flip at byte " << i << " bit " << bit;  // header (PN), ciphertext and tag
    }
  }
  // A failed forgery does not poison the window: the real packet still opens.
  EXPECT_TRUE(p.b.open(ct));
}

TEST(ModernSessionCipher, WrongKeyTruncationAndEmpty) {
  Pair p;
  SessionCipher wrong{keys_of(9, 9), keys_of(1, 3)};
  const Bytes ct = p.a.seal(plain_packet(64));
  EXPECT_FALSE(wrong.open(ct));
  EXPECT_FALSE(p.b.open(ByteView(ct).first(23)));
  EXPECT_FALSE(p.b.open(ByteView(ct).first(ct.size() - 1)));
  EXPECT_FALSE(p.b.open({}));
  // An empty plain packet is sealed to exactly the overhead and opens.
  SessionCipher s{keys_of(5, 6), keys_of(7, 8)}, r{keys_of(7, 8), keys_of(5, 6)};
  Bytes e = s.seal({});
  EXPECT_EQ(e.size(), 24u);
  auto o = r.open(e);
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->empty());
}

TEST(ModernSessionCipher, ReplayAndWindow) {
  Pair p;
  std::vector<Bytes> sent;
  for (int i = 0; i < 300; ++i) sent.push_back(p.a.seal(plain_packet(20, static_cast<std::uint8_t>(i))));
  // Reordered within the window: accepted once, duplicates refused.
  for (int i : {5, 3, 4, 0, 1, 2}) EXPECT_TRUE(p.b.open(sent[i])) << i;
  for (int i : {0, 3, 5}) {
    auto r = p.b.open(sent[i]);
    ASSERT_FALSE(r) << i;
    EXPECT_EQ(r.error().code, Errc::replayed);
  }
  // Jump ahead; 127 back is still inside the 128-packet window, 128 back is not.
  EXPECT_TRUE(p.b.open(sent[200]));
  EXPECT_TRUE(p.b.open(sent[200 - 127]));
  EXPECT_FALSE(p.b.open(sent[200 - 128])) << "too old";
  EXPECT_FALSE(p.b.open(sent[200]));
  EXPECT_TRUE(p.b.open(sent[199]));
  // A forged packet with a huge PN does not move the window.
  Bytes forged = sent[299];
  forged[0] = 0x7f;
  EXPECT_FALSE(p.b.open(forged));
  EXPECT_TRUE(p.b.open(sent[150]));
}

// The replay window is the cheap check and comes first: a packet whose PN was
// already accepted (or is below the window) is refused as a replay without
// running the AEAD, so a tampered copy says "replayed", not "failed
// authentication"; a fresh PN with a bad tag is an authentication failure and
// leaves the window as it was.
TEST(ModernSessionCipher, ReplayCheckedBeforeDecryption) {
  Pair p;
  const Bytes first = p.a.seal(plain_packet(40, 1));
  ASSERT_TRUE(p.b.open(first));
  Bytes tampered = first;
  tampered.back() ^= 0x01;
  auto r = p.b.open(tampered);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::replayed);
  const Bytes second = p.a.seal(plain_packet(40, 2));
  Bytes forged = second;
  forged.back() ^= 0x01;
  auto f = p.b.open(forged);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, Errc::crypto_failure);
  EXPECT_TRUE(p.b.open(second)) << "a forgery with a fresh PN does not burn that PN";
}

TEST(ModernSessionCipher, MaxPlainSizeIsExact) {
  Pair p;
  for (std::size_t budget : {0u, 1u, 23u, 24u, 25u, 100u, 1196u}) {
    const std::size_t m = p.a.max_plain_size(budget);
    if (budget <= 24) {
      EXPECT_EQ(m, 0u);
      continue;
    }
    EXPECT_EQ(p.a.seal(Bytes(m, 1)).size(), budget);
    EXPECT_GT(p.a.seal(Bytes(m + 1, 1)).size(), budget);
  }
}

TEST(ModernDefaultCipher, RoundTripPaddingAndResidue) {
  DefaultCipher c;
  for (std::size_t n = 0; n < 200; ++n) {
    const Bytes pt = plain_packet(n);
    const Bytes ct = c.seal(pt);
    ASSERT_EQ(ct.size() % 16, 8u) << n;
    ASSERT_EQ(Bytes(ct.begin(), ct.begin() + 4), (Bytes{0x4d, 0x44, 0x4b, 0x01}));
    ASSERT_LT(ct.size(), n + 20 + 16);
    auto o = c.open(ct);
    ASSERT_TRUE(o) << n;
    ASSERT_GE(o->size(), n);
    EXPECT_EQ(Bytes(o->begin(), o->begin() + static_cast<std::ptrdiff_t>(n)), pt);
    for (std::size_t i = n; i < o->size(); ++i) EXPECT_EQ((*o)[i], 0xff);
  }
}

TEST(ModernDefaultCipher, TamperingRejected) {
  DefaultCipher c;
  const Bytes ct = c.seal(plain_packet(100));
  for (std::size_t i = 0; i < ct.size(); ++i) {
    Bytes bad = ct;
    bad[i] ^= 0x10;
    EXPECT_FALSE(c.open(bad)) << i;  // magic/version, ciphertext, tag
  }
  Bytes longer = ct;
  longer.push_back(0);
  EXPECT_FALSE(c.open(longer));
  EXPECT_FALSE(c.open(ByteView(ct).first(19)));
  EXPECT_FALSE(c.open({}));
}

TEST(ModernDefaultCipher, MaxPlainSizeIsExact) {
  DefaultCipher c;
  for (std::size_t budget = 0; budget < 1300; ++budget) {
    const std::size_t m = c.max_plain_size(budget);
    if (m == 0) {
      EXPECT_GT(c.seal(Bytes(1, 0x0b)).size(), budget) << budget;
      continue;
    }
    ASSERT_LE(c.seal(Bytes(m, 0x0b)).size(), budget) << budget;
    ASSERT_GT(c.seal(Bytes(m + 1, 0x0b)).size(), budget) << budget;
  }
}

TEST(ModernDemux, NeverBothProfilesOverRandomSizes) {
  auto modern = make_profile(1);
  SeededRandom rng(77);
  FlashConfig fc;
  auto flash = FlashProfile::create(fc, rng);
  ASSERT_TRUE(flash);
  // Every modern startup packet is claimed by modern, never by flash.
  for (int i = 0; i < 2000; ++i) {
    Bytes pt(rng.below(1300));
    rng.fill(pt);
    const Bytes ct = modern->default_cipher().seal(pt);
    ASSERT_TRUE(modern->claims_startup_packet(ct)) << pt.size();
    ASSERT_FALSE((*flash)->claims_startup_packet(ct)) << pt.size();
  }
  // Every flash startup packet is claimed by flash, never by modern; even
  // when it happens to start with the modern magic.
  for (int i = 0; i < 2000; ++i) {
    Bytes pt(rng.below(1300));
    rng.fill(pt);
    Bytes ct = (*flash)->default_cipher().seal(pt);
    ASSERT_TRUE((*flash)->claims_startup_packet(ct));
    ASSERT_FALSE(modern->claims_startup_packet(ct));
    std::copy_n(Bytes{0x4d, 0x44, 0x4b, 0x01}.begin(), 4, ct.begin());
    ASSERT_FALSE(modern->claims_startup_packet(ct));
  }
  // Arbitrary bytes: at most one profile claims.
  for (int i = 0; i < 5000; ++i) {
    Bytes b(rng.below(200));
    rng.fill(b);
    if (b.size() >= 4 && rng.below(2)) std::copy_n(Bytes{0x4d, 0x44, 0x4b, 0x01}.begin(), 4, b.begin());
    ASSERT_FALSE(modern->claims_startup_packet(b) && (*flash)->claims_startup_packet(b)) << b.size();
  }
}

}  // namespace
}  // namespace rtmfp::crypto::modern_test
