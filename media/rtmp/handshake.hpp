// RTMP simple handshake (R§5.2), with the interop rules of the errata (E§3)
// and interop-notes §2b: our S1 and C1 carry a ZERO version field (bytes 4-7),
// S2 echoes C1 whatever it contains (a Flash/ffmpeg digest is simply echoed),
// and the echo received in C2/S2 is not required to be identical.
// Sans-I/O: feed bytes, take bytes to send; the caller supplies the time and
// the random filler (no clock or RNG reads here).
#pragma once

#include <cstdint>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::rtmp {

inline constexpr std::size_t kHandshakeSize = 1536;  // C1/S1/C2/S2 (R§5.2.3)
inline constexpr std::uint8_t kRtmpVersion = 3;      // C0/S0 (R§5.2.2)

enum class HandshakeRole { client, server };

class Handshake {
 public:
  // `epoch_ms` goes into the time field of C1/S1; `seed` fills the random part.
  Handshake(HandshakeRole role, std::uint32_t epoch_ms = 0, std::uint64_t seed = 0x9e3779b97f4a7c15ull);

  // Client only: C0+C1, to be sent first. Empty for the server.
  Bytes start();

  // Feeds received bytes. Bytes to send are appended to `out`. When done()
  // becomes true, any bytes past the handshake are left in leftover().
  Result<void> feed(ByteView data, Bytes& out, std::uint32_t now_ms = 0);

  bool done() const { return state_ == State::done; }
  // Bytes received after the handshake ended (the first chunks).
  Bytes take_leftover() { return std::move(leftover_); }
  // True if the peer's echo (C2/S2) matched what we sent exactly.
  bool echo_matched() const { return echo_matched_; }
  // The peer's C1/S1 version field (bytes 4-7); non-zero means FP9-style.
  std::uint32_t peer_version() const { return peer_version_; }
  std::uint64_t bytes_received() const { return received_; }

 private:
  enum class State { initial, wait_peer_01, wait_peer_2, done };
  Bytes make_1(std::uint32_t epoch);
  HandshakeRole role_;
  State state_ = State::initial;
  std::uint32_t epoch_;
  std::uint64_t rng_;
  Bytes mine_;  // our C1/S1
  Bytes buf_;
  Bytes leftover_;
  bool echo_matched_ = false;
  std::uint32_t peer_version_ = 0;
  std::uint64_t received_ = 0;
};

}  // namespace rtmfp::media::rtmp
