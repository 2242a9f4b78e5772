// Flow Synchronization barriers, RFC 7425 §5.2: on a Flow Synchronization
// message a receiver suspends that flow until `count` sync messages with the
// same syncID have arrived on flows of the same association tree. This
// tracker does the bookkeeping for one association tree: the gateway asks
// it whether a flow is suspended and which flows a completed barrier frees.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace rtmfp::media::gateway {

class FlowSyncBarrier {
 public:
  using FlowId = std::uint64_t;
  static constexpr std::size_t kMaxPendingBarriers = 256;  // bounded against hostile peers

  // A sync message arrived on `flow` (which is not suspended: a suspended
  // flow's messages are held by the caller). Returns the flows released:
  // empty if the barrier is still incomplete, all waiting flows including
  // this one when it completes, and also the flows of the oldest barrier
  // when the cap forces its eviction (the caller must then deliver what
  // they hold, in order). A barrier of one (count <= 1) is a no-op.
  std::vector<FlowId> on_sync(FlowId flow, std::uint32_t sync_id, std::uint32_t count);
  bool suspended(FlowId flow) const { return suspended_.contains(flow); }
  // A flow went away: it no longer counts towards or waits on any barrier.
  void forget(FlowId flow);
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::uint32_t count = 0;
    std::uint64_t opened = 0;  // order of creation, for eviction of the oldest
    std::set<FlowId> arrived;
  };
  std::map<std::uint32_t, Pending> pending_;
  std::set<FlowId> suspended_;
  std::uint64_t next_order_ = 0;
};

}  // namespace rtmfp::media::gateway
