#include "media/gateway/flow_sync_barrier.hpp"

namespace rtmfp::media::gateway {

std::vector<FlowSyncBarrier::FlowId> FlowSyncBarrier::on_sync(FlowId flow, std::uint32_t sync_id,
                                                              std::uint32_t count) {
  if (count <= 1) return {flow};  // a barrier of one releases at once
  if (!pending_.contains(sync_id) && pending_.size() >= kMaxPendingBarriers) {
    // Too many open barriers: release the oldest rather than hang forever.
    auto oldest = pending_.begin();
    for (auto f : oldest->second.arrived) suspended_.erase(f);
    pending_.erase(oldest);
  }
  Pending& p = pending_[sync_id];
  p.count = count;
  p.arrived.insert(flow);
  suspended_.insert(flow);
  if (p.arrived.size() < p.count) return {};
  std::vector<FlowId> released(p.arrived.begin(), p.arrived.end());
  for (auto f : released) suspended_.erase(f);
  pending_.erase(sync_id);
  return released;
}

void FlowSyncBarrier::forget(FlowId flow) {
  suspended_.erase(flow);
  for (auto it = pending_.begin(); it != pending_.end();) {
    it->second.arrived.erase(flow);
    it = it->second.arrived.empty() ? pending_.erase(it) : std::next(it);
  }
}

}  // namespace rtmfp::media::gateway
