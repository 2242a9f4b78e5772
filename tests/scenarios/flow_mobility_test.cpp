// Address mobility (issue item 7; RFC 7016 §3.5.3, §3.5.4.2): a reliable
// transfer from a client behind a NAT survives the NAT rebinding its public
// port twice mid-transfer (every byte arrives intact, no session closes, and
// the server ends up sending to the current mapping), while garbage and
// wrongly keyed datagrams from an attacker's address never move the server's
// destination address. (Replay of a valid packet from another address, which
// must only start the §3.5.4.2 ping check, is in unit_endpoint
// EndpointMobility.FollowsAVerifiedAddressChangeOnly.)
#include "tests/scenarios/flow_world.hpp"

namespace rtmfp::testing {
namespace {

struct MobilityRun {
  bool opened = false, finished = false, intact = false, closed = false;
  bool peer_is_mapping = false, attacker_seen_as_peer = false;
  std::uint64_t rebinds = 0;
  double seconds = 0;
};

MobilityRun run_mobility(std::uint64_t seed, double loss) {
  World w(seed);
  const auto sa = SocketAddress::ipv4(10, 0, 0, 1, 1935);
  const auto ca = SocketAddress::ipv4(192, 168, 1, 2, 5000);
  const auto nat_ip = SocketAddress::ipv4(203, 0, 113, 7, 0);
  const auto attacker = SocketAddress::ipv4(198, 51, 100, 9, 4444);
  // Path MTU discovery on (the endpoint default): each rebind moves the
  // server's DESTADDR, which resets its datagram size to the base while
  // fragments cut for the larger size are still queued (session_pmtu.cpp).
  EndpointConfig cfg;
  cfg.path_mtu_discovery = true;
  Peer& server = w.add(sa, cfg);
  Peer& client = w.add(ca, cfg);
  sim::NatConfig nc;
  nc.type = sim::NatType::PortRestricted;
  nc.public_ip = nat_ip;
  sim::Nat& nat = w.net.add_nat(nc);
  w.net.put_behind(nat, ca);
  w.net.connect(nat_ip, sa, bottleneck(loss));
  w.net.connect(attacker, sa, bottleneck());
  MobilityRun r;
  auto sp = w.connect(client, server, "appendix-a");
  if (!sp) return r;
  r.opened = true;
  const std::uint64_t total = 3 << 20, salt = seed * 31 + 7;
  BulkReceiver rx(server, [salt](SessionHandle) { return std::optional<std::uint64_t>(salt); });
  BulkSender tx(w, client, sp->client, salt, total, 16 * 1024, 256 * 1024);
  tx.close_when_done();
  const TimePoint t0 = w.net.now();
  EXPECT_TRUE(tx.start());
  // Two rebinds while data flows; attacker traffic in between.
  w.net.at(t0 + 400ms + jitter_of(seed, 200ms), [&] { nat.rebind_all(); });
  w.net.at(t0 + 900ms, [&] {
    std::uint64_t x = seed;
    for (int i = 0; i < 50; ++i) {
      Bytes junk(80 + i);
      for (auto& b : junk) b = static_cast<std::uint8_t>((x = x * 6364136223846793005ull + 1442695040888963407ull) >> 56);
      w.net.send(sim::Datagram{attacker, sa, std::move(junk)});
    }
  });
  w.net.at(t0 + 1200ms + jitter_of(seed + 1, 300ms), [&] { nat.rebind_all(); });
  w.net.run_until(
      [&] {
        auto* f = rx.flow_of(sp->server);
        return f && f->finished;
      },
      t0 + 60s);
  w.net.run_for(1s);  // let the last acks and mobility checks settle
  if (const auto* f = rx.flow_of(sp->server)) {
    r.finished = f->finished;
    r.intact = !f->corrupt && f->bytes == total && f->hash.value() == tx.hash().value();
    if (f->finished_at) r.seconds = secs(*f->finished_at - t0);
  }
  r.closed = client.node->count<SessionClosed>() > 0 || server.node->count<SessionClosed>() > 0;
  const auto mapping = nat.mapping(w.net.now(), ca, sa);
  if (auto info = server.ep().session_info(sp->server)) {
    r.peer_is_mapping = mapping && info->peer == *mapping;
    r.attacker_seen_as_peer = info->peer == attacker;
  }
  r.rebinds = nat.stats().rebinds;
  return r;
}

TEST(Mobility, TransferSurvivesNatRebindingAndIgnoresAnAttacker) {
  sim::Samples times;
  for (std::uint64_t seed = 900; seed < 910; ++seed) {
    const double loss = seed % 2 ? 0.01 : 0.0;
    MobilityRun r = run_mobility(seed, loss);
    ASSERT_TRUE(r.opened) << "seed=" << seed;
    EXPECT_GE(r.rebinds, 2u) << "seed=" << seed;
    EXPECT_TRUE(r.finished) << "seed=" << seed << " loss=" << loss;
    EXPECT_TRUE(r.intact) << "seed=" << seed;
    EXPECT_FALSE(r.closed) << "seed=" << seed << ": a session closed";
    EXPECT_TRUE(r.peer_is_mapping) << "seed=" << seed << ": the server does not send to the NAT's current mapping";
    EXPECT_FALSE(r.attacker_seen_as_peer) << "seed=" << seed;
    if (r.finished) times.add(r.seconds);
  }
  std::printf("mobility: 3 MiB with two NAT rebinds, %zu/10 finished intact; seconds min=%.2f median=%.2f max=%.2f\n",
              times.count(), times.min(), times.median(), times.max());
}

}  // namespace
}  // namespace rtmfp::testing
