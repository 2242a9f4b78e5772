// Initiator side (WIRE.md §6): fresh identity per session (or the profile's own), X25519 ephemeral
// key + nonce in the SKIC, signature over label_i || SHA-256(RC) || SP, and
// on RIKeying: verify the responder signature over label_r || TH, derive.
#include <sodium.h>

#include "rtmfp/crypto/modern/handshake.hpp"
#include "rtmfp/crypto/modern/keying_component.hpp"

namespace rtmfp::crypto::modern {
namespace {

class ModernInitiator final : public InitiatorHandshake {
 public:
  ModernInitiator(Identity id, ParsedCertificate responder, ByteView responder_certificate)
      : identity_(std::move(id)),
        responder_(responder),
        responder_certificate_(responder_certificate.begin(), responder_certificate.end()) {}
  ~ModernInitiator() override { sodium_memzero(ephemeral_private_.data(), ephemeral_private_.size()); }

  void init(RandomSource& rng, ByteView own_certificate) {
    certificate_ = own_certificate.empty() ? build_certificate(CertificateSpec{identity_.public_key(), {}, false})
                                           : Bytes(own_certificate.begin(), own_certificate.end());
    rng.fill(ephemeral_private_);
    KeyingComponent c;
    c.ephemeral_key = x25519_public(ephemeral_private_);
    rng.fill(c.nonce);
    skic_ = build_keying_component(c);
  }

  ByteView certificate() const override { return certificate_; }
  ByteView skic() const override { return skic_; }

  Bytes sign(ByteView iikeying_signed_part) override {
    signed_part_.assign(iikeying_signed_part.begin(), iikeying_signed_part.end());
    return identity_.sign(initiator_signed_message(responder_certificate_, signed_part_));
  }

  Result<SessionKeys> complete(ByteView rikeying_portion, ByteView skrc, ByteView signature) override {
    if (signed_part_.empty()) return fail(Errc::bad_state, "modern: RIKeying before the IIKeying was signed");
    if (auto ok = check_rikeying_portion(rikeying_portion, skrc); !ok) return std::unexpected(ok.error());
    auto c = parse_keying_component(skrc, "SKRC");
    if (!c) return std::unexpected(c.error());
    const Key32 th = transcript_hash(responder_certificate_, signed_part_, rikeying_portion);
    if (!verify_signature(responder_.identity_key, responder_signed_message(th), signature))
      return fail(Errc::crypto_failure, "modern: RIKeying signature does not verify with the responder key");
    auto shared = x25519_shared(ephemeral_private_, c->ephemeral_key);
    if (!shared) return std::unexpected(shared.error());
    const DerivedKeys d = derive_keys(*shared, th);
    sodium_memzero(shared->data(), shared->size());
    return make_session_keys(d, true);
  }

 private:
  Identity identity_;
  ParsedCertificate responder_;
  Bytes responder_certificate_;
  Bytes certificate_;
  Key32 ephemeral_private_{};
  Bytes skic_;
  Bytes signed_part_;
};

}  // namespace

Result<std::unique_ptr<InitiatorHandshake>> start_initiator(ByteView responder_certificate, RandomSource& rng,
                                                            const Identity* own, ByteView own_certificate) {
  auto rc = parse_certificate(responder_certificate);
  if (!rc) return std::unexpected(rc.error());
  if (own && own_certificate.empty()) return fail(Errc::invalid_argument, "modern: own identity without certificate");
  auto id = own ? Result<Identity>(*own) : Identity::generate(rng);
  if (!id) return std::unexpected(id.error());
  auto h = std::make_unique<ModernInitiator>(std::move(*id), *rc, responder_certificate);
  h->init(rng, own ? own_certificate : ByteView{});
  return std::unique_ptr<InitiatorHandshake>(std::move(h));
}

}  // namespace rtmfp::crypto::modern
