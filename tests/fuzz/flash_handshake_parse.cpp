// Fuzz target: every handshake-message parser of the RFC 7425 `flash`
// cryptography profile. The first input byte picks the parser (low 3 bits)
// and a variant (bit 3); the rest is the message:
//   0  certificate (§4.3)            parse -> canonical section -> rebuild -> parse;
//                                    fingerprint, canonical EPD selects it, profile agrees
//   1  Endpoint Discriminator (§4.4) parse -> rebuild -> parse; Markers ignored;
//                                    build_epd from the parsed fields; URI stripping idempotent
//   2  SKIC / SKRC (§4.5)            parse -> build -> parse; negotiation is symmetric
//   3  signature (§4.3.5)            VLU|signed params| params || signature: without passwords
//                                    anything verifies; our own signature always verifies
//   4  persisted responder identity  decode -> encode -> decode
//   5  responder keying              VLU|IIKeying signed part| SP || signature, certificate and SKIC
//                                    taken from SP (RFC 7016 §2.3.7); variant: static responder key
//   6  initiator keying              VLU|RHello certificate| RC || VLU|RIKeying portion| RP ||
//                                    signature, SKRC taken from RP (§2.3.8); variant: group 2 only
//   7  packet protection (§4.7)      checks byte (HMAC, length, SSEQ), then a packet: opened by a
//                                    session cipher and the default cipher; seal -> open round trip,
//                                    a replay is refused; variant: the bytes are the plaintext of a
//                                    packet with a valid HMAC (what a malicious peer can send), so
//                                    the SSEQ VLU and the checksum are parsed from fuzzer bytes
// Any violated invariant aborts.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

#include <openssl/evp.h>

#include "rtmfp/core/random.hpp"
#include "rtmfp/core/wire/vlu.hpp"
#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/epd.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/flash/handshake.hpp"
#include "rtmfp/crypto/flash/identity.hpp"
#include "rtmfp/crypto/flash/key_schedule.hpp"
#include "rtmfp/crypto/flash/keying_component.hpp"
#include "rtmfp/crypto/flash/option_types.hpp"
#include "rtmfp/crypto/flash/options.hpp"
#include "rtmfp/crypto/flash/packet_cipher.hpp"
#include "rtmfp/crypto/flash/signature.hpp"
#include "tests/fuzz/handshake_fuzz_util.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto;
using namespace rtmfp::crypto::flash;
using namespace rtmfp::fuzz;

namespace {

// The profile a responder or initiator would be (ephemeral-key certificate: no
// DH key generation, so this is cheap), made once.
FlashProfile& profile() {
  static std::unique_ptr<FlashProfile> p = [] {
    SeededRandom rng(7);
    FlashConfig cfg;
    cfg.hostname = "fuzz.example";
    return std::move(*FlashProfile::create(cfg, rng));
  }();
  return *p;
}

bool same_certificate(const ParsedCertificate& a, const ParsedCertificate& b) {
  if (a.hostname != b.hostname || a.accepts_ancillary_data != b.accepts_ancillary_data ||
      a.ephemeral_groups != b.ephemeral_groups || a.static_keys.size() != b.static_keys.size())
    return false;
  for (std::size_t i = 0; i < a.static_keys.size(); ++i)
    if (a.static_keys[i].group != b.static_keys[i].group || a.static_keys[i].public_key != b.static_keys[i].public_key)
      return false;
  return true;
}

void fuzz_certificate(ByteView cert) {
  auto c = parse_certificate(cert);
  check(profile().certificate_authentic(cert) == c.has_value());
  auto fp = certificate_fingerprint(cert);
  check(fp.has_value() == c.has_value());
  if (!c) {
    check(!c.error().message().empty());
    return;
  }
  // §4.3.1: the canonical section ends at the first Marker and is itself a
  // certificate with the same meaning (and the same fingerprint, §4.3.2).
  check(c->canonical_length <= cert.size());
  if (c->canonical_length < cert.size()) {  // a Marker: a zero length VLU, possibly non-minimal (80 00)
    ByteReader m(cert.subspan(c->canonical_length));
    check(wire::read_vlu(m) == 0 && m.ok());
  }
  const ByteView canonical = cert.first(c->canonical_length);
  auto cc = parse_certificate(canonical);
  check(cc && cc->canonical_length == canonical.size() && same_certificate(*c, *cc));
  const Digest d = sha256(canonical);
  check(std::equal(d.begin(), d.end(), fp->begin(), fp->end()));
  check(certificate_fingerprint(canonical) == *fp);
  for (auto g : c->ephemeral_groups) check(c->supports_group(g));
  for (const auto& k : c->static_keys) check(c->static_key(k.group) != nullptr && c->supports_group(k.group));
  // Rebuilt from the parsed fields (Extra Randomness has no semantics and the
  // builder writes no empty Hostname), it parses to the same fields.
  CertificateSpec spec;
  spec.hostname = c->hostname.value_or("");
  spec.accepts_ancillary_data = c->accepts_ancillary_data;
  spec.ephemeral_groups = c->ephemeral_groups;
  spec.static_keys = c->static_keys;
  auto rebuilt = parse_certificate(build_certificate(spec));
  check(rebuilt.has_value());
  if (c->hostname && c->hostname->empty()) rebuilt->hostname = std::string();
  check(same_certificate(*c, *rebuilt));
  // §4.4.4: the canonical EPD selects this certificate; glare order is reflexive.
  auto epd = parse_epd(canonical_epd_for(*fp));
  check(epd && epd_selects(*epd, *c, *fp));
  check(profile().peer_id(cert) == *fp);
  auto canon = profile().canonical_epd(cert);
  check(canon && profile().epd_selects_certificate(*canon, cert));
  check(profile().near_prevails(cert, cert) && profile().overrides(cert, cert));
  (void)profile().epd_selects_certificate(cert, cert);
}

void fuzz_epd(ByteView epd) {
  check_epd(epd, [](ByteView b) { return parse_epd(b); }, [](const EpdRequest& r) { return build_epd(r); }, profile(),
            EpdMarkers::ignored);
}

bool same_negotiation(const std::optional<Negotiation>& a, const std::optional<Negotiation>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->send_always == b->send_always && a->send_on_request == b->send_on_request &&
                a->request == b->request && a->hmac_length == b->hmac_length);
}

