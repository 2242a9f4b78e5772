// The Flash way to register at the rendezvous (RFC 7425 §5.3): the
// rendezvous's NetConnectionService (connect -> _result + Set Keepalive
// Timers, setPeerInfo -> the Registry's host addresses), its bounded parsing
// of what a peer sends (nc_messages), and a node's NetConnectionRegistration
// against it. Endpoints with the null crypto profile on an instant in-memory
// link with a virtual clock; every wait is for an event.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "media/gateway/rtmfp_mapping.hpp"
#include "media/rtmp/command.hpp"
#include "rendezvous/core/introducer_service.hpp"
#include "rendezvous/service/nc_messages.hpp"
#include "rendezvous/service/net_connection_registration.hpp"
#include "rendezvous/service/net_connection_service.hpp"
#include "rtmfp/crypto/testing/null_profile.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::rendezvous {
namespace {

using media::amf::Value;
using rtmfp::testing::NullProfile;
namespace gw = media::gateway;

const SipKey kKey{};

// ---- parsing (nc_messages) ------------------------------------------------

TEST(PeerInfoParse, PresentationAddressesWithPortsOnly) {
  // RFC 7425 §5.3.3 Figure 3.
  EXPECT_EQ(nc::parse_peer_address("192.0.2.129:50001"), SocketAddress::ipv4(192, 0, 2, 129, 50001));
  auto v6 = nc::parse_peer_address("[2001:db8:1::2]:50002");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->port, 50002);
  EXPECT_EQ(v6->to_string(), "[2001:db8:1::2]:50002");
  for (const std::string& bad : std::vector<std::string>{"", "192.0.2.1", "192.0.2.1:", "192.0.2.1:65536", "192.0.2.1:-1", "host.example:1935",
                          "2001:db8::1:1935", "[2001:db8::1]", "[2001:db8::1]1935", "[192.0.2.1]:1935",
                          "192.0.2.1 :1935", "[fe80::1%eth0]:1935", "192.0.2.256:1", "[2001:db8::1]:80]",
                          std::string("192.0.2.1\0:80", 13), std::string(60, '1') + ":1", "1.2.3.4:1:2"})
    EXPECT_FALSE(nc::parse_peer_address(bad)) << bad;
  EXPECT_FALSE(nc::parse_peer_address(std::string(nc::kMaxAddressText + 1, '1')));
}

TEST(PeerInfoParse, NonStringsAndTheExcessAreCountedAsMalformed) {
  std::vector<Value> args{Value::string("192.0.2.1:1"), Value::number(5), Value::null(), Value::string("nope"),
                          Value::string("[2001:db8::2]:2")};
  for (int i = 0; i < 20; ++i) args.push_back(Value::string("198.51.100.1:" + std::to_string(1000 + i)));
  auto info = nc::parse_peer_info(args);
  // 16 looked at: 2 + 11 good, 3 bad; 9 beyond the bound.
  EXPECT_EQ(info.addresses.size(), 13u);
  EXPECT_EQ(info.malformed, 3u + (args.size() - nc::kMaxPeerInfoArgs));
}

Bytes command_message(const std::string& name, double trid, Value obj, std::vector<Value> args, bool amf3 = false) {
  auto m = media::rtmp::encode_command(media::rtmp::Command{name, trid, std::move(obj), std::move(args)}, 0, amf3);
  EXPECT_TRUE(m);
  return gw::encode_message(m->type, 0, m->payload);
}

