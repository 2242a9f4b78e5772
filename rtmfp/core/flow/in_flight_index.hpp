// The fragments of one sending flow that are IN_FLIGHT (RFC 7016 §3.6.2),
// in transmission sequence number order: §3.6.2.5 counts NAKs for the ones
// sent before the highest acknowledged TSN, oldest first, and §3.6.2.6
// declares all of them lost at a timeout.
//
// A deque of (TSN, sequence number) in TSN order instead of a balanced tree:
// the session's TSN counter only grows, so a send appends (O(1), no
// allocation per fragment); an ack or a loss marks its entry dead (found by
// binary search on the TSN), dead entries leave from the front as the
// oldest ones are answered, and the deque is compacted when dead entries
// outnumber live ones. Bound: at most 2 x live + kSlack entries are stored.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace rtmfp::flow {

class InFlightIndex {
 public:
  static constexpr std::size_t kSlack = 64;

  // Live entries.
  std::size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  // Stored entries, live and dead (for the bound above).
  std::size_t stored() const { return entries_.size(); }

  // Adds (tsn, seq). O(1) when tsn is not below the newest entry's (the
  // session's TSN counter only grows); an older TSN is inserted in order.
  void insert(std::uint64_t tsn, std::uint64_t seq) {
    const Entry e{tsn, seq, true};
    if (entries_.empty() || !(e < entries_.back())) {
      entries_.push_back(e);
    } else {
      entries_.insert(std::upper_bound(entries_.begin(), entries_.end(), e), e);
    }
    ++live_;
    compact_if_sparse();
  }

  // Removes (tsn, seq); false if it is not a live entry.
  bool erase(std::uint64_t tsn, std::uint64_t seq) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), Entry{tsn, seq, true});
    while (it != entries_.end() && it->tsn == tsn && it->seq == seq && !it->live) ++it;
    if (it == entries_.end() || it->tsn != tsn || it->seq != seq) return false;
    kill(*it);
    trim_front();
    compact_if_sparse();
    return true;
  }

  // Visits the live entries with TSN below `limit`, oldest first; an entry
  // for which f(tsn, seq) returns true is removed.
  template <class F>
  void visit_below(std::uint64_t limit, F&& f) {
    for (auto& e : entries_) {
      if (e.tsn >= limit) break;
      if (e.live && f(e.tsn, e.seq)) kill(e);
    }
    trim_front();
    compact_if_sparse();
  }

  // Visits every live entry, oldest first, then empties the index.
  template <class F>
  void drain(F&& f) {
    for (const auto& e : entries_)
      if (e.live) f(e.tsn, e.seq);
    entries_.clear();
    live_ = 0;
  }

 private:
  struct Entry {
    std::uint64_t tsn = 0, seq = 0;
    bool live = true;
    bool operator<(const Entry& o) const { return tsn != o.tsn ? tsn < o.tsn : seq < o.seq; }
  };

  void kill(Entry& e) {
    e.live = false;
    --live_;
  }
  void trim_front() {
    while (!entries_.empty() && !entries_.front().live) entries_.pop_front();
  }
  void compact_if_sparse() {
    if (entries_.size() <= 2 * live_ + kSlack) return;
    std::erase_if(entries_, [](const Entry& e) { return !e.live; });
  }

  std::deque<Entry> entries_;  // in (TSN, sequence number) order
  std::size_t live_ = 0;
};

}  // namespace rtmfp::flow
