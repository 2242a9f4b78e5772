#include "media/gateway/flow_sync_barrier.hpp"

namespace rtmfp::media::gateway {

std::vector<FlowSyncBarrier::FlowId> FlowSyncBarrier::on_sync(FlowId flow, std::uint32_t sync_id,
                                                              std::uint32_t count) {
  // A barrier of one releases at once: the flow was not suspended, so it is a
  // no-op (and returns nothing, so a run of them cannot grow any work list).
  if (count <= 1) return {};
  std::vector<FlowId> released;
  if (!pending_.contains(sync_id) && pending_.size() >= kMaxPendingBarriers) {
    // Too many open barriers: release the oldest (by creation, not by syncID)
    // rather than hang forever; the caller delivers what its flows held.
    auto oldest = pending_.begin();
    for (auto it = pending_.begin(); it != pending_.end(); ++it)
      if (it->second.opened < oldest->second.opened) oldest = it;
    for (auto f : oldest->second.arrived) {
      suspended_.erase(f);
      released.push_back(f);
    }
    pending_.erase(oldest);
  }
  auto [it, inserted] = pending_.try_emplace(sync_id);
  Pending& p = it->second;
  if (inserted) p.opened = next_order_++;
  p.count = count;
  p.arrived.insert(flow);
  suspended_.insert(flow);
  if (p.arrived.size() < p.count) return released;
  for (auto f : p.arrived) {
    suspended_.erase(f);
    released.push_back(f);
  }
  pending_.erase(it);
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
