// Helpers for the modern profile tests: drive a handshake through the
// CryptoProfile interface exactly as the session engine does.
#pragma once

#include <gtest/gtest.h>

#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"

namespace rtmfp::crypto::modern_test {

inline std::unique_ptr<ModernProfile> make_profile(std::uint64_t seed, std::string hostname = {}) {
  SeededRandom rng(seed);
  ModernConfig cfg;
  cfg.hostname = std::move(hostname);
  auto p = ModernProfile::create(cfg, rng);
  EXPECT_TRUE(p) << (p ? "" : p.error().message());
  return p ? std::move(*p) : nullptr;
}

inline Bytes iikeying_signed_part(std::uint32_t isid, ByteView cookie, ByteView cert, ByteView skic) {
  wire::IIKeyingChunk c;
  c.initiator_session_id = isid;
  c.cookie_echo = cookie;
  c.certificate = cert;
  c.skic = skic;
  Bytes out;
  ByteWriter w(out);
  c.encode_signed_part(w);
  return out;
}

inline Bytes rikeying_portion(std::uint32_t rsid, ByteView skrc) {
  wire::RIKeyingChunk c;
  c.responder_session_id = rsid;
  c.skrc = skrc;
  Bytes out;
  ByteWriter w(out);
  c.encode_portion(w);
  return out;
}

// Everything exchanged in one handshake, plus the resulting keys.
struct Exchange {
  std::unique_ptr<InitiatorHandshake> ih;
  std::unique_ptr<ResponderHandshake> rh;
  Bytes cookie = Bytes(30, 0xc0);
  Bytes signed_part, iikeying_signature;
  Bytes portion, rikeying_signature;
  Bytes skrc;
  std::optional<SessionKeys> initiator_keys, responder_keys;
};

// Runs the four steps; stops (leaving later fields empty) at the first error.
inline Exchange run_handshake(ModernProfile& initiator, ModernProfile& responder, RandomSource& rng) {
  Exchange x;
  auto ih = initiator.begin_initiator(responder.local_certificate(), rng);
  EXPECT_TRUE(ih) << (ih ? "" : ih.error().message());
  if (!ih) return x;
  x.ih = std::move(*ih);
  x.signed_part = iikeying_signed_part(0x11223344, x.cookie, x.ih->certificate(), x.ih->skic());
  x.iikeying_signature = x.ih->sign(x.signed_part);
  auto rh = responder.begin_responder(x.signed_part, x.ih->certificate(), x.ih->skic(), x.iikeying_signature, rng);
  EXPECT_TRUE(rh) << (rh ? "" : rh.error().message());
  if (!rh) return x;
  x.rh = std::move(*rh);
  x.skrc.assign(x.rh->skrc().begin(), x.rh->skrc().end());
  x.portion = rikeying_portion(0x55667788, x.skrc);
  x.rikeying_signature = x.rh->sign(x.portion);
  auto rk = x.rh->keys();
  EXPECT_TRUE(rk) << (rk ? "" : rk.error().message());
  if (rk) x.responder_keys = std::move(*rk);
  auto ik = x.ih->complete(x.portion, x.skrc, x.rikeying_signature);
  EXPECT_TRUE(ik) << (ik ? "" : ik.error().message());
  if (ik) x.initiator_keys = std::move(*ik);
  return x;
}

inline Bytes plain_packet(std::size_t n, std::uint8_t fill = 0x5a) {
  Bytes b(n, fill);
  if (!b.empty()) b[0] = 0x0b;  // §2.2.4 flags: TS | startup mode
  return b;
}

}  // namespace rtmfp::crypto::modern_test
