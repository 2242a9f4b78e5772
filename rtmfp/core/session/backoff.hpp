// Retransmission schedule for IHello and IIKeying, RFC 7016 §3.5.1.1.1:
// "The backoff SHOULD NOT be less than multiplicative, with not less than
// 1.5 seconds added to the interval between each attempt", scheduled
// separately per candidate address.
#pragma once

#include <algorithm>

#include "rtmfp/core/params.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp {

struct Backoff {
  TimePoint next_send{};
  Duration interval = params::kHelloFirstInterval;

  void start(TimePoint now) {
    next_send = now;
    interval = params::kHelloFirstInterval;
  }
  // Call after each send at `now`.
  void sent(TimePoint now) {
    next_send = now + interval;
    auto multiplied = Duration(static_cast<Duration::rep>(static_cast<double>(interval.count()) *
                                                           params::kBackoffFactor));
    interval = std::max(multiplied, interval + params::kBackoffMinIncrement);
  }
};

}  // namespace rtmfp
