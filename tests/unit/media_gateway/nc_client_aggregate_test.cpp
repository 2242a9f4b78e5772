// NetConnectionClient playing from a server that sends aggregate messages
// (type 22, R§7.1.6) on the stream's flow (review I5): the parts become
// media events, merged in timestamp order with the other flows.
#include <gtest/gtest.h>

#include <map>

#include "media/gateway/net_connection_client.hpp"
#include "media/gateway/rtmfp_mapping.hpp"

namespace rtmfp::media::gateway {
namespace {

// Records what the client opens and writes; nothing goes anywhere.
struct FakePort : FlowPort {
  FlowId next = 1;
  std::map<FlowId, std::vector<Bytes>> written;
  Result<FlowId> open_flow(TimePoint, ByteView, std::optional<FlowId>, flow::FlowOptions) override { return next++; }
  Result<std::shared_ptr<flow::WriteReceipt>> write(TimePoint, FlowId f, ByteView m,
                                                    std::optional<Duration>) override {
    written[f].emplace_back(m.begin(), m.end());
    return std::make_shared<flow::WriteReceipt>(std::nullopt, std::nullopt);
  }
  std::uint64_t buffered(FlowId) const override { return 0; }
  Result<void> close_flow(TimePoint, FlowId) override { return {}; }
  Result<void> reject_flow(TimePoint, FlowId, std::uint64_t) override { return {}; }
};

Bytes command(const std::string& name, double trid, std::vector<rtmp::Value> args, std::uint32_t sid = 0) {
  auto m = rtmp::encode_command(rtmp::Command{name, trid, rtmp::Value::null(), std::move(args)}, sid);
  return encode_message(m->type, 0, m->payload);
}

// One FLV tag inside an aggregate: type, size, timestamp, stream id, body, back pointer.
void put_tag(Bytes& out, std::uint8_t type, std::uint32_t ts, const Bytes& body) {
  const std::size_t n = body.size();
  out.insert(out.end(), {type, std::uint8_t(n >> 16), std::uint8_t(n >> 8), std::uint8_t(n), std::uint8_t(ts >> 16),
                         std::uint8_t(ts >> 8), std::uint8_t(ts), std::uint8_t(ts >> 24), 0, 0, 0});
  out.insert(out.end(), body.begin(), body.end());
  const std::size_t back = n + 11;
  out.insert(out.end(), {std::uint8_t(back >> 24), std::uint8_t(back >> 16), std::uint8_t(back >> 8), std::uint8_t(back)});
}

TEST(NetConnectionClientAggregate, PartsOfAnAggregateBecomeMediaEvents) {
  NcClientConfig cfg;
  cfg.app = "live";
  cfg.tc_url = "rtmfp://server/live";
  cfg.stream = "s";
  NetConnectionClient nc(cfg);
  FakePort port;
  TimePoint now = at(seconds(1));
  ASSERT_TRUE(nc.start(now, port));  // control flow 1, connect (trid 1)
  // The server's return control flow (§5.3.2) and answers.
  nc.on_flow_incoming(now, port, 100, encode_metadata({0, false}), FlowId{1});
  nc.on_flow_message(now, port, 100,
                     command("_result", 1, {rtmp::status_info("status", "NetConnection.Connect.Success", "")}));
  ASSERT_EQ(nc.state(), NetConnectionClient::State::creating);
  nc.on_flow_message(now, port, 100, command("_result", 2, {rtmp::Value::number(1)}));  // createStream → 1
  ASSERT_EQ(nc.state(), NetConnectionClient::State::starting);
  nc.on_flow_incoming(now, port, 101, encode_metadata({1, false}), FlowId{1});
  nc.on_flow_message(now, port, 101,
                     command("onStatus", 0, {rtmp::status_info("status", "NetStream.Play.Start", "")}, 1));
  ASSERT_EQ(nc.state(), NetConnectionClient::State::streaming);
  (void)nc.take_events();

  Bytes agg;
  put_tag(agg, 9, 1000, {0x17, 0x01, 0, 0, 0, 0xAA});
  put_tag(agg, 8, 1010, {0xaf, 0x01, 0xBB});
  put_tag(agg, 9, 1040, {0x27, 0x01, 0, 0, 0, 0xCC});
  nc.on_flow_message(now, port, 101, encode_message(22, 1000, agg));
  nc.on_flow_message(now, port, 101, command("onStatus", 0, {rtmp::status_info("status", "NetStream.Play.UnpublishNotify", "")}, 1));
  std::vector<std::pair<int, std::uint32_t>> got;
  for (const auto& e : nc.take_events())
    if (e.kind == NcClientEvent::Kind::media) got.emplace_back(e.message.type, e.message.timestamp);
  EXPECT_EQ(got, (std::vector<std::pair<int, std::uint32_t>>{{9, 1000}, {8, 1010}, {9, 1040}}));
  EXPECT_EQ(nc.state(), NetConnectionClient::State::ended);
}

}  // namespace
}  // namespace rtmfp::media::gateway
