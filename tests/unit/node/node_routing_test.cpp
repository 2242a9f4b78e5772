// Node routing (rtmfp/node/node.hpp): incoming flows go to the service whose
// signature prefixes their metadata (RFC 7016 §2.3.11.1.1), later events of
// a flow to the same service, session events to every interested service,
// unclaimed flows are rejected (§3.6.3.7) and counted. A client Endpoint and
// a Node's Endpoint on an instant in-memory link with a virtual clock.
#include <gtest/gtest.h>

#include <string>

#include "rtmfp/crypto/testing/null_profile.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::node {
namespace {

using rtmfp::testing::NullProfile;
using rtmfp::SeededRandom;

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

struct Recorder : Service {
  std::string nm;
  std::vector<Bytes> sigs;
  Interests wants;
  std::vector<EndpointEvent> events;
  std::optional<TimePoint> deadline;
  int deadlines_fired = 0, started = 0, shut = 0;

  Recorder(std::string n, std::vector<Bytes> s, Interests i = {}) : nm(std::move(n)), sigs(std::move(s)), wants(i) {}
  std::string_view name() const override { return nm; }
  std::vector<Bytes> signatures() const override { return sigs; }
  Interests interests() const override { return wants; }
  void on_start(TimePoint) override { ++started; }
  bool consume = false;  // consume the session-level events it gets
  bool on_event(TimePoint, const EndpointEvent& e) override {
    events.push_back(e);
    return consume;
  }
  std::optional<TimePoint> next_deadline() const override { return deadline; }
  void on_deadline(TimePoint) override {
    ++deadlines_fired;
    deadline.reset();
  }
  void on_shutdown(TimePoint) override { ++shut; }

  template <class T>
  std::vector<T> of() const {
    std::vector<T> out;
    for (auto& e : events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
    return out;
  }
};

// A client endpoint and a node, joined by an instant link.
struct Net {
  TimePoint now = at(seconds(1000));
  SocketAddress client_addr = SocketAddress::ipv4(10, 0, 0, 2, 5000);
  SocketAddress node_addr = SocketAddress::ipv4(10, 0, 0, 1, 1935);
  SeededRandom crng{2}, nrng{1};
  NullProfile cprof{crng}, nprof{nrng};
  Endpoint client{EndpointConfig{}, crng};
  Endpoint server{EndpointConfig{}, nrng};
  Node node{server};
  std::vector<EndpointEvent> client_events;
  SessionHandle cs = 0;

  Net() {
    client.add_profile(cprof);
    server.add_profile(nprof);
  }

  void deliver() {
    for (int round = 0; round < 1000; ++round) {
      bool any = node.pump(now) > 0;
      while (auto t = client.poll_transmit(now)) {
        any = true;
        node.on_datagram(now, client_addr, t->data);
      }
      any = node.pump(now) > 0 || any;
      while (auto t = node.poll_transmit(now)) {
        any = true;
        client.on_datagram(now, node_addr, t->data);
      }
      while (auto e = client.poll_event()) {
        any = true;
        client_events.push_back(std::move(*e));
      }
      if (!any) return;
    }
  }

  bool run_until(const std::function<bool()>& pred, Duration max) {
    const TimePoint limit = now + max;
    deliver();
    while (!pred()) {
      auto next = earliest(client.next_deadline(), node.next_deadline());
      if (!next || *next > limit) return pred();
      now = std::max(now, *next);
      if (auto d = client.next_deadline(); d && *d <= now) client.on_deadline(now);
      node.on_deadline(now);
      deliver();
    }
    return true;
  }

