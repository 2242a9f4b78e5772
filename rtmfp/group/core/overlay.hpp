// Which members a member wants as neighbours (design/netgroup-wire.md §3:
// Flash places members on a ring and keeps ring neighbours, long links and
// a random one, about log2(N) + 13 of them). Ours: the two nearest members
// on each side of the ring (the ring stays one connected piece however many
// leave), long links at 1/2, 1/4, 1/8 ... of the ring by rank (any member
// is O(log N) hops away), and random members for the rest (the graph stays
// an expander under churn). Target: floor(log2(N)) + neighbour_base.
#pragma once

#include <cstddef>
#include <vector>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_config.hpp"
#include "rtmfp/group/core/group_types.hpp"

namespace rtmfp::group {

std::size_t neighbour_target(std::size_t estimated_members, const GroupConfig& config);

// `known` excludes `self`; the result is a subset of it, at most `target`.
std::vector<MemberId> choose_neighbours(const MemberId& self, std::vector<MemberId> known, std::size_t target,
                                        RandomSource& rng);

}  // namespace rtmfp::group
