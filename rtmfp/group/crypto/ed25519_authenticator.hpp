// The group's Authenticator with libsodium: Ed25519 signatures (RFC 8032)
// by the publisher over manifests, BLAKE2b-128 fragment hashes.
#pragma once

#include <optional>

#include "rtmfp/core/error.hpp"
#include "rtmfp/group/core/authenticator.hpp"

namespace rtmfp::group {

using SecretKey = std::array<std::uint8_t, 64>;  // libsodium's Ed25519 secret key (seed + public key)

struct PublisherKeys {
  PublicKey public_key{};
  SecretKey secret_key{};
};

// A fresh key pair from the operating system's randomness.
PublisherKeys generate_publisher_keys();
// A key pair from a 32-byte seed (tests, simulator: reproducible).
PublisherKeys publisher_keys_from_seed(const std::array<std::uint8_t, 32>& seed);

class Ed25519Authenticator final : public Authenticator {
 public:
  // A member: verifies with the publisher's public key.
  explicit Ed25519Authenticator(const PublicKey& publisher);
  // The publisher: signs too.
  explicit Ed25519Authenticator(const PublisherKeys& keys);

  FragmentHash hash(Seq seq, ByteView content) const override;
  bool can_sign() const override { return secret_.has_value(); }
  Signature sign(ByteView bytes) const override;
  bool verify(ByteView bytes, const Signature& sig) const override;
  const PublicKey& public_key() const { return public_; }

 private:
  PublicKey public_{};
  std::optional<SecretKey> secret_;
};

}  // namespace rtmfp::group
