#include "rtmfp/crypto/modern/replay_window.hpp"

namespace rtmfp::crypto::modern {

bool ReplayWindow::acceptable(std::uint64_t pn) const {
  if (!any_ || pn > highest_) return true;
  const std::uint64_t back = highest_ - pn;
  return back < kSize && !test(back);
}

void ReplayWindow::shift(std::uint64_t n) {
  if (n >= kSize) {
    bits_ = {};
    return;
  }
  if (n >= 64) {
    bits_[1] = bits_[0] << (n - 64);
    bits_[0] = 0;
  } else if (n > 0) {
    bits_[1] = (bits_[1] << n) | (bits_[0] >> (64 - n));
    bits_[0] <<= n;
  }
}

void ReplayWindow::record(std::uint64_t pn) {
  if (!any_) {
    any_ = true;
    highest_ = pn;
    bits_ = {};
    set(0);
    return;
  }
  if (pn > highest_) {
    shift(pn - highest_);
    highest_ = pn;
    set(0);
    return;
  }
  const std::uint64_t back = highest_ - pn;
  if (back < kSize) set(back);
}

}  // namespace rtmfp::crypto::modern
