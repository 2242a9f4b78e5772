// Sharing one 20 Mbit/s, 40 ms RTT bottleneck (one-BDP drop-tail queue),
// issue items 2 and 3:
//  * two RTMFP bulk flows on two sessions (TC off) share it fairly:
//    Jain's index of their goodputs >= 0.9;
//  * an RTMFP bulk flow against a simulated TCP Reno flow (tests/sim/tcp_reno)
//    takes neither more than twice nor less than half of what the Reno flow
//    gets (RTMFP / Reno goodput within [0.5, 2]).
// Goodput is measured after a warm-up, over seeds 1-40 (start offsets vary
// with the seed), for each congestion controller; the bounds apply to the
// distribution (median, at most 10% of the seeds outside the per-seed bound,
// none far outside), and two cases run the shipped configuration (path MTU
// discovery on).
#include "tests/scenarios/flow_world.hpp"
#include "tests/sim/tcp_reno.hpp"

namespace rtmfp::testing {
namespace {

constexpr Duration kWarmup = 5s;
constexpr Duration kWindow = 15s;

struct Dumbbell {
  sim::Pipe* fwd = nullptr;
  sim::Pipe* bwd = nullptr;
};
Dumbbell dumbbell(World& w, const std::vector<SocketAddress>& left, const std::vector<SocketAddress>& right) {
  Dumbbell d;
  d.fwd = &w.net.add_pipe("fwd", bottleneck());
  d.bwd = &w.net.add_pipe("bwd", bottleneck());
  w.net.route_groups(left, right, {d.fwd}, {d.bwd});
  return d;
}

struct PairResult {
  double a = 0, b = 0;  // goodput, bit/s
  bool corrupt = false;
};

PairResult run_two_flows(std::uint64_t seed, const std::string& cc, const EndpointConfig& cfg) {
  World w(seed);
  const auto c1 = SocketAddress::ipv4(10, 0, 1, 1, 5000), c2 = SocketAddress::ipv4(10, 0, 1, 2, 5000);
  const auto s1 = SocketAddress::ipv4(10, 0, 2, 1, 1935), s2 = SocketAddress::ipv4(10, 0, 2, 2, 1935);
  Peer& srv1 = w.add(s1, cfg);
  Peer& srv2 = w.add(s2, cfg);
  Peer& cl1 = w.add(c1, cfg);
  Peer& cl2 = w.add(c2, cfg);
  dumbbell(w, {c1, c2}, {s1, s2});
  auto sp1 = w.connect(cl1, srv1, cc);
  auto sp2 = w.connect(cl2, srv2, cc);
  EXPECT_TRUE(sp1 && sp2) << w.net.seed_string();
  if (!sp1 || !sp2) return {};
  BulkReceiver rx1(srv1, [](SessionHandle) { return std::optional<std::uint64_t>(11); });
  BulkReceiver rx2(srv2, [](SessionHandle) { return std::optional<std::uint64_t>(22); });
  BulkSender tx1(w, cl1, sp1->client, 11);
  BulkSender tx2(w, cl2, sp2->client, 22);
  const TimePoint t0 = w.net.now();
  EXPECT_TRUE(tx1.start());
  w.net.at(t0 + jitter_of(seed, 1s), [&] { EXPECT_TRUE(tx2.start()); });
  w.net.run_until(t0 + kWarmup);
  const std::uint64_t a0 = rx1.bytes_of(sp1->server), b0 = rx2.bytes_of(sp2->server);
  w.net.run_until(t0 + kWarmup + kWindow);
  PairResult r;
  r.a = static_cast<double>(rx1.bytes_of(sp1->server) - a0) * 8 / secs(kWindow);
  r.b = static_cast<double>(rx2.bytes_of(sp2->server) - b0) * 8 / secs(kWindow);
  r.corrupt = rx1.any_corrupt() || rx2.any_corrupt();
  return r;
}

PairResult run_against_reno(std::uint64_t seed, const std::string& cc, const EndpointConfig& cfg) {
  World w(seed);
  const auto c1 = SocketAddress::ipv4(10, 0, 1, 1, 5000), tcp_tx = SocketAddress::ipv4(10, 0, 1, 9, 6000);
  const auto s1 = SocketAddress::ipv4(10, 0, 2, 1, 1935), tcp_rx = SocketAddress::ipv4(10, 0, 2, 9, 6000);
  Peer& srv = w.add(s1, cfg);
  Peer& cl = w.add(c1, cfg);
  dumbbell(w, {c1, tcp_tx}, {s1, tcp_rx});
  auto sp = w.connect(cl, srv, cc);
  EXPECT_TRUE(sp) << w.net.seed_string();
  if (!sp) return {};
  const TimePoint t0 = w.net.now();
  sim::RenoConfig rc;
  rc.start = t0 + jitter_of(seed, 1s);
  sim::RenoSender reno(tcp_tx, tcp_rx, rc);
  sim::RenoReceiver reno_rx(tcp_rx);
  w.net.add_host(reno, tcp_tx);
  w.net.add_host(reno_rx, tcp_rx);
  BulkReceiver rx(srv, [](SessionHandle) { return std::optional<std::uint64_t>(33); });
  BulkSender tx(w, cl, sp->client, 33);
  EXPECT_TRUE(tx.start());
  w.net.run_until(t0 + kWarmup);
  const std::uint64_t a0 = rx.bytes_of(sp->server), b0 = reno_rx.bytes_received();
  w.net.run_until(t0 + kWarmup + kWindow);
  PairResult r;
  r.a = static_cast<double>(rx.bytes_of(sp->server) - a0) * 8 / secs(kWindow);
  r.b = static_cast<double>(reno_rx.bytes_received() - b0) * 8 / secs(kWindow);
  r.corrupt = rx.any_corrupt();
  return r;
}

// The bounds are on the distribution over seeds 1-40, not on hand-picked
// seeds (tests.md M1): the per-seed bound (Jain >= 0.9; ratio within
// [0.5, 2]) must hold for the median with a margin and for at least 90% of
// the seeds (at most kOutliers of 40 outside it), and no seed may be far
// outside it (Jain >= 0.8; ratio within [0.4, 2.6]).
constexpr std::uint64_t kSeeds = 40;
constexpr int kOutliers = 4;

EndpointConfig shipped_config() { return EndpointConfig{}; }  // path MTU discovery on, as the product runs

void check_two_flows(const std::string& cc, const EndpointConfig& cfg = World::fixed_datagram_config()) {
  sim::Samples jain, util;
  int outside = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    PairResult r = run_two_flows(seed, cc, cfg);
    const double xs[] = {r.a, r.b};
    const double j = sim::jain_index(xs);
    jain.add(j);
    util.add((r.a + r.b) / static_cast<double>(kLinkRate));
    EXPECT_FALSE(r.corrupt) << cc << " seed=" << seed;
    outside += j < 0.9;
    EXPECT_GE(j, 0.8) << cc << " seed=" << seed << " flows " << r.a / 1e6 << " / " << r.b / 1e6 << " Mbit/s";
    std::printf("%s seed=%llu two flows: %.2f / %.2f Mbit/s, Jain %.3f\n", cc.c_str(),
                static_cast<unsigned long long>(seed), r.a / 1e6, r.b / 1e6, j);
  }
  std::printf("%s two flows, %llu seeds: Jain min=%.3f median=%.3f max=%.3f, %d below 0.9; link use median=%.3f\n",
              cc.c_str(), static_cast<unsigned long long>(kSeeds), jain.min(), jain.median(), jain.max(), outside,
              util.median());
  EXPECT_GE(jain.median(), 0.95) << cc;
  EXPECT_LE(outside, kOutliers) << cc << ": seeds with Jain below 0.9";
}

void check_against_reno(const std::string& cc, const EndpointConfig& cfg = World::fixed_datagram_config()) {
  sim::Samples ratio;
  int outside = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    PairResult r = run_against_reno(seed, cc, cfg);
    const double q = r.b > 0 ? r.a / r.b : 1e9;
    ratio.add(q);
    EXPECT_FALSE(r.corrupt) << cc << " seed=" << seed;
    outside += q < 0.5 || q > 2.0;
    EXPECT_GE(q, 0.4) << cc << " seed=" << seed << " rtmfp " << r.a / 1e6 << " reno " << r.b / 1e6 << " Mbit/s";
    EXPECT_LE(q, 2.6) << cc << " seed=" << seed << " rtmfp " << r.a / 1e6 << " reno " << r.b / 1e6 << " Mbit/s";
    std::printf("%s seed=%llu vs Reno: rtmfp %.2f, reno %.2f Mbit/s, ratio %.2f\n", cc.c_str(),
                static_cast<unsigned long long>(seed), r.a / 1e6, r.b / 1e6, q);
  }
  std::printf("%s vs Reno, %llu seeds: ratio min=%.2f median=%.2f max=%.2f, %d outside [0.5, 2]\n", cc.c_str(),
              static_cast<unsigned long long>(kSeeds), ratio.min(), ratio.median(), ratio.max(), outside);
  EXPECT_GE(ratio.median(), 0.67) << cc;
  EXPECT_LE(ratio.median(), 1.5) << cc;
  EXPECT_LE(outside, kOutliers) << cc << ": seeds outside [0.5, 2]";
}

