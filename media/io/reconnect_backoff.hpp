// Reconnect policy of the relay (--reconnect): the delay starts at `initial`
// and doubles up to `max`, each delay jittered by ±jitter (so many relays
// restarted together do not reconnect in lockstep). A connection that then
// works for `good_period` resets the policy: the next failure waits
// `initial` again and the attempt count restarts. `max_attempts` consecutive
// failed attempts end the relay.
// Pure: time points and the random draw are passed in. The delays are
// rtmfp::RetryBackoff's (one policy for every retry loop of the tree).
#pragma once

#include <chrono>
#include <optional>

#include "rtmfp/core/retry_backoff.hpp"

namespace rtmfp::media::io {

class ReconnectBackoff {
 public:
  using clock = std::chrono::steady_clock;
  struct Params {
    std::chrono::milliseconds initial{500};
    std::chrono::milliseconds max{30000};
    double jitter = 0.2;
    std::chrono::milliseconds good_period{10000};
    int max_attempts = 1000;
  };
  ReconnectBackoff() = default;
  explicit ReconnectBackoff(Params p) : p_(p), delays_({p.initial, p.max, p.jitter}) {}

  // A failure at `now`; `u` is a uniform draw in [0, 1). The delay to wait
  // before the next attempt, or nullopt when max_attempts is reached.
  std::optional<std::chrono::milliseconds> on_failure(clock::time_point now, double u);
  // Data flowed at `now`: after good_period without a failure the policy resets.
  void on_progress(clock::time_point now);
  int attempts() const { return attempts_; }

 private:
  Params p_;
  RetryBackoff delays_{{p_.initial, p_.max, p_.jitter}};
  int attempts_ = 0;
  std::optional<clock::time_point> since_;  // last failure (start of the current period)
};

}  // namespace rtmfp::media::io
