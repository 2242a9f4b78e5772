// An Ed25519 identity (WIRE.md §2): the 32-byte seed is what a server
// persists; the key pair comes from crypto_sign_seed_keypair.
#pragma once

#include "rtmfp/core/random.hpp"
#include "rtmfp/crypto/modern/certificate.hpp"

namespace rtmfp::crypto::modern {

class Identity {
 public:
  static Result<Identity> generate(RandomSource& rng);  // seed drawn from rng
  static Result<Identity> from_seed(ByteView seed);   // exactly 32 bytes
  Identity(const Identity&) = default;
  Identity& operator=(const Identity&) = default;
  ~Identity();

  const PublicKey& public_key() const { return public_key_; }
  Bytes seed() const { return Bytes(seed_.begin(), seed_.end()); }
  Bytes sign(ByteView message) const;  // 64-byte detached signature

 private:
  Identity() = default;
  std::array<std::uint8_t, kKeySize> seed_{};
  std::array<std::uint8_t, 64> secret_key_{};
  PublicKey public_key_{};
};

// Detached Ed25519 verification; false on a wrong-size signature.
bool verify_signature(const PublicKey& key, ByteView message, ByteView signature);

}  // namespace rtmfp::crypto::modern