TEST(Fairness, TwoAppendixAFlows) { check_two_flows("appendix-a"); }
// CUBIC (RFC 9438 with HyStart++, rtmfp/core/cc/cubic.hpp). Before HyStart++
// and the §4.3/§4.8 fixes: Jain min 0.848 (seeds 1, 7), up to 2.27x Reno's
// share (seed 9). Seeds 1-40 measured at 268c937: Jain min 0.892 (seed 11
// the only one below 0.9), median 0.985; ratio median 1.32, above 2 on seeds
// 12, 15, 35, 40 (max 2.46). There the CUBIC flow, paced and near its W_max
// plateau, had 4-6 loss events in the 15 s against 7-8 for the unpaced Reno
// flow (Appendix A on the same seeds: 5-7 each), and cuts by 0.3 instead of 0.5.
// Measured again over seeds 1-40 when these bounds were set (1200-byte
// datagrams): Jain min 0.985 / 0.943 / 0.961 (Appendix A / CUBIC / Veno),
// Reno ratio ranges [0.56, 1.33] / [0.76, 1.95] / [0.60, 1.51], no seed
// outside the per-seed bounds; with path MTU discovery Appendix A has Jain
// min 0.960 and Reno ratio [0.59, 2.10] (one seed above 2).
TEST(Fairness, TwoCubicFlows) { check_two_flows("cubic"); }
TEST(Fairness, AppendixAAgainstReno) { check_against_reno("appendix-a"); }
TEST(Fairness, CubicAgainstReno) { check_against_reno("cubic"); }
TEST(Fairness, TwoVenoFlows) { check_two_flows("veno"); }
TEST(Fairness, VenoAgainstReno) { check_against_reno("veno"); }
// The configuration the product ships: path MTU discovery on (the others
// keep 1200-byte datagrams, see World::fixed_datagram_config).
TEST(Fairness, TwoAppendixAFlowsWithPathMtuDiscovery) { check_two_flows("appendix-a", shipped_config()); }
TEST(Fairness, AppendixAAgainstRenoWithPathMtuDiscovery) { check_against_reno("appendix-a", shipped_config()); }

}  // namespace
}  // namespace rtmfp::testing
