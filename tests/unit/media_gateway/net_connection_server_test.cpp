// NetConnectionServer driven directly through a FakeFlowPort (RFC 7425 §5.3).
#include "media/gateway/net_connection_server.hpp"

#include <gtest/gtest.h>

#include "fake_flow_port.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "media/rtmp/command.hpp"

namespace rtmfp::media::gateway {
namespace {

using rtmp::Value;

Bytes command(const std::string& name, double trid, Value obj, std::vector<Value> args) {
  auto m = rtmp::encode_command(rtmp::Command{name, trid, std::move(obj), std::move(args)}, 0, false);
  return encode_message(m->type, 0, m->payload);
}

// The status codes written on every flow, in order.
std::vector<std::string> status_codes(const testing::FakeFlowPort& port) {
  std::vector<std::string> r;
  for (const auto& [id, f] : port.flows)
    for (const auto& w : f.written) {
      auto fm = decode_message(w);
      if (!fm || (fm->type != 20 && fm->type != 17)) continue;
      rtmp::Message m;
      m.type = fm->type;
      m.payload.assign(fm->payload.begin(), fm->payload.end());
      auto c = rtmp::decode_command(m);
      if (!c || c->name != "onStatus" || c->args.empty()) continue;
      if (const Value* code = c->args[0].get("code"); code && code->as_string()) r.emplace_back(*code->as_string());
    }
  return r;
}

// Review R1: play, closeStream, play again on the same NetStream: the second
// play gets Play.Start on fresh lanes (the closed sender was reused before).
TEST(NetConnectionServer, ReplayAfterCloseStreamGetsFreshLanes) {
  rtmp::StreamRegistry reg;
  ServerPolicy pol;
  pol.app = "live";
  pol.stream = "s";
  pol.allow_play = true;
  testing::FakeFlowPort port;
  NetConnectionServer nc(reg, pol, port, "192.0.2.1:1");
  TimePoint now = at(seconds(1));
  nc.on_flow_incoming(now, 1, encode_metadata({0, false}), std::nullopt);
  nc.on_flow_message(now, 1, command("connect", 1, Value::object({{"app", "live"}}), {}));
  nc.on_flow_message(now, 1, command("createStream", 2, Value::null(), {}));
  // Our return control flow is the one associated to the client's flow 1.
  std::optional<FlowId> ctl;
  for (const auto& [id, f] : port.flows)
    if (f.association == FlowId{1}) ctl = id;
  ASSERT_TRUE(ctl);
  nc.on_flow_incoming(now, 2, encode_metadata({1, false}), *ctl);
  nc.on_flow_message(now, 2, command("play", 0, Value::null(), {Value("s")}));
  nc.on_flow_message(now, 2, command("closeStream", 0, Value::null(), {}));
  nc.on_flow_message(now, 2, command("play", 0, Value::null(), {Value("s")}));
  auto codes = status_codes(port);
  std::size_t starts = 0;
  for (const auto& c : codes) starts += c == "NetStream.Play.Start";
  EXPECT_EQ(starts, 2u) << "the second play must get its Play.Start";
}

}  // namespace
}  // namespace rtmfp::media::gateway
