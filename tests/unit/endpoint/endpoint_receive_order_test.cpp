// Endpoint API for receiving flows: the delivery order chosen per flow
// (RFC 7425 §5.1.1, EndpointConfig::choose_receive_order and
// Endpoint::set_receive_order) and user suspension of delivery
// (RFC 7016 §3.6.3.3, Endpoint::suspend_delivery).
#include <gtest/gtest.h>

#include "endpoint_harness.hpp"

namespace rtmfp::testing {
namespace {

struct Pair {
  Harness h;
  Node* server;
  Node* client;
  SessionHandle cs = 0, ss = 0;

  explicit Pair(EndpointConfig server_cfg) {
    server = &h.add(addr(1, 1935), 1, server_cfg);
    client = &h.add(addr(2, 5000), 2, {});
    ConnectRequest r;
    r.profile = ProfileKind::modern;
    r.epd.uri = "rtmfp://server/app";
    r.candidates = {server->address};
    cs = *client->endpoint->connect(h.now, r);
    EXPECT_TRUE(h.run_until([&] { return !server->events_of<SessionOpened>().empty(); }, seconds(5)));
    ss = server->events_of<SessionOpened>().at(0).session;
  }
  std::vector<Bytes> received(FlowId flow) const {
    std::vector<Bytes> out;
    for (auto& m : server->events_of<FlowMessage>())
      if (m.flow == flow) out.push_back(m.data);
    return out;
  }
  std::optional<FlowId> incoming(std::uint8_t tag) const {
    for (auto& f : server->events_of<FlowIncoming>())
      if (!f.metadata.empty() && f.metadata[0] == tag) return f.flow;
    return std::nullopt;
  }
};

TEST(EndpointReceiveOrder, PerFlowOrderFromMetadataThenChangedByTheApplication) {
  EndpointConfig cfg;
  cfg.choose_receive_order = [](ByteView md) {
    return !md.empty() && md[0] == 'N' ? flow::ReceiveOrder::network_arrival : flow::ReceiveOrder::original_queuing;
  };
  Pair p(cfg);
  auto fn = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'N'});
  auto fq = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'Q'});
  ASSERT_TRUE(fn && fq);
  // The first message of each flow is lost once; the second gets through.
  bool lose = true;
  p.h.filter = [&](SentDatagram& d) { return !(lose && d.from == p.client->address); };
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *fn, Bytes{1}));
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *fq, Bytes{1}));
  p.h.run_for(milliseconds(1));
  lose = false;
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *fn, Bytes{2}));
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *fq, Bytes{2}));
  ASSERT_TRUE(p.h.run_until([&] { return p.incoming('N') && p.incoming('Q'); }, seconds(1)));
  const FlowId rn = *p.incoming('N'), rq = *p.incoming('Q');
  EXPECT_EQ(p.received(rn), (std::vector<Bytes>{{2}}));  // network arrival: at once
  EXPECT_TRUE(p.received(rq).empty());                   // original order: waits for 1
  ASSERT_TRUE(p.h.run_until([&] { return p.received(rn).size() == 2 && p.received(rq).size() == 2; }, seconds(10)));
  EXPECT_EQ(p.received(rn), (std::vector<Bytes>{{2}, {1}}));
  EXPECT_EQ(p.received(rq), (std::vector<Bytes>{{1}, {2}}));
  // The application turns the ordered flow into a network arrival one.
  ASSERT_TRUE(p.server->endpoint->set_receive_order(p.h.now, p.ss, rq, flow::ReceiveOrder::network_arrival));
  EXPECT_EQ(p.server->endpoint->flows(p.ss)->recv_flow(rq)->receive_order(), flow::ReceiveOrder::network_arrival);
  EXPECT_FALSE(p.server->endpoint->set_receive_order(p.h.now, p.ss, 999, flow::ReceiveOrder::network_arrival));
  EXPECT_FALSE(p.server->endpoint->set_receive_order(p.h.now, 999, rq, flow::ReceiveOrder::network_arrival));
}

TEST(EndpointReceiveOrder, SuspendedDeliveryHoldsMessagesAndResumes) {
  EndpointConfig cfg;
  cfg.receive_buffer = 4000;
  Pair p(cfg);
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'S'});
  ASSERT_TRUE(f);
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes{0}));
  ASSERT_TRUE(p.h.run_until([&] { return p.incoming('S').has_value(); }, seconds(1)));
  const FlowId rf = *p.incoming('S');
  ASSERT_TRUE(p.server->endpoint->suspend_delivery(p.h.now, p.ss, rf, true));
  std::vector<std::shared_ptr<flow::WriteReceipt>> receipts;
  for (std::uint8_t i = 1; i <= 20; ++i)
    receipts.push_back(*p.client->endpoint->write(p.h.now, p.cs, *f, Bytes(1000, i)));
  p.h.run_for(seconds(5));
  EXPECT_EQ(p.received(rf).size(), 1u);  // only the message before the suspension
  EXPECT_EQ(p.client->endpoint->flows(p.cs)->send_flow(*f)->receive_window(), 0u);  // §3.6.3.5 window closed
  EXPECT_NE(receipts.back()->status(), flow::ReceiptStatus::delivered);
  ASSERT_TRUE(p.server->endpoint->suspend_delivery(p.h.now, p.ss, rf, false));
  ASSERT_TRUE(p.h.run_until([&] { return p.received(rf).size() == 21; }, seconds(30)));
  auto got = p.received(rf);
  for (std::size_t i = 1; i <= 20; ++i) EXPECT_EQ(got[i], Bytes(1000, static_cast<std::uint8_t>(i))) << i;
  EXPECT_FALSE(p.server->endpoint->suspend_delivery(p.h.now, p.ss, 999, true));
}

TEST(EndpointReceiveOrder, LostWindowUpdateIsRepairedByBufferProbes) {
  // §3.6.2.9.1 through the endpoint's timers: nothing else is sent by either
  // side, so only the sender's Buffer Probe timer can restart the flow.
  EndpointConfig cfg;
  cfg.receive_buffer = 4000;
  Pair p(cfg);
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'S'});
  ASSERT_TRUE(f);
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes{0}));
  ASSERT_TRUE(p.h.run_until([&] { return p.incoming('S').has_value(); }, seconds(1)));
  const FlowId rf = *p.incoming('S');
  ASSERT_TRUE(p.server->endpoint->suspend_delivery(p.h.now, p.ss, rf, true));
  for (std::uint8_t i = 1; i <= 20; ++i) ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes(1000, i)));
  p.h.run_for(milliseconds(500));
  ASSERT_EQ(p.client->endpoint->flows(p.cs)->send_flow(*f)->receive_window(), 0u);
  int lost = 0;
  p.h.filter = [&](SentDatagram& d) {
    if (d.from == p.server->address && lost == 0) {
      ++lost;
      return false;  // the window update
    }
    return true;
  };
  const TimePoint resumed = p.h.now;
  ASSERT_TRUE(p.server->endpoint->suspend_delivery(p.h.now, p.ss, rf, false));
  ASSERT_TRUE(p.h.run_until([&] { return p.received(rf).size() == 21; }, seconds(30)));
  EXPECT_EQ(lost, 1);
  EXPECT_GE(p.client->endpoint->flows(p.cs)->stats().buffer_probes_sent, 1u);
  EXPECT_LT(p.h.now - resumed, seconds(3));  // the first probe is due one second after the window closed
}

}  // namespace
}  // namespace rtmfp::testing
