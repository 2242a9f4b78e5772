#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

#include <sodium.h>

#include <cstdlib>

namespace rtmfp::group {

namespace {
void init_sodium() {
  // sodium_init is idempotent and thread-safe; it fails only without an
  // entropy source, where nothing here could work.
  if (sodium_init() < 0) std::abort();
}
}  // namespace

PublisherKeys generate_publisher_keys() {
  init_sodium();
  PublisherKeys k;
  crypto_sign_keypair(k.public_key.data(), k.secret_key.data());
  return k;
}

PublisherKeys publisher_keys_from_seed(const std::array<std::uint8_t, 32>& seed) {
  init_sodium();
  PublisherKeys k;
  crypto_sign_seed_keypair(k.public_key.data(), k.secret_key.data(), seed.data());
  return k;
}

Ed25519Authenticator::Ed25519Authenticator(const PublicKey& publisher) : public_(publisher) { init_sodium(); }

Ed25519Authenticator::Ed25519Authenticator(const PublisherKeys& keys)
    : public_(keys.public_key), secret_(keys.secret_key) {
  init_sodium();
}

FragmentHash Ed25519Authenticator::hash(Seq seq, ByteView content) const {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, sizeof(FragmentHash));
  std::uint8_t be[8];
  for (int i = 0; i < 8; ++i) be[i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  crypto_generichash_update(&st, be, sizeof be);
  crypto_generichash_update(&st, content.data(), content.size());
  FragmentHash h{};
  crypto_generichash_final(&st, h.data(), h.size());
  return h;
}

Signature Ed25519Authenticator::sign(ByteView bytes) const {
  Signature sig{};
  if (secret_) crypto_sign_detached(sig.data(), nullptr, bytes.data(), bytes.size(), secret_->data());
  return sig;
}

bool Ed25519Authenticator::verify(ByteView bytes, const Signature& sig) const {
  return crypto_sign_verify_detached(sig.data(), bytes.data(), bytes.size(), public_.data()) == 0;
}

}  // namespace rtmfp::group
