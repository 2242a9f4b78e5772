// See tc_receiver.hpp.
#include "media/gateway/tc_receiver.hpp"

#include "media/gateway/rtmfp_mapping.hpp"

namespace rtmfp::media::gateway {

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
  if (barrier_.suspended(flow)) {
    // §5.2: suspended until the barrier completes; keep the order.
    if (held_bytes_ + message.size() > kMaxHeldBytes)
      return fail(Errc::limit_exceeded, "too much data held behind a Flow Synchronization barrier (RFC 7425 §5.2)");
    held_bytes_ += message.size();
    it->second.held.emplace_back(message.begin(), message.end());
    return {};
  }
  return process(flow, message, out);
}

Result<void> TcReceiver::process(FlowId flow, ByteView message, std::vector<rtmp::Message>& out) {
  auto m = decode_message(message);
  if (!m) return std::unexpected(m.error());
  if (is_chunk_stream_control(m->type)) return {};  // §5.1: MUST be ignored
  if (m->type == kUserControlType) {
    if (auto sync = decode_flow_sync(m->payload)) {
      if (!*sync) return std::unexpected(sync->error());
      auto released = barrier_.on_sync(flow, (*sync)->sync_id, (*sync)->count);
      auto r = release(released, out);
      collect();
      return r;
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

Result<void> TcReceiver::release(const std::vector<FlowId>& flows, std::vector<rtmp::Message>& out) {
  for (FlowId f : flows) {
    auto it = flows_.find(f);
    if (it == flows_.end()) continue;
    // Deliver what the flow held until it meets its next sync (which may
    // suspend it again).
    while (!it->second.held.empty() && !barrier_.suspended(f)) {
      Bytes b = std::move(it->second.held.front());
      it->second.held.pop_front();
      held_bytes_ -= b.size();
      if (auto r = process(f, b, out); !r) return r;
      it = flows_.find(f);
      if (it == flows_.end()) break;
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
  // Each round frees every flow and delivers up to its next sync message.
  for (;;) {
    std::vector<FlowId> holding;
    for (const auto& [id, f] : flows_) {
      barrier_.forget(id);
      if (!f.held.empty()) holding.push_back(id);
    }
    if (holding.empty()) break;
    (void)release(holding, out);
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