TEST(NcRequestParse, ClassifiesAndBoundsMessages) {
  auto c = nc::parse_request(command_message(
      "connect", 1, Value::object({{"app", Value::string("live")}, {"objectEncoding", Value::number(3)}}), {}));
  ASSERT_TRUE(c);
  ASSERT_TRUE(std::holds_alternative<nc::Connect>(*c));
  EXPECT_EQ(std::get<nc::Connect>(*c).app, "live");
  EXPECT_TRUE(std::get<nc::Connect>(*c).amf3);
  // Type 17 (format byte 0, E§7.2) decodes too.
  auto p = nc::parse_request(
      command_message("setPeerInfo", 0, Value::null(), {Value::string("192.0.2.1:5")}, /*amf3=*/true));
  ASSERT_TRUE(p);
  ASSERT_TRUE(std::holds_alternative<nc::SetPeerInfo>(*p));
  EXPECT_EQ(std::get<nc::SetPeerInfo>(*p).info.addresses.size(), 1u);
  auto u = nc::parse_request(gw::encode_message(gw::kUserControlType, 0, Bytes{0, 3, 0, 0, 0, 0, 0, 0, 0, 100}));
  ASSERT_TRUE(u);
  EXPECT_TRUE(std::holds_alternative<nc::Ignored>(*u));
  EXPECT_FALSE(nc::parse_request(Bytes{20, 0, 0}));                       // shorter than the §5.1.2 header
  EXPECT_FALSE(nc::parse_request(Bytes{20, 0, 0, 0, 0, 0x02, 0xff}));     // truncated AMF string
  EXPECT_FALSE(nc::parse_request(Bytes{17, 0, 0, 0, 0, 0x01, 0x02, 0, 0}));  // type 17 format byte 1
  Bytes big = command_message("setPeerInfo", 0, Value::null(), {Value::string(std::string(nc::kMaxMessage, 'x'))});
  auto b = nc::parse_request(big);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::limit_exceeded);
}

// ---- the service on a rendezvous Node ---------------------------------------

struct Rendezvous {
  explicit Rendezvous(SeededRandom& rng, std::size_t max_peers = limits::kMaxRegisteredPeers)
      : prof(rng), endpoint(config(), rng), introducer(endpoint, kKey, max_peers), service(endpoint, introducer) {
    endpoint.add_profile(prof);
    EXPECT_TRUE(node.add_service(introducer));
    EXPECT_TRUE(node.add_service(service));
  }
  static EndpointConfig config() {
    EndpointConfig c;
    c.report_unmatched_ihellos = true;
    return c;
  }
  NullProfile prof;
  Endpoint endpoint;
  IntroducerService introducer;
  NetConnectionService service;
  node::Node node{endpoint};
};

// The session's record, found by the peer ID the session's far end
// initiated with (the null profile's initiator certificate), as an
// introduction would find it.
const PeerRecord* registered(const Rendezvous& rv, SessionHandle s) {
  auto info = rv.endpoint.session_info(s);
  if (!info || !info->far_peer_id) return nullptr;
  const PeerRecord* rec = rv.introducer.registry().find(*info->far_peer_id);
  return rec && rec->session == s ? rec : nullptr;
}

// A bare client Endpoint (we write its NetConnection messages by hand) and the
// rendezvous, joined by an instant link.
struct RawNet {
  TimePoint now = at(seconds(1000));
  SocketAddress client_addr = SocketAddress::ipv4(10, 0, 0, 2, 5000);
  SocketAddress rv_addr = SocketAddress::ipv4(10, 0, 0, 1, 1935);
  SeededRandom crng{2}, rrng{1};
  NullProfile cprof{crng};
  Endpoint client{EndpointConfig{}, crng};
  Rendezvous rv;
  std::vector<EndpointEvent> events;
  SessionHandle cs = 0;
  FlowId control = 0;

  explicit RawNet(std::size_t max_peers = limits::kMaxRegisteredPeers) : rv(rrng, max_peers) {
    client.add_profile(cprof);
  }

