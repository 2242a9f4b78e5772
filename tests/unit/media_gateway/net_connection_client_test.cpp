// NetConnectionClient driven directly through a FakeFlowPort (RFC 7425 §5.3).
#include "media/gateway/net_connection_client.hpp"

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

double last_trid(const testing::FakeFlowPort::Flow& f, const std::string& name) {
  double trid = -1;
  for (const auto& w : f.written) {
    auto fm = decode_message(w);
    if (!fm || fm->type != 20) continue;
    rtmp::Message m;
    m.type = 20;
    m.payload.assign(fm->payload.begin(), fm->payload.end());
    if (auto c = rtmp::decode_command(m); c && c->name == name) trid = c->transaction_id;
  }
  return trid;
}

void put24(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 16));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

// R§7.1.6 aggregate of audio messages at the given timestamps.
Bytes aggregate(std::initializer_list<std::uint32_t> ts) {
  Bytes b;
  for (auto t : ts) {
    Bytes payload{0xAF, 0x01, static_cast<std::uint8_t>(t)};
    b.push_back(8);
    put24(b, static_cast<std::uint32_t>(payload.size()));
    put24(b, t & 0xffffff);
    b.push_back(static_cast<std::uint8_t>(t >> 24));
    put24(b, 0);
    b.insert(b.end(), payload.begin(), payload.end());
    std::uint32_t back = 11 + static_cast<std::uint32_t>(payload.size());
    for (int i = 3; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(back >> (8 * i)));
  }
  return b;
}

// Review I5: an rtmfp:// player splits aggregate messages (type 22) like the
// RTMP client instead of dropping them.
TEST(NetConnectionClient, PlayerSplitsAggregates) {
  NcClientConfig cfg;
  cfg.app = "live";
  cfg.tc_url = "rtmfp://server/live";
  cfg.stream = "s";
  testing::FakeFlowPort port;
  NetConnectionClient nc(cfg);
  TimePoint now = at(seconds(1));
  ASSERT_TRUE(nc.start(now, port));
  ASSERT_EQ(port.flows.size(), 1u);
  const FlowId ctl = port.flows.begin()->first;
  nc.on_flow_incoming(now, port, 1, encode_metadata({0, false}), ctl);
  Value info = Value::object({{"level", "status"}, {"code", "NetConnection.Connect.Success"}});
  nc.on_flow_message(now, port, 1, command("_result", last_trid(port.flows[ctl], "connect"), Value::null(), {info}));
  nc.on_flow_message(now, port, 1, command("_result", last_trid(port.flows[ctl], "createStream"), Value::null(), {Value(1.0)}));
  std::optional<FlowId> lane;
  for (const auto& [id, f] : port.flows)
    if (id != ctl) lane = id;
  ASSERT_TRUE(lane) << "play sent on a stream flow";
  nc.on_flow_incoming(now, port, 2, encode_metadata({1, false}), *lane);
  Value start = Value::object({{"level", "status"}, {"code", "NetStream.Play.Start"}});
  nc.on_flow_message(now, port, 2, command("onStatus", 0, Value::null(), {start}));
  nc.on_flow_message(now, port, 2, encode_message(22, 100, aggregate({100, 120, 140})));
  // Media leave through the timestamp merge: a video-only stream is held
  // until its idle audio lane stops holding it (bounded, poll()).
  nc.poll(now + seconds(5));
  std::vector<std::uint32_t> media_ts;
  bool playing = false;
  for (const auto& e : nc.take_events()) {
    playing |= e.kind == NcClientEvent::Kind::playing;
    if (e.kind == NcClientEvent::Kind::media) media_ts.push_back(e.message.timestamp);
  }
  EXPECT_TRUE(playing);
  EXPECT_EQ(media_ts, (std::vector<std::uint32_t>{100, 120, 140}));
}

}  // namespace
}  // namespace rtmfp::media::gateway
