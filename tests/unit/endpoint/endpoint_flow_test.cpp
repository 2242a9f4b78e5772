// Flows on open endpoint sessions (RFC 7016 §3.6) with the null test
// profile on the instant in-memory network: the session engine carries the
// flow layer's chunks, acks, timers and events. Delay, rate and loss
// statistics are in tests/scenarios.
#include <gtest/gtest.h>

#include <random>

#include "endpoint_harness.hpp"
#include "rtmfp/core/wire/packet.hpp"

namespace rtmfp::testing {
namespace {

struct Pair {
  Harness h;
  Node* server;
  Node* client;
  SessionHandle cs = 0;  // client's session
  SessionHandle ss = 0;  // server's session

  explicit Pair(EndpointConfig cfg = {}, std::string cc = {}) {
    server = &h.add(addr(1, 1935), 1, cfg);
    client = &h.add(addr(2, 5000), 2, cfg);
    ConnectRequest r;
    r.profile = ProfileKind::modern;
    r.epd.uri = "rtmfp://server/app";
    r.candidates = {server->address};
    r.congestion_control = std::move(cc);
    auto s = client->endpoint->connect(h.now, r);
    EXPECT_TRUE(s);
    cs = *s;
    EXPECT_TRUE(h.run_until([&] { return !server->events_of<SessionOpened>().empty(); }, seconds(5)));
    ss = server->events_of<SessionOpened>().at(0).session;
  }
};

Bytes pattern(std::size_t n, std::uint32_t seed) {
  Bytes b(n);
  std::mt19937 g(seed);
  for (auto& x : b) x = static_cast<std::uint8_t>(g());
  return b;
}

TEST(EndpointFlows, OneMegabyteMessageArrivesIntactWithMetadata) {
  Pair p;
  Bytes meta{'T', 'C', 0x04, 1};
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, meta);
  ASSERT_TRUE(f);
  Bytes big = pattern(1 << 20, 7);
  auto receipt = p.client->endpoint->write(p.h.now, p.cs, *f, big);
  ASSERT_TRUE(receipt);
  ASSERT_TRUE(p.h.run_until([&] { return !p.server->events_of<FlowMessage>().empty(); }, seconds(30)));
  auto incoming = p.server->events_of<FlowIncoming>();
  ASSERT_EQ(incoming.size(), 1u);
  EXPECT_EQ(incoming[0].metadata, meta);
  EXPECT_EQ(incoming[0].session, p.ss);
  auto msgs = p.server->events_of<FlowMessage>();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].data, big);
  p.h.run_until([&] { return (*receipt)->status() != flow::ReceiptStatus::pending; }, seconds(5));
  EXPECT_EQ((*receipt)->status(), flow::ReceiptStatus::delivered);
  // Every datagram fits the configured maximum.
  for (auto& d : p.h.log) EXPECT_LE(d.data.size(), params::kDefaultMaxDatagram);
}

TEST(EndpointFlows, ManyMessagesInOrderUnderSeededLoss) {
  for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
    Pair p;
    std::mt19937 g(seed);
    std::bernoulli_distribution lose(0.10);
    p.h.filter = [&](SentDatagram&) { return !lose(g); };
    auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'x'});
    ASSERT_TRUE(f);
    std::vector<Bytes> sent;
    for (int i = 0; i < 300; ++i) {
      sent.push_back(pattern(100 + static_cast<std::size_t>(i) * 37 % 3000, seed * 1000 + static_cast<std::uint32_t>(i)));
      ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, sent.back()));
    }
    ASSERT_TRUE(p.h.run_until([&] { return p.server->events_of<FlowMessage>().size() >= sent.size(); }, seconds(120)))
        << "seed " << seed << " got " << p.server->events_of<FlowMessage>().size();
    auto msgs = p.server->events_of<FlowMessage>();
    ASSERT_EQ(msgs.size(), sent.size()) << "seed " << seed;
    for (std::size_t i = 0; i < sent.size(); ++i) ASSERT_EQ(msgs[i].data, sent[i]) << "seed " << seed << " msg " << i;
  }
}

TEST(EndpointFlows, ReturnFlowAssociationAndRejection) {
  Pair p;
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'a'});
  ASSERT_TRUE(f);
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes{1, 2, 3}));
  ASSERT_TRUE(p.h.run_until([&] { return !p.server->events_of<FlowIncoming>().empty(); }, seconds(5)));
  FlowId rx = p.server->events_of<FlowIncoming>()[0].flow;
  // The server answers on a flow associated with the client's flow.
  auto back = p.server->endpoint->open_flow(p.h.now, p.ss, Bytes{'b'}, rx);
  ASSERT_TRUE(back);
  ASSERT_TRUE(p.server->endpoint->write(p.h.now, p.ss, *back, Bytes{9}));
  ASSERT_TRUE(p.h.run_until([&] { return !p.client->events_of<FlowIncoming>().empty(); }, seconds(5)));
  auto in = p.client->events_of<FlowIncoming>()[0];
  ASSERT_TRUE(in.association);
  EXPECT_EQ(*in.association, *f);
  // A bad association is local misuse.
  EXPECT_FALSE(p.server->endpoint->open_flow(p.h.now, p.ss, Bytes{'c'}, FlowId{999}));
  // The client rejects the return flow; the server hears the exception (§3.6.3.7).
  ASSERT_TRUE(p.client->endpoint->reject_flow(p.h.now, p.cs, in.flow, 7));
  ASSERT_TRUE(p.h.run_until([&] { return !p.server->events_of<FlowRejected>().empty(); }, seconds(5)));
  EXPECT_EQ(p.server->events_of<FlowRejected>()[0].code, 7u);
  EXPECT_EQ(p.server->events_of<FlowRejected>()[0].flow, *back);
}

