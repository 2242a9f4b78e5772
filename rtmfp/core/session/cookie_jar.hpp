// Stateless responder cookies, RFC 7016 §3.5.1.1.2 and §3.5.1.2.
//
// A cookie is 30 bytes:
//   version(1)=1 | generation(1) | issued(u32, seconds since the jar's epoch)
//   | nonce(8) | id_mac(8) | addr_mac(8)
// id_mac = SipHash(secret[gen], version..nonce) proves the cookie is ours
// whatever address echoes it; addr_mac = SipHash(secret[gen], version..nonce
// || address) binds it to the address the IHello came from. So an IIKeying
// echoing a cookie is one of:
//   - valid: both MACs verify and the cookie is younger than kCookieLifetime;
//   - address_mismatch: id_mac verifies, addr_mac does not -> Cookie Change;
//   - invalid: anything else (forged, expired, or its secret rotated out),
//     which the responder ignores silently.
// Secrets rotate every kCookieSecretRotation; the last three are kept, which
// covers the 120 s lifetime (>= the 95 s the RFC asks for).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/core/siphash.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp {

enum class CookieCheck { valid, address_mismatch, invalid };

class CookieJar {
 public:
  static constexpr std::size_t kCookieSize = 30;

  explicit CookieJar(RandomSource& rng) : rng_(rng) {}

  Bytes issue(TimePoint now, const SocketAddress& to);
  CookieCheck check(TimePoint now, ByteView cookie, const SocketAddress& from);

 private:
  struct Secret {
    std::uint8_t generation = 0;
    SipKey key{};
    bool live = false;
  };
  void rotate_if_due(TimePoint now);
  const Secret* find(std::uint8_t generation) const;
  std::uint32_t seconds_since_epoch(TimePoint now) const;

  RandomSource& rng_;
  std::optional<TimePoint> epoch_;
  TimePoint last_rotation_{};
  std::uint8_t next_generation_ = 0;
  std::array<Secret, 3> secrets_{};
  std::size_t current_ = 0;
};

}  // namespace rtmfp
