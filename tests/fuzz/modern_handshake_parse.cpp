// Fuzz target: every handshake-message parser of the `modern` cryptography
// profile (rtmfp/crypto/modern/WIRE.md). The first input byte picks the
// parser; the rest is the message:
//   0  certificate (§3)       parse -> rebuild -> parse; canonical section alone parses the same;
//                             peer ID = SHA-256(key); canonical EPD selects it; profile agrees
//   1  EPD (§4)               parse -> rebuild -> parse; a Marker is rejected; build_epd from the
//                             parsed fields; URI stripping idempotent
//   2  SKIC / SKRC (§5)       parse -> build -> parse; a canonical component rebuilds byte-exactly
//   3  IIKeying signed part / RIKeying portion structure checks (§6): agree with an independent reader
//   4  responder keying       VLU|SP| SP || signature, certificate and SKIC taken from SP
//   5  initiator keying       VLU|RC| RC || VLU|RP| RP || signature, SKRC taken from RP
//   6  primitives on wire keys: Ed25519 verify with a 32-byte key || signature || message,
//                             X25519 with a fixed private key (all-zero results rejected)
//   7  packet protection (§7) a packet opened by a session cipher and the default cipher;
//                             seal -> open round trips, exact sizes, a replay is refused
// The fixed identities and the SP of mode 5 let seed inputs (tests/fuzz/corpus/
// modern_handshake_parse) carry valid signatures, so the success paths are reached.
// Any violated invariant aborts.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

#include <sodium.h>

#include "rtmfp/core/random.hpp"
#include "rtmfp/core/wire/option.hpp"
#include "rtmfp/core/wire/vlu.hpp"
#include "rtmfp/crypto/modern/certificate.hpp"
#include "rtmfp/crypto/modern/epd.hpp"
#include "rtmfp/crypto/modern/handshake.hpp"
#include "rtmfp/crypto/modern/keying_component.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "rtmfp/crypto/modern/packet_cipher.hpp"
#include "tests/fuzz/handshake_fuzz_util.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto;
using namespace rtmfp::crypto::modern;
using namespace rtmfp::fuzz;