  template <class T>
  std::vector<T> client_of() const {
    std::vector<T> out;
    for (auto& e : client_events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
    return out;
  }

  void connect() {
    ConnectRequest r;
    r.epd.uri = "rtmfp://node/app";
    r.candidates = {node_addr};
    auto s = client.connect(now, r);
    ASSERT_TRUE(s);
    cs = *s;
    ASSERT_TRUE(run_until([&] { return !client_of<SessionOpened>().empty(); }, seconds(5)));
  }

  FlowId send(std::string_view metadata, std::string_view message, bool close = false) {
    auto f = client.open_flow(now, cs, bytes_of(metadata));
    EXPECT_TRUE(f);
    EXPECT_TRUE(client.write(now, cs, *f, bytes_of(message)));
    if (close) {
      EXPECT_TRUE(client.close_flow(now, cs, *f));
    }
    deliver();
    return *f;
  }
};

TEST(NodeRouting, FlowGoesToTheLongestMatchingSignatureAndItsEventsFollow) {
  Net n;
  Recorder perf("perf", {bytes_of("rtmfp-perf/1 ")});
  Recorder control("control", {bytes_of("rtmfp:rendezvous/1")});
  Recorder control_v2("control-v2", {bytes_of("rtmfp:rendezvous/1/v2")});
  ASSERT_TRUE(n.node.add_service(perf));
  ASSERT_TRUE(n.node.add_service(control));
  ASSERT_TRUE(n.node.add_service(control_v2));
  n.connect();
  n.send("rtmfp:rendezvous/1/v2 extra", "hello v2", true);
  n.send("rtmfp:rendezvous/1", "hello v1");
  ASSERT_TRUE(n.run_until([&] { return !control_v2.of<FlowFinished>().empty() && !control.of<FlowMessage>().empty(); },
                          seconds(5)));

  ASSERT_EQ(control_v2.of<FlowIncoming>().size(), 1u);
  ASSERT_EQ(control_v2.of<FlowMessage>().size(), 1u);
  EXPECT_EQ(control_v2.of<FlowMessage>()[0].data, bytes_of("hello v2"));
  ASSERT_EQ(control.of<FlowIncoming>().size(), 1u);
  ASSERT_EQ(control.of<FlowMessage>().size(), 1u);
  EXPECT_EQ(control.of<FlowMessage>()[0].data, bytes_of("hello v1"));
  EXPECT_TRUE(control.of<FlowFinished>().empty());
  EXPECT_TRUE(perf.of<FlowIncoming>().empty());
  EXPECT_TRUE(perf.of<FlowMessage>().empty());
  // The finished flow left the routing table; the open one is still there.
  const FlowId v1 = control.of<FlowIncoming>()[0].flow;
  const SessionHandle ss = control.of<FlowIncoming>()[0].session;
  EXPECT_EQ(n.node.owner(ss, v1), &control);
  EXPECT_EQ(n.node.owner(ss, control_v2.of<FlowIncoming>()[0].flow), nullptr);
  EXPECT_EQ(n.node.stats().flows_claimed, 2u);
  EXPECT_EQ(n.node.stats().flows_unclaimed, 0u);
}

TEST(NodeRouting, UnclaimedFlowIsRejectedAndCounted) {
  Net n;
  Recorder perf("perf", {bytes_of("rtmfp-perf/1 ")});
  ASSERT_TRUE(n.node.add_service(perf));
  n.connect();
  const FlowId f = n.send("something-else", "nobody wants this");
  ASSERT_TRUE(n.run_until([&] { return !n.client_of<FlowRejected>().empty(); }, seconds(5)));
  EXPECT_EQ(n.client_of<FlowRejected>()[0].flow, f);
  EXPECT_EQ(n.client_of<FlowRejected>()[0].code, kUnclaimedFlowCode);
  EXPECT_EQ(n.node.stats().flows_unclaimed, 1u);
  EXPECT_TRUE(perf.of<FlowIncoming>().empty());
  EXPECT_TRUE(perf.of<FlowMessage>().empty());
  // A metadata shorter than the signature is not a match either.
  n.send("rtmfp-perf/1", "short");
  ASSERT_TRUE(n.run_until([&] { return n.client_of<FlowRejected>().size() == 2; }, seconds(5)));
  EXPECT_EQ(n.node.stats().flows_unclaimed, 2u);
}

TEST(NodeRouting, SessionEventsGoToEveryInterestedServiceAndCloseClearsRoutes) {
  Net n;
  Recorder a("a", {bytes_of("A")});
  Recorder b("b", {bytes_of("B")});
  Interests quiet;
  quiet.sessions = false;
  Recorder c("c", {bytes_of("C")}, quiet);
  ASSERT_TRUE(n.node.add_service(a));
  ASSERT_TRUE(n.node.add_service(b));
  ASSERT_TRUE(n.node.add_service(c));
  n.connect();
  EXPECT_EQ(a.of<SessionOpened>().size(), 1u);
  EXPECT_EQ(b.of<SessionOpened>().size(), 1u);
  EXPECT_TRUE(c.of<SessionOpened>().empty());
  n.send("A", "x");
  ASSERT_TRUE(n.run_until([&] { return !a.of<FlowMessage>().empty(); }, seconds(5)));
  const FlowIncoming in = a.of<FlowIncoming>().at(0);
  EXPECT_EQ(n.node.owner(in.session, in.flow), &a);

  ASSERT_TRUE(n.client.close(n.now, n.cs));
  ASSERT_TRUE(n.run_until([&] { return !a.of<SessionClosed>().empty(); }, seconds(30)));
  EXPECT_EQ(b.of<SessionClosed>().size(), 1u);
  EXPECT_TRUE(c.of<SessionClosed>().empty());
  EXPECT_EQ(n.node.owner(in.session, in.flow), nullptr);
}

TEST(NodeRouting, AServiceThatConsumesASessionEventStopsItsBroadcast) {
  Net n;
  Recorder a("a", {bytes_of("A")});
  Recorder b("b", {bytes_of("B")});
  a.consume = true;
  ASSERT_TRUE(n.node.add_service(a));
  ASSERT_TRUE(n.node.add_service(b));
  n.connect();
  EXPECT_EQ(a.of<SessionOpened>().size(), 1u);
  EXPECT_TRUE(b.of<SessionOpened>().empty());
}

TEST(NodeRouting, UnmatchedIHelloGoesOnlyToServicesThatAskAndIsCountedOtherwise) {
  EndpointConfig cfg;
  cfg.report_unmatched_ihellos = true;
  Net n;
  // A node endpoint that reports unmatched IHellos.
  SeededRandom rng(9);
  NullProfile prof(rng);
  Endpoint server(cfg, rng);
  server.add_profile(prof);
  Node node(server);
  Interests intro;
  intro.unmatched_ihellos = true;
  Recorder introducer("introducer", {bytes_of("I")}, intro);
  Recorder other("other", {bytes_of("O")});
  ASSERT_TRUE(node.add_service(introducer));
  ASSERT_TRUE(node.add_service(other));

  ConnectRequest r;
  r.epd.peer_id = PeerId{};
  (*r.epd.peer_id)[0] = 0x42;  // nobody's peer ID
  r.candidates = {n.node_addr};
  ASSERT_TRUE(n.client.connect(n.now, r));
  while (auto t = n.client.poll_transmit(n.now)) node.on_datagram(n.now, n.client_addr, t->data);
  node.pump(n.now);
  ASSERT_EQ(introducer.of<UnmatchedIHello>().size(), 1u);
  EXPECT_TRUE(other.of<UnmatchedIHello>().empty());
  EXPECT_EQ(node.stats().unmatched_ihellos_unwanted, 0u);

  // Without an interested service it is counted.
  SeededRandom rng2(10);
  NullProfile prof2(rng2);
  Endpoint lone(cfg, rng2);
  lone.add_profile(prof2);
  Node lonely(lone);
  ASSERT_TRUE(lonely.add_service(other));
  ASSERT_TRUE(n.client.connect(n.now + seconds(1), [&] {
    ConnectRequest q = r;
    (*q.epd.peer_id)[0] = 0x43;
    return q;
  }()));
  while (auto t = n.client.poll_transmit(n.now + seconds(1))) lonely.on_datagram(n.now, n.client_addr, t->data);
  lonely.pump(n.now);
  EXPECT_EQ(lonely.stats().unmatched_ihellos_unwanted, 1u);
  EXPECT_TRUE(other.of<UnmatchedIHello>().empty());
}

TEST(NodeRouting, AddServiceRefusesEmptyAndDuplicateSignatures) {
  Net n;
  Recorder a("a", {bytes_of("rtmfp-perf/1 ")});
  Recorder dup("dup", {bytes_of("rtmfp-perf/1 ")});
  Recorder empty("empty", {Bytes{}});
  ASSERT_TRUE(n.node.add_service(a));
  EXPECT_FALSE(n.node.add_service(dup));
  EXPECT_FALSE(n.node.add_service(empty));
  EXPECT_EQ(n.node.services().size(), 1u);
}

TEST(NodeRouting, ServiceDeadlinesStartAndShutdownAreDriven) {
  Net n;
  Recorder a("a", {bytes_of("A")});
  ASSERT_TRUE(n.node.add_service(a));
  n.node.start(n.now);
  EXPECT_EQ(a.started, 1);
  a.deadline = n.now + seconds(7);
  ASSERT_TRUE(n.node.next_deadline());
  EXPECT_EQ(*n.node.next_deadline(), n.now + seconds(7));  // the endpoint has nothing earlier while idle
  n.node.on_deadline(n.now + seconds(6));
  EXPECT_EQ(a.deadlines_fired, 0);
  n.node.on_deadline(n.now + seconds(7));
  EXPECT_EQ(a.deadlines_fired, 1);
  EXPECT_FALSE(n.node.next_deadline());

  n.connect();
  n.node.shutdown(n.now);
  n.node.shutdown(n.now);  // once
  EXPECT_EQ(a.shut, 1);
  EXPECT_TRUE(n.node.shutting_down());
  ASSERT_TRUE(n.run_until([&] { return n.node.drained(); }, seconds(10)));
}

// Sessions closed here (a local close, a shutdown) take their flows out of
// the routing table with their SessionClosed (the endpoint reports local
// closes too): the table stays bounded by the live sessions' flows however
// many sessions come and go.
TEST(NodeRouting, RoutesOfLocallyClosedSessionsGoWithTheirSessionClosed) {
  Net n;
  Recorder a("a", {bytes_of("A")});
  ASSERT_TRUE(n.node.add_service(a));
  for (int i = 0; i < 40; ++i) {
    n.connect();
    n.send("A", "x");
    ASSERT_TRUE(n.run_until([&] { return a.of<FlowMessage>().size() == static_cast<std::size_t>(i + 1); }, seconds(5)));
    EXPECT_EQ(n.node.routes(), 1u);
    const FlowIncoming in = a.of<FlowIncoming>().back();
    ASSERT_TRUE(n.server.close(n.now, in.session));  // local close
    ASSERT_TRUE(n.run_until([&] { return !n.server.session_info(in.session); }, seconds(30)));
    n.node.route_events(n.now);
    EXPECT_EQ(n.node.routes(), 0u) << "session " << i;
    EXPECT_EQ(a.of<SessionClosed>().size(), static_cast<std::size_t>(i + 1));
    n.client_events.clear();
  }
  EXPECT_EQ(n.node.routes(), 0u);
}

}  // namespace
}  // namespace rtmfp::node
