// The flash profile packet cipher, RFC 7425 §4.7: AES-128-CBC with a zero IV
// on every packet (§4.7.1); plaintext = [VLU SSEQ] [checksum if no HMAC]
// plain packet, 0xff-padded as a whole to a multiple of 16 (§4.7.2); then an
// optional truncated HMAC-SHA256 over the cipher blocks (§4.7.3.2). Each
// direction has its own checks, as negotiated (§4.6.4, §4.6.6).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/flash/key_schedule.hpp"
#include "rtmfp/crypto/flash/replay_window.hpp"

namespace rtmfp::crypto::flash {

using AesKey = std::array<std::uint8_t, 16>;

// "Adobe Systems 02", RFC 7425 §4.1.
inline constexpr AesKey kDefaultSessionKey = {0x41, 0x64, 0x6f, 0x62, 0x65, 0x20, 0x53, 0x79,
                                              0x73, 0x74, 0x65, 0x6d, 0x73, 0x20, 0x30, 0x32};

// One direction's verification settings.
struct DirectionChecks {
  bool hmac = false;            // HMAC instead of the checksum (§4.7.3.2)
  std::size_t hmac_length = 0;  // 4..32 when hmac
  bool sseq = false;            // session sequence numbers (§4.7.3.3)
};

struct CipherConfig {
  AesKey encrypt_key{};
  AesKey decrypt_key{};
  Digest hmac_send_key{};
  Digest hmac_recv_key{};
  DirectionChecks send;
  DirectionChecks recv;
};

class FlashPacketCipher final : public PacketCipher {
 public:
  explicit FlashPacketCipher(const CipherConfig& cfg);
  ~FlashPacketCipher() override;
  FlashPacketCipher(const FlashPacketCipher&) = delete;
  FlashPacketCipher& operator=(const FlashPacketCipher&) = delete;

  // The Default Session Key cipher: checksum, no HMAC, no SSEQ (§4.6.4, §4.6.6).
  static std::unique_ptr<FlashPacketCipher> make_default();

  Bytes seal(ByteView plain) override;
  Result<Bytes> open(ByteView encrypted) override;
  // Exact for the next sealed packet; the SSEQ field is sized for a sequence
  // number 2^20 ahead so a caller may size a batch of packets at once.
  std::size_t max_plain_size(std::size_t wire_budget) const override;

  const CipherConfig& config() const { return cfg_; }
  std::uint64_t next_send_sequence() const { return next_seq_; }

 private:
  CipherConfig cfg_;
  std::uint64_t next_seq_ = 0;  // §4.6.6: starts at zero, +1 per packet, never wraps
  ReplayWindow window_;
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace rtmfp::crypto::flash
