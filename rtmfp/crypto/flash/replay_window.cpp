#include "rtmfp/crypto/flash/replay_window.hpp"

namespace rtmfp::crypto::flash {

bool ReplayWindow::acceptable(std::uint64_t seq) const {
  if (!any_ || seq > highest_) return true;
  const std::uint64_t back = highest_ - seq;
  if (back >= kSize) return false;  // below the window: a duplicate by definition
  return ((bitmap_ >> back) & 1u) == 0;
}

void ReplayWindow::record(std::uint64_t seq) {
  if (!any_) {
    any_ = true;
    highest_ = seq;
    bitmap_ = 1;
    return;
  }
  if (seq > highest_) {
    const std::uint64_t shift = seq - highest_;
    bitmap_ = shift >= kSize ? 0 : bitmap_ << shift;
    bitmap_ |= 1;
    highest_ = seq;
    return;
  }
  const std::uint64_t back = highest_ - seq;
  if (back < kSize) bitmap_ |= std::uint64_t{1} << back;
}

}  // namespace rtmfp::crypto::flash