TEST(EndpointFlows, CloseFlowFinishesTheReceiver) {
  Pair p;
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'a'});
  ASSERT_TRUE(f);
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes{1}));
  ASSERT_TRUE(p.client->endpoint->close_flow(p.h.now, p.cs, *f));
  ASSERT_TRUE(p.h.run_until([&] { return !p.server->events_of<FlowFinished>().empty(); }, seconds(5)));
  EXPECT_EQ(p.server->events_of<FlowMessage>().size(), 1u);
}

// RFC 7016 §3.6.2.9 ("unless flow.EXCEPTION"), §3.6.2.11, §3.6.3.8: a rejected
// flow finishes on both ends, so rejections never use up the session's
// receiving flows (max_receiving_flows 256) and leave no state behind.
TEST(EndpointFlows, RejectedFlowsFinishAndFreeTheirSlots) {
  Pair p;
  std::vector<FlowId> sent;
  for (int i = 0; i < 300; ++i) {
    auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'r'});
    ASSERT_TRUE(f);
    sent.push_back(*f);
    ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes{1, 2, 3}));
    const std::size_t want = static_cast<std::size_t>(i) + 1;
    ASSERT_TRUE(p.h.run_until([&] { return p.server->events_of<FlowIncoming>().size() == want; }, seconds(5))) << i;
    ASSERT_TRUE(p.server->endpoint->reject_flow(p.h.now, p.ss, p.server->events_of<FlowIncoming>().back().flow, 3));
    ASSERT_TRUE(p.h.run_until([&] { return p.client->events_of<FlowRejected>().size() == want; }, seconds(5))) << i;
  }
  p.h.run_for(seconds(5));
  for (FlowId f : sent)
    EXPECT_EQ(p.client->endpoint->flows(p.cs)->send_flow(f)->state(), flow::SendFlowState::F_COMPLETE_LINGER) << f;
  p.h.run_for(seconds(135));  // §3.6.2.11 130 s / §3.6.3.8 120 s lingers
  EXPECT_EQ(p.client->endpoint->flows(p.cs)->sending_flows(), 0u);
  EXPECT_EQ(p.server->endpoint->flows(p.ss)->receiving_flows(), 0u);
}

// A FIN on a flow whose data was all acknowledged (an empty abandoned
// fragment covered by its own FSN, §3.6.2.11) completes the receiver: no
// Flow Sync or other message is needed to carry it (media review R4).
TEST(EndpointFlows, CloseAfterAllAcknowledgedFinishesTheReceiver) {
  Pair p;
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'a'});
  ASSERT_TRUE(f);
  auto r = p.client->endpoint->write(p.h.now, p.cs, *f, Bytes{1});
  ASSERT_TRUE(r);
  ASSERT_TRUE(p.h.run_until([&] { return (*r)->status() == flow::ReceiptStatus::delivered; }, seconds(5)));
  ASSERT_TRUE(p.client->endpoint->close_flow(p.h.now, p.cs, *f));
  ASSERT_TRUE(p.h.run_until([&] { return !p.server->events_of<FlowFinished>().empty(); }, seconds(5)));
  EXPECT_EQ(p.server->events_of<FlowMessage>().size(), 1u);
}

TEST(EndpointFlows, DeadlineAbandonsWhatCannotArrive) {
  Pair p;
  bool cut = false;
  p.h.filter = [&](SentDatagram&) { return !cut; };
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'l'});
  ASSERT_TRUE(f);
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes(10, 1)));
  p.h.run_for(milliseconds(50));
  cut = true;  // the path dies: the next message cannot be delivered
  auto r = p.client->endpoint->write(p.h.now, p.cs, *f, Bytes(5000, 2), std::nullopt, milliseconds(300));
  ASSERT_TRUE(r);
  p.h.run_for(seconds(2));
  EXPECT_EQ((*r)->status(), flow::ReceiptStatus::abandoned);
  // The path comes back: the receiver skips the abandoned message (the
  // forward sequence number moves past it, §3.6.2.7), a later one arrives,
  // and the sender's queue empties.
  cut = false;
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes(20, 3)));
  ASSERT_TRUE(p.h.run_until([&] { return p.server->events_of<FlowMessage>().size() >= 2; }, seconds(30)));
  p.h.run_for(seconds(2));
  auto msgs = p.server->events_of<FlowMessage>();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].data, Bytes(10, 1));
  EXPECT_EQ(msgs[1].data, Bytes(20, 3));
  auto buffered = p.client->endpoint->buffered(p.cs, *f);
  ASSERT_TRUE(buffered);
  EXPECT_EQ(*buffered, 0u);
}

