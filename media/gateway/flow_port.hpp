// The flow operations of one RTMFP session (RFC 7016 §3.6) as the RTMP
// mapping needs them, so the NetConnection state machines run on a real
// Endpoint (EndpointFlowPort) or on a test double. Sans-I/O: `now` is passed in.
#pragma once

#include <memory>
#include <optional>

#include "rtmfp/core/endpoint/endpoint.hpp"

namespace rtmfp::media::gateway {

class FlowPort {
 public:
  virtual ~FlowPort() = default;
  // A sending flow with its metadata (§2.3.11.1.1), in return for a receiving
  // flow of the same session when `association` is set (§2.3.11.1.2).
  virtual Result<FlowId> open_flow(TimePoint now, ByteView metadata, std::optional<FlowId> association,
                                   flow::FlowOptions options) = 0;
  // Queues one message; `finish_within` is its finish-by deadline (none: reliable).
  virtual Result<std::shared_ptr<flow::WriteReceipt>> write(TimePoint now, FlowId flow, ByteView message,
                                                            std::optional<Duration> finish_within) = 0;
  // The same for a message shared with other flows (one encoding for every
  // player of a stream): a port that can queue it without a copy does.
  virtual Result<std::shared_ptr<flow::WriteReceipt>> write_shared(TimePoint now, FlowId flow,
                                                                   std::shared_ptr<const Bytes> message,
                                                                   std::optional<Duration> finish_within) {
    return write(now, flow, message ? ByteView(*message) : ByteView(), finish_within);
  }
  // Bytes of a sending flow not yet acknowledged (0 for an unknown flow).
  virtual std::uint64_t buffered(FlowId flow) const = 0;
  virtual Result<void> close_flow(TimePoint now, FlowId flow) = 0;
  virtual Result<void> reject_flow(TimePoint now, FlowId flow, std::uint64_t code) = 0;
};

// Closes an RTMP sending flow (§3.6.2.11) so that the FIN rides on a
// message: a Flow Synchronization with count 1 (RFC 7425 §5.2: "MUST be at
// least 1"; a barrier of one releases at once, so receivers deliver on).
// Works around the current flow layer: when everything on a flow was already
// acknowledged, close() sends an empty abandoned FIN fragment whose FSN
// covers itself, and the receiver drops it as already seen, so the flow
// never completes there (RecvFlow::on_data checks in_set before FIN).
Result<void> close_tc_flow(TimePoint now, FlowPort& port, FlowId flow, std::uint32_t sync_id);

// FlowPort over one session of an Endpoint.
class EndpointFlowPort final : public FlowPort {
 public:
  EndpointFlowPort(Endpoint& endpoint, SessionHandle session) : endpoint_(endpoint), session_(session) {}
  SessionHandle session() const { return session_; }

  Result<FlowId> open_flow(TimePoint now, ByteView metadata, std::optional<FlowId> association,
                           flow::FlowOptions options) override {
    return endpoint_.open_flow(now, session_, metadata, association, options);
  }
  Result<std::shared_ptr<flow::WriteReceipt>> write(TimePoint now, FlowId flow, ByteView message,
                                                    std::optional<Duration> finish_within) override {
    return endpoint_.write(now, session_, flow, message, std::nullopt, finish_within);
  }
  Result<std::shared_ptr<flow::WriteReceipt>> write_shared(TimePoint now, FlowId flow,
                                                           std::shared_ptr<const Bytes> message,
                                                           std::optional<Duration> finish_within) override {
    return endpoint_.write(now, session_, flow, std::move(message), std::nullopt, finish_within);
  }
  std::uint64_t buffered(FlowId flow) const override {
    auto b = endpoint_.buffered(session_, flow);
    return b ? *b : 0;
  }
  Result<void> close_flow(TimePoint now, FlowId flow) override { return endpoint_.close_flow(now, session_, flow); }
  Result<void> reject_flow(TimePoint now, FlowId flow, std::uint64_t code) override {
    return endpoint_.reject_flow(now, session_, flow, code);
  }

 private:
  Endpoint& endpoint_;
  SessionHandle session_;
};

}  // namespace rtmfp::media::gateway
