// Modern profile key schedule (WIRE.md §6): X25519 shared secret, transcript
// hash, keyed-BLAKE2b derivation of the per-direction AEAD keys and IVs and
// the session nonces, and the two signature messages.
#pragma once

#include "rtmfp/core/error.hpp"
#include "rtmfp/crypto/modern/certificate.hpp"

namespace rtmfp::crypto::modern {

using Key32 = std::array<std::uint8_t, kKeySize>;
using Iv = std::array<std::uint8_t, kIvSize>;

struct DerivedKeys {
  Key32 key_i2r{}, key_r2i{};
  Iv iv_i2r{}, iv_r2i{};
  Bytes nonce_initiator, nonce_responder;  // 32 bytes each
  ~DerivedKeys();
};

// X25519(private, public); rejects an all-zero result (small-order public key).
Result<Key32> x25519_shared(const Key32& private_key, const PublicKey& public_key);
PublicKey x25519_public(const Key32& private_key);

// TH = SHA-256(u32be(|RC|) RC || u32be(|SP|) SP || u32be(|RP|) RP).
Key32 transcript_hash(ByteView responder_certificate, ByteView iikeying_signed_part, ByteView rikeying_portion);

// BLAKE2b, 32-byte output, key = shared secret, message = label || TH.
Key32 kdf(const Key32& shared, const char* label, const Key32& th);
DerivedKeys derive_keys(const Key32& shared, const Key32& th);

// Initiator signs  label_i || SHA-256(RC) || SP.
Bytes initiator_signed_message(ByteView responder_certificate, ByteView iikeying_signed_part);
// Responder signs  label_r || TH  (TH commits to RC, SP ⊃ SKIC, and RP).
Bytes responder_signed_message(const Key32& th);

}  // namespace rtmfp::crypto::modern
