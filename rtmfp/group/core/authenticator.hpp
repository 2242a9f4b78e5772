// What the group core needs from cryptography, injected so the core stays
// free of crypto libraries (rtmfp/group/crypto implements it with
// libsodium: Ed25519 signatures, BLAKE2b hashes). A member holds the
// publisher's public key; only the publisher can sign.
#pragma once

#include <array>
#include <cstdint>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/group/core/group_types.hpp"

namespace rtmfp::group {

using FragmentHash = std::array<std::uint8_t, 16>;
using Signature = std::array<std::uint8_t, 64>;
using PublicKey = std::array<std::uint8_t, 32>;

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Collision-resistant hash of one fragment's number and content.
  virtual FragmentHash hash(Seq seq, ByteView content) const = 0;
  // The publisher's signature over `bytes` (only where can_sign()).
  virtual bool can_sign() const = 0;
  virtual Signature sign(ByteView bytes) const = 0;
  // Whether `sig` is the publisher's signature over `bytes`.
  virtual bool verify(ByteView bytes, const Signature& sig) const = 0;
};

}  // namespace rtmfp::group
