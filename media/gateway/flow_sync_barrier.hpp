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

  // A sync message arrived on `flow`. Returns the flows released (empty if
  // the barrier is still incomplete; all waiting flows including this one
  // when it completes). A flow that is already suspended must not deliver
  // further messages until released (the caller holds them).
  std::vector<FlowId> on_sync(FlowId flow, std::uint32_t sync_id, std::uint32_t count);
  bool suspended(FlowId flow) const { return suspended_.contains(flow); }
  // A flow went away: it no longer counts towards or waits on any barrier.
  void forget(FlowId flow);

 private:
  struct Pending {
    std::uint32_t count = 0;
    std::set<FlowId> arrived;
  };
  std::map<std::uint32_t, Pending> pending_;
  std::set<FlowId> suspended_;
};

}  // namespace rtmfp::media::gateway
