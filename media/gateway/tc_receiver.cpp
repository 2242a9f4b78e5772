// See tc_receiver.hpp.
#include "media/gateway/tc_receiver.hpp"

#include <cstring>

#include "media/gateway/rtmfp_mapping.hpp"

namespace rtmfp::media::gateway {

void TcReceiver::HeldQueue::push(ByteView m) {
  if (off_ == buf_.size()) {
    buf_.clear();
    off_ = 0;
  }
  const auto n = static_cast<std::uint32_t>(m.size());
  std::uint8_t len[4];
  std::memcpy(len, &n, 4);
  buf_.insert(buf_.end(), len, len + 4);
  buf_.insert(buf_.end(), m.begin(), m.end());
}

ByteView TcReceiver::HeldQueue::front() const {
  std::uint32_t n = 0;
  std::memcpy(&n, buf_.data() + off_, 4);
  return ByteView(buf_.data() + off_ + 4, n);
}

void TcReceiver::HeldQueue::pop() {
  off_ += 4 + front().size();
  if (off_ == buf_.size()) {
    Bytes().swap(buf_);  // give the memory back
    off_ = 0;
  } else if (off_ >= (64u << 10) && off_ * 2 >= buf_.size()) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(off_));  // amortised O(1)
    off_ = 0;
  }
}

void TcReceiver::add_flow(FlowId flow, std::uint32_t stream_id) { flows_[flow].stream_id = stream_id; }

std::uint32_t TcReceiver::stream_of(FlowId flow) const {
  auto it = flows_.find(flow);
  return it == flows_.end() ? 0 : it->second.stream_id;
}

std::vector<TcReceiver::FlowId> TcReceiver::flows_of(std::uint32_t stream_id) const {
  std::vector<FlowId> r;
  for (const auto& [id, f] : flows_)
    if (f.stream_id == stream_id) r.push_back(id);
  return r;
}

Result<void> TcReceiver::on_message(FlowId flow, ByteView message, std::vector<rtmp::Message>& out) {
  auto it = flows_.find(flow);
  if (it == flows_.end()) return fail(Errc::not_found, "message on a flow that was not accepted");
  if (barrier_.suspended(flow) || !it->second.held.empty()) {
    // §5.2: suspended until the barrier completes; keep the order.
    if (held_bytes_ + message.size() + kHeldOverhead > kMaxHeldBytes)
      return fail(Errc::limit_exceeded, "too much data held behind a Flow Synchronization barrier (RFC 7425 §5.2)");
    held_bytes_ += message.size() + kHeldOverhead;
    it->second.held.push(message);
    return {};
  }
  std::vector<FlowId> work;
  auto r = process(flow, message, out, work);
  if (r && !work.empty()) r = drain(std::move(work), out);
  collect();
  return r;
}

Result<void> TcReceiver::process(FlowId flow, ByteView message, std::vector<rtmp::Message>& out,
                                 std::vector<FlowId>& work, bool ignore_syncs) {
  auto m = decode_message(message);
  if (!m) return std::unexpected(m.error());
  if (is_chunk_stream_control(m->type)) return {};  // §5.1: MUST be ignored
  if (m->type == kUserControlType) {
    if (auto sync = decode_flow_sync(m->payload)) {
      if (!*sync) return std::unexpected(sync->error());
      if (ignore_syncs) return {};
      auto released = barrier_.on_sync(flow, (*sync)->sync_id, (*sync)->count);
      work.insert(work.end(), released.begin(), released.end());
      return {};
    }
  }
  rtmp::Message r;
  r.type = m->type;
  r.timestamp = m->timestamp;
  r.stream_id = stream_of(flow);
  r.payload.assign(m->payload.begin(), m->payload.end());
  out.push_back(std::move(r));
  return {};
}

Result<void> TcReceiver::drain(std::vector<FlowId> work, std::vector<rtmp::Message>& out, bool ignore_syncs) {
  // A flow may appear more than once; draining it again is harmless. Flows
  // are not erased while draining (collect() runs afterwards), so `f` stays
  // valid. The work list only grows by completed or evicted barriers, each
  // of which consumed a held sync message, so this terminates.
  while (!work.empty()) {
    FlowId id = work.back();
    work.pop_back();
    auto it = flows_.find(id);
    if (it == flows_.end()) continue;
    Flow& f = it->second;
    // Deliver what the flow held until it meets its next sync (which may
    // suspend it again).
    while (!f.held.empty() && !barrier_.suspended(id)) {
      ByteView b = f.held.front();
      held_bytes_ -= b.size() + kHeldOverhead;
      auto r = process(id, b, out, work, ignore_syncs);
      f.held.pop();
      if (!r) return r;
    }
  }
  return {};
}

void TcReceiver::remove_flow(FlowId flow) {
  auto it = flows_.find(flow);
  if (it == flows_.end()) return;
  it->second.removed = true;
  collect();
}

bool TcReceiver::all_finished() const {
  for (const auto& [id, f] : flows_)
    if (!f.removed) return false;
  return true;
}

void TcReceiver::release_all(std::vector<rtmp::Message>& out) {
  // No barrier can complete any more: free every flow and deliver all it
  // holds in order, consuming later syncs without suspending again.
  std::vector<FlowId> holding;
  for (const auto& [id, f] : flows_) {
    barrier_.forget(id);
    if (!f.held.empty()) holding.push_back(id);
  }
  while (!holding.empty()) {
    FlowId id = holding.back();
    if (auto r = drain({id}, out, /*ignore_syncs=*/true); !r) {
      // A malformed held message: skip it and go on (the connection is over).
      auto it = flows_.find(id);
      if (it != flows_.end() && !it->second.held.empty()) continue;
    }
    holding.pop_back();
  }
  collect();
}

void TcReceiver::collect() {
  for (auto it = flows_.begin(); it != flows_.end();) {
    if (it->second.removed && it->second.held.empty() && !barrier_.suspended(it->first))
      it = flows_.erase(it);
    else
      ++it;
  }
}

}  // namespace rtmfp::media::gateway
