// Initiator keying, RFC 7425 §4.6.1 (all four modes) and §4.6.2-4.6.6.
#include <string>

#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/handshake.hpp"
#include "rtmfp/crypto/flash/keying_component.hpp"

namespace rtmfp::crypto::flash {
namespace {

class FlashInitiator final : public InitiatorHandshake {
 public:
  FlashInitiator(const FlashConfig& cfg, ParsedCertificate responder, DhKey key, Bytes certificate,
                 KeyingComponent skic_fields)
      : cfg_(cfg),
        responder_(std::move(responder)),
        key_(std::move(key)),
        certificate_(std::move(certificate)),
        skic_fields_(std::move(skic_fields)),
        skic_(build_keying_component(skic_fields_)) {}

  ByteView certificate() const override { return certificate_; }
  ByteView skic() const override { return skic_; }

  Bytes sign(ByteView iikeying_signed_part) override {
    return make_signature(iikeying_signed_part, cfg_.signature);  // §4.3.5
  }

  Result<SessionKeys> complete(ByteView rikeying_portion, ByteView skrc, ByteView signature) override {
    Bytes signed_params(rikeying_portion.begin(), rikeying_portion.end());
    signed_params.insert(signed_params.end(), skic_.begin(), skic_.end());
    if (auto ok = verify_signature(signature, signed_params, cfg_.signature); !ok) return std::unexpected(ok.error());
    auto far = parse_keying_component(skrc, "SKRC");
    if (!far) return std::unexpected(far.error());
    ByteView far_public;
    if (responder_.uses_static_keys()) {
      // §4.6.1.2 / §4.6.1.4: the responder uses its certificate key; its SKRC
      // MUST NOT carry an ephemeral key (§4.5.2.1).
      if (far->ephemeral_key)
        return fail(Errc::malformed, "SKRC has an ephemeral key but the responder certificate is static (RFC 7425 §4.5.2.1)");
      far_public = responder_.static_key(key_.group())->public_key;
    } else {
      // §4.6.1.1 / §4.6.1.3: one ephemeral key in the selected group.
      if (!far->ephemeral_key) return fail(Errc::malformed, "SKRC lacks the Ephemeral DH Public Key (RFC 7425 §4.6.1)");
      if (far->ephemeral_key->group != key_.group())
        return fail(Errc::malformed, "SKRC ephemeral key is in group " + std::to_string(far->ephemeral_key->group) +
                                         ", not the selected group (RFC 7425 §4.6.1)");
      far_public = far->ephemeral_key->public_key;
    }
    auto secret = key_.shared_secret(far_public);  // checks §4.6.2 acceptance
    if (!secret) return std::unexpected(secret.error());
    auto send = negotiate_send(skic_fields_, *far);
    auto recv = negotiate_receive(skic_fields_, *far, cfg_.hmac, cfg_.sseq);
    if (!send) return std::unexpected(send.error());
    if (!recv) return std::unexpected(recv.error());
    return make_session_keys(*secret, skic_, skrc, *send, *recv);
  }

 private:
  FlashConfig cfg_;
  ParsedCertificate responder_;
  DhKey key_;
  Bytes certificate_;
  KeyingComponent skic_fields_;
  Bytes skic_;
};

}  // namespace

Result<std::unique_ptr<InitiatorHandshake>> start_initiator(const FlashConfig& cfg, ByteView responder_certificate,
                                                            RandomSource& rng, ByteView own_certificate,
                                                            const std::vector<DhKey>& own_static_keys) {
  auto resp = parse_certificate(responder_certificate);
  if (!resp) return std::unexpected(resp.error());
  std::vector<std::uint64_t> theirs = resp->ephemeral_groups;
  for (const auto& k : resp->static_keys) theirs.push_back(k.group);
  const bool client_identity = !own_static_keys.empty();
  std::vector<std::uint64_t> ours = cfg.dh_groups;
  if (client_identity) {
    ours.clear();
    for (const auto& k : own_static_keys) ours.push_back(k.group());
  }
  const auto group = choose_group(ours, theirs);
  if (!group) return fail(Errc::unsupported, "no DH group in common with the responder certificate (RFC 7425 §4.6.1)");
  if (resp->uses_static_keys()) {
    if (auto ok = check_public_key(*group, resp->static_key(*group)->public_key); !ok)
      return std::unexpected(ok.error());
  }
  KeyingComponent skic;
  skic.hmac = negotiation_from(cfg.hmac, cfg.hmac_length);
  skic.sseq = negotiation_from(cfg.sseq, 0);
  if (client_identity) {
    // §4.6.1.3 / §4.6.1.4 with the identity's static key in that group.
    const DhKey* mine = nullptr;
    for (const auto& k : own_static_keys)
      if (k.group() == *group) mine = &k;
    skic.group_select = *group;
    skic.extra_randomness.emplace(64);
    rng.fill(*skic.extra_randomness);
    return std::make_unique<FlashInitiator>(cfg, std::move(*resp), *mine,
                                            Bytes(own_certificate.begin(), own_certificate.end()), std::move(skic));
  }
  auto key = DhKey::generate(*group, rng);
  if (!key) return std::unexpected(key.error());

  CertificateSpec cert;  // fresh per session: a client peer ID MUST NOT be reused (RFC 7425 §5.3)
  if (cfg.initiator_static_key) {
    // §4.6.1.3 / §4.6.1.4: certificate = our key; SKIC = group select + salt.
    cert.static_keys.push_back(StaticKey{*group, key->public_key()});
    skic.group_select = *group;
    skic.extra_randomness.emplace(64);
    rng.fill(*skic.extra_randomness);
  } else {
    // §4.6.1.1 / §4.6.1.2: certificate lists our groups (+ randomness for a
    // unique fingerprint); SKIC carries the ephemeral key, selecting the group.
    for (std::uint64_t g : cfg.dh_groups)
      if (find_dh_group(g)) cert.ephemeral_groups.push_back(g);
    cert.extra_randomness.resize(32);
    rng.fill(cert.extra_randomness);
    skic.ephemeral_key = EphemeralKey{*group, key->public_key()};
  }
  return std::make_unique<FlashInitiator>(cfg, std::move(*resp), std::move(*key), build_certificate(cert),
                                          std::move(skic));
}

}  // namespace rtmfp::crypto::flash