  void deliver() {
    for (int round = 0; round < 1000; ++round) {
      bool any = rv.node.pump(now) > 0;
      while (auto t = client.poll_transmit(now)) {
        any = true;
        rv.node.on_datagram(now, client_addr, t->data);
      }
      any = rv.node.pump(now) > 0 || any;
      while (auto t = rv.node.poll_transmit(now)) {
        any = true;
        client.on_datagram(now, rv_addr, t->data);
      }
      while (auto e = client.poll_event()) {
        any = true;
        events.push_back(std::move(*e));
      }
      if (!any) return;
    }
  }
  bool run_until(const std::function<bool()>& pred, Duration max = seconds(5)) {
    const TimePoint limit = now + max;
    deliver();
    while (!pred()) {
      auto next = earliest(client.next_deadline(), rv.node.next_deadline());
      if (!next || *next > limit) return pred();
      now = std::max(now, *next);
      if (auto d = client.next_deadline(); d && *d <= now) client.on_deadline(now);
      rv.node.on_deadline(now);
      deliver();
    }
    return true;
  }
  template <class T>
  std::vector<T> of() const {
    std::vector<T> out;
    for (auto& e : events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
    return out;
  }

  void open() {
    ConnectRequest r;
    r.epd.uri = "rtmfp://rv/app";
    r.candidates = {rv_addr};
    auto s = client.connect(now, r);
    ASSERT_TRUE(s);
    cs = *s;
    ASSERT_TRUE(run_until([&] { return !of<SessionOpened>().empty(); }));
    auto f = client.open_flow(now, cs, gw::encode_metadata({0, false}));  // §5.3.1
    ASSERT_TRUE(f);
    control = *f;
  }
  void send(const Bytes& message) {
    ASSERT_TRUE(client.write(now, cs, control, message));
    deliver();
  }
  // The rendezvous's messages on its return control flow, decoded (§5.1.2).
  std::vector<gw::FlowMessage> replies() const {
    std::optional<FlowId> ret;
    for (const auto& in : of<FlowIncoming>())
      if (in.association == control) ret = in.flow;
    std::vector<gw::FlowMessage> out;
    if (!ret) return out;
    for (const auto& e : events)
      if (auto* m = std::get_if<FlowMessage>(&e); m && m->flow == *ret) {
        auto fm = gw::decode_message(m->data);
        if (fm) out.push_back(*fm);
      }
    return out;
  }
  std::vector<media::rtmp::Command> commands() const {
    std::vector<media::rtmp::Command> out;
    // The payload views point into events_; decode while they live.
    for (const auto& fm : replies()) {
      if (fm.type != media::rtmp::msg_type::command_amf0 && fm.type != media::rtmp::msg_type::command_amf3) continue;
      media::rtmp::Message m;
      m.type = fm.type;
      m.payload.assign(fm.payload.begin(), fm.payload.end());
      if (auto c = media::rtmp::decode_command(m)) out.push_back(*c);
    }
    return out;
  }
  SessionHandle rv_session() const { return rv.endpoint.sessions().front(); }
  const PeerRecord* record() const { return registered(rv, rv_session()); }
};

Bytes connect_message(double trid = 1, double encoding = 0) {
  return command_message("connect", trid,
                         Value::object({{"app", Value::string("app")},
                                        {"tcUrl", Value::string("rtmfp://rv/app")},
                                        {"objectEncoding", Value::number(encoding)}}),
                         {});
}

TEST(NetConnectionService, ConnectGetsSuccessTheReflexiveAddressAndKeepaliveTimers) {
  RawNet n;
  n.open();
  n.send(connect_message());
  ASSERT_TRUE(n.run_until([&] { return n.replies().size() >= 2; }));
  // §5.3.2: the return control flow is stream 0 in return to ours.
  std::optional<FlowIncoming> ret;
  for (const auto& in : n.of<FlowIncoming>())
    if (in.association == n.control) ret = in;
  ASSERT_TRUE(ret);
  auto md = gw::decode_metadata(ret->metadata);
  ASSERT_TRUE(md);
  EXPECT_EQ(md->stream_id, 0u);
  auto cmds = n.commands();
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].name, "_result");
  EXPECT_EQ(cmds[0].transaction_id, 1);
  EXPECT_EQ(media::rtmp::info_code(cmds[0]), "NetConnection.Connect.Success");
  const Value* refl = cmds[0].args.at(0).get("reflexiveAddress");
  ASSERT_TRUE(refl && refl->as_string());
  EXPECT_EQ(std::string(*refl->as_string()), n.client_addr.to_string());
  // §5.3.4: Set Keepalive Timers (User Control event 41) after the _result.
  auto r = n.replies();
  ASSERT_EQ(r[1].type, gw::kUserControlType);
  auto k = gw::decode_set_keepalive(r[1].payload);
  ASSERT_TRUE(k && *k);
  EXPECT_EQ((*k)->server_period_ms, 15000u);
  EXPECT_EQ((*k)->peer_period_ms, 10000u);
  EXPECT_EQ(n.rv.service.stats().connects, 1u);
  EXPECT_TRUE(n.rv.service.connected(n.rv_session()));
  // The session's peer ID is registered, under the address the server sees.
  const PeerRecord* rec = n.record();
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->reflexive, n.client_addr);
}

