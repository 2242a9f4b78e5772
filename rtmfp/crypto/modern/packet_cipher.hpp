// Modern profile packet protection (WIRE.md §7, §8), ChaCha20-Poly1305 IETF.
//
// Session keys:  PN (8 bytes, big-endian, clear) || AEAD(plain) || tag.
//   nonce = IV xor (0^4 || PN), AAD = the 8 PN bytes; anti-replay window.
// Default key:   "MDK" 01 || AEAD(plain || 0xff padding) || tag, the published
//   key, zero nonce, AAD = the 4 header bytes; sealed size ≡ 8 (mod 16), so
//   it is never a non-zero multiple of 16 (the flash profile's demux rule).
#pragma once

#include <memory>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/modern/key_schedule.hpp"
#include "rtmfp/crypto/modern/replay_window.hpp"

namespace rtmfp::crypto::modern {

struct DirectionKeys {
  Key32 key{};
  Iv iv{};
};

// 12-byte AEAD nonce for packet number `pn`.
Iv packet_nonce(const Iv& iv, std::uint64_t pn);

class SessionCipher final : public PacketCipher {
 public:
  SessionCipher(const DirectionKeys& send, const DirectionKeys& recv);
  ~SessionCipher() override;
  SessionCipher(const SessionCipher&) = delete;
  SessionCipher& operator=(const SessionCipher&) = delete;

  // Returns an empty vector (never accepted) once 2^64 - 1 packets were sent.
  Bytes seal(ByteView plain) override;
  Result<Bytes> open(ByteView encrypted) override;
  std::size_t max_plain_size(std::size_t wire_budget) const override;  // budget - 24, exact

  std::uint64_t next_packet_number() const { return next_pn_; }

 private:
  DirectionKeys send_, recv_;
  std::uint64_t next_pn_ = 0;
  ReplayWindow window_;
};

class DefaultCipher final : public PacketCipher {
 public:
  Bytes seal(ByteView plain) override;
  Result<Bytes> open(ByteView encrypted) override;
  std::size_t max_plain_size(std::size_t wire_budget) const override;
};

// The default key bytes and the demux rule.
Key32 default_key();
bool has_default_framing(ByteView encrypted);  // magic and size % 16 != 0

}  // namespace rtmfp::crypto::modern
