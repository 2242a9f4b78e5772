// A FlowPort that records what a NetConnection does (flows opened, messages
// written, closes, rejects) without a session: for unit tests and fuzz
// targets of NetConnectionServer/Client. Writes on a closed flow fail like
// the real flow layer's.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/gateway/flow_port.hpp"
#include "rtmfp/core/flow/write_receipt.hpp"

namespace rtmfp::media::gateway::testing {

class FakeFlowPort : public FlowPort {
 public:
  struct Flow {
    Bytes metadata;
    std::optional<FlowId> association;
    std::vector<Bytes> written;
    bool closed = false;
  };
  std::map<FlowId, Flow> flows;
  std::vector<FlowId> rejected;
  std::size_t max_written = 1u << 16;  // bound for fuzzing: older messages are forgotten

  Result<FlowId> open_flow(TimePoint, ByteView metadata, std::optional<FlowId> association, flow::FlowOptions) override {
    FlowId id = next_++;
    flows[id] = Flow{Bytes(metadata.begin(), metadata.end()), association, {}, false};
    return id;
  }
  Result<std::shared_ptr<flow::WriteReceipt>> write(TimePoint, FlowId id, ByteView message,
                                                    std::optional<Duration>) override {
    auto it = flows.find(id);
    if (it == flows.end()) return fail(Errc::not_found, "no such flow");
    if (it->second.closed) return fail(Errc::bad_state, "flow closed");
    if (it->second.written.size() >= max_written) it->second.written.erase(it->second.written.begin());
    it->second.written.emplace_back(message.begin(), message.end());
    return std::make_shared<flow::WriteReceipt>(std::nullopt, std::nullopt);
  }
  std::uint64_t buffered(FlowId) const override { return 0; }
  Result<void> close_flow(TimePoint, FlowId id) override {
    auto it = flows.find(id);
    if (it == flows.end()) return fail(Errc::not_found, "no such flow");
    it->second.closed = true;
    return {};
  }
  Result<void> reject_flow(TimePoint, FlowId id, std::uint64_t) override {
    rejected.push_back(id);
    return {};
  }

 private:
  FlowId next_ = 1000;
};

}  // namespace rtmfp::media::gateway::testing
