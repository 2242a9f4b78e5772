// The real clock, read only at the I/O edge and passed into the core.
#pragma once

#include <chrono>

#include "rtmfp/core/time.hpp"

namespace rtmfp::io {

inline TimePoint steady_now() {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

}  // namespace rtmfp::io
