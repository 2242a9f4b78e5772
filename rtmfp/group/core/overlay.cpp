#include "rtmfp/group/core/overlay.hpp"

#include <algorithm>
#include <bit>
#include <set>

namespace rtmfp::group {

std::size_t neighbour_target(std::size_t n, const GroupConfig& config) {
  const std::size_t log2n = n <= 1 ? 0 : static_cast<std::size_t>(std::bit_width(n) - 1);
  return std::clamp<std::size_t>(log2n + config.neighbour_base, config.min_neighbours, config.max_neighbours);
}

std::vector<MemberId> choose_neighbours(const MemberId& self, std::vector<MemberId> known, std::size_t target,
                                        RandomSource& rng) {
  if (known.size() <= target) return known;
  const std::uint64_t me = ring_position(self);
  // Ring order starting just after our own position.
  std::sort(known.begin(), known.end(), [&](const MemberId& a, const MemberId& b) {
    return ring_position(a) - me - 1 < ring_position(b) - me - 1;  // unsigned wrap: distance clockwise
  });
  const std::size_t n = known.size();
  std::set<std::size_t> picked;
  auto pick = [&](std::size_t i) {
    if (picked.size() < target) picked.insert(i % n);
  };
  pick(0);      // successors
  pick(1);
  pick(n - 1);  // predecessors
  pick(n - 2);
  for (std::size_t d = n / 2; d >= 2 && picked.size() < target; d /= 2) {
    std::size_t i = d;
    while (picked.count(i % n) && i < d + n) ++i;
    pick(i);
  }
  while (picked.size() < target) pick(static_cast<std::size_t>(rng.below(n)));
  std::vector<MemberId> out;
  out.reserve(picked.size());
  for (auto i : picked) out.push_back(known[i]);
  return out;
}

}  // namespace rtmfp::group
