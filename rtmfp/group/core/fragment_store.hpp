// A member's fragment window: what it holds, verified against the
// publisher's manifests (fragment_format.hpp) before anything else sees it.
// Data that arrives before its manifest waits, unverified, at most two
// candidates per number (a forger's copy cannot displace the genuine one)
// and GroupConfig::max_unverified in all. Bounded by max_fragments and
// max_fragment_bytes (the oldest go first) and by the window's duration.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "rtmfp/group/core/authenticator.hpp"
#include "rtmfp/group/core/fragment_format.hpp"
#include "rtmfp/group/core/group_config.hpp"

namespace rtmfp::group {

enum class Offer {
  stored,     // verified and kept (it or others may be in `newly`)
  duplicate,  // already held
  pending,    // kept until its manifest arrives
  forged,     // failed verification: dropped
  stale,      // older than the window: dropped
  malformed,  // content does not parse: dropped
};

class FragmentStore {
 public:
  FragmentStore(const GroupId& group, const Authenticator& auth, const GroupConfig& config);

  // A fragment from a neighbour. Every fragment that became verified by it
  // (itself, or data that waited for this manifest) is appended to `newly`.
  Offer offer(TimePoint now, Seq seq, ByteView content, std::vector<Seq>& newly);
  // The publisher's own fragments (trusted, already authenticated).
  void add_own(TimePoint now, Seq seq, Bytes content);

  bool holds(Seq s) const { return held_.count(s) != 0; }
  // Whether an unverified copy waits for its manifest.
  bool waiting(Seq s) const { return waiting_.count(s) != 0; }
  // Verified content, or nullptr.
  const Bytes* get(Seq s) const;
  Seq newest() const { return newest_; }
  // The lowest L such that every number in [L, s) is held (s if s - 1 is
  // not), looking at most `limit` numbers down.
  Seq held_run_below(Seq s, std::size_t limit) const;
  // Up to `max_runs` runs [low, high] of held numbers below s, highest
  // first (for the map's older runs).
  std::vector<std::pair<Seq, Seq>> held_runs_below(Seq s, std::size_t max_runs) const;
  // The lowest held number >= s, or 0.
  Seq next_held(Seq s) const;
  // Lowest number still kept (everything below was dropped or never held).
  Seq floor() const { return floor_; }
  std::size_t size() const { return held_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t unverified() const { return unverified_count_; }

  // Drops what is older than the window, or below `keep_from` minus the
  // relay span when the count or bytes bound is reached.
  void expire(TimePoint now);
  // A new publisher run began (group_member.hpp): everything below `f` (the
  // earlier run) is dropped and stays stale.
  void drop_below(Seq f) { raise_floor(f); }

 private:
  struct Held {
    Bytes content;
    TimePoint at{};
  };
  void store(TimePoint now, Seq s, Bytes content, std::vector<Seq>& newly);
  void verify_waiting(TimePoint now, Seq manifest, std::vector<Seq>& newly);
  void enforce_bounds();
  void raise_floor(Seq f);

  GroupId group_;
  const Authenticator& auth_;
  GroupConfig config_;
  std::map<Seq, Held> held_;
  std::map<Seq, std::vector<FragmentHash>> manifests_;  // verified manifests' hashes
  std::map<Seq, std::vector<Bytes>> waiting_;           // data without its manifest yet
  std::size_t unverified_count_ = 0;
  std::size_t bytes_ = 0;
  Seq newest_ = 0;
  Seq floor_ = 1;
};

}  // namespace rtmfp::group
