// End to end: two rtmfp::Endpoint instances over an in-memory network
// complete a handshake with the modern profile and exchange a ping. The
// server also runs the flash profile on the same port (one-port demux).
#include <cstdio>
#include <variant>

#include "modern_test_util.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"

namespace rtmfp::crypto::modern_test {
namespace {

struct Node {
  SocketAddress address;
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<ModernProfile> modern;
  std::unique_ptr<FlashProfile> flash;
  std::unique_ptr<Endpoint> endpoint;
  std::vector<EndpointEvent> events;
  template <class T>
  std::vector<T> of() const {
    std::vector<T> out;
    for (auto& e : events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
    return out;
  }
};

struct Net {
  TimePoint now = at(seconds(1000));
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::pair<SocketAddress, std::size_t>> sizes;  // sender, datagram size

  Node& add(SocketAddress a, std::uint64_t seed, bool with_modern, bool with_flash, std::string hostname = {}) {
    auto n = std::make_unique<Node>();
    n->address = a;
    n->rng = std::make_unique<SeededRandom>(seed);
    n->endpoint = std::make_unique<Endpoint>(EndpointConfig{}, *n->rng);
    if (with_modern) {
      ModernConfig mc;
      mc.hostname = std::move(hostname);
      auto p = ModernProfile::create(mc, *n->rng);
      EXPECT_TRUE(p);
      n->modern = std::move(*p);
      n->endpoint->add_profile(*n->modern);
    }
    if (with_flash) {
      auto p = FlashProfile::create(FlashConfig{}, *n->rng);
      EXPECT_TRUE(p);
      n->flash = std::move(*p);
      n->endpoint->add_profile(*n->flash);
    }
    nodes.push_back(std::move(n));
    return *nodes.back();
  }

  void deliver() {
    for (int round = 0; round < 1000; ++round) {
      bool any = false;
      for (auto& n : nodes) {
        while (auto t = n->endpoint->poll_transmit(now)) {
          any = true;
          sizes.emplace_back(n->address, t->data.size());
          for (auto& d : nodes)
            if (d->address == t->to) d->endpoint->on_datagram(now, n->address, t->data);
        }
      }
      if (!any) break;
    }
    for (auto& n : nodes)
      while (auto e = n->endpoint->poll_event()) n->events.push_back(std::move(*e));
  }

  bool run_until(const std::function<bool()>& pred, Duration max) {
    const TimePoint limit = now + max;
    deliver();
    while (!pred()) {
      std::optional<TimePoint> next;
      for (auto& n : nodes) next = earliest(next, n->endpoint->next_deadline());
      if (!next || *next > limit) return pred();
      now = std::max(now, *next);
      for (auto& n : nodes)
        if (auto d = n->endpoint->next_deadline(); d && *d <= now) n->endpoint->on_deadline(now);
      deliver();
    }
    return true;
  }
};

TEST(ModernEndpoint, HandshakeAndPingOverTwoEndpoints) {
  Net net;
  Node& server = net.add(SocketAddress::ipv4(10, 0, 0, 1, 1935), 1, true, true);
  Node& client = net.add(SocketAddress::ipv4(10, 0, 0, 2, 5000), 2, true, false);
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://server/app";
  r.epd.peer_id = server.modern->local_peer_id();
  r.candidates = {server.address};
  auto s = client.endpoint->connect(net.now, r);
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_TRUE(net.run_until([&] { return !client.of<SessionOpened>().empty(); }, seconds(10)));
  auto opened = client.of<SessionOpened>();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].profile, ProfileKind::modern);
  EXPECT_EQ(opened[0].far_peer_id, server.modern->local_peer_id());
  ASSERT_EQ(server.of<SessionOpened>().size(), 1u);
  EXPECT_EQ(client.endpoint->stats().total_drops(), 0u);
  EXPECT_EQ(server.endpoint->stats().total_drops(), 0u);
  // IHello, RHello, IIKeying, RIKeying; RHello within 3x the IHello.
  ASSERT_EQ(net.sizes.size(), 4u);
  std::printf("[ sizes    ] datagrams: IHello %zu, RHello %zu, IIKeying %zu, RIKeying %zu\n", net.sizes[0].second,
              net.sizes[1].second, net.sizes[2].second, net.sizes[3].second);
  EXPECT_LE(net.sizes[1].second, 3 * net.sizes[0].second)
      << "IHello " << net.sizes[0].second << " RHello " << net.sizes[1].second;

  const Bytes msg = {1, 2, 3, 4};
  ASSERT_TRUE(client.endpoint->ping(net.now, *s, msg));
  ASSERT_TRUE(net.run_until([&] { return !client.of<PingReplied>().empty(); }, seconds(5)));
  EXPECT_EQ(client.of<PingReplied>()[0].message, msg);
  EXPECT_EQ(server.endpoint->stats().total_drops(), 0u);
}

TEST(ModernEndpoint, LongestHostnameFitsTheAmplificationBudget) {
  Net net;
  const std::string host(200, 'h');
  Node& server = net.add(SocketAddress::ipv4(10, 0, 0, 1, 1935), 1, true, false, host);
  Node& client = net.add(SocketAddress::ipv4(10, 0, 0, 2, 5000), 2, true, false);
  ConnectRequest r;
  r.epd.peer_id = server.modern->local_peer_id();  // a small IHello, the largest RHello
  r.candidates = {server.address};
  ASSERT_TRUE(client.endpoint->connect(net.now, r));
  ASSERT_TRUE(net.run_until([&] { return !client.of<SessionOpened>().empty(); }, seconds(10)));
  EXPECT_EQ(server.endpoint->stats().total_drops(), 0u);
  ASSERT_GE(net.sizes.size(), 2u);
  EXPECT_EQ(net.sizes[0].second, 124u);
  EXPECT_GT(net.sizes[1].second, 300u);
  EXPECT_LE(net.sizes[1].second, 3 * net.sizes[0].second);
}

TEST(ModernEndpoint, FlashClientStillReachesTheSamePort) {
  Net net;
  Node& server = net.add(SocketAddress::ipv4(10, 0, 0, 1, 1935), 1, true, true);
  Node& client = net.add(SocketAddress::ipv4(10, 0, 0, 2, 5000), 2, false, true);
  ConnectRequest r;
  r.profile = ProfileKind::flash;
  r.epd.uri = "rtmfp://server/app";
  r.candidates = {server.address};
  auto s = client.endpoint->connect(net.now, r);
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_TRUE(net.run_until([&] { return !client.of<SessionOpened>().empty(); }, seconds(10)));
  EXPECT_EQ(client.of<SessionOpened>()[0].profile, ProfileKind::flash);
  EXPECT_EQ(server.endpoint->stats().total_drops(), 0u);
}

}  // namespace
}  // namespace rtmfp::crypto::modern_test
