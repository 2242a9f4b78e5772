// Hostile input: random and mutated bytes into every flash-profile parser and
// into open(); nothing may crash or read out of bounds (run under ASan), and
// all failures must be Errors with a message.
#include <gtest/gtest.h>

#include "flash_test_util.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/epd.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/flash/identity.hpp"
#include "rtmfp/crypto/flash/keying_component.hpp"
#include "rtmfp/crypto/flash/signature.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto;
using namespace rtmfp::crypto::flash;

namespace {
Bytes mutate(const Bytes& in, SeededRandom& rng) {
  Bytes b = in;
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    switch (rng.below(4)) {
      case 0:
        if (!b.empty()) b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      case 1:
        if (!b.empty()) b.resize(rng.below(b.size()));
        break;
      case 2:
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng.below(b.size() + 1)), static_cast<std::uint8_t>(rng.u32()));
        break;
      default:
        if (!b.empty()) b[rng.below(b.size())] = 0x80 | static_cast<std::uint8_t>(rng.u32());  // VLU continuation
        break;
    }
  }
  return b;
}
}  // namespace

TEST(FlashRobustness, MutatedHandshakeInputsNeverCrash) {
  SeededRandom rng(2024);
  auto client = FlashProfile::create(FlashConfig{}, rng);
  FlashConfig sc;
  auto server = FlashProfile::create(sc, rng);
  ASSERT_TRUE(client && server);
  auto ih = (*client)->begin_initiator((*server)->local_certificate(), rng);
  ASSERT_TRUE(ih);
  const Bytes cert((*ih)->certificate().begin(), (*ih)->certificate().end());
  const Bytes skic((*ih)->skic().begin(), (*ih)->skic().end());
  const Bytes sp{0x00};
  const Bytes x{0x58};
  auto rh = (*server)->begin_responder(sp, cert, skic, x, rng);
  ASSERT_TRUE(rh);
  const Bytes skrc((*rh)->skrc().begin(), (*rh)->skrc().end());
  const Bytes epd = *(*client)->make_epd({"rtmfp://host/app", (*server)->local_peer_id(), "h"});
  int accepted = 0;
  for (int i = 0; i < 1500; ++i) {
    const Bytes mc = mutate(cert, rng), mk = mutate(skic, rng), mr = mutate(skrc, rng), me = mutate(epd, rng);
    auto r = (*server)->begin_responder(sp, mc, mk, mutate(x, rng), rng);
    if (r) {
      ++accepted;
    } else {
      EXPECT_FALSE(r.error().message().empty());
    }
    auto k = (*ih)->complete(sp, mr, x);
    if (!k) {
      EXPECT_FALSE(k.error().message().empty());
    }
    (void)(*server)->describe_epd(me);
    (void)(*server)->epd_selects_local(me);
    (void)(*server)->epd_selects_certificate(me, mc);
    (void)(*server)->peer_id(mc);
    (void)(*server)->canonical_epd(mc);
    (void)parse_keying_component(mk, "SKIC");
    (void)verify_signature(me, mk, SignaturePolicy{});
    (void)ResponderIdentity::decode(mc);
  }
  EXPECT_LT(accepted, 1500);
}

TEST(FlashRobustness, RandomCiphertextNeverOpens) {
  SeededRandom rng(77);
  auto p = FlashProfile::create(FlashConfig{}, rng);
  ASSERT_TRUE(p);
  CipherConfig c;
  c.send = c.recv = DirectionChecks{true, 10, true};
  FlashPacketCipher hm(c);
  c.send = c.recv = DirectionChecks{false, 0, true};
  FlashPacketCipher sq(c);
  int opened = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes b(rng.below(80));
    rng.fill(b);
    if ((*p)->default_cipher().open(b)) ++opened;  // 2^-16 chance per multiple-of-16 input
    EXPECT_FALSE(hm.open(b));
    (void)sq.open(b);
  }
  EXPECT_LT(opened, 3);
}