bool same_keying(const KeyingComponent& a, const KeyingComponent& b) {
  if (a.ephemeral_key.has_value() != b.ephemeral_key.has_value()) return false;
  if (a.ephemeral_key &&
      (a.ephemeral_key->group != b.ephemeral_key->group || a.ephemeral_key->public_key != b.ephemeral_key->public_key))
    return false;
  return a.extra_randomness == b.extra_randomness && a.group_select == b.group_select &&
         same_negotiation(a.hmac, b.hmac) && same_negotiation(a.sseq, b.sseq);
}

void fuzz_keying(ByteView data) {
  auto c = parse_keying_component(data, "SKIC");
  if (!c) {
    check(!c.error().message().empty());
    return;
  }
  check(!(c->ephemeral_key && c->group_select));  // §4.5.2.3
  if (c->hmac) {
    const bool will_send = c->hmac->send_always || c->hmac->send_on_request;
    check(will_send ? c->hmac->hmac_length >= 4 && c->hmac->hmac_length <= 32 : c->hmac->hmac_length == 0);
  }
  auto again = parse_keying_component(build_keying_component(*c), "SKRC");
  check(again && same_keying(*c, *again));
  // What one end sends is what the other end expects to receive.
  auto send = negotiate_send(*c, *c);
  auto recv = negotiate_receive(*c, *c, CheckPolicy{}, CheckPolicy{});
  check(send && recv && send->hmac == recv->hmac && send->hmac_length == recv->hmac_length && send->sseq == recv->sseq);
  if (send->hmac) check(send->hmac_length >= 4 && send->hmac_length <= 32);
}

void fuzz_signature(ByteView data) {
  ByteReader r(data);
  const ByteView params = field(r);
  const ByteView signature = r.rest();
  check(verify_signature(signature, params, SignaturePolicy{}).has_value());  // nothing known, nothing required
  SignaturePolicy policy;
  policy.passwords = {{"pw", "secret"}, {"", "empty-id"}};
  (void)verify_signature(signature, params, policy);
  policy.send_password_id = "pw";
  policy.require_password = true;
  const Bytes ours = make_signature(params, policy);
  check(verify_signature(ours, params, policy).has_value());
  policy.send_password_id.clear();
  check(make_signature(params, policy) == Bytes{kEmptySignature});
  check(!verify_signature(Bytes{kEmptySignature}, params, policy));
}

void fuzz_identity(ByteView data) {
  auto id = ResponderIdentity::decode(data);
  if (!id) return;
  check(!id->extra_randomness.empty());
  auto again = ResponderIdentity::decode(id->encode());
  check(again && again->extra_randomness == id->extra_randomness &&
        again->static_keys.size() == id->static_keys.size());
  for (std::size_t i = 0; i < id->static_keys.size(); ++i)
    check(again->static_keys[i].group() == id->static_keys[i].group() &&
          again->static_keys[i].private_key() == id->static_keys[i].private_key() &&
          again->static_keys[i].public_key() == id->static_keys[i].public_key());
}

void fuzz_responder(ByteView data, bool static_key) {
  ByteReader r(data);
  const ByteView signed_part = field(r);
  const ByteView signature = r.rest();
  ByteReader sp(signed_part);  // u32 ISID, cookie, certificate, SKIC
  (void)sp.u32();
  (void)field(sp);
  const ByteView cert = field(sp);
  const ByteView skic = field(sp);
  static const std::vector<DhKey> static_keys = [] {
    SeededRandom rng(11);
    return std::vector<DhKey>{*DhKey::generate(2, rng)};
  }();
  SeededRandom rng(1);
  auto h = start_responder(FlashConfig{}, static_key ? static_keys : std::vector<DhKey>{}, signed_part, cert, skic,
                           signature, rng);
  if (!h) {
    check(!h.error().message().empty());
    return;
  }
  auto skrc = parse_keying_component((*h)->skrc(), "SKRC");
  check(skrc && skrc->ephemeral_key.has_value() == !static_key);
  check(!(*h)->keys());  // not before sign()
  (void)(*h)->sign(signed_part);
  auto keys = (*h)->keys();
  check(keys && keys->cipher != nullptr);
}

