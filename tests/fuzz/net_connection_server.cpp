// Fuzz target: NetConnectionServer (RFC 7425 §5.3) on fuzzed flow events
// through a FakeFlowPort: incoming flows with "TC" metadata (or junk), RTMP
// messages (raw, or well-formed commands built from the input), finishes,
// rejections, session close. Invariants: no crash; the held bytes of its
// receiver stay bounded (it fails the connection instead).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../unit/media_gateway/fake_flow_port.hpp"
#include "media/gateway/net_connection_server.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "media/rtmp/command.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace rtmfp::media::gateway;

namespace {
Bytes command(const char* name, double trid, rtmp::Value obj, std::vector<rtmp::Value> args) {
  auto m = rtmp::encode_command(rtmp::Command{name, trid, std::move(obj), std::move(args)}, 0, false);
  return encode_message(m->type, 0, m->payload);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rtmp::StreamRegistry reg;
  ServerPolicy pol;
  pol.app = "live";
  pol.stream = "s";
  pol.allow_play = size > 0 && (data[0] & 1);
  pol.allow_publish = !pol.allow_play;
  testing::FakeFlowPort port;
  port.max_written = 64;
  NetConnectionServer nc(reg, pol, port, "192.0.2.1:1");
  TimePoint now = at(seconds(1));
  for (std::size_t i = 1; i + 2 < size;) {
    const std::uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
    i += 3;
    const FlowId flow = a & 7;
    now += milliseconds(b);
    std::optional<FlowId> assoc;
    if (b & 0x80) {  // associate to one of our flows
      for (const auto& [id, f] : port.flows)
        if ((id & 3) == (b & 3)) assoc = id;
    }
    switch (op % 9) {
      case 0: nc.on_flow_incoming(now, flow, encode_metadata({static_cast<std::uint32_t>(a >> 3), false}), assoc); break;
      case 1: {
        std::size_t n = std::min<std::size_t>(b % 16, size - i);
        nc.on_flow_incoming(now, flow, ByteView(data + i, n), assoc);
        i += n;
        break;
      }
      case 2: {
        std::size_t n = std::min<std::size_t>(b, size - i);
        nc.on_flow_message(now, flow, ByteView(data + i, n));
        i += n;
        break;
      }
      case 3: nc.on_flow_message(now, flow, command("connect", 1, rtmp::Value::object({{"app", "live"}}), {})); break;
      case 4: nc.on_flow_message(now, flow, command("createStream", 2, rtmp::Value::null(), {})); break;
      case 5:
        nc.on_flow_message(now, flow,
                           command((b & 1) ? "play" : "publish", 0, rtmp::Value::null(), {rtmp::Value("s")}));
        break;
      case 6:
        nc.on_flow_message(now, flow,
                           command((b & 1) ? "closeStream" : "deleteStream", 0, rtmp::Value::null(),
                                   {rtmp::Value(static_cast<double>(b >> 1 & 3))}));
        break;
      case 7:
        if (b & 1) nc.on_flow_finished(now, flow);
        else nc.on_flow_rejected(now, flow, b);
        break;
      case 8:
        nc.on_flow_message(now, flow, encode_message(4, 0, encode_flow_sync({static_cast<std::uint32_t>(b >> 2), b & 3u})));
        break;
    }
  }
  nc.on_session_closed();
  return 0;
}
