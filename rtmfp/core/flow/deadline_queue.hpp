// Message deadlines of one sending flow (start-by or finish-by, RFC 7016
// §3.6.2: the sender abandons a message whose deadline passed), earliest
// first. A deque kept sorted instead of a balanced tree: one flow's
// deadlines of one kind are usually written in order (now + the same
// duration), so an insert appends in O(1) without an allocation per
// message; an earlier one is inserted in place (O(n)). Equal times keep
// their insertion order. Bounded by the flow's queued messages (the caller
// pops what passed or went stale).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <utility>

namespace rtmfp::flow {

template <class T>  // T has a TimePoint member `at`
class DeadlineQueue {
 public:
  void push(T e) {
    if (q_.empty() || !(e.at < q_.back().at)) {
      q_.push_back(std::move(e));
      return;
    }
    auto pos = std::upper_bound(q_.begin(), q_.end(), e.at, [](const auto& at, const T& x) { return at < x.at; });
    q_.insert(pos, std::move(e));
  }
  bool empty() const { return q_.empty(); }
  std::size_t size() const { return q_.size(); }
  const T& front() const { return q_.front(); }
  void pop_front() { q_.pop_front(); }

 private:
  std::deque<T> q_;
};

}  // namespace rtmfp::flow
