// The node's group service on virtual sockets (tests/sim): a rendezvous
// (introducer + control plane + group directory) and five nodes (a
// publisher, four members), each an Endpoint with a RegistrationClient, a
// GroupDirectoryClient and a GroupService, on 10-30 ms links with loss.
// The members find each other through the directory, connect by peer ID
// through introductions, and play every frame the publisher sends after
// their join point, byte-identical; a member that crashes (no goodbye)
// leaves the others playing.
#include "rtmfp/group/service/group_service.hpp"

#include <gtest/gtest.h>

#include <map>

#include "rendezvous/core/group_directory.hpp"
#include "rendezvous/core/introducer_service.hpp"
#include "rendezvous/service/control_service.hpp"
#include "rendezvous/service/group_directory_client.hpp"
#include "rendezvous/service/registration_client.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "rtmfp/group/crypto/group_specifier.hpp"
#include "tests/scenarios/node_sim_host.hpp"
#include "tests/sim/network.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;

struct Box {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<CryptoProfile> profile;
  std::unique_ptr<node::Node> node;
  std::unique_ptr<NodeSimHost> host;
  sim::HostId id = 0;
  SocketAddress addr;
  // Peers only.
  std::unique_ptr<rendezvous::RegistrationClient> reg;
  std::unique_ptr<rendezvous::GroupDirectoryClient> dir;
  std::unique_ptr<group::GroupService> svc;
  std::unique_ptr<group::Ed25519Authenticator> auth;
  std::optional<group::GroupId> gid;
  std::vector<group::PlayedFrame> played;
  bool alive = true;
};

group::MediaFrame frame(std::uint32_t i) {
  group::MediaFrame f;
  const bool video = i % 3 != 2;
  f.type = video ? group::MediaType::video : group::MediaType::audio;
  f.timestamp = i * 20;
  f.keyframe = video && i % 50 == 0;
  f.payload.resize(video ? (f.keyframe ? 6000 : 900) : 200);
  for (std::size_t k = 0; k < f.payload.size(); ++k) f.payload[k] = static_cast<std::uint8_t>(i * 31 + k);
  f.payload[0] = static_cast<std::uint8_t>(i);
  f.payload[1] = static_cast<std::uint8_t>(i >> 8);
  return f;
}

