// See stream_sender.hpp.
#include "media/gateway/stream_sender.hpp"

#include "media/gateway/rtmfp_mapping.hpp"
#include "media/rtmp/chunk_stream.hpp"

namespace rtmfp::media::gateway {

StreamSender::StreamSender(std::uint32_t stream_id, std::optional<FlowId> association, LossTolerance tolerance)
    : stream_id_(stream_id), association_(association), policy_(tolerance) {}

Result<FlowId> StreamSender::lane(TimePoint now, FlowPort& port, Lane l) {
  auto& slot = lanes_[static_cast<std::size_t>(l)];
  if (slot) return *slot;
  if (closed_) return fail(Errc::bad_state, "stream " + std::to_string(stream_id_) + " is closed");
  flow::FlowOptions o;
  o.priority = l == Lane::stream ? 3 : l == Lane::audio ? 2 : 1;
  o.time_critical = l != Lane::stream;
  // §5.1.1: SID set; RXI 0 (original queuing order): a relay writes RTMP/FLV
  // downstream, where media of one type must stay in order.
  Bytes meta = encode_metadata({stream_id_, false});
  auto f = port.open_flow(now, meta, association_, o);
  if (!f) return std::unexpected(f.error());
  slot = *f;
  return *f;
}

Result<void> StreamSender::send(TimePoint now, FlowPort& port, std::uint8_t type, std::uint32_t timestamp,
                                ByteView payload) {
  SendDecision d = policy_.decide(now, type, payload);
  if (!d.send) return {};
  auto f = lane(now, port, d.lane);
  if (!f) return std::unexpected(f.error());
  Bytes m = encode_message(type, timestamp, payload);
  auto r = port.write(now, *f, m, d.finish_within);
  if (!r) return std::unexpected(r.error());
  if (type == rtmp::msg_type::video) policy_.track_video(*r);
  return {};
}

Result<void> StreamSender::send(TimePoint now, FlowPort& port, const SharedMessage& m) {
  SendDecision d = policy_.decide(now, m.type, m.payload());
  if (!d.send) return {};
  auto f = lane(now, port, d.lane);
  if (!f) return std::unexpected(f.error());
  auto r = port.write_shared(now, *f, m.encoded, d.finish_within);
  if (!r) return std::unexpected(r.error());
  if (m.type == rtmp::msg_type::video) policy_.track_video(*r);
  return {};
}

std::uint32_t StreamSender::open_lanes() const {
  std::uint32_t n = 0;
  for (const auto& l : lanes_) n += l.has_value();
  return n;
}

Result<std::uint32_t> StreamSender::sync(TimePoint now, FlowPort& port, std::uint32_t sync_id, std::uint32_t extra) {
  const std::uint32_t count = open_lanes() + extra;
  if (count == 0) return 0u;
  // §5.2: type 4, timestamp 0, event 34 {syncID, count}; reliable, or a
  // missing sync would leave the receiver suspended.
  Bytes m = encode_message(kUserControlType, 0, encode_flow_sync({sync_id, count}));
  for (const auto& l : lanes_)
    if (l)
      if (auto r = port.write(now, *l, m, std::nullopt); !r) return std::unexpected(r.error());
  return count;
}

void StreamSender::close(TimePoint now, FlowPort& port) {
  if (closed_) return;
  closed_ = true;
  for (const auto& l : lanes_)
    if (l) (void)close_tc_flow(now, port, *l, 0);
}

std::uint64_t StreamSender::buffered(const FlowPort& port) const {
  std::uint64_t n = 0;
  for (const auto& l : lanes_)
    if (l) n += port.buffered(*l);
  return n;
}

bool StreamSender::owns(FlowId flow) const {
  for (const auto& l : lanes_)
    if (l && *l == flow) return true;
  return false;
}

}  // namespace rtmfp::media::gateway
