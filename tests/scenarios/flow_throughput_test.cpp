// Bulk throughput of one reliable flow over a 20 Mbit/s, 40 ms RTT
// bottleneck with a one-BDP drop-tail queue and no random loss, for both
// congestion controllers: goodput (application bytes delivered in order and
// verified) >= 90% of the link rate, from the moment the flow opens (slow
// start included). Also the timer discipline (issue item 9): while sending and
// while idle, wake-ups are bounded and none leaves the deadline in the past.
#include "tests/scenarios/flow_world.hpp"

namespace rtmfp::testing {
namespace {

struct BulkResult {
  double goodput_fraction = 0;  // [open, open + window], of the link rate
  double steady_fraction = 0;   // [open + 2 s, open + window]
  bool corrupt = false;
  double retransmit_fraction = 0;
  std::uint64_t queue_drops = 0;
  // Timer discipline while sending (both endpoints, over the window).
  double wakeups_per_s = 0;        // on_deadline() calls
  double silent_wakeups_per_s = 0; // ... that sent nothing
  double data_packets_per_s = 0;   // datagrams the sender sent
  std::uint64_t zero_advance = 0;
  // ... and idle afterwards (session open, flow drained, nothing written).
  double idle_wakeups_per_s = 0;
  std::uint64_t idle_zero_advance = 0;
};

BulkResult run_bulk(std::uint64_t seed, const std::string& cc, Duration window, Duration idle, bool pmtu = false) {
  World w(seed);
  const auto sa = SocketAddress::ipv4(10, 0, 0, 1, 1935), ca = SocketAddress::ipv4(10, 0, 0, 2, 5000);
  EndpointConfig cfg = World::fixed_datagram_config();
  cfg.path_mtu_discovery = pmtu;  // on: the product default, 1472-byte datagrams on this path
  Peer& server = w.add(sa, cfg);
  Peer& client = w.add(ca, cfg);
  auto link = w.net.connect(ca, sa, bottleneck());
  auto sp = w.connect(client, server, cc);
  EXPECT_TRUE(sp) << w.net.seed_string();
  if (!sp) return {};
  w.net.run_for(jitter_of(seed, 50ms));
  BulkReceiver rx(server, [](SessionHandle) { return std::optional<std::uint64_t>(77); });
  BulkSender tx(w, client, sp->client, 77);
  const TimePoint t0 = w.net.now();
  const std::uint64_t wake0 = client.node->deadline_calls + server.node->deadline_calls;
  const std::uint64_t silent0 = client.node->silent_deadline_calls + server.node->silent_deadline_calls;
  const std::uint64_t out0 = client.ep().stats().packets_out;
  EXPECT_TRUE(tx.start());
  w.net.run_until(t0 + 2s);
  const std::uint64_t b2 = rx.bytes_of(sp->server);
  w.net.run_until(t0 + window);
  const std::uint64_t b1 = rx.bytes_of(sp->server);
  BulkResult r;
  r.goodput_fraction = static_cast<double>(b1) * 8 / secs(window) / static_cast<double>(kLinkRate);
  r.steady_fraction = static_cast<double>(b1 - b2) * 8 / secs(window - 2s) / static_cast<double>(kLinkRate);
  r.corrupt = rx.any_corrupt();
  auto info = client.ep().session_info(sp->client);
  if (info && info->bytes_sent)
    r.retransmit_fraction = static_cast<double>(info->bytes_retransmitted) / static_cast<double>(info->bytes_sent);
  r.wakeups_per_s =
      static_cast<double>(client.node->deadline_calls + server.node->deadline_calls - wake0) / secs(window);
  r.silent_wakeups_per_s =
      static_cast<double>(client.node->silent_deadline_calls + server.node->silent_deadline_calls - silent0) /
      secs(window);
  r.data_packets_per_s = static_cast<double>(client.ep().stats().packets_out - out0) / secs(window);
  r.zero_advance = client.node->zero_advance_calls + server.node->zero_advance_calls;
  r.queue_drops = link.forward.stats().dropped_queue;

  // Idle: stop writing, let the queue drain (a few seconds), then count.
  tx.stop();
  w.net.run_for(5s);
  const std::uint64_t iw0 = client.node->deadline_calls + server.node->deadline_calls;
  const std::uint64_t iz0 = client.node->zero_advance_calls + server.node->zero_advance_calls;
  w.net.run_for(idle);
  r.idle_wakeups_per_s =
      static_cast<double>(client.node->deadline_calls + server.node->deadline_calls - iw0) / secs(idle);
  r.idle_zero_advance = client.node->zero_advance_calls + server.node->zero_advance_calls - iz0;
  EXPECT_TRUE(client.ep().session_info(sp->client).has_value()) << "session closed while idle, seed=" << seed;
  return r;
}

void check_goodput(const std::string& cc, bool pmtu = false) {
  sim::Samples good, steady, retx, wake, silent, idle;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    BulkResult r = run_bulk(seed, cc, 8s, 60s, pmtu);
    EXPECT_FALSE(r.corrupt) << cc << " seed=" << seed;
    // Issue item 1: >= 90% of the link rate, slow start included.
    EXPECT_GE(r.goodput_fraction, 0.90) << cc << " seed=" << seed << " goodput=" << r.goodput_fraction;
    // Issue item 9: no spinning. Wake-ups come from timers (pacing, delayed
    // acks, retransmission); at most one per data packet sent, at most a
    // quarter of them idle (no datagram), and none leaves its deadline <= now.
    EXPECT_LE(r.wakeups_per_s, r.data_packets_per_s) << cc << " seed=" << seed;
    EXPECT_LE(r.silent_wakeups_per_s, 0.25 * r.data_packets_per_s) << cc << " seed=" << seed;
    EXPECT_EQ(r.zero_advance, 0u) << cc << " seed=" << seed;
    // Idle: keepalives (10 s) and nothing else, for two endpoints.
    EXPECT_LE(r.idle_wakeups_per_s, 1.0) << cc << " seed=" << seed;
    EXPECT_EQ(r.idle_zero_advance, 0u) << cc << " seed=" << seed;
    good.add(r.goodput_fraction);
    steady.add(r.steady_fraction);
    retx.add(r.retransmit_fraction);
    wake.add(r.wakeups_per_s);
    silent.add(r.silent_wakeups_per_s);
    idle.add(r.idle_wakeups_per_s);
    std::printf("%s%s seed=%llu goodput=%.1f%% (after 2 s %.1f%%) retx=%.2f%% queue_drops=%llu wakeups/s=%.0f "
                "(silent %.0f, data pkts/s %.0f) idle wakeups/s=%.2f\n",
                cc.c_str(), pmtu ? " (1472 B)" : "", static_cast<unsigned long long>(seed), r.goodput_fraction * 100, r.steady_fraction * 100,
                r.retransmit_fraction * 100, static_cast<unsigned long long>(r.queue_drops), r.wakeups_per_s,
                r.silent_wakeups_per_s, r.data_packets_per_s, r.idle_wakeups_per_s);
  }
  std::printf("%s%s goodput (from open): min=%.3f median=%.3f max=%.3f; steady median=%.3f; wakeups/s median=%.0f "
              "silent median=%.0f; idle wakeups/s max=%.2f\n",
              cc.c_str(), pmtu ? " (1472 B)" : "", good.min(), good.median(), good.max(), steady.median(), wake.median(), silent.median(),
              idle.max());
}

TEST(BulkThroughput, AppendixAFillsTheLink) { check_goodput("appendix-a"); }
TEST(BulkThroughput, CubicFillsTheLink) { check_goodput("cubic"); }
// The same bulk transfer with path MTU discovery on (the product default:
// 1472-byte datagrams on this path). These found a bug: a fragment of the
// window a loss reduction had already answered, NAKed for the third time
// behind a long queue after the episode timer, cut CWND a second time
// (195 KB -> 99 KB -> 37 KB), idling the link: appendix-a min 0.863 (seed 9),
// veno min 0.803 (seeds 3, 4, 6...). FlowSet now starts a new episode only for
// the loss of a transmission sent after the last reduction. After the fix:
// appendix-a min 0.928, cubic 0.940, veno 0.939.
TEST(BulkThroughput, AppendixAWithPathMtu) { check_goodput("appendix-a", true); }
TEST(BulkThroughput, CubicWithPathMtu) { check_goodput("cubic", true); }
TEST(BulkThroughput, VenoWithPathMtu) { check_goodput("veno", true); }

}  // namespace
}  // namespace rtmfp::testing
