// Anti-replay window over 64-bit packet numbers (WIRE.md §8): the highest
// number accepted plus a 128-position bitmap below it. Numbers already seen
// or 128 or more below the highest are rejected.
#pragma once

#include <array>
#include <cstdint>

namespace rtmfp::crypto::modern {

class ReplayWindow {
 public:
  static constexpr std::uint64_t kSize = 128;
  bool acceptable(std::uint64_t pn) const;
  void record(std::uint64_t pn);  // only after the packet authenticated

 private:
  bool test(std::uint64_t back) const { return (bits_[back / 64] >> (back % 64)) & 1u; }
  void set(std::uint64_t back) { bits_[back / 64] |= std::uint64_t{1} << (back % 64); }
  void shift(std::uint64_t n);
  bool any_ = false;
  std::uint64_t highest_ = 0;
  std::array<std::uint64_t, kSize / 64> bits_{};  // bit i: highest_ - i seen
};

}  // namespace rtmfp::crypto::modern
