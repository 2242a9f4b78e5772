// RTMP simple handshake (R§5.2). See handshake.hpp.
#include "media/rtmp/handshake.hpp"

#include <algorithm>
#include <string>

namespace rtmfp::media::rtmp {

Handshake::Handshake(HandshakeRole role, std::uint32_t epoch_ms, std::uint64_t seed)
    : role_(role), epoch_(epoch_ms), rng_(seed ? seed : 1) {}

Bytes Handshake::make_1(std::uint32_t epoch) {
  // R§5.2.3: time (4) | zero (4) | random (1528).
  Bytes b;
  b.reserve(kHandshakeSize);
  ByteWriter w(b);
  w.u32(epoch);
  w.u32(0);  // interop-notes §2b: zero version so ffmpeg players skip FP9 validation
  while (b.size() < kHandshakeSize) {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    b.push_back(static_cast<std::uint8_t>(rng_ >> 24));
  }
  return b;
}

Bytes Handshake::start() {
  if (role_ != HandshakeRole::client || state_ != State::initial) return {};
  mine_ = make_1(epoch_);
  Bytes out;
  out.push_back(kRtmpVersion);
  out.insert(out.end(), mine_.begin(), mine_.end());
  state_ = State::wait_peer_01;
  return out;
}

Result<void> Handshake::feed(ByteView data, Bytes& out, std::uint32_t now_ms) {
  if (state_ == State::done) {
    leftover_.insert(leftover_.end(), data.begin(), data.end());
    return {};
  }
  if (role_ == HandshakeRole::client && state_ == State::initial)
    return fail(Errc::bad_state, "client handshake: start() not called");
  if (role_ == HandshakeRole::server && state_ == State::initial) state_ = State::wait_peer_01;
  received_ += data.size();
  buf_.insert(buf_.end(), data.begin(), data.end());

  if (state_ == State::wait_peer_01) {
    if (buf_.empty()) return {};
    if (buf_[0] != kRtmpVersion) {
      // R§5.2.2: 3 is the only version; 6 (RTMPE) and HTTP are common mistakes.
      std::string what = "RTMP handshake: unsupported version " + std::to_string(buf_[0]) + " in " +
                         (role_ == HandshakeRole::server ? "C0" : "S0") + " (expected 3)";
      if (buf_[0] == 6 || buf_[0] == 8) what += "; RTMPE is not supported";
      if (buf_[0] == 'G' || buf_[0] == 'P') what += "; this looks like HTTP";
      if (buf_[0] == 0x16) what += "; this looks like TLS (use rtmps://)";
      return fail(Errc::unsupported, what);
    }
    const std::size_t need = role_ == HandshakeRole::server ? 1 + kHandshakeSize : 1 + 2 * kHandshakeSize;
    if (buf_.size() < std::min<std::size_t>(need, 1 + kHandshakeSize)) return {};
    const std::uint8_t* p1 = buf_.data() + 1;
    peer_version_ = (std::uint32_t(p1[4]) << 24) | (std::uint32_t(p1[5]) << 16) | (std::uint32_t(p1[6]) << 8) | p1[7];
    const std::uint32_t peer_time = (std::uint32_t(p1[0]) << 24) | (std::uint32_t(p1[1]) << 16) |
                                    (std::uint32_t(p1[2]) << 8) | p1[3];
    // Echo (C2 or S2, R§5.2.3): peer's time, our read time, peer's random.
    auto echo = [&](Bytes& o) {
      ByteWriter w(o);
      w.u32(peer_time);
      w.u32(now_ms);
      o.insert(o.end(), p1 + 8, p1 + kHandshakeSize);
    };
    if (role_ == HandshakeRole::server) {
      mine_ = make_1(epoch_);
      out.push_back(kRtmpVersion);                        // S0
      out.insert(out.end(), mine_.begin(), mine_.end());  // S1
      echo(out);                                          // S2 echoes C1 (digest or not)
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(need));
      state_ = State::wait_peer_2;
    } else {
      if (buf_.size() < need) return {};
      // S2 is in buf_[1+1536 .. 1+3072): compare the random echo, but never fail (E§3).
      const std::uint8_t* s2 = buf_.data() + 1 + kHandshakeSize;
      echo_matched_ = std::equal(s2 + 8, s2 + kHandshakeSize, mine_.begin() + 8);
      echo(out);  // C2
      leftover_.assign(buf_.begin() + static_cast<std::ptrdiff_t>(need), buf_.end());
      buf_.clear();
      state_ = State::done;
      return {};
    }
  }
  if (state_ == State::wait_peer_2) {
    if (buf_.size() < kHandshakeSize) return {};
    echo_matched_ = std::equal(buf_.begin() + 8, buf_.begin() + kHandshakeSize, mine_.begin() + 8);
    leftover_.assign(buf_.begin() + kHandshakeSize, buf_.end());
    buf_.clear();
    state_ = State::done;
  }
  return {};
}

}  // namespace rtmfp::media::rtmp