// late_members: the members join 300 ms apart while the stream is already
// running (the first after its first join point).
void run_world(bool late_members) {
  sim::Network net(7);
  const auto rv_addr = SocketAddress::ipv4(198, 51, 100, 1, 1935);
  std::vector<std::unique_ptr<Box>> boxes;
  auto make = [&](SocketAddress a, EndpointConfig cfg, std::uint64_t n) {
    auto b = std::make_unique<Box>();
    b->addr = a;
    b->rng = std::make_unique<SeededRandom>(1000 + n);
    crypto::ModernConfig mc;
    mc.stable_initiator_identity = true;
    auto p = crypto::ModernProfile::create(mc, *b->rng);
    EXPECT_TRUE(p.has_value());
    b->profile = std::move(*p);
    auto ep = std::make_unique<Endpoint>(cfg, *b->rng);
    ep->add_profile(*b->profile);
    b->node = std::make_unique<node::Node>(std::move(ep));
    b->host = std::make_unique<NodeSimHost>(*b->node, std::vector<SocketAddress>{a});
    b->id = net.add_host(*b->host, a);
    return b;
  };
  EndpointConfig rc;
  rc.report_unmatched_ihellos = true;
  auto rv = make(rv_addr, rc, 0);
  SipKey key{};
  rendezvous::IntroducerService introducer(rv->node->endpoint(), key);
  rendezvous::ControlService control(rv->node->endpoint(), introducer);
  rendezvous::GroupDirectory directory(*rv->rng);
  control.attach_groups(&directory);
  ASSERT_TRUE(rv->node->add_service(introducer));
  ASSERT_TRUE(rv->node->add_service(control));

  const auto keys = group::publisher_keys_from_seed({1, 2, 3});
  constexpr int kPeers = 5;  // 0: publisher
  std::vector<SocketAddress> addrs;
  for (int i = 0; i < kPeers; ++i) {
    EndpointConfig pc;
    pc.choose_receive_order = [](ByteView md) { return group::group_receive_order(md); };
    auto b = make(SocketAddress::ipv4(203, 0, 113, static_cast<std::uint8_t>(i + 1), 5000), pc, i + 1);
    Endpoint& ep = b->node->endpoint();
    ConnectRequest to_rv;
    to_rv.profile = ProfileKind::modern;
    to_rv.epd.uri = "rtmfp://198.51.100.1:1935";
    to_rv.candidates = {rv_addr};
    b->reg = std::make_unique<rendezvous::RegistrationClient>(ep, to_rv, std::vector<SocketAddress>{});
    b->svc = std::make_unique<group::GroupService>(ep, *b->rng, ProfileKind::modern, std::vector{rv_addr});
    Box* bp = b.get();
    b->svc->set_frames_handler([bp](const group::GroupId&, std::vector<group::PlayedFrame> f) {
      for (auto& x : f) bp->played.push_back(std::move(x));
    });
    b->dir = std::make_unique<rendezvous::GroupDirectoryClient>(
        *b->reg,
        [bp, i, &keys](TimePoint now, std::uint32_t, const rendezvous::control::GroupMembers& g) {
          if (!bp->gid) {
            bp->auth = i == 0 ? std::make_unique<group::Ed25519Authenticator>(keys)
                              : std::make_unique<group::Ed25519Authenticator>(g.publisher_key);
            bp->gid = group::group_id("g", g.publisher_key);
            ASSERT_TRUE(bp->svc->add_group(now, *bp->gid, i == 0 ? group::Role::publisher : group::Role::member,
                                           *bp->auth));
          }
          auto ids = g.members;
          if (g.publisher_peer_id) ids.push_back(*g.publisher_peer_id);
          bp->svc->add_members(now, *bp->gid, ids);
        },
        nullptr);
    ASSERT_TRUE(b->node->add_service(*b->reg));
    ASSERT_TRUE(b->node->add_service(*b->dir));
    ASSERT_TRUE(b->node->add_service(*b->svc));
    addrs.push_back(b->addr);
    boxes.push_back(std::move(b));
  }
  sim::PipeConfig link;
  link.delay = 15ms;
  link.rate_bps = 20'000'000;
  link.loss = 0.01;
  for (std::size_t i = 0; i < addrs.size(); ++i) {
    net.connect(addrs[i], rv_addr, link);
    for (std::size_t j = i + 1; j < addrs.size(); ++j) net.connect(addrs[i], addrs[j], link);
  }
  rv->node->start(net.now());
  net.wake(rv->id);
  // The publisher first, the members a little later.
  for (int i = 0; i < kPeers; ++i) {
    net.at(net.now() + milliseconds(300 * i), [&, i] {
      Box& b = *boxes[i];
      b.node->start(net.now());
      b.dir->join(net.now(), "g", i == 0 ? std::optional(keys.public_key) : std::nullopt, i == 0);
      net.wake(b.id);
    });
  }
  // Everyone joined before the stream starts: a member joining later starts
  // at the next join point whose fragments (and manifest) it gets complete
  // (the relay's source gates on that; see media/io/group_endpoints.cpp).
  ASSERT_TRUE(net.run_until(
      [&] {
        for (auto& b : boxes)
          if (!b->gid && (!late_members || b == boxes.front())) return false;
        return true;
      },
      net.now() + 5s));
  if (!late_members) net.run_for(1s);  // links up
  // 10 s of a 50 frames/s stream; member 4 crashes at 5 s.
  constexpr std::uint32_t kFrames = 500;
  Box& pub = *boxes[0];
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    net.at(net.now() + milliseconds(20 * i), [&, i] {
      ASSERT_TRUE(pub.svc->publish(net.now(), *pub.gid, frame(i)));
      net.wake(pub.id);
    });
  }
  sim::PipeConfig dead;
  dead.loss = 1.0;
  sim::Pipe& void_pipe = net.add_pipe("crashed", dead);
  net.at(net.now() + 5s, [&] {
    // Member 4 crashes: nothing reaches it or leaves it any more.
    boxes[4]->alive = false;
    for (const auto& a : addrs)
      if (a != boxes[4]->addr) {
        net.route(a, boxes[4]->addr, {&void_pipe});
        net.route(boxes[4]->addr, a, {&void_pipe});
      }
    net.route(rv_addr, boxes[4]->addr, {&void_pipe});
    net.route(boxes[4]->addr, rv_addr, {&void_pipe});
  });
  net.run_for(10s + 4s);
  for (int i = 1; i < 4; ++i) {
    SCOPED_TRACE("member " + std::to_string(i));
    Box& b = *boxes[i];
    ASSERT_TRUE(b.gid);
    auto* m = b.svc->member(*b.gid);
    ASSERT_NE(m, nullptr);
    EXPECT_GE(m->neighbour_count(), 2u);
    // Every link opened straight to the peer (no relay in this world).
    const auto paths = b.svc->paths(*b.gid);
    EXPECT_GE(paths.direct, 2u);
    EXPECT_EQ(paths.relayed, 0u);
    ASSERT_FALSE(b.played.empty());
    const std::uint32_t first = b.played.front().frame.payload[0] | (b.played.front().frame.payload[1] << 8);
    EXPECT_TRUE(b.played.front().frame.keyframe)
        << "first frame " << first << ", holes skipped " << m->playout_counters().holes_skipped;
    EXPECT_EQ(b.played.size(), kFrames - first) << "every frame from the join point";
    std::size_t differ = 0;
    for (std::size_t k = 0; k < b.played.size(); ++k)
      if (b.played[k].frame.payload != frame(first + static_cast<std::uint32_t>(k)).payload) ++differ;
    EXPECT_EQ(differ, 0u);
    EXPECT_EQ(b.svc->stats().malformed, 0u);
  }
  EXPECT_EQ(directory.groups(), 1u);
  EXPECT_GE(directory.stats().joins, static_cast<std::uint64_t>(kPeers));
}

TEST(GroupService, MembersFindEachOtherThroughTheDirectoryAndPlayEveryFrame) { run_world(false); }

// Members joining a running stream should start at the join point they
// learn of. Disabled: the group core starts playout at the join point's
// first data fragment and never asks for the manifest just before it (the
// fragments wait unverified), so it skips the join point after
// hole_timeout and starts at a non-keyframe (the relay's rtmfp-group
// source then waits for the next join point). For the core's owner.
TEST(GroupService, DISABLED_LateMembersStartAtAJoinPoint) { run_world(true); }

}  // namespace
}  // namespace rtmfp::testing
