// Responder keying, RFC 7425 §4.6.1 (all four modes, as far as our own
// certificate allows) and §4.6.2-4.6.6.
#include <algorithm>
#include <string>

#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/handshake.hpp"
#include "rtmfp/crypto/flash/keying_component.hpp"

namespace rtmfp::crypto::flash {
namespace {

class FlashResponder final : public ResponderHandshake {
 public:
  FlashResponder(const FlashConfig& cfg, Bytes skic, Bytes skrc, Bytes secret, DirectionChecks send,
                 DirectionChecks recv)
      : cfg_(cfg), skic_(std::move(skic)), skrc_(std::move(skrc)), secret_(std::move(secret)), send_(send), recv_(recv) {}

  ByteView skrc() const override { return skrc_; }

  Bytes sign(ByteView rikeying_portion) override {
    Bytes signed_params(rikeying_portion.begin(), rikeying_portion.end());  // portion || SKIC (RFC 7016 §2.3.8)
    signed_params.insert(signed_params.end(), skic_.begin(), skic_.end());
    signed_ = true;
    return make_signature(signed_params, cfg_.signature);
  }

  Result<SessionKeys> keys() override {
    if (!signed_) return fail(Errc::bad_state, "ResponderHandshake::keys() before sign()");
    return make_session_keys(secret_, skrc_, skic_, send_, recv_);
  }

 private:
  FlashConfig cfg_;
  Bytes skic_;
  Bytes skrc_;
  Bytes secret_;
  DirectionChecks send_;
  DirectionChecks recv_;
  bool signed_ = false;
};

bool configured(const FlashConfig& cfg, std::uint64_t g) {
  return std::find(cfg.dh_groups.begin(), cfg.dh_groups.end(), g) != cfg.dh_groups.end() && find_dh_group(g);
}

}  // namespace

Result<std::unique_ptr<ResponderHandshake>> start_responder(const FlashConfig& cfg,
                                                            const std::vector<DhKey>& static_keys,
                                                            ByteView iikeying_signed_part,
                                                            ByteView initiator_certificate, ByteView skic,
                                                            ByteView signature, RandomSource& rng) {
  if (auto ok = verify_signature(signature, iikeying_signed_part, cfg.signature); !ok) return std::unexpected(ok.error());
  auto cert = parse_certificate(initiator_certificate);
  if (!cert) return std::unexpected(cert.error());
  auto far = parse_keying_component(skic, "SKIC");
  if (!far) return std::unexpected(far.error());

  std::uint64_t group = 0;
  ByteView far_public;
  if (cert->uses_static_keys()) {
    // §4.6.1.3 / §4.6.1.4: SKIC selects a group of the initiator's static keys.
    if (far->ephemeral_key)
      return fail(Errc::malformed, "SKIC has an ephemeral key but the initiator certificate is static (RFC 7425 §4.5.2.1)");
    if (!far->group_select) return fail(Errc::malformed, "SKIC lacks the DH Group Select (RFC 7425 §4.5.2.3)");
    group = *far->group_select;
    const StaticKey* k = cert->static_key(group);
    if (!k) return fail(Errc::malformed, "SKIC selects a group with no static key in the initiator certificate (RFC 7425 §4.6.1.3)");
    far_public = k->public_key;
  } else {
    // §4.6.1.1 / §4.6.1.2: SKIC carries the initiator's ephemeral key.
    if (!far->ephemeral_key) return fail(Errc::malformed, "SKIC lacks the Ephemeral DH Public Key (RFC 7425 §4.5.2.1)");
    group = far->ephemeral_key->group;
    far_public = far->ephemeral_key->public_key;
  }
  if (!configured(cfg, group)) return fail(Errc::unsupported, "SKIC selects unsupported DH group " + std::to_string(group));
  if (auto ok = check_public_key(group, far_public); !ok) return std::unexpected(ok.error());

  KeyingComponent skrc;
  skrc.hmac = negotiation_from(cfg.hmac, cfg.hmac_length);
  skrc.sseq = negotiation_from(cfg.sseq, 0);
  std::optional<DhKey> ephemeral;
  const DhKey* ours = nullptr;
  if (!static_keys.empty()) {
    // §4.6.1.2 / §4.6.1.4: our static key in that group; SKRC = salt only.
    for (const auto& k : static_keys)
      if (k.group() == group) ours = &k;
    if (!ours) return fail(Errc::unsupported, "no static key of ours in DH group " + std::to_string(group));
    skrc.extra_randomness.emplace(32);
    rng.fill(*skrc.extra_randomness);
  } else {
    // §4.6.1.1 / §4.6.1.3: a fresh ephemeral key in the same group.
    auto k = DhKey::generate(group, rng);
    if (!k) return std::unexpected(k.error());
    ephemeral = std::move(*k);
    ours = &*ephemeral;
    skrc.ephemeral_key = EphemeralKey{group, ours->public_key()};
  }
  auto secret = ours->shared_secret(far_public);
  if (!secret) return std::unexpected(secret.error());
  auto send = negotiate_send(skrc, *far);
  auto recv = negotiate_receive(skrc, *far, cfg.hmac, cfg.sseq);
  if (!send) return std::unexpected(send.error());
  if (!recv) return std::unexpected(recv.error());
  return std::make_unique<FlashResponder>(cfg, Bytes(skic.begin(), skic.end()), build_keying_component(skrc),
                                          std::move(*secret), *send, *recv);
}

}  // namespace rtmfp::crypto::flash
