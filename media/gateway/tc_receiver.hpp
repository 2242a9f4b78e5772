// The receive side of RTMP over RTMFP for one NetConnection (RFC 7425
// §5.1-§5.2): the accepted "TC" flows and their stream IDs, the §5.1.2
// message framing, chunk-stream control types 1, 2, 3, 5, 6 ignored (§5.1),
// and Flow Synchronization barriers (§5.2): a flow that delivered a sync
// message is suspended (its later messages are held) until `count` flows of
// the association tree delivered the same syncID. Sans-I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "media/gateway/flow_sync_barrier.hpp"
#include "media/rtmp/chunk_stream.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::gateway {

class TcReceiver {
 public:
  using FlowId = std::uint64_t;
  static constexpr std::size_t kMaxHeldBytes = 32u << 20;  // bound on messages held behind barriers

  // A receiving flow accepted for `stream_id` (from its "TC" metadata, §5.1.1).
  void add_flow(FlowId flow, std::uint32_t stream_id);
  bool has_flow(FlowId flow) const { return flows_.contains(flow); }
  std::uint32_t stream_of(FlowId flow) const;
  // The flows accepted for one stream.
  std::vector<FlowId> flows_of(std::uint32_t stream_id) const;

  // One RTMFP message from `flow`. Appends what may be delivered now, in
  // order, with the stream ID taken from the flow (§5.1.2); sync events are
  // consumed. Errors: malformed framing or a malformed sync event, an unknown
  // flow, or too much held behind a barrier.
  Result<void> on_message(FlowId flow, ByteView message, std::vector<rtmp::Message>& out);
  // The flow finished (§3.6.3.8: everything it sent has been delivered) or
  // was rejected. Sync messages it delivered still count; what it holds is
  // delivered when its barrier completes.
  void remove_flow(FlowId flow);

  // True when every accepted flow finished (or none was accepted).
  bool all_finished() const;
  // The connection is over: delivers whatever is still held behind
  // barriers that can no longer complete, in per-flow order.
  void release_all(std::vector<rtmp::Message>& out);

  std::size_t held_bytes() const { return held_bytes_; }

 private:
  struct Flow {
    std::uint32_t stream_id = 0;
    std::deque<Bytes> held;  // raw messages after the flow's pending sync
    bool removed = false;    // finished/rejected, kept while it holds messages
  };
  void collect();
  Result<void> process(FlowId flow, ByteView message, std::vector<rtmp::Message>& out);
  Result<void> release(const std::vector<FlowId>& flows, std::vector<rtmp::Message>& out);

  std::map<FlowId, Flow> flows_;
  FlowSyncBarrier barrier_;
  std::size_t held_bytes_ = 0;
};

}  // namespace rtmfp::media::gateway
