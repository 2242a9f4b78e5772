// The RFC 7425 §4 `flash` Cryptography Profile on OpenSSL 3.
//
// Identity: the responder certificate is modelled on the AMS one in the 2014
// capture: `01 0a` (Accepts Ancillary Data) + Extra Randomness (64 bytes) +
// Supported Ephemeral DH Group 2, 5, 14 (+ Hostname if configured). Its peer
// ID is the SHA-256 of the certificate (no Marker, §4.3.2). export_identity()
// persists the extra randomness so the same peer ID comes back. This identity
// is NOT authenticated: any well-formed certificate is "authentic" (§4.3.4)
// and anyone can replay an ephemeral-key certificate (§7). Proven identity is
// the modern profile's job. (FlashConfig::static_responder_keys builds a
// static-key certificate instead, whose identity IS implied by successful
// keying, §4.3.4.)
//
// FlashConfig::client_identity: a Flash-Player-like client for one
// NetConnection - one static-key certificate as both local_certificate() and
// the initiator certificate of every session, so peers reach us by the peer
// ID the server saw (§5.4.1); one profile instance per NetConnection (§5.3).
//
// Otherwise, as initiator it uses a fresh certificate per session (§5.3): by default a
// Static DH Public Key certificate like Flash Player (§4.6.1.3 with an
// ephemeral responder), in the strongest group both support (14 > 5 > 2).
#pragma once

#include <memory>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/flash/flash_config.hpp"
#include "rtmfp/crypto/flash/identity.hpp"
#include "rtmfp/crypto/flash/packet_cipher.hpp"

namespace rtmfp::crypto {

class FlashProfile final : public CryptoProfile {
 public:
  // Errors on a malformed persisted identity or an unsupported group list.
  static Result<std::unique_ptr<FlashProfile>> create(const FlashConfig& cfg, RandomSource& rng);

  Bytes export_identity() const { return identity_.encode(); }
  const FlashConfig& config() const { return cfg_; }

  ProfileKind kind() const override { return ProfileKind::flash; }
  PacketCipher& default_cipher() override { return *default_cipher_; }
  // One-port demux rule: the flash default-key framing is a non-zero multiple
  // of 16 bytes (RFC 7425 §4.7.2, no HMAC on the default key §4.6.4).
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
  FlashProfile() = default;
  FlashConfig cfg_;
  flash::ResponderIdentity identity_;
  Bytes certificate_;
  PeerId peer_id_{};
  std::unique_ptr<flash::FlashPacketCipher> default_cipher_;
};

}  // namespace rtmfp::crypto
