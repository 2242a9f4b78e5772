#include "rtmfp/crypto/flash/flash_profile.hpp"

#include <algorithm>
#include <string>

#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/epd.hpp"
#include "rtmfp/crypto/flash/handshake.hpp"
#include "rtmfp/crypto/flash/key_schedule.hpp"

namespace rtmfp::crypto {

using namespace flash;

Result<std::unique_ptr<FlashProfile>> FlashProfile::create(const FlashConfig& cfg, RandomSource& rng) {
  if (std::find(cfg.dh_groups.begin(), cfg.dh_groups.end(), 2u) == cfg.dh_groups.end())
    return fail(Errc::invalid_argument, "DH group 2 MUST be supported (RFC 7425 §4.2)");
  for (std::uint64_t g : cfg.dh_groups)
    if (!find_dh_group(g)) return fail(Errc::unsupported, "DH group " + std::to_string(g) + " not supported");
  if (cfg.hmac_length < 4 || cfg.hmac_length > 32)
    return fail(Errc::invalid_argument, "hmac_length must be 4..32 (RFC 7425 §4.5.2.4)");
  std::unique_ptr<FlashProfile> p(new FlashProfile());
  p->cfg_ = cfg;
  auto id = cfg.identity ? ResponderIdentity::decode(*cfg.identity)
                         : ResponderIdentity::generate(cfg.dh_groups,
                                                       cfg.static_responder_keys || cfg.client_identity, rng);
  if (!id) return std::unexpected(id.error());
  p->identity_ = std::move(*id);
  if (!cfg.identity && !cfg.hostname.empty() && !cfg.client_identity) {
    // The RHello carries this certificate to an address that has sent one
    // IHello (a Flash Player IHello for a short URI is 52 bytes), and the
    // endpoint answers within 3x of that (anti-amplification). A fresh
    // identity makes room for the Hostname option (RFC 7425 §4.3.3.1) out of
    // the 64 bytes of extra randomness (§4.3.3.6), keeping at least 16 for a
    // unique fingerprint: the certificate stays its usual size for hostnames
    // up to 46 bytes. Persisted identities keep their certificate.
    const std::size_t hostname_option = 2 + cfg.hostname.size();
    const std::size_t keep = hostname_option >= 64 - 16 ? 16 : 64 - hostname_option;
    if (p->identity_.extra_randomness.size() > keep) p->identity_.extra_randomness.resize(keep);
  }

  if (cfg.client_identity && p->identity_.static_keys.empty())
    return fail(Errc::invalid_argument, "client identity needs static DH keys");
  CertificateSpec spec;  // RFC 7425 §4.3.3
  if (!cfg.client_identity) {  // a client certificate is just its static keys, like Flash Player's
    spec.hostname = cfg.hostname;
    spec.accepts_ancillary_data = cfg.accept_ancillary_data;
    spec.extra_randomness = p->identity_.extra_randomness;
  }
  if (p->identity_.static_keys.empty()) {
    spec.ephemeral_groups = cfg.dh_groups;
  } else {
    for (const auto& k : p->identity_.static_keys) spec.static_keys.push_back(StaticKey{k.group(), k.public_key()});
  }
  p->certificate_ = build_certificate(spec);
  auto fp = certificate_fingerprint(p->certificate_);
  if (!fp) return std::unexpected(fp.error());
  p->peer_id_ = *fp;
  p->default_cipher_ = FlashPacketCipher::make_default();
  return p;
}

bool FlashProfile::claims_startup_packet(ByteView encrypted) const {
  return !encrypted.empty() && encrypted.size() % 16 == 0;
}

Result<Bytes> FlashProfile::make_epd(const EpdRequest& req) const { return build_epd(req); }

Result<EpdInfo> FlashProfile::describe_epd(ByteView epd) const {
  auto e = parse_epd(epd);
  if (!e) return std::unexpected(e.error());
  return epd_info(*e);
}

bool FlashProfile::epd_selects_local(ByteView epd) const { return epd_selects_certificate(epd, certificate_); }

bool FlashProfile::epd_selects_certificate(ByteView epd, ByteView certificate) const {
  auto e = parse_epd(epd);
  auto c = parse_certificate(certificate);
  return e && c && epd_selects(*e, *c, certificate_fingerprint(certificate, *c));
}

bool FlashProfile::certificate_authentic(ByteView certificate) const {
  return parse_certificate(certificate).has_value();  // §4.3.4: well-formed == authentic
}

Result<PeerId> FlashProfile::peer_id(ByteView certificate) const { return certificate_fingerprint(certificate); }

Result<Bytes> FlashProfile::canonical_epd(ByteView certificate) const {
  auto fp = certificate_fingerprint(certificate);
  if (!fp) return std::unexpected(fp.error());
  return canonical_epd_for(*fp);
}

bool FlashProfile::near_prevails(ByteView near_certificate, ByteView far_certificate) const {
  return certificate_ordered_before_or_equal(near_certificate, far_certificate);  // §4.3.6
}

bool FlashProfile::overrides(ByteView existing, ByteView fresh) const {
  return std::equal(existing.begin(), existing.end(), fresh.begin(), fresh.end());  // §4.3.7
}

Result<std::unique_ptr<InitiatorHandshake>> FlashProfile::begin_initiator(ByteView responder_certificate,
                                                                         RandomSource& rng) {
  if (cfg_.client_identity) return start_initiator(cfg_, responder_certificate, rng, certificate_, identity_.static_keys);
  return start_initiator(cfg_, responder_certificate, rng);
}

Result<std::unique_ptr<ResponderHandshake>> FlashProfile::begin_responder(ByteView iikeying_signed_part,
                                                                         ByteView initiator_certificate,
                                                                         ByteView skic, ByteView signature,
                                                                         RandomSource& rng) {
  return start_responder(cfg_, identity_.static_keys, iikeying_signed_part, initiator_certificate, skic, signature,
                         rng);
}

}  // namespace rtmfp::crypto
