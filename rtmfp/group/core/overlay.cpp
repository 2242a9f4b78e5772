#include "rtmfp/group/core/overlay.hpp"

#include <algorithm>
#include <array>
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
  // A member of every home class (group_types.hpp home_class), our own
  // included: a member joins a class's push tree as the child of an
  // interior node of that tree (a member whose home class it is, fan-out
  // home_push_limit). Without such a neighbour it needs a leaf slot (one per
  // member and class), which churn makes scarce: with 11 neighbours picked
  // at random, a member lacks a given class's home members one time in four.
  std::array<bool, kPushClasses> covered{};
  for (auto i : picked) covered[home_class(known[i])] = true;
  std::array<std::vector<std::size_t>, kPushClasses> by_class;
  for (std::size_t i = 0; i < n; ++i)
    if (!picked.count(i)) by_class[home_class(known[i])].push_back(i);
  for (unsigned c = 0; c < kPushClasses; ++c)
    if (!covered[c] && !by_class[c].empty())
      pick(by_class[c][static_cast<std::size_t>(rng.below(by_class[c].size()))]);
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
