// SKIC and SKRC of the modern profile (WIRE.md §5): Profile Version, X25519
// ephemeral public key and a 32-byte random nonce, as an option sequence.
#pragma once

#include "rtmfp/core/error.hpp"
#include "rtmfp/crypto/modern/certificate.hpp"

namespace rtmfp::crypto::modern {

using KeyingNonce = std::array<std::uint8_t, kNonceSize>;

struct KeyingComponent {
  PublicKey ephemeral_key{};
  KeyingNonce nonce{};
};

// version (first, = 1), exactly one key and one nonce; unknown types ignored;
// no Markers. `what` is "SKIC" or "SKRC" for the error text.
Result<KeyingComponent> parse_keying_component(ByteView data, const char* what);
Bytes build_keying_component(const KeyingComponent& c);

}  // namespace rtmfp::crypto::modern
