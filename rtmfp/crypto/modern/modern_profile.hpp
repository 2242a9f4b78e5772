// The `modern` Cryptography Profile on libsodium: Ed25519 identities,
// signed X25519 keying bound to the whole handshake transcript,
// ChaCha20-Poly1305 IETF packets with a 64-bit packet number and an
// anti-replay window. The normative wire description is WIRE.md here.
//
// Servers persist their identity (the 32-byte Ed25519 seed) through
// ModernConfig::identity / export_identity(); an initiator uses a fresh
// identity per session (begin_initiator makes one).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/modern/identity.hpp"
#include "rtmfp/crypto/modern/packet_cipher.hpp"

namespace rtmfp::crypto {

struct ModernConfig {
  std::optional<Bytes> identity;  // 32-byte Ed25519 seed; nullopt: fresh from the RandomSource
  std::string hostname;           // put in the certificate when non-empty (<= 200 bytes)
  // Default (false): a fresh identity per initiated session (unlinkable).
  // true: initiate with this profile's own identity and certificate, so the
  // peer ID a server sees is the one other peers can select us by (like the
  // flash profile's client_identity, RFC 7425 §5.4.1); make a new profile per
  // connection if the peer ID must not be reused.
  bool stable_initiator_identity = false;
};

class ModernProfile final : public CryptoProfile {
 public:
  // Errors on a persisted identity that is not 32 bytes or a hostname > 200 bytes.
  static Result<std::unique_ptr<ModernProfile>> create(const ModernConfig& cfg, RandomSource& rng);

  Bytes export_identity() const { return identity_->seed(); }

  ProfileKind kind() const override { return ProfileKind::modern; }
  PacketCipher& default_cipher() override { return default_cipher_; }
  // Magic "MDK" 01 and size % 16 != 0 (WIRE.md §7.3).
  bool claims_startup_packet(ByteView encrypted) const override;

  ByteView local_certificate() const override { return certificate_; }
  PeerId local_peer_id() const override { return peer_id_; }
  Result<Bytes> make_epd(const EpdRequest& req) const override;
  Result<EpdInfo> describe_epd(ByteView epd) const override;
  bool epd_selects_local(ByteView epd) const override;
  bool epd_selects_certificate(ByteView epd, ByteView certificate) const override;
  bool certificate_authentic(ByteView certificate) const override;
  Result<PeerId> peer_id(ByteView certificate) const override;
  Result<Bytes> canonical_epd(ByteView certificate) const override;
  bool near_prevails(ByteView near_certificate, ByteView far_certificate) const override;
  bool overrides(ByteView existing, ByteView fresh) const override;

  Result<std::unique_ptr<InitiatorHandshake>> begin_initiator(ByteView responder_certificate,
                                                              RandomSource& rng) override;
  Result<std::unique_ptr<ResponderHandshake>> begin_responder(ByteView iikeying_signed_part,
                                                              ByteView initiator_certificate, ByteView skic,
                                                              ByteView signature, RandomSource& rng) override;

 private:
  ModernProfile() = default;
  bool stable_initiator_identity_ = false;
  std::optional<modern::Identity> identity_;
  Bytes certificate_;
  PeerId peer_id_{};
  modern::DefaultCipher default_cipher_;
};

}  // namespace rtmfp::crypto