void fuzz_initiator(ByteView data, bool group2_only) {
  ByteReader r(data);
  const ByteView cert = field(r);
  const ByteView portion = field(r);
  const ByteView signature = r.rest();
  ByteReader rp(portion);  // u32 RSID, SKRC
  (void)rp.u32();
  const ByteView skrc = field(rp);
  FlashConfig cfg;
  if (group2_only) cfg.dh_groups = {2};
  SeededRandom rng(1);
  auto h = start_initiator(cfg, cert, rng);
  check(h.has_value() <= parse_certificate(cert).has_value());
  if (!h) return;
  check(parse_certificate((*h)->certificate()).has_value());
  check(parse_keying_component((*h)->skic(), "SKIC").has_value());
  (void)(*h)->sign(portion);
  auto keys = (*h)->complete(portion, skrc, signature);
  if (keys) check(keys->cipher != nullptr);
}

// Fixed session keys, `checks` in both directions; `mirror` is the far end.
CipherConfig cipher_config(const DirectionChecks& checks, bool mirror) {
  CipherConfig c;
  c.encrypt_key.fill(mirror ? 0x22 : 0x11);
  c.decrypt_key.fill(mirror ? 0x11 : 0x22);
  c.hmac_send_key.fill(mirror ? 0x44 : 0x33);
  c.hmac_recv_key.fill(mirror ? 0x33 : 0x44);
  c.send = checks;
  c.recv = checks;
  return c;
}

void fuzz_packet(ByteView data, bool forge) {
  ByteReader r(data);
  const std::uint8_t mode = r.u8();
  if (!r.ok()) return;
  DirectionChecks checks;
  checks.hmac = mode & 1;
  checks.hmac_length = checks.hmac ? 4 + (mode >> 2) % 29 : 0;
  checks.sseq = mode & 2;
  const ByteView body = r.rest();
  FlashPacketCipher near(cipher_config(checks, false)), far(cipher_config(checks, true));
  if (!forge) {
    (void)near.open(body);
    auto def = FlashPacketCipher::make_default();
    if (auto o = def->open(body)) check(o->size() + 2 <= body.size());
    if (body.empty()) return;
    const Bytes sealed = far.seal(body);
    check(sealed.size() <= body.size() + 2 + 10 + 15 + checks.hmac_length);
    auto opened = near.open(sealed);
    check(opened && padded_copy_of(*opened, body));
    if (checks.sseq) check(!near.open(sealed));  // §4.7.3.3: a replay is refused
    auto def_opened = def->open(def->seal(body));
    check(def_opened && padded_copy_of(*def_opened, body));
    return;
  }
  // The far end knows the keys: any plaintext (whole blocks, 0xff-padded)
  // arrives with a valid HMAC, so only the structure inside can fail.
  if (!checks.hmac || body.empty()) return;
  Bytes pt(body.begin(), body.end());
  while (pt.size() % 16 != 0) pt.push_back(0xff);
  const CipherConfig fc = cipher_config(checks, true);
  Bytes packet(pt.size());
  static const std::uint8_t zero_iv[16] = {};
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  check(ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, fc.encrypt_key.data(), zero_iv) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
        EVP_EncryptUpdate(ctx.get(), packet.data(), &n, pt.data(), static_cast<int>(pt.size())) == 1 &&
        static_cast<std::size_t>(n) == pt.size());
  const Digest mac = hmac_sha256(fc.hmac_send_key, packet);
  packet.insert(packet.end(), mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(checks.hmac_length));
  auto opened = near.open(packet);
  if (!checks.sseq) {
    check(opened && *opened == pt);  // nothing to parse: the plaintext as it is
    return;
  }
  ByteReader sr(pt);
  (void)wire::read_vlu(sr);
  check(opened.has_value() == sr.ok());
  if (opened) {
    check(opened->size() == sr.remaining() && std::equal(opened->begin(), opened->end(), pt.end() - opened->size()));
    check(!near.open(packet));  // the same sequence number again
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const ByteView in(data + 1, size - 1);
  switch (selector & 7) {
    case 0: fuzz_certificate(in); break;
    case 1: fuzz_epd(in); break;
    case 2: fuzz_keying(in); break;
    case 3: fuzz_signature(in); break;
    case 4: fuzz_identity(in); break;
    case 5: fuzz_responder(in, selector & 8); break;
    case 6: fuzz_initiator(in, selector & 8); break;
    case 7: fuzz_packet(in, selector & 8); break;
  }
  return 0;
}