namespace {

// The responder of modes 0, 1 and 4: identity seed 32 x 0x5e, hostname "fuzz.example".
ModernProfile& profile() {
  static std::unique_ptr<ModernProfile> p = [] {
    SeededRandom rng(7);
    ModernConfig cfg;
    cfg.identity = Bytes(32, 0x5e);
    cfg.hostname = "fuzz.example";
    return std::move(*ModernProfile::create(cfg, rng));
  }();
  return *p;
}

bool same_certificate(const ParsedCertificate& a, const ParsedCertificate& b) {
  return a.identity_key == b.identity_key && a.hostname == b.hostname &&
         a.accepts_ancillary_data == b.accepts_ancillary_data;
}

void fuzz_certificate(ByteView cert) {
  auto c = parse_certificate(cert);
  check(profile().certificate_authentic(cert) == c.has_value());
  auto id = certificate_peer_id(cert);
  check(id.has_value() == c.has_value());
  if (!c) {
    check(!c.error().message().empty());
    return;
  }
  check(crypto_core_ed25519_is_valid_point(c->identity_key.data()) == 1);
  check(!c->hostname || (!c->hostname->empty() && c->hostname->size() <= kMaxHostname));
  // Only the canonical section (before the first Marker) has meaning (§3).
  auto canonical_length = wire::canonical_section_length(cert);
  check(canonical_length.has_value());
  auto cc = parse_certificate(cert.first(*canonical_length));
  check(cc && same_certificate(*c, *cc));
  // Peer ID = SHA-256 of the key (§2); rebuilt, the certificate has the same meaning.
  PeerId expect{};
  crypto_hash_sha256(expect.data(), c->identity_key.data(), c->identity_key.size());
  check(*id == expect && peer_id_of_key(c->identity_key) == expect);
  const Bytes rebuilt_bytes =
      build_certificate(CertificateSpec{c->identity_key, c->hostname.value_or(""), c->accepts_ancillary_data});
  auto rebuilt = parse_certificate(rebuilt_bytes);
  check(rebuilt && same_certificate(*c, *rebuilt) && certificate_peer_id(rebuilt_bytes) == expect);
  // Canonical EPD (§4) selects it; glare order is reflexive (§9).
  auto epd = parse_epd(canonical_epd_for(expect));
  check(epd && epd_selects(*epd, *c));
  auto canon = profile().canonical_epd(cert);
  check(canon && profile().epd_selects_certificate(*canon, cert));
  check(profile().peer_id(cert) == expect);
  check(profile().near_prevails(cert, cert) && profile().overrides(cert, cert));
}

void fuzz_epd(ByteView epd) {
  check_epd(epd, [](ByteView b) { return parse_epd(b); }, [](const EpdRequest& r) { return build_epd(r); }, profile(),
            EpdMarkers::rejected);
}

void fuzz_keying(ByteView data) {
  auto c = parse_keying_component(data, "SKIC");
  if (!c) {
    check(!c.error().message().empty());
    return;
  }
  const Bytes built = build_keying_component(*c);
  check(built.size() == 71);
  auto again = parse_keying_component(built, "SKRC");
  check(again && again->ephemeral_key == c->ephemeral_key && again->nonce == c->nonce);
  // Without unknown options, the component is exactly the canonical encoding (§5).
  auto opts = wire::parse_option_sequence(data);
  check(opts.has_value());
  if (opts->size() == 3 && opts->at(1).type == 0x58 && data.size() == built.size())
    check(std::equal(data.begin(), data.end(), built.begin(), built.end()));
}

// An independent reading of  u32, VLU|a| a, ..., nothing left.
bool read_exact(ByteView data, std::size_t fields, ByteView* out) {
  ByteReader r(data);
  (void)r.u32();
  for (std::size_t i = 0; i < fields; ++i) {
    const std::uint64_t n = wire::read_vlu(r);
    if (!r.ok() || n > r.remaining()) return false;
    out[i] = r.take(static_cast<std::size_t>(n));
  }
  return r.ok() && r.empty();
}

void fuzz_structure(ByteView data) {
  ByteView sp[3];  // cookie, certificate, SKIC
  if (read_exact(data, 3, sp)) {
    check(check_iikeying_signed_part(data, sp[1], sp[2]).has_value());
    Bytes longer_cert(sp[1].begin(), sp[1].end()), longer_skic(sp[2].begin(), sp[2].end());
    longer_cert.push_back(0);
    longer_skic.push_back(0);
    check(!check_iikeying_signed_part(data, sp[1], longer_skic));
    check(!check_iikeying_signed_part(data, longer_cert, sp[2]));
  } else {
    ByteReader r(data);
    (void)r.u32();
    (void)field(r);
    const ByteView cert = field(r);
    const ByteView skic = field(r);
    check(!check_iikeying_signed_part(data, cert, skic));
  }
  ByteView rp[1];  // SKRC
  if (read_exact(data, 1, rp)) {
    check(check_rikeying_portion(data, rp[0]).has_value());
    Bytes other(rp[0].begin(), rp[0].end());
    other.push_back(0);
    check(!check_rikeying_portion(data, other));
  } else {
    ByteReader r(data);
    (void)r.u32();
    check(!check_rikeying_portion(data, field(r)));
  }
}

void fuzz_responder(ByteView data) {
  ByteReader r(data);
  const ByteView signed_part = field(r);
  const ByteView signature = r.rest();
  ByteReader sp(signed_part);
  (void)sp.u32();
  (void)field(sp);
  const ByteView cert = field(sp);
  const ByteView skic = field(sp);
  SeededRandom rng(1);
  auto h = profile().begin_responder(signed_part, cert, skic, signature, rng);
  if (!h) {
    check(!h.error().message().empty());
    return;
  }
  check(parse_certificate(cert) && parse_keying_component(skic, "SKIC"));
  check(parse_keying_component((*h)->skrc(), "SKRC").has_value());
  check(!(*h)->keys());  // not before sign()
  (void)(*h)->sign(signed_part);
  auto keys = (*h)->keys();
  check(keys && keys->cipher != nullptr);
}

// The IIKeying signed part the initiator of mode 5 signs.
Bytes signed_part_for(ByteView cert, ByteView skic) {
  Bytes out;
  ByteWriter w(out);
  w.u32(0x11223344);
  const Bytes cookie(64, 0xc0);
  wire::write_vlu(w, cookie.size());
  w.bytes(cookie);
  wire::write_vlu(w, cert.size());
  w.bytes(cert);
  wire::write_vlu(w, skic.size());
  w.bytes(skic);
  return out;
}

void fuzz_initiator(ByteView data) {
  ByteReader r(data);
  const ByteView cert = field(r);
  const ByteView portion = field(r);
  const ByteView signature = r.rest();
  ByteReader rp(portion);
  (void)rp.u32();
  const ByteView skrc = field(rp);
  SeededRandom rng(1);
  auto h = start_initiator(cert, rng);
  check(h.has_value() == parse_certificate(cert).has_value());
  if (!h) return;
  check(parse_certificate((*h)->certificate()) && parse_keying_component((*h)->skic(), "SKIC"));
  check(!(*h)->complete(portion, skrc, signature));  // not before sign()
  (void)(*h)->sign(signed_part_for((*h)->certificate(), (*h)->skic()));
  auto keys = (*h)->complete(portion, skrc, signature);
  if (keys) check(keys->cipher != nullptr && check_rikeying_portion(portion, skrc));
}

void fuzz_primitives(ByteView data) {
  ByteReader r(data);
  const ByteView key = r.take(kKeySize);
  const ByteView signature = r.take(kSignatureSize);
  if (!r.ok()) return;
  const ByteView message = r.rest();
  PublicKey pk{};
  std::copy(key.begin(), key.end(), pk.begin());
  (void)verify_signature(pk, message, signature);
  check(!verify_signature(pk, message, signature.first(kSignatureSize - 1)));
  Key32 priv{};
  priv.fill(0x42);
  auto shared = x25519_shared(priv, pk);
  if (shared) check(!sodium_is_zero(shared->data(), shared->size()));
}

void fuzz_packet(ByteView data) {
  DirectionKeys a, b;
  a.key.fill(0x11);
  a.iv.fill(0x22);
  b.key.fill(0x33);
  b.iv.fill(0x44);
  SessionCipher near(a, b), far(b, a);
  DefaultCipher def;
  if (auto o = near.open(data)) check(o->size() + kPacketNumberSize + kTagSize == data.size());
  if (auto o = def.open(data)) check(has_default_framing(data) && o->size() + 4 + kTagSize == data.size());
  const Bytes sealed = far.seal(data);
  check(sealed.size() == data.size() + kPacketNumberSize + kTagSize &&
        far.max_plain_size(sealed.size()) == data.size());
  auto opened = near.open(sealed);
  check(opened && *opened == Bytes(data.begin(), data.end()));
  check(!near.open(sealed));  // §7: a replayed packet number is refused
  const Bytes def_sealed = def.seal(data);
  check(has_default_framing(def_sealed) && def.max_plain_size(def_sealed.size()) >= data.size());
  auto def_opened = def.open(def_sealed);
  check(def_opened && padded_copy_of(*def_opened, data));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (sodium_init() < 0) std::abort();
  const ByteView in(data + 1, size - 1);
  switch (data[0] & 7) {
    case 0: fuzz_certificate(in); break;
    case 1: fuzz_epd(in); break;
    case 2: fuzz_keying(in); break;
    case 3: fuzz_structure(in); break;
    case 4: fuzz_responder(in); break;
    case 5: fuzz_initiator(in); break;
    case 6: fuzz_primitives(in); break;
    case 7: fuzz_packet(in); break;
  }
  return 0;
}