TEST(NetConnectionService, SetPeerInfoPutsHostAddressesInTheRegistryAndDropsMalformedOnes) {
  RawNet n;
  n.open();
  // Before connect: out of order, nothing registered.
  n.send(command_message("setPeerInfo", 0, Value::null(), {Value::string("192.168.1.10:5000")}));
  EXPECT_EQ(n.rv.service.stats().out_of_order, 1u);
  n.send(connect_message());
  ASSERT_TRUE(n.run_until([&] { return n.rv.service.stats().connects == 1; }));
  std::vector<Value> addrs{Value::string("192.168.1.10:5000"),
                           Value::string("[2001:db8::10]:5000"),
                           Value::string("127.0.0.1:5000"),  // parses; loopback is not handed out
                           Value::string("192.168.1.10"),    // malformed: no port
                           Value::number(1),                 // malformed: not a string
                           Value::string("[::1:5000")};      // malformed
  n.send(command_message("setPeerInfo", 0, Value::null(), addrs));
  ASSERT_TRUE(n.run_until([&] { return n.rv.service.stats().peer_infos == 1; }));
  const auto& st = n.rv.service.stats();
  EXPECT_EQ(st.peer_addresses, 2u);
  EXPECT_EQ(st.peer_addresses_malformed, 3u);
  EXPECT_EQ(st.peer_addresses_unusable, 1u);
  const PeerRecord* rec = n.record();
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->host_addresses.size(), 2u);
  EXPECT_EQ(rec->host_addresses[0], SocketAddress::ipv4(192, 168, 1, 10, 5000));
  EXPECT_EQ(rec->host_addresses[1].to_string(), "[2001:db8::10]:5000");
  EXPECT_EQ(rec->reflexive, n.client_addr) << "the reflexive address stays the observed one";
  // §5.3.3: the observed address is not in the list: behind a NAT.
  EXPECT_EQ(n.rv.service.behind_nat(n.rv_session()), true);
  // A later list replaces it; listing the observed address means no NAT.
  n.send(command_message("setPeerInfo", 0, Value::null(), {Value::string(n.client_addr.to_string())}));
  ASSERT_TRUE(n.run_until([&] { return n.rv.service.stats().peer_infos == 2; }));
  EXPECT_EQ(n.rv.service.behind_nat(n.rv_session()), false);
  EXPECT_EQ(n.record()->host_addresses.size(), 1u);
}

