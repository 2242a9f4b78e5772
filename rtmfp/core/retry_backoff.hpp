// Retry delays for reconnecting and registering again (a local policy, not an
// RFC schedule; the handshake's own retransmissions follow RFC 7016
// §3.5.1.1.1 in session/backoff.hpp): the first delay `initial`, each next
// one doubled up to `max`, each jittered by +-`jitter` with a uniform draw
// the caller passes in, so that many clients that lost the same server do not
// all come back in the same instant. reset() after a success.
// Pure: no clock and no random source of its own.
#pragma once

#include "rtmfp/core/time.hpp"

namespace rtmfp {

class RetryBackoff {
 public:
  struct Params {
    Duration initial = std::chrono::seconds(1);
    Duration max = std::chrono::seconds(30);
    double jitter = 0.2;  // each delay in [(1 - jitter) d, (1 + jitter) d]
  };
  RetryBackoff() = default;
  explicit RetryBackoff(Params p) : p_(p) {}

  // The delay before the next attempt; `u` is a uniform draw in [0, 1).
  Duration next(double u);
  // Back to `initial` (a success, or a new round).
  void reset() { base_ = Duration::zero(); }
  // The un-jittered delay of the last next() (zero after reset()).
  Duration base() const { return base_; }
  const Params& params() const { return p_; }

 private:
  Params p_;
  Duration base_ = Duration::zero();
};

}  // namespace rtmfp
