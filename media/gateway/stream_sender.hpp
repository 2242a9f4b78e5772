// Sends the RTMP messages of one stream over RTMFP flows (RFC 7425 §5.1.1,
// §5.3.5): one flow per lane, opened on first use with "TC" metadata for the
// stream ID (receive intent 0, original queuing order) and associated in
// return to the far end's NetConnection control flow:
//   stream lane: commands, onStatus, user control, data (reliable, highest priority)
//   audio lane:  audio (time critical, above video)
//   video lane:  video (time critical)
// Separate audio and video flows let a late video frame be abandoned without
// holding up audio (§5.1.1); MediaLossPolicy chooses the deadlines. A Flow
// Synchronization barrier (§5.2) over the lanes orders a final message (e.g.
// StreamEOF, deleteStream) after all media. Sans-I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "media/gateway/flow_port.hpp"
#include "media/gateway/media_loss_policy.hpp"
#include "media/gateway/shared_message.hpp"

namespace rtmfp::media::gateway {

class StreamSender {
 public:
  StreamSender(std::uint32_t stream_id, std::optional<FlowId> association, LossTolerance tolerance = {});

  std::uint32_t stream_id() const { return stream_id_; }
  // Queues one message of this stream (§5.1.2 framing). Dropped messages
  // (chunk-stream control, undecodable video after a loss) return success.
  Result<void> send(TimePoint now, FlowPort& port, std::uint8_t type, std::uint32_t timestamp, ByteView payload);
  // The same for a message already framed and shared with other senders
  // (SharedMessage): queued without a copy.
  Result<void> send(TimePoint now, FlowPort& port, const SharedMessage& m);
  // Sends Flow Synchronization (§5.2) with `sync_id` on every open lane;
  // `extra` more flows (e.g. a control flow) take part. Returns the count
  // used, which the caller also sends on its extra flows.
  Result<std::uint32_t> sync(TimePoint now, FlowPort& port, std::uint32_t sync_id, std::uint32_t extra);
  bool closed() const { return closed_; }
  // Number of lanes opened so far.
  std::uint32_t open_lanes() const;
  // Closes every lane after what is queued (§5.3.5.3).
  void close(TimePoint now, FlowPort& port);
  // Bytes queued on the lanes and not yet acknowledged.
  std::uint64_t buffered(const FlowPort& port) const;
  // True if `flow` is one of this stream's lanes (e.g. for FlowRejected).
  bool owns(FlowId flow) const;
  const MediaLossPolicy& policy() const { return policy_; }

 private:
  Result<FlowId> lane(TimePoint now, FlowPort& port, Lane l);
  std::uint32_t stream_id_;
  std::optional<FlowId> association_;
  MediaLossPolicy policy_;
  std::array<std::optional<FlowId>, 3> lanes_{};
  bool closed_ = false;
};

}  // namespace rtmfp::media::gateway