TEST(NetConnectionService, GarbageOversizedAndUnofferedRequestsAreDroppedCountedOrRefused) {
  RawNet n;
  n.open();
  n.send(connect_message(1, 3));  // objectEncoding 3: answers come as type 17 (E§8.1.1)
  ASSERT_TRUE(n.run_until([&] { return !n.replies().empty(); }));
  EXPECT_EQ(n.replies()[0].type, media::rtmp::msg_type::command_amf3);
  n.send(Bytes{20, 0, 0, 0, 0, 0x02, 0xff});  // truncated AMF
  n.send(Bytes{20});                           // shorter than the framing
  n.send(command_message("setPeerInfo", 0, Value::null(), {Value::string(std::string(nc::kMaxMessage, '1'))}));
  n.send(connect_message(2));  // a second connect
  ASSERT_TRUE(n.run_until([&] { return n.rv.service.stats().malformed == 3 && n.rv.service.stats().out_of_order == 1; }));
  // createStream gets a stream ID (tcconn closes its NetConnection otherwise), up to the bound.
  for (std::uint32_t i = 0; i < NetConnectionService::kMaxStreams + 1; ++i)
    n.send(command_message("createStream", 10 + i, Value::null(), {}));
  n.send(command_message("play", 50, Value::null(), {Value::string("live")}));
  ASSERT_TRUE(n.run_until([&] { return n.commands().size() == 1 + NetConnectionService::kMaxStreams + 2; }));
  auto cmds = n.commands();
  EXPECT_EQ(cmds[1].name, "_result");
  EXPECT_EQ(cmds[1].args.at(0).as_number(), 1.0);
  EXPECT_EQ(cmds[NetConnectionService::kMaxStreams + 1].name, "_error");
  EXPECT_EQ(cmds.back().name, "_error");
  EXPECT_EQ(media::rtmp::info_code(cmds.back()), "NetConnection.Call.Failed");
  EXPECT_EQ(n.rv.service.stats().streams, NetConnectionService::kMaxStreams);
  EXPECT_EQ(n.rv.service.stats().calls_refused, 2u);
  // §5.3.5.3: a second control flow, a stream flow, and a "TC" flow with bad
  // metadata are rejected with code 0.
  std::optional<FlowId> ret;
  for (const auto& in : n.of<FlowIncoming>())
    if (in.association == n.control) ret = in.flow;
  ASSERT_TRUE(ret);
  auto second = n.client.open_flow(n.now, n.cs, gw::encode_metadata({0, false}));
  auto stream = n.client.open_flow(n.now, n.cs, gw::encode_metadata({1, false}), *ret);
  auto bad = n.client.open_flow(n.now, n.cs, Bytes{'T', 'C', 0x00});  // SID clear
  ASSERT_TRUE(second && stream && bad);
  for (FlowId f : {*second, *stream, *bad}) ASSERT_TRUE(n.client.write(n.now, n.cs, f, connect_message(7)));
  ASSERT_TRUE(n.run_until([&] { return n.of<FlowRejected>().size() == 3; }));
  for (const auto& r : n.of<FlowRejected>()) EXPECT_EQ(r.code, 0u);
  EXPECT_EQ(n.rv.service.stats().rejected_flows, 3u);
  EXPECT_EQ(n.rv.service.stats().connects, 1u);
}

TEST(NetConnectionService, AFullRegistryRefusesTheConnect) {
  RawNet n(/*max_peers=*/0);
  n.open();
  n.send(connect_message());
  ASSERT_TRUE(n.run_until([&] { return !n.commands().empty(); }));
  EXPECT_EQ(n.commands()[0].name, "_error");
  EXPECT_EQ(media::rtmp::info_code(n.commands()[0]), "NetConnection.Connect.Rejected");
  EXPECT_EQ(n.rv.service.stats().connects_refused, 1u);
  EXPECT_FALSE(n.rv.service.connected(n.rv_session()));
}

TEST(NetConnectionService, ClosingTheControlFlowEndsTheNetConnection) {
  RawNet n;
  n.open();
  n.send(connect_message());
  ASSERT_TRUE(n.run_until([&] { return n.rv.service.connected(n.rv_session()); }));
  ASSERT_TRUE(n.client.close_flow(n.now, n.cs, n.control));
  // §5.3.6: our return flow closes too.
  ASSERT_TRUE(n.run_until([&] { return !n.of<FlowFinished>().empty(); }));
  EXPECT_FALSE(n.rv.service.connected(n.rv_session()));
}

// ---- a node registering the Flash way ---------------------------------------

struct NodeNet {
  TimePoint now = at(seconds(1000));
  SocketAddress node_addr = SocketAddress::ipv4(10, 0, 0, 2, 5000);
  SocketAddress rv_addr = SocketAddress::ipv4(10, 0, 0, 1, 1935);
  SeededRandom nrng{3}, rrng{4};
  NullProfile nprof{nrng};
  Endpoint endpoint{EndpointConfig{}, nrng};
  Rendezvous rv;
  std::optional<NetConnectionRegistration> reg;
  std::optional<node::Node> node;
  std::vector<RegistrationEvent> events;

