// Time as the sans-I/O core sees it: a point passed in by the caller.
// The core never reads a clock; the I/O driver passes the steady clock's
// reading and the simulator passes its virtual clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace rtmfp {

using Duration = std::chrono::microseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Convenience: a TimePoint `d` after the clock's origin (used by tests and the simulator).
constexpr TimePoint at(Duration d) { return TimePoint{d}; }

inline std::int64_t to_ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Earliest of two optional deadlines.
inline std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace rtmfp
