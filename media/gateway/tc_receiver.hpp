// The receive side of RTMP over RTMFP for one NetConnection (RFC 7425
// §5.1-§5.2): the accepted "TC" flows and their stream IDs, the §5.1.2
// message framing, chunk-stream control types 1, 2, 3, 5, 6 ignored (§5.1),
// and Flow Synchronization barriers (§5.2): a flow that delivered a sync
// message is suspended (its later messages are held) until `count` flows of
// the association tree delivered the same syncID. Sans-I/O.
//
// Releasing held messages is iterative (a work list of flows to drain),
// never recursive: how deep a release goes is chosen by the peer (review P1:
// a million held count-1 syncs once overflowed the stack).
#pragma once

#include <cstdint>
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
  // Bound on what is held behind barriers: message bytes plus a 4-byte
  // length each (held messages are stored back to back, one buffer per flow,
  // so this is their real memory within a factor of two of vector growth).
  static constexpr std::size_t kMaxHeldBytes = 32u << 20;
  static constexpr std::size_t kHeldOverhead = 4;

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
  // Messages held behind a barrier, stored back to back (u32 length + bytes).
  class HeldQueue {
   public:
    void push(ByteView m);
    bool empty() const { return off_ == buf_.size(); }
    ByteView front() const;
    void pop();
   private:
    Bytes buf_;
    std::size_t off_ = 0;
  };
  struct Flow {
    std::uint32_t stream_id = 0;
    HeldQueue held;       // raw messages after the flow's pending sync
    bool removed = false;  // finished/rejected, kept while it holds messages
  };
  void collect();
  // Handles one message of a flow that is not suspended; flows released by a
  // sync are appended to `work`. With `ignore_syncs`, syncs are consumed
  // without suspending (release_all).
  Result<void> process(FlowId flow, ByteView message, std::vector<rtmp::Message>& out, std::vector<FlowId>& work,
                       bool ignore_syncs = false);
  // Drains the held queues of the flows in `work` (and of every flow a
  // sync met on the way releases) until each is empty or suspended again.
  Result<void> drain(std::vector<FlowId> work, std::vector<rtmp::Message>& out, bool ignore_syncs = false);

  std::map<FlowId, Flow> flows_;
  FlowSyncBarrier barrier_;
  std::size_t held_bytes_ = 0;
};

}  // namespace rtmfp::media::gateway