  explicit NodeNet(std::size_t max_peers = limits::kMaxRegisteredPeers) : rv(rrng, max_peers) {
    endpoint.add_profile(nprof);
    ConnectRequest r;
    r.epd.uri = "rtmfp://rv/app";
    r.candidates = {rv_addr};
    reg.emplace(endpoint, r, "rtmfp://rv/app", "app",
                std::vector<SocketAddress>{SocketAddress::ipv4(192, 168, 1, 10, 5000)});
    node.emplace(endpoint);
    EXPECT_TRUE(node->add_service(*reg));
    node->start(now);
    rv.node.start(now);
  }
  void deliver() {
    for (int round = 0; round < 1000; ++round) {
      bool any = rv.node.pump(now) > 0;
      any = node->pump(now) > 0 || any;
      while (auto t = node->poll_transmit(now)) {
        any = true;
        rv.node.on_datagram(now, node_addr, t->data);
      }
      any = rv.node.pump(now) > 0 || any;
      while (auto t = rv.node.poll_transmit(now)) {
        any = true;
        node->on_datagram(now, rv_addr, t->data);
      }
      any = node->pump(now) > 0 || any;
      while (auto e = reg->poll_event()) events.push_back(*e);
      if (!any) return;
    }
  }
  bool run_until(const std::function<bool()>& pred, Duration max = seconds(10)) {
    const TimePoint limit = now + max;
    deliver();
    while (!pred()) {
      auto next = earliest(node->next_deadline(), rv.node.next_deadline());
      if (!next || *next > limit) return pred();
      now = std::max(now, *next);
      node->on_deadline(now);
      rv.node.on_deadline(now);
      deliver();
    }
    return true;
  }
};

TEST(NetConnectionRegistration, ANodeRegistersTheFlashWayAndLearnsItsReflexiveAddress) {
  NodeNet n;
  ASSERT_TRUE(n.run_until([&] { return !n.events.empty(); }));
  ASSERT_EQ(n.events[0].kind, RegistrationEvent::registered) << n.events[0].reason;
  EXPECT_TRUE(n.events[0].reflexive_known);
  EXPECT_EQ(n.events[0].info.reflexive, n.node_addr);
  ASSERT_TRUE(n.run_until([&] { return n.rv.service.stats().peer_infos == 1 && n.reg->advised_keepalive(); }));
  const PeerRecord* rec = registered(n.rv, n.rv.endpoint.sessions().front());
  ASSERT_TRUE(rec) << "registered under the peer ID it initiated with";
  ASSERT_EQ(rec->host_addresses.size(), 1u);
  EXPECT_EQ(rec->host_addresses[0], SocketAddress::ipv4(192, 168, 1, 10, 5000));
  EXPECT_EQ(n.reg->advised_keepalive()->server_period_ms, 15000u);  // §5.3.4, above the 5 s floor
  EXPECT_EQ(n.rv.service.behind_nat(n.rv.endpoint.sessions().front()), true);
}

TEST(NetConnectionRegistration, ARefusedConnectIsReportedAndRetriedWithBackoff) {
  NodeNet n(/*max_peers=*/0);
  ASSERT_TRUE(n.run_until([&] { return !n.events.empty(); }));
  ASSERT_EQ(n.events[0].kind, RegistrationEvent::lost);
  EXPECT_NE(n.events[0].reason.find("NetConnection.Connect.Rejected"), std::string::npos) << n.events[0].reason;
  ASSERT_TRUE(n.run_until([&] { return n.events.size() >= 2; }));
  EXPECT_EQ(n.events[1].kind, RegistrationEvent::lost);
  EXPECT_EQ(n.reg->attempts(), 2u);
}

// The retries follow RetryBackoff: 1 s then 2 s, each jittered by +-20% from
// the endpoint's random source (not the bare 1 s and 2 s every client that
// lost the rendezvous would use at once).
TEST(NetConnectionRegistration, RetriesAreSpreadByJitter) {
  NodeNet n(/*max_peers=*/0);
  std::vector<TimePoint> lost;
  for (std::size_t k = 1; k <= 3; ++k) {
    ASSERT_TRUE(n.run_until([&] { return n.events.size() >= k; }));
    lost.push_back(n.now);
  }
  const Duration first = lost[1] - lost[0], second = lost[2] - lost[1];
  EXPECT_GE(first, milliseconds(800));
  EXPECT_LE(first, milliseconds(1200));
  EXPECT_GE(second, milliseconds(1600));
  EXPECT_LE(second, milliseconds(2400));
  EXPECT_NE(first, seconds(1)) << "no jitter";
  EXPECT_NE(second, seconds(2)) << "no jitter";
}

}  // namespace
}  // namespace rtmfp::rendezvous
