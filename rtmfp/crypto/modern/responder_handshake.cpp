// Responder side (WIRE.md §6.3): verify the IIKeying, answer with an SKRC and
// a signature over label_r || TH, derive the keys from the whole transcript.
#include <optional>

#include <sodium.h>

#include "rtmfp/crypto/modern/handshake.hpp"
#include "rtmfp/crypto/modern/keying_component.hpp"

namespace rtmfp::crypto::modern {
namespace {

class ModernResponder final : public ResponderHandshake {
 public:
  ModernResponder(const Identity& id, ByteView local_certificate, ByteView signed_part, const Key32& shared,
                  Bytes skrc)
      : identity_(id),
        local_certificate_(local_certificate.begin(), local_certificate.end()),
        signed_part_(signed_part.begin(), signed_part.end()),
        shared_(shared),
        skrc_(std::move(skrc)) {}
  ~ModernResponder() override { sodium_memzero(shared_.data(), shared_.size()); }

  ByteView skrc() const override { return skrc_; }

  Bytes sign(ByteView rikeying_portion) override {
    const Key32 th = transcript_hash(local_certificate_, signed_part_, rikeying_portion);
    derived_.emplace(derive_keys(shared_, th));
    return identity_.sign(responder_signed_message(th));
  }

  Result<SessionKeys> keys() override {
    if (!derived_) return fail(Errc::bad_state, "modern: keys() before sign()");
    return make_session_keys(*derived_, false);
  }

 private:
  Identity identity_;
  Bytes local_certificate_;
  Bytes signed_part_;
  Key32 shared_;
  Bytes skrc_;
  std::optional<DerivedKeys> derived_;
};

}  // namespace

Result<std::unique_ptr<ResponderHandshake>> start_responder(const Identity& identity, ByteView local_certificate,
                                                            ByteView iikeying_signed_part,
                                                            ByteView initiator_certificate, ByteView skic,
                                                            ByteView signature, RandomSource& rng) {
  if (auto ok = check_iikeying_signed_part(iikeying_signed_part, initiator_certificate, skic); !ok)
    return std::unexpected(ok.error());
  auto ic = parse_certificate(initiator_certificate);
  if (!ic) return std::unexpected(ic.error());
  auto ik = parse_keying_component(skic, "SKIC");
  if (!ik) return std::unexpected(ik.error());
  if (!verify_signature(ic->identity_key, initiator_signed_message(local_certificate, iikeying_signed_part),
                        signature))
    return fail(Errc::crypto_failure, "modern: IIKeying signature does not verify with the initiator key");
  Key32 priv{};
  rng.fill(priv);
  KeyingComponent c;
  c.ephemeral_key = x25519_public(priv);
  rng.fill(c.nonce);
  auto shared = x25519_shared(priv, ik->ephemeral_key);
  sodium_memzero(priv.data(), priv.size());
  if (!shared) return std::unexpected(shared.error());
  auto h = std::make_unique<ModernResponder>(identity, local_certificate, iikeying_signed_part, *shared,
                                             build_keying_component(c));
  sodium_memzero(shared->data(), shared->size());
  return std::unique_ptr<ResponderHandshake>(std::move(h));
}

}  // namespace rtmfp::crypto::modern
