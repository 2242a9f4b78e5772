#include "rtmfp/crypto/modern/key_schedule.hpp"

#include <cstring>

#include <sodium.h>

namespace rtmfp::crypto::modern {
namespace {

ByteView label_bytes(const char* label) { return {reinterpret_cast<const std::uint8_t*>(label), std::strlen(label)}; }

void hash_with_length(crypto_hash_sha256_state& st, ByteView part) {
  std::uint8_t len[4];
  const auto n = static_cast<std::uint32_t>(part.size());
  len[0] = static_cast<std::uint8_t>(n >> 24);
  len[1] = static_cast<std::uint8_t>(n >> 16);
  len[2] = static_cast<std::uint8_t>(n >> 8);
  len[3] = static_cast<std::uint8_t>(n);
  crypto_hash_sha256_update(&st, len, sizeof len);
  crypto_hash_sha256_update(&st, part.data(), part.size());
}

}  // namespace

DerivedKeys::~DerivedKeys() {
  sodium_memzero(key_i2r.data(), key_i2r.size());
  sodium_memzero(key_r2i.data(), key_r2i.size());
}

Result<Key32> x25519_shared(const Key32& private_key, const PublicKey& public_key) {
  Key32 out{};
  if (crypto_scalarmult(out.data(), private_key.data(), public_key.data()) != 0 ||
      sodium_is_zero(out.data(), out.size()))
    return fail(Errc::crypto_failure, "X25519 shared secret is all zero (small-order public key)");
  return out;
}

PublicKey x25519_public(const Key32& private_key) {
  PublicKey pub{};
  crypto_scalarmult_base(pub.data(), private_key.data());
  return pub;
}

Key32 transcript_hash(ByteView responder_certificate, ByteView iikeying_signed_part, ByteView rikeying_portion) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  hash_with_length(st, responder_certificate);
  hash_with_length(st, iikeying_signed_part);
  hash_with_length(st, rikeying_portion);
  Key32 out{};
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

Key32 kdf(const Key32& shared, const char* label, const Key32& th) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, shared.data(), shared.size(), kKeySize);
  const ByteView l = label_bytes(label);
  crypto_generichash_update(&st, l.data(), l.size());
  crypto_generichash_update(&st, th.data(), th.size());
  Key32 out{};
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

DerivedKeys derive_keys(const Key32& shared, const Key32& th) {
  DerivedKeys d;
  d.key_i2r = kdf(shared, kLabelKeyI2R, th);
  d.key_r2i = kdf(shared, kLabelKeyR2I, th);
  const Key32 iv_i = kdf(shared, kLabelIvI2R, th);
  const Key32 iv_r = kdf(shared, kLabelIvR2I, th);
  std::memcpy(d.iv_i2r.data(), iv_i.data(), kIvSize);
  std::memcpy(d.iv_r2i.data(), iv_r.data(), kIvSize);
  const Key32 ni = kdf(shared, kLabelNonceI, th);
  const Key32 nr = kdf(shared, kLabelNonceR, th);
  d.nonce_initiator.assign(ni.begin(), ni.end());
  d.nonce_responder.assign(nr.begin(), nr.end());
  return d;
}

Bytes initiator_signed_message(ByteView responder_certificate, ByteView iikeying_signed_part) {
  const ByteView l = label_bytes(kLabelInitiatorSig);
  Bytes m(l.begin(), l.end());
  std::uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, responder_certificate.data(), responder_certificate.size());
  m.insert(m.end(), h, h + sizeof h);
  m.insert(m.end(), iikeying_signed_part.begin(), iikeying_signed_part.end());
  return m;
}

Bytes responder_signed_message(const Key32& th) {
  const ByteView l = label_bytes(kLabelResponderSig);
  Bytes m(l.size() + th.size());
  std::memcpy(m.data(), l.data(), l.size());
  std::memcpy(m.data() + l.size(), th.data(), th.size());
  return m;
}

}  // namespace rtmfp::crypto::modern
