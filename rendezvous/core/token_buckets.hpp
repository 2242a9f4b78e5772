// A table of token buckets keyed by K, bounded in size with least-recently-
// used eviction: the rate limiter of the introducer (per source address, per
// target peer). Sans-I/O: time is passed in.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

#include "rtmfp/core/time.hpp"

namespace rtmfp::rendezvous {

template <class K, class Hash = std::hash<K>>
class TokenBuckets {
 public:
  TokenBuckets(double rate_per_second, double burst, std::size_t max_keys)
      : rate_(rate_per_second), burst_(burst), max_keys_(max_keys) {}

  // Takes one token for `key` if it has one. A key not seen (or evicted)
  // starts with a full bucket.
  bool take(TimePoint now, const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) {
      if (lru_.size() >= max_keys_) {
        index_.erase(lru_.back().first);
        lru_.pop_back();
      }
      lru_.emplace_front(key, Bucket{burst_, now});
      it = index_.emplace(key, lru_.begin()).first;
    } else {
      lru_.splice(lru_.begin(), lru_, it->second);
    }
    Bucket& b = it->second->second;
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    if (elapsed > 0) b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.updated = std::max(b.updated, now);
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
  }

  std::size_t size() const { return lru_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated{};
  };
  using Entry = std::pair<K, Bucket>;
  double rate_;
  double burst_;
  std::size_t max_keys_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<K, typename std::list<Entry>::iterator, Hash> index_;
};

}  // namespace rtmfp::rendezvous
