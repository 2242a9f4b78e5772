// Hostile input: random and mutated bytes fed to every parser and verifier
// of the profile must yield errors (or false), never crash or read out of
// bounds (run under RTMFP_SANITIZE=ON to check the latter).
#include "modern_test_util.hpp"

namespace rtmfp::crypto::modern_test {
namespace {

// Always returns bytes different from `in`.
Bytes mutate(const Bytes& in, SeededRandom& rng) {
  Bytes b = in;
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
      if (!b.empty()) b[rng.below(b.size())] = static_cast<std::uint8_t>(rng.u32());
      break;
  }
  if (b == in) b.push_back(0x00);
  return b;
}

TEST(ModernRobustness, MutatedHandshakeMessagesNeverAccepted) {
  auto server = make_profile(1, "srv");
  auto client = make_profile(2);
  SeededRandom rng(3);
  Exchange x = run_handshake(*client, *server, rng);
  ASSERT_TRUE(x.initiator_keys);
  const Bytes cert(x.ih->certificate().begin(), x.ih->certificate().end());
  const Bytes skic(x.ih->skic().begin(), x.ih->skic().end());
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes sp = x.signed_part, c = cert, k = skic, sig = x.iikeying_signature;
    switch (rng.below(4)) {
      case 0: sp = mutate(sp, rng); break;
      case 1: c = mutate(c, rng); break;
      case 2: k = mutate(k, rng); break;
      default: sig = mutate(sig, rng); break;
    }
    if (server->begin_responder(sp, c, k, sig, rng)) ++accepted;
    // Parsers on arbitrary bytes.
    (void)server->certificate_authentic(c);
    (void)server->peer_id(c);
    (void)server->canonical_epd(c);
    (void)server->describe_epd(k);
    (void)server->epd_selects_local(c);
    (void)server->epd_selects_certificate(k, c);
  }
  EXPECT_EQ(accepted, 0);
}

TEST(ModernRobustness, MutatedRIKeyingNeverCompletes) {
  auto server = make_profile(1);
  auto client = make_profile(2);
  SeededRandom rng(4);
  int accepted = 0;
  for (int i = 0; i < 300; ++i) {
    auto ih = client->begin_initiator(server->local_certificate(), rng);
    ASSERT_TRUE(ih);
    Bytes sp = iikeying_signed_part(1, Bytes(30, 2), (*ih)->certificate(), (*ih)->skic());
    Bytes sig = (*ih)->sign(sp);
    auto rh = server->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), sig, rng);
    ASSERT_TRUE(rh);
    Bytes skrc((*rh)->skrc().begin(), (*rh)->skrc().end());
    Bytes portion = rikeying_portion(5, skrc);
    Bytes rsig = (*rh)->sign(portion);
    switch (rng.below(3)) {
      case 0: portion = mutate(portion, rng); break;
      case 1: skrc = mutate(skrc, rng); break;
      default: rsig = mutate(rsig, rng); break;
    }
    if ((*ih)->complete(portion, skrc, rsig)) ++accepted;
  }
  EXPECT_EQ(accepted, 0);
}

TEST(ModernRobustness, RandomBytesToCiphers) {
  auto p = make_profile(1);
  SeededRandom rng(5);
  auto server = make_profile(1);
  auto client = make_profile(2);
  Exchange x = run_handshake(*client, *server, rng);
  ASSERT_TRUE(x.responder_keys);
  const Bytes good = p->default_cipher().seal(plain_packet(60));
  for (int i = 0; i < 5000; ++i) {
    Bytes b(rng.below(120));
    rng.fill(b);
    EXPECT_FALSE(p->default_cipher().open(b));
    EXPECT_FALSE(x.responder_keys->cipher->open(b));
    EXPECT_FALSE(p->default_cipher().open(mutate(good, rng)));
  }
}

}  // namespace
}  // namespace rtmfp::crypto::modern_test
