// See flow_port.hpp.
#include "media/gateway/flow_port.hpp"

#include "media/gateway/rtmfp_mapping.hpp"

namespace rtmfp::media::gateway {

Result<void> close_tc_flow(TimePoint now, FlowPort& port, FlowId flow, std::uint32_t sync_id) {
  Bytes m = encode_message(kUserControlType, 0, encode_flow_sync({sync_id, 1}));
  (void)port.write(now, flow, m, std::nullopt);
  return port.close_flow(now, flow);
}

}  // namespace rtmfp::media::gateway
