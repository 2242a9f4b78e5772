// A crypto profile WITHOUT security, for tests and fuzzing only: packets are
// plain text with a 32-bit check, certificates are random identities. It
// exercises the session engine's state machines (handshake, glare, cookie
// change, close) deterministically and lets a fuzzer reach them without
// forging AEAD tags. Never enable it in a product build path.
#pragma once

#include <memory>

#include "rtmfp/core/crypto/crypto_profile.hpp"

namespace rtmfp::testing {

class NullProfile final : public CryptoProfile {
 public:
  NullProfile(RandomSource& rng, ProfileKind kind = ProfileKind::modern);

  ProfileKind kind() const override { return kind_; }
  PacketCipher& default_cipher() override { return *default_cipher_; }
  bool claims_startup_packet(ByteView encrypted) const override;
  ByteView local_certificate() const override { return certificate_; }
  PeerId local_peer_id() const override;
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

  // begin_responder calls: the key agreements a real profile would run (a
  // DH or X25519 operation each), counted for resource tests.
  std::uint64_t responder_keyings() const { return responder_keyings_; }

  // Creates the plain "cipher" for a session key (exposed for tests).
  static std::unique_ptr<PacketCipher> make_cipher(std::uint32_t key);

 private:
  ProfileKind kind_;
  Bytes certificate_;  // "NULL" + 32 random bytes
  std::unique_ptr<PacketCipher> default_cipher_;
  std::uint64_t responder_keyings_ = 0;
};

}  // namespace rtmfp::testing
