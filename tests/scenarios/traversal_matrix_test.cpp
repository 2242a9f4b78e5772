// Issue 12 §3, the simulator's evidence for the introducer's strategies
// (rendezvous/core/path_strategy.hpp): every ordered pair of NAT types -
// endpoint-independent mapping with endpoint-independent, address-dependent
// and address-and-port-dependent filtering; endpoint-dependent mapping with
// sequential and with random port allocation; UDP blocked - at 0%, 2% and
// 10% loss over consecutive seeds, with both classes reported. Every pair
// must connect; the strategy must be the table's; pairs whose strategy is
// direct or predict must open directly without loss, relay ones through the
// relay. Printed, per loss: the matrix (strategy, direct/relayed share,
// connect p50/p95, probes: datagrams the peers sent each other) and a
// summary. Few seeds here (make test, ASan); more as a bench:
//   RTMFP_TRAVERSAL_SEEDS=50 build/tests/sim_scenarios --gtest_filter='TraversalMatrix.*'
// And the assertions can fail: without the relay the hard pairs do not
// connect, and without prediction the sequential pair does not either.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/scenarios/traversal_pair.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::testing {
namespace {

using namespace traversal;
using rendezvous::PathStrategy;

int seeds_per_cell() {
  if (const char* s = std::getenv("RTMFP_TRAVERSAL_SEEDS")) {
    const int n = std::atoi(s);
    if (n > 0) return n;
  }
  return 2;
}

PathStrategy expected_strategy(Side a, Side b) {
  // b initiates, a is the target.
  return rendezvous::plan_traversal(nat_class(b), nat_class(a), true).strategy;
}

void run_loss(double loss, std::uint64_t first_seed) {
  const int seeds = seeds_per_cell();
  std::printf("strategy matrix, NAT classes reported, %.0f%% loss, %d seeds per cell (RTT 40 ms), target <- initiator\n",
              loss * 100, seeds);
  std::printf("  %-15s <- %-15s %-9s %8s %8s %8s %8s %8s %9s %9s\n", "target", "initiator", "strategy", "direct",
              "relayed", "p50 ms", "p95 ms", "probes", "bday-prb", "bday-opn");
  sim::Samples all_ms, all_probes;
  int all = 0, all_direct = 0, all_relayed = 0, birthday_runs = 0, birthday_direct = 0;
  std::uint64_t seed = first_seed;
  for (Side a : kMatrixSides) {
    for (Side b : kMatrixSides) {
      const PathStrategy want = expected_strategy(a, b);
      sim::Samples ms, probes, bday_probes, bday_openers;
      int direct = 0, relayed = 0;
      for (int i = 0; i < seeds; ++i, ++seed) {
        PairOptions opt;
        opt.loss = loss;
        const Outcome o = run_pair(a, b, opt, seed);
        SCOPED_TRACE(std::string(side_name(a)) + " <- " + side_name(b) + " seed=" + std::to_string(seed));
        EXPECT_EQ(o.strategy, want);
        EXPECT_NE(o.path, Path::none) << "did not connect";
        if (o.path == Path::none) continue;
        ms.add(o.connect_ms);
        all_ms.add(o.connect_ms);
        probes.add(static_cast<double>(o.probes));
        all_probes.add(static_cast<double>(o.probes));
        // Birthday probing (birthday_traversal.hpp): the easy side's probes
        // and the hard side's mapping openers, both counted in `probes` too.
        bday_probes.add(static_cast<double>(o.birthday_a.probes + o.birthday_b.probes));
        bday_openers.add(static_cast<double>(o.birthday_a.openers + o.birthday_b.openers));
        if (want == PathStrategy::birthday) {
          if (o.path == Path::direct) ++birthday_direct;
          ++birthday_runs;
        }
        (o.path == Path::direct ? direct : relayed)++;
        // Direct is not raced: it must be what opened - unless punching had
        // not opened when the initiator's IHello came back to the introducer
        // limits::kDirectFallbackAfter later (lost packets), which brings
        // the relay in beside a second direct attempt; only then, and only
        // after that delay, may the relay win.
        if (want == PathStrategy::direct) {
          if (o.path == Path::relayed) {
            EXPECT_GT(loss, 0.0);
            EXPECT_EQ(o.introducer.direct_fallbacks, 1u);
            EXPECT_GT(o.connect_ms, static_cast<double>(to_ms(rendezvous::limits::kDirectFallbackAfter)));
          } else {
            EXPECT_EQ(o.path, Path::direct);
          }
        }
        if (want == PathStrategy::relay) {
          EXPECT_EQ(o.path, Path::relayed);
        }
        // A prediction opens directly unless loss ate the guesses and the
        // relay (1 s later) won.
        if (want == PathStrategy::predict && loss == 0) {
          EXPECT_EQ(o.path, Path::direct);
        }
      }
      all += direct + relayed;
      all_direct += direct;
      all_relayed += relayed;
      std::printf("  %-15s <- %-15s %-9s %7.0f%% %7.0f%% %8.0f %8.0f %8.1f %9.1f %9.1f\n", side_name(a), side_name(b),
                  rendezvous::path_strategy_name(want), 100.0 * direct / seeds, 100.0 * relayed / seeds, ms.median(),
                  ms.p95(), probes.mean(), bday_probes.mean(), bday_openers.mean());
    }
  }
  std::printf("  all %d pairs x %d seeds: connected %d (%.1f%%), direct %.1f%%, relayed %.1f%%, connect p50 %.0f ms p95 %.0f ms, probes mean %.1f\n",
              36, seeds, all, 100.0 * all / (36 * seeds), 100.0 * all_direct / (36 * seeds),
              100.0 * all_relayed / (36 * seeds), all_ms.median(), all_ms.p95(), all_probes.mean());
  std::printf("  birthday pairs: %d/%d direct (%.1f%%)\n", birthday_direct, birthday_runs,
              birthday_runs ? 100.0 * birthday_direct / birthday_runs : 0.0);
}

// RTMFP_TRAVERSAL_ONE="TARGET INITIATOR LOSS SEED": one cell, one seed (with
// RTMFP_TRAVERSAL_TRACE, its datagrams). A developer's tool, disabled (a
// skipped test fails make test under CI=true): run it with
// --gtest_also_run_disabled_tests --gtest_filter='TraversalMatrix.DISABLED_OneCell*'.
TEST(TraversalMatrix, DISABLED_OneCellFromTheEnvironment) {
  const char* one = std::getenv("RTMFP_TRAVERSAL_ONE");
  if (!one) GTEST_SKIP() << "RTMFP_TRAVERSAL_ONE not set";
  int a = 0, b = 0;
  double loss = 0;
  unsigned long long seed = 0;
  ASSERT_EQ(std::sscanf(one, "%d %d %lf %llu", &a, &b, &loss, &seed), 4);
  PairOptions opt;
  opt.loss = loss;
  const Outcome o = run_pair(kMatrixSides[a], kMatrixSides[b], opt, seed);
  std::printf("%s <- %s: %s %s in %.0f ms, %llu probes\n", side_name(kMatrixSides[a]), side_name(kMatrixSides[b]),
              rendezvous::path_strategy_name(o.strategy), path_name(o.path), o.connect_ms,
              static_cast<unsigned long long>(o.probes));
}

TEST(TraversalMatrix, EveryPairConnectsWithoutLoss) { run_loss(0.0, 31000); }
TEST(TraversalMatrix, EveryPairConnectsAtTwoPercentLoss) { run_loss(0.02, 32000); }
TEST(TraversalMatrix, EveryPairConnectsAtTenPercentLoss) { run_loss(0.10, 33000); }

// The relay is what connects the hard pairs, prediction what opens the
// sequential one directly and birthday probing the random one: take them
// away and those pairs fail (the initiator gives up after 20 s of virtual
// time).
TEST(TraversalMatrix, WithoutTheRelayTheHardPairsDoNotConnect) {
  PairOptions opt;
  opt.relay = false;
  opt.birthday = false;
  opt.give_up = 20s;
  const std::pair<Side, Side> hard[] = {{Side::symmetric, Side::symmetric},
                                        {Side::symmetric_random, Side::symmetric_random},
                                        {Side::port_restricted, Side::symmetric_random},
                                        {Side::full_cone, Side::blocked}};
  std::uint64_t seed = 34000;
  for (auto [a, b] : hard) {
    const Outcome o = run_pair(a, b, opt, seed++);
    EXPECT_EQ(o.path, Path::none) << side_name(a) << " <- " << side_name(b) << " connected without the relay";
  }
  // Birthday probing alone (no relay) opens the random pair, both ways
  // round - in 98.3% of runs (port_prediction.hpp); these two seeds do.
  opt.birthday = true;
  for (auto [a, b] : {std::pair{Side::port_restricted, Side::symmetric_random},
                      std::pair{Side::symmetric_random, Side::port_restricted}}) {
    const Outcome o = run_pair(a, b, opt, seed++);
    EXPECT_EQ(o.strategy, PathStrategy::birthday);
    EXPECT_EQ(o.path, Path::direct) << side_name(a) << " <- " << side_name(b) << " not opened by birthday probing";
    std::printf("birthday probing alone: %s <- %s %s in %.0f ms, %llu probes\n", side_name(a), side_name(b),
                path_name(o.path), o.connect_ms, static_cast<unsigned long long>(o.probes));
  }
  // Prediction alone (no relay) opens the sequential pair, both ways round.
  for (auto [a, b] : {std::pair{Side::port_restricted, Side::symmetric}, std::pair{Side::symmetric, Side::port_restricted}}) {
    const Outcome o = run_pair(a, b, opt, seed++);
    EXPECT_EQ(o.strategy, PathStrategy::predict);
    EXPECT_EQ(o.path, Path::direct) << side_name(a) << " <- " << side_name(b) << " not opened by prediction";
    std::printf("prediction alone: %s <- %s %s in %.0f ms, %llu probes\n", side_name(a), side_name(b),
                path_name(o.path), o.connect_ms, static_cast<unsigned long long>(o.probes));
  }
}

TEST(TraversalMatrix, WithoutPredictionTheSequentialPairDoesNotOpenDirectly) {
  PairOptions opt;
  opt.relay = false;
  opt.prediction = false;
  opt.give_up = 20s;
  std::uint64_t seed = 35000;
  for (auto [a, b] : {std::pair{Side::port_restricted, Side::symmetric}, std::pair{Side::symmetric, Side::port_restricted}}) {
    const Outcome o = run_pair(a, b, opt, seed++);
    EXPECT_EQ(o.path, Path::none) << side_name(a) << " <- " << side_name(b) << " opened without prediction";
  }
}

}  // namespace
}  // namespace rtmfp::testing
