#include "rtmfp/crypto/modern/identity.hpp"

#include <algorithm>

#include <sodium.h>

namespace rtmfp::crypto::modern {

Result<Identity> Identity::generate(RandomSource& rng) {
  std::array<std::uint8_t, kKeySize> seed{};
  rng.fill(seed);
  auto id = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return id;
}

Result<Identity> Identity::from_seed(ByteView seed) {
  if (seed.size() != kKeySize) return fail(Errc::invalid_argument, "modern identity must be a 32-byte Ed25519 seed");
  if (sodium_init() < 0) return fail(Errc::crypto_failure, "libsodium initialisation failed");
  Identity id;
  std::copy(seed.begin(), seed.end(), id.seed_.begin());
  crypto_sign_seed_keypair(id.public_key_.data(), id.secret_key_.data(), id.seed_.data());
  return id;
}

Identity::~Identity() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(secret_key_.data(), secret_key_.size());
}

Bytes Identity::sign(ByteView message) const {
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key_.data());
  return sig;
}

bool verify_signature(const PublicKey& key, ByteView message, ByteView signature) {
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) == 0;
}

}  // namespace rtmfp::crypto::modern
