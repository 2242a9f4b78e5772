// A member's counters, after Flash's NetStreamMulticastInfo (design/
// p2p-nat-goals.md §A.1: bytes and fragments pushed to and from peers,
// requested by and from peers, received from the server) plus what playout
// and the overlay saw.
#pragma once

#include <cstdint>
#include <optional>

#include "rtmfp/core/time.hpp"

namespace rtmfp::group {

struct GroupCounters {
  // Media fragments, by how they travelled.
  std::uint64_t fragments_pushed_to_peers = 0, bytes_pushed_to_peers = 0;
  std::uint64_t fragments_pushed_from_peers = 0, bytes_pushed_from_peers = 0;
  std::uint64_t fragments_requested_by_peers = 0, bytes_requested_by_peers = 0;  // served
  std::uint64_t fragments_requested_from_peers = 0;                             // asked
  std::uint64_t fragments_pulled_from_peers = 0, bytes_pulled_from_peers = 0;   // answers received
  std::uint64_t fragments_from_publisher = 0, bytes_from_publisher = 0;
  std::uint64_t fragments_published = 0, bytes_published = 0;  // publisher only
  // Dropped input.
  std::uint64_t duplicates = 0;
  std::uint64_t forged = 0;      // failed verification
  std::uint64_t stale = 0;       // outside the window, or no room to wait for a manifest
  std::uint64_t malformed = 0;   // messages that do not parse
  std::uint64_t requests_unserved = 0;  // asked for what we do not hold, or over the budget
  std::uint64_t subscriptions_refused = 0;
  std::uint64_t requests_declined = 0;  // of requests_unserved: our answers would have waited too long
  std::uint64_t subscribers_shed = 0;   // push subscribers dropped while our pushes waited too long
  std::uint64_t silent_subscribers_released = 0;  // push slots taken from a silent subscriber for an asker
  // Bytes this member sent, media (fragments) and control (everything else).
  std::uint64_t media_bytes_sent = 0, control_bytes_sent = 0;
  // Overlay.
  std::uint64_t links_up = 0, links_lost = 0, neighbours_timed_out = 0, connects = 0;
  std::uint64_t pusher_changes = 0;
  // Publisher runs: a verified fragment far beyond what was held (the
  // publisher came back, group_types.hpp) restarted playout.
  std::uint64_t runs_followed = 0;
  std::optional<Duration> join_to_first_frame;
};

}  // namespace rtmfp::group