TEST(EndpointFlows, MisuseReturnsErrors) {
  Pair p;
  EXPECT_FALSE(p.client->endpoint->open_flow(p.h.now, 12345, Bytes{'a'}));
  EXPECT_FALSE(p.client->endpoint->write(p.h.now, p.cs, 77, Bytes{1}));
  EXPECT_FALSE(p.client->endpoint->close_flow(p.h.now, p.cs, 77));
  EXPECT_FALSE(p.client->endpoint->open_flow(p.h.now, p.cs, Bytes(2000, 1)));  // metadata cannot fit a packet
  ConnectRequest r;
  r.candidates = {p.server->address};
  r.epd.uri = "rtmfp://server/app";
  r.congestion_control = "no-such-cc";
  EXPECT_FALSE(p.client->endpoint->connect(p.h.now, r));
}

TEST(EndpointFlows, SessionInfoReportsControllerAndRtt) {
  Pair p({}, "cubic");
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'a'});
  ASSERT_TRUE(f);
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, Bytes(50000, 3)));
  p.h.run_for(seconds(1));
  auto info = p.client->endpoint->session_info(p.cs);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->congestion_control, "cubic");
  EXPECT_GE(info->bytes_sent, 50000u);
  EXPECT_GT(info->cwnd, 0u);
  auto sinfo = p.server->endpoint->session_info(p.ss);
  EXPECT_EQ(sinfo->congestion_control, "appendix-a");
}

// §2.2.4: packets carrying a time-critical flow's data set TC; an endpoint
// receiving TC on one session sets TCR on its OTHER sessions.
TEST(EndpointFlows, TimeCriticalFlagAndReverseNotification) {
  Harness h;
  Node& hub = h.add(addr(1, 1935), 1);
  Node& media = h.add(addr(2, 5000), 2);
  Node& bulk = h.add(addr(3, 5000), 3);
  auto connect = [&](Node& n) {
    ConnectRequest r;
    r.epd.uri = "rtmfp://hub/app";
    r.candidates = {hub.address};
    return *n.endpoint->connect(h.now, r);
  };
  SessionHandle ms = connect(media), bs = connect(bulk);
  ASSERT_TRUE(h.run_until([&] { return hub.events_of<SessionOpened>().size() == 2; }, seconds(5)));
  SessionHandle hub_to_bulk = 0;
  for (auto& o : hub.events_of<SessionOpened>())
    if (o.peer == bulk.address) hub_to_bulk = o.session;
  auto mf = media.endpoint->open_flow(h.now, ms, Bytes{'v'}, std::nullopt, flow::FlowOptions{.time_critical = true});
  ASSERT_TRUE(mf);
  // Decode the flags of datagrams with the null profile (plain after the SID and a length).
  // SID (4), the null profile's 16-bit length, then the packet flags.
  auto flags_of = [](const SentDatagram& d) -> std::uint8_t { return d.data.size() > 6 ? d.data[6] : 0; };
  ASSERT_TRUE(media.endpoint->write(h.now, ms, *mf, Bytes(500, 1)));
  h.deliver();
  bool tc_seen = false;
  for (auto& d : h.log)
    if (d.from == media.address && (flags_of(d) & 0x80)) tc_seen = true;
  EXPECT_TRUE(tc_seen);
  // The hub now answers the bulk sender with TCR, but never the media sender.
  h.log.clear();
  auto bf = bulk.endpoint->open_flow(h.now, bs, Bytes{'b'});
  ASSERT_TRUE(bf);
  ASSERT_TRUE(bulk.endpoint->write(h.now, bs, *bf, Bytes(5000, 2)));
  ASSERT_TRUE(media.endpoint->write(h.now, ms, *mf, Bytes(500, 1)));
  h.deliver();
  bool tcr_to_bulk = false, tcr_to_media = false;
  for (auto& d : h.log) {
    if (d.from != hub.address) continue;
    if (d.to == bulk.address && (flags_of(d) & 0x40)) tcr_to_bulk = true;
    if (d.to == media.address && (flags_of(d) & 0x40)) tcr_to_media = true;
  }
  EXPECT_TRUE(tcr_to_bulk);
  EXPECT_FALSE(tcr_to_media);
  (void)hub_to_bulk;
  // After 800 ms without TC the notification stops.
  h.run_for(seconds(2));
  h.log.clear();
  ASSERT_TRUE(bulk.endpoint->write(h.now, bs, *bf, Bytes(5000, 2)));
  h.deliver();
  for (auto& d : h.log)
    if (d.from == hub.address) EXPECT_FALSE(flags_of(d) & 0x40);
}

}  // namespace
}  // namespace rtmfp::testing
