// NodeHost (rtmfp/host) on real UDP sockets on loopback: several sockets of
// both families, datagrams leave by a socket of the destination's family,
// post() from another thread, orderly shutdown on shutdown() and SIGTERM.
// Every wait is bounded by a deadline inside the node (a service's
// next_deadline) or by the drain bound, never by a sleep.
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <string>
#include <thread>

#include "rtmfp/crypto/testing/null_profile.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/system_random.hpp"
#include "tests/support/net_caps.hpp"

namespace rtmfp::host {
namespace {

using rtmfp::testing::NullProfile;

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
const Bytes kEcho = bytes_of("echo/1");

// Answers every "echo/1" flow on a flow associated with it (RFC 7016
// §2.3.11.1.2), echoing each message.
struct EchoService : node::Service {
  Endpoint& ep;
  std::map<std::pair<SessionHandle, FlowId>, FlowId> back;
  explicit EchoService(Endpoint& e) : ep(e) {}
  std::string_view name() const override { return "echo"; }
  std::vector<Bytes> signatures() const override { return {kEcho}; }
  bool on_event(TimePoint now, const EndpointEvent& e) override {
    if (const auto* in = std::get_if<FlowIncoming>(&e)) {
      if (auto f = ep.open_flow(now, in->session, kEcho, in->flow)) back[{in->session, in->flow}] = *f;
    } else if (const auto* m = std::get_if<FlowMessage>(&e)) {
      auto it = back.find({m->session, m->flow});
      if (it != back.end()) (void)ep.write(now, m->session, it->second, m->data);
    }
    return false;
  }
};

// Opens one session per target, sends "ping" on an echo flow in each, and
// shuts its host down when every echo came back, or at its deadline.
struct PingService : node::Service {
  Endpoint& ep;
  NodeHost* host = nullptr;
  std::vector<SocketAddress> targets;
  std::set<SessionHandle> pending;
  std::vector<SocketAddress> echoed_from;  // the far address of each echoed session
  std::optional<TimePoint> give_up;
  bool gave_up = false;
  PingService(Endpoint& e, std::vector<SocketAddress> t) : ep(e), targets(std::move(t)) {}
  std::string_view name() const override { return "ping"; }
  std::vector<Bytes> signatures() const override { return {kEcho}; }
  void on_start(TimePoint now) override {
    give_up = now + seconds(20);
    for (const auto& t : targets) {
      ConnectRequest r;
      r.epd.uri = "rtmfp://test/app";
      r.candidates = {t};
      if (auto s = ep.connect(now, r)) pending.insert(*s);
    }
  }
  bool on_event(TimePoint now, const EndpointEvent& e) override {
    if (const auto* o = std::get_if<SessionOpened>(&e)) {
      if (auto f = ep.open_flow(now, o->session, kEcho)) (void)ep.write(now, o->session, *f, bytes_of("ping"));
    } else if (const auto* m = std::get_if<FlowMessage>(&e)) {
      if (m->data == bytes_of("ping") && pending.erase(m->session)) {
        echoed_from.push_back(ep.session_info(m->session)->peer);
        if (pending.empty()) host->shutdown();
      }
    }
    return false;
  }
  std::optional<TimePoint> next_deadline() const override { return give_up; }
  void on_deadline(TimePoint) override {
    give_up.reset();
    gave_up = true;
    host->shutdown();
  }
};

struct TestNode {
  io::SystemRandom rng;
  NullProfile profile{rng};
  Endpoint endpoint;
  node::Node node{endpoint};
  explicit TestNode(EndpointConfig cfg = {}) : endpoint(cfg, rng) { endpoint.add_profile(profile); }
};

SocketAddress v4_loopback() { return SocketAddress::ipv4(127, 0, 0, 1, 0); }
SocketAddress v6_loopback() {
  SocketAddress a;
  a.v6 = true;
  a.ip[15] = 1;
  return a;
}

// A fresh client node (sockets on `listen`) pings `target` once and stops.
struct PingResult {
  bool ran = false, gave_up = false, drained = false;
  std::vector<SocketAddress> echoed_from;  // the address each echo came from
  std::uint64_t unroutable = 0;
};
PingResult ping_once(const SocketAddress& target, std::vector<SocketAddress> listen) {
  PingResult r;
  TestNode client;
  PingService ping(client.endpoint, {target});
  if (!client.node.add_service(ping)) return r;
  NodeHostOptions co;
  co.listen = std::move(listen);
  NodeHost client_host(client.node, co);
  ping.host = &client_host;
  if (!client_host.open()) return r;
  client_host.run();  // returns after the shutdown drained
  r.ran = true;
  r.gave_up = ping.gave_up;
  r.echoed_from = ping.echoed_from;
  r.unroutable = client_host.stats().unroutable;
  r.drained = client.node.drained();
  return r;
}

TEST(NodeHost, SessionsOverBothFamiliesLeaveByTheMatchingSocket) {
  if (!rtmfp::testing::host_has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback";
  TestNode server;
  EchoService echo(server.endpoint);
  ASSERT_TRUE(server.node.add_service(echo));
  NodeHostOptions so;
  so.listen = {v4_loopback(), v6_loopback(), v4_loopback()};
  NodeHost server_host(server.node, so);
  ASSERT_TRUE(server_host.open());
  const auto locals = server_host.local_addresses();
  ASSERT_EQ(locals.size(), 3u);
  EXPECT_FALSE(locals[0].v6);
  EXPECT_TRUE(locals[1].v6);
  EXPECT_NE(locals[0].port, 0);
  EXPECT_NE(locals[0].port, locals[2].port);
  server_host.start();

  // One client per target (a second session from one identity would
  // override the first, RFC 7016 §3.5.1.1.2), each with sockets of both
  // families: its datagrams must leave by the one of the target's family.
  for (const SocketAddress& target : {locals[0], locals[1]}) {
    const PingResult r = ping_once(target, {v4_loopback(), v6_loopback()});
    ASSERT_TRUE(r.ran);
    EXPECT_FALSE(r.gave_up);
    ASSERT_EQ(r.echoed_from.size(), 1u);
    EXPECT_EQ(r.echoed_from[0], target);
    EXPECT_EQ(r.unroutable, 0u);
    EXPECT_TRUE(r.drained);
  }
  server_host.shutdown();
  server_host.join();
  EXPECT_TRUE(server_host.stopped());
}

TEST(NodeHost, ASessionIsAnsweredFromTheSocketItsPeerReached) {
  // Two IPv4 sockets: a client of the second one must hear the server from
  // the second one (its interface ID), not from the first IPv4 socket (a
  // NAT or firewall in front of the client would drop that).
  TestNode server;
  EchoService echo(server.endpoint);
  ASSERT_TRUE(server.node.add_service(echo));
  NodeHostOptions so;
  so.listen = {v4_loopback(), v4_loopback()};
  NodeHost server_host(server.node, so);
  ASSERT_TRUE(server_host.open());
  server_host.start();
  const SocketAddress second = server_host.local_addresses()[1];

  const PingResult r = ping_once(second, {v4_loopback()});
  ASSERT_TRUE(r.ran);
  EXPECT_FALSE(r.gave_up);
  ASSERT_EQ(r.echoed_from.size(), 1u);
  EXPECT_EQ(r.echoed_from[0], second);
  server_host.shutdown();
  server_host.join();
}

// Birthday probing's extra sockets (NodeHost::open_ephemeral): an
// ephemeral port that sessions reach, answered from it (its own
// InterfaceId), and closed on request.
TEST(NodeHost, AnEphemeralSocketCarriesSessionsUntilClosed) {
  TestNode server;
  EchoService echo(server.endpoint);
  ASSERT_TRUE(server.node.add_service(echo));
  NodeHostOptions so;
  so.listen = {v4_loopback()};
  NodeHost server_host(server.node, so);
  ASSERT_TRUE(server_host.open());
  auto extra = server_host.open_ephemeral(false);
  ASSERT_TRUE(extra) << extra.error().message();
  EXPECT_GE(*extra, NodeHost::kEphemeralBase);
  auto bound = server_host.ephemeral_address(*extra);
  ASSERT_TRUE(bound);
  ASSERT_NE(bound->port, 0);
  EXPECT_NE(bound->port, server_host.local_addresses()[0].port);
  SocketAddress target = v4_loopback();
  target.port = bound->port;
  server_host.start();

  const PingResult r = ping_once(target, {v4_loopback()});
  ASSERT_TRUE(r.ran);
  EXPECT_FALSE(r.gave_up);
  ASSERT_EQ(r.echoed_from.size(), 1u);
  EXPECT_EQ(r.echoed_from[0], target);  // answered from the extra socket

  std::promise<std::pair<std::size_t, std::size_t>> counts;
  server_host.post([&] {
    const std::size_t before = server_host.ephemeral_count();
    server_host.close_ephemeral(*extra);
    server_host.close_ephemeral(*extra);  // twice: nothing more
    counts.set_value({before, server_host.ephemeral_count()});
  });
  auto [before, after] = counts.get_future().get();
  EXPECT_EQ(before, 1u);
  EXPECT_EQ(after, 0u);
  server_host.shutdown();
  server_host.join();
}

TEST(NodeHost, ADualStackSocketReachesIPv4PeersAsV4Mapped) {
  if (!rtmfp::testing::host_has_dual_stack()) GTEST_SKIP() << "no dual-stack IPv6";
  TestNode server;
  EchoService echo(server.endpoint);
  ASSERT_TRUE(server.node.add_service(echo));
  NodeHostOptions so;
  so.listen = {v4_loopback()};
  NodeHost server_host(server.node, so);
  ASSERT_TRUE(server_host.open());
  server_host.start();

  SocketAddress any6;
  any6.v6 = true;
  const PingResult r = ping_once(server_host.local_addresses()[0], {any6});  // [::]:0, the system's dual-stack default
  ASSERT_TRUE(r.ran);
  EXPECT_FALSE(r.gave_up);
  ASSERT_EQ(r.echoed_from.size(), 1u);
  EXPECT_FALSE(r.echoed_from[0].v6);  // seen as IPv4, not ::ffff:127.0.0.1
  EXPECT_EQ(r.unroutable, 0u);
  server_host.shutdown();
  server_host.join();
}

TEST(NodeHost, ADestinationOfAFamilyWithoutASocketIsCountedUnroutable) {
  TestNode client;
  NodeHostOptions o;
  o.listen = {v4_loopback()};
  NodeHost host(client.node, o);
  ASSERT_TRUE(host.open());
  host.start();
  std::promise<std::uint64_t> unroutable;
  host.post([&] {
    ConnectRequest r;
    r.epd.uri = "rtmfp://test/app";
    SocketAddress to = v6_loopback();
    to.port = 9;
    r.candidates = {to};
    EXPECT_TRUE(client.endpoint.connect(io::steady_now(), r));
  });
  // Runs after the first post's pump sent (or failed to send) the IHello.
  host.post([&] { unroutable.set_value(host.stats().unroutable); });
  auto f = unroutable.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_GE(f.get(), 1u);
  host.stop();
  host.join();
}

TEST(NodeHost, PostRunsOnTheHostThreadAndShutdownDrainsFromAnotherThread) {
  TestNode n;
  NodeHostOptions o;
  o.listen = {v4_loopback()};
  NodeHost host(n.node, o);
  ASSERT_TRUE(host.open());
  host.start();
  std::promise<std::thread::id> ran_on;
  host.post([&] { ran_on.set_value(std::this_thread::get_id()); });
  auto f = ran_on.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_NE(f.get(), std::this_thread::get_id());
  host.shutdown();
  host.join();  // bounded by the drain limit
  EXPECT_TRUE(host.stopped());
  EXPECT_TRUE(n.node.drained());
  EXPECT_EQ(host.stats().drain_timeouts, 0u);
}

TEST(NodeHost, SigtermClosesSessionsAndStopsTheHost) {
  TestNode server;
  EchoService echo(server.endpoint);
  ASSERT_TRUE(server.node.add_service(echo));
  NodeHostOptions so;
  so.listen = {v4_loopback()};
  so.handle_signals = true;
  std::atomic<int> got{0};
  so.on_signal = [&](int sig) { got = sig; };
  NodeHost server_host(server.node, so);
  ASSERT_TRUE(server_host.open());
  server_host.start();

  // A client with an open session, so the shutdown has something to close.
  TestNode client;
  NodeHostOptions co;
  co.listen = {v4_loopback()};
  NodeHost client_host(client.node, co);
  ASSERT_TRUE(client_host.open());
  std::promise<void> opened;
  struct Watch : node::Service {
    std::promise<void>* p;
    bool done = false;
    std::string_view name() const override { return "watch"; }
    std::vector<Bytes> signatures() const override { return {bytes_of("watch")}; }
    bool on_event(TimePoint, const EndpointEvent& e) override {
      if (std::holds_alternative<SessionOpened>(e) && !done) {
        done = true;
        p->set_value();
      }
      return false;
    }
  } watch;
  watch.p = &opened;
  ASSERT_TRUE(client.node.add_service(watch));  // before start(): the node is the host thread's then
  client_host.start();
  const SocketAddress to = server_host.local_addresses()[0];
  client_host.post([&] {
    ConnectRequest r;
    r.epd.uri = "rtmfp://test/app";
    r.candidates = {to};
    EXPECT_TRUE(client.endpoint.connect(io::steady_now(), r));
  });
  ASSERT_EQ(opened.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  // The signal handler is installed before the host's first handler runs.
  std::promise<void> ready;
  server_host.post([&] { ready.set_value(); });
  ready.get_future().wait();
  ASSERT_EQ(std::raise(SIGTERM), 0);
  server_host.join();
  EXPECT_EQ(got.load(), SIGTERM);
  EXPECT_TRUE(server.node.drained());
  EXPECT_EQ(server_host.stats().drain_timeouts, 0u);
  client_host.stop();
  client_host.join();
}

}  // namespace
}  // namespace rtmfp::host
