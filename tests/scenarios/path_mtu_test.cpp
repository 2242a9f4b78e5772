// Path MTU discovery in the simulator (RFC 7016 §3.5.4.3, RFC 4821): links
// with an MTU (larger datagrams are dropped, as a don't-fragment datagram on
// a narrower hop). Each open session searches for the largest datagram the
// path carries with Padding + Ping probes; nothing but probes may exceed the
// link MTU; bulk data written after the search uses the larger datagrams.
#include "tests/scenarios/flow_world.hpp"

namespace rtmfp::testing {
namespace {

constexpr std::size_t kBase = params::kDefaultMaxDatagram;
constexpr std::size_t kG = params::kPmtuSearchGranularity;

struct MtuRun {
  bool opened = false;
  std::size_t client_size = 0, server_size = 0;  // session_max_datagram after the search
  std::string client_state, server_state;
  double settle_seconds = -1;                      // both ends search_complete
  std::uint64_t dropped_mtu = 0;                   // datagrams the link refused for size
  std::uint64_t probes_sent = 0, probes_unanswered = 0;
  std::uint64_t app_ping_replies = 0;
  std::size_t largest_admitted = 0;
  // Bulk transfer after the search (when asked).
  bool bulk_intact = false;
  double bulk_seconds = 0;
  std::uint64_t bulk_datagrams = 0;               // client -> server datagrams during the transfer
};

struct MtuSetup {
  std::size_t link_mtu = 0;
  double loss = 0;
  EndpointConfig cfg{};
  Duration search_time = 90s;
  std::uint64_t bulk_bytes = 0;  // 0: no transfer
};

MtuRun run_mtu(std::uint64_t seed, const MtuSetup& setup) {
  World w(seed);
  const auto sa = SocketAddress::ipv4(10, 0, 0, 1, 1935);
  const auto ca = SocketAddress::ipv4(10, 0, 0, 2, 5000);
  Peer& server = w.add(sa, setup.cfg);
  Peer& client = w.add(ca, setup.cfg);
  sim::PipeConfig pc = bottleneck(setup.loss);
  pc.mtu = setup.link_mtu;
  auto link = w.net.connect(ca, sa, pc);
  MtuRun r;
  w.net.run_for(jitter_of(seed, 500ms));
  auto sp = w.connect(client, server, "appendix-a");
  if (!sp) return r;
  r.opened = true;
  const TimePoint t0 = w.net.now();
  auto complete = [&](Peer& p, SessionHandle h) {
    auto i = p.ep().session_info(h);
    return i && i->path_mtu_state == "search_complete";
  };
  if (w.net.run_until([&] { return complete(client, sp->client) && complete(server, sp->server); },
                      t0 + setup.search_time))
    r.settle_seconds = secs(w.net.now() - t0);
  w.net.run_until(t0 + setup.search_time);
  r.client_size = client.ep().session_max_datagram(sp->client).value_or(0);
  r.server_size = server.ep().session_max_datagram(sp->server).value_or(0);
  if (auto i = client.ep().session_info(sp->client)) r.client_state = i->path_mtu_state;
  if (auto i = server.ep().session_info(sp->server)) r.server_state = i->path_mtu_state;

  if (setup.bulk_bytes) {
    const std::uint64_t salt = seed * 131 + 3;
    BulkReceiver rx(server, [salt](SessionHandle) { return std::optional<std::uint64_t>(salt); });
    BulkSender tx(w, client, sp->client, salt, setup.bulk_bytes, 16 * 1024, 256 * 1024);
    tx.close_when_done();
    const std::uint64_t offered_before = link.forward.stats().offered;
    const TimePoint b0 = w.net.now();
    EXPECT_TRUE(tx.start());
    w.net.run_until(
        [&] {
          auto* f = rx.flow_of(sp->server);
          return f && f->finished;
        },
        b0 + 120s);
    if (const auto* f = rx.flow_of(sp->server)) {
      r.bulk_intact = f->finished && !f->corrupt && f->bytes == setup.bulk_bytes && f->hash.value() == tx.hash().value();
      if (f->finished_at) r.bulk_seconds = secs(*f->finished_at - b0);
    }
    r.bulk_datagrams = link.forward.stats().offered - offered_before;
  }

  r.dropped_mtu = link.forward.stats().dropped_mtu + link.backward.stats().dropped_mtu;
  r.largest_admitted = std::max(link.forward.stats().largest_admitted, link.backward.stats().largest_admitted);
  for (Peer* p : {&client, &server}) {
    const auto& st = p->ep().stats();
    r.probes_sent += st.pmtu_probes_sent;
    r.probes_unanswered += st.pmtu_probes_sent - st.pmtu_probes_acked;
    r.app_ping_replies += p->node->count<PingReplied>();
  }
  return r;
}

// `got` is within the search granularity below `mtu` (the modern profile's
// AEAD has no block padding: the reported size is the searched budget).
bool settled_near(std::size_t got, std::size_t mtu) { return got <= mtu && got + kG > mtu; }

TEST(PathMtu, SettlesJustBelowALinkMtuOf1400AndOnlyProbesExceedIt) {
  sim::Samples settle, probes;
  for (std::uint64_t seed = 1000; seed < 1020; ++seed) {
    MtuSetup s;
    s.link_mtu = 1400;
    MtuRun r = run_mtu(seed, s);
    ASSERT_TRUE(r.opened) << "seed=" << seed;
    EXPECT_TRUE(settled_near(r.client_size, 1400)) << "seed=" << seed << " client=" << r.client_size;
    EXPECT_TRUE(settled_near(r.server_size, 1400)) << "seed=" << seed << " server=" << r.server_size;
    EXPECT_EQ(r.client_state, "search_complete") << "seed=" << seed;
    EXPECT_EQ(r.server_state, "search_complete") << "seed=" << seed;
    // No random loss: every datagram the link refused was a probe that went
    // unanswered, and every unanswered probe was refused for its size.
    EXPECT_EQ(r.dropped_mtu, r.probes_unanswered) << "seed=" << seed << ": a non-probe datagram exceeded the MTU";
    EXPECT_GT(r.dropped_mtu, 0u) << "seed=" << seed;
    EXPECT_EQ(r.app_ping_replies, 0u) << "seed=" << seed << ": a probe reply reached the application";
    EXPECT_LE(r.largest_admitted, 1400u) << "seed=" << seed;
    EXPECT_GE(r.settle_seconds, 0) << "seed=" << seed << ": the search did not complete";
    settle.add(r.settle_seconds);
    probes.add(static_cast<double>(r.probes_sent) / 2);
  }
  std::printf("pmtu: link MTU 1400, 20 seeds: search time s %s; probes per session %s\n", settle.summary().c_str(),
              probes.summary().c_str());
}

TEST(PathMtu, LinkMtuAtTheBaseStaysAtTheBaseAndBulkCompletes) {
  for (std::uint64_t seed = 1100; seed < 1106; ++seed) {
    MtuSetup s;
    s.link_mtu = kBase;
    s.bulk_bytes = 2 << 20;
    MtuRun r = run_mtu(seed, s);
    ASSERT_TRUE(r.opened) << "seed=" << seed;
    EXPECT_EQ(r.client_size, kBase) << "seed=" << seed;
    EXPECT_EQ(r.server_size, kBase) << "seed=" << seed;
    EXPECT_TRUE(r.bulk_intact) << "seed=" << seed;
    EXPECT_EQ(r.dropped_mtu, r.probes_unanswered) << "seed=" << seed;
    EXPECT_LE(r.largest_admitted, kBase) << "seed=" << seed;
  }
}

TEST(PathMtu, LinkMtuBelowTheDefaultBaseNeedsASmallerBase) {
  // A path narrower than 1200 bytes: with max_datagram (the base) set to
  // 1000 the search still finds the link's 1100 and a transfer completes.
  for (std::uint64_t seed = 1150; seed < 1154; ++seed) {
    MtuSetup s;
    s.link_mtu = 1100;
    s.cfg.max_datagram = 1000;
    s.bulk_bytes = 1 << 20;
    MtuRun r = run_mtu(seed, s);
    ASSERT_TRUE(r.opened) << "seed=" << seed;
    EXPECT_TRUE(settled_near(r.client_size, 1100)) << "seed=" << seed << " client=" << r.client_size;
    EXPECT_TRUE(r.bulk_intact) << "seed=" << seed;
    EXPECT_EQ(r.dropped_mtu, r.probes_unanswered) << "seed=" << seed;
  }
}

TEST(PathMtu, JumboLinkSettlesAtTheDefaultLimitWithOneProbe) {
  for (std::uint64_t seed = 1200; seed < 1210; ++seed) {
    MtuSetup s;
    s.link_mtu = 9000;
    s.search_time = 20s;
    MtuRun r = run_mtu(seed, s);
    ASSERT_TRUE(r.opened) << "seed=" << seed;
    EXPECT_EQ(r.client_size, params::kPmtuLimitIpv4) << "seed=" << seed;
    EXPECT_EQ(r.server_size, params::kPmtuLimitIpv4) << "seed=" << seed;
    EXPECT_EQ(r.probes_sent, 2u) << "seed=" << seed << ": one probe per end";
    EXPECT_EQ(r.dropped_mtu, 0u) << "seed=" << seed;
    EXPECT_LE(r.largest_admitted, params::kPmtuLimitIpv4) << "seed=" << seed;
  }
}

TEST(PathMtu, ConvergesUnderFivePercentLoss) {
  int near = 0, runs = 0;
  sim::Samples settle;
  for (std::uint64_t seed = 1300; seed < 1330; ++seed) {
    MtuSetup s;
    s.link_mtu = 1400;
    s.loss = 0.05;
    s.search_time = 180s;
    MtuRun r = run_mtu(seed, s);
    ASSERT_TRUE(r.opened) << "seed=" << seed;
    for (std::size_t got : {r.client_size, r.server_size}) {
      ++runs;
      EXPECT_GE(got, kBase) << "seed=" << seed;
      EXPECT_LE(got, 1400u) << "seed=" << seed << ": confirmed a size the link does not carry";
      near += settled_near(got, 1400);
    }
    EXPECT_LE(r.dropped_mtu, r.probes_unanswered) << "seed=" << seed << ": a non-probe datagram exceeded the MTU";
    EXPECT_EQ(r.app_ping_replies, 0u) << "seed=" << seed;
    if (r.settle_seconds >= 0) settle.add(r.settle_seconds);
  }
  // A size that fits is given up only if all three of its probes (or their
  // replies) are lost: ~0.1% per size at 5% loss each way.
  EXPECT_GE(near, runs * 9 / 10) << near << "/" << runs << " sessions settled within " << kG << " bytes of 1400";
  std::printf("pmtu: link MTU 1400 at 5%% loss: %d/%d sessions within %zu bytes; search time s %s\n", near, runs, kG,
              settle.summary().c_str());
}

TEST(PathMtu, BulkTransferAfterDiscoveryUsesFewerLargerDatagrams) {
  sim::Samples ratio;
  for (std::uint64_t seed = 1400; seed < 1406; ++seed) {
    MtuSetup on;
    on.link_mtu = 1400;
    on.bulk_bytes = 4 << 20;
    MtuSetup off = on;
    off.cfg.path_mtu_discovery = false;
    MtuRun a = run_mtu(seed, on), b = run_mtu(seed, off);
    ASSERT_TRUE(a.opened && b.opened) << "seed=" << seed;
    EXPECT_TRUE(a.bulk_intact) << "seed=" << seed;
    EXPECT_TRUE(b.bulk_intact) << "seed=" << seed;
    EXPECT_EQ(b.client_size, kBase) << "seed=" << seed;
    EXPECT_EQ(b.probes_sent, 0u) << "seed=" << seed;
    EXPECT_EQ(a.dropped_mtu, a.probes_unanswered) << "seed=" << seed;
    const double q = static_cast<double>(a.bulk_datagrams) / static_cast<double>(std::max<std::uint64_t>(1, b.bulk_datagrams));
    // (1400 - overhead) / (1200 - overhead) ~ 1.17 times the data per packet.
    EXPECT_LT(q, 0.90) << "seed=" << seed << " with=" << a.bulk_datagrams << " without=" << b.bulk_datagrams;
    ratio.add(q);
    if (seed == 1400)
      std::printf("pmtu: 4 MiB over a 1400-byte link: %llu datagrams at %zu bytes (%.2f s) vs %llu at 1200 (%.2f s)\n",
                  static_cast<unsigned long long>(a.bulk_datagrams), a.client_size, a.bulk_seconds,
                  static_cast<unsigned long long>(b.bulk_datagrams), b.bulk_seconds);
  }
  std::printf("pmtu: datagram count with/without discovery %s\n", ratio.summary().c_str());
}

}  // namespace
}  // namespace rtmfp::testing
