#include "rtmfp/crypto/modern/modern_profile.hpp"

#include <algorithm>

#include <sodium.h>

#include "rtmfp/crypto/modern/certificate.hpp"
#include "rtmfp/crypto/modern/epd.hpp"
#include "rtmfp/crypto/modern/handshake.hpp"

namespace rtmfp::crypto {

using namespace modern;

Result<std::unique_ptr<ModernProfile>> ModernProfile::create(const ModernConfig& cfg, RandomSource& rng) {
  if (sodium_init() < 0) return fail(Errc::crypto_failure, "libsodium initialisation failed");
  if (cfg.hostname.size() > kMaxConfigHostname)
    return fail(Errc::invalid_argument, "modern hostname longer than 200 bytes (RHello amplification budget)");
  auto id = cfg.identity ? Identity::from_seed(*cfg.identity) : Identity::generate(rng);
  if (!id) return std::unexpected(id.error());
  std::unique_ptr<ModernProfile> p(new ModernProfile());
  p->identity_.emplace(std::move(*id));
  p->stable_initiator_identity_ = cfg.stable_initiator_identity;
  p->certificate_ = build_certificate(CertificateSpec{p->identity_->public_key(), cfg.hostname, true});
  p->peer_id_ = peer_id_of_key(p->identity_->public_key());
  return p;
}

bool ModernProfile::claims_startup_packet(ByteView encrypted) const { return has_default_framing(encrypted); }

Result<Bytes> ModernProfile::make_epd(const EpdRequest& req) const { return build_epd(req); }

Result<EpdInfo> ModernProfile::describe_epd(ByteView epd) const {
  auto e = parse_epd(epd);
  if (!e) return std::unexpected(e.error());
  return epd_info(*e);
}

bool ModernProfile::epd_selects_local(ByteView epd) const { return epd_selects_certificate(epd, certificate_); }

bool ModernProfile::epd_selects_certificate(ByteView epd, ByteView certificate) const {
  auto e = parse_epd(epd);
  auto c = parse_certificate(certificate);
  return e && c && epd_selects(*e, *c);
}

bool ModernProfile::certificate_authentic(ByteView certificate) const {
  // Well-formed with a valid key; possession of the key is proven by the
  // keying signatures (WIRE.md §6).
  return parse_certificate(certificate).has_value();
}

Result<PeerId> ModernProfile::peer_id(ByteView certificate) const { return certificate_peer_id(certificate); }

Result<Bytes> ModernProfile::canonical_epd(ByteView certificate) const {
  auto id = certificate_peer_id(certificate);
  if (!id) return std::unexpected(id.error());
  return canonical_epd_for(*id);
}

bool ModernProfile::near_prevails(ByteView near_certificate, ByteView far_certificate) const {
  return certificate_ordered_before_or_equal(near_certificate, far_certificate);
}

bool ModernProfile::overrides(ByteView existing, ByteView fresh) const {
  return std::equal(existing.begin(), existing.end(), fresh.begin(), fresh.end());
}

Result<std::unique_ptr<InitiatorHandshake>> ModernProfile::begin_initiator(ByteView responder_certificate,
                                                                          RandomSource& rng) {
  if (stable_initiator_identity_) return start_initiator(responder_certificate, rng, &*identity_, certificate_);
  return start_initiator(responder_certificate, rng);
}

Result<std::unique_ptr<ResponderHandshake>> ModernProfile::begin_responder(ByteView iikeying_signed_part,
                                                                          ByteView initiator_certificate,
                                                                          ByteView skic, ByteView signature,
                                                                          RandomSource& rng) {
  return start_responder(*identity_, certificate_, iikeying_signed_part, initiator_certificate, skic, signature,
                         rng);
}

}  // namespace rtmfp::crypto
