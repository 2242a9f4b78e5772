// Anti-replay window for session sequence numbers, RFC 7425 §4.7.3.3 (in the
// manner of RFC 4303 §3.4.3): a 64-position bitmap below the highest number
// seen. Numbers already seen, or older than the window, are duplicates.
#pragma once

#include <cstdint>

namespace rtmfp::crypto::flash {

class ReplayWindow {
 public:
  static constexpr std::uint64_t kSize = 64;  // >= 32 required by §4.7.3.3
  // True if `seq` is new (not seen and not below the window).
  bool acceptable(std::uint64_t seq) const;
  // Records `seq` as seen; call only after the packet verified.
  void record(std::uint64_t seq);

 private:
  bool any_ = false;
  std::uint64_t highest_ = 0;
  std::uint64_t bitmap_ = 0;  // bit i set: highest_ - i was seen
};

}  // namespace rtmfp::crypto::flash
