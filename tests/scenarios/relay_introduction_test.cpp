// Every pair connects (issue 12 §2-3): the introduction matrix of
// introduction_test.cpp with the rendezvous's relay (rendezvous/core/
// relay.hpp) attached. Both peers register; the test gives the registry
// each peer's NAT class as its NAT check would report it (the check itself
// is tested in nat_check_test.cpp) - or withholds it, so the introducer
// races direct against the relay (harness: traversal_pair.hpp). Every pair
// of {none, full cone, address-restricted, port-restricted, symmetric
// (sequential ports)} must open: the punchable ones directly, a symmetric
// NAT facing a port-restricted one directly by port prediction when the
// classes are reported, the others through the relay; 20 ms links, 0-10%
// loss, consecutive seeds. Printed: the path, the time to connect (p50/p95).
// The full strategy matrix (random allocation, UDP blocked) is
// traversal_matrix_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/scenarios/traversal_pair.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::testing {
namespace {

using namespace traversal;

Outcome run_pair(Side a, Side b, bool classes_known, double loss, std::uint64_t seed) {
  PairOptions o;
  o.classes_known = classes_known;
  o.loss = loss;
  return traversal::run_pair(a, b, o, seed);
}

bool punchable(Side a, Side b) { return rendezvous::punchable(nat_class(a), nat_class(b)); }


// UDP blocked between the peers where the NAT checks cannot see it (both
// report a port-restricted NAT, which is what they reached the rendezvous
// through): the introducer plans direct punching, which cannot open; the
// initiator's IHello retransmission (RFC 7016 §3.5.1.1.1, 1.5 s) reaches
// the introducer again, which then brings the relay in.
TEST(RelayIntroduction, ADirectPlanThatCannotOpenFallsBackToTheRelay) {
  for (std::uint64_t seed = 66000; seed < 66005; ++seed) {
    PairOptions o;
    o.a_reports = Side::port_restricted;
    const Outcome r = traversal::run_pair(Side::blocked, Side::port_restricted, o, seed);
    SCOPED_TRACE("seed=" + std::to_string(seed));
    EXPECT_EQ(r.strategy, rendezvous::PathStrategy::direct);
    EXPECT_EQ(r.path, Path::relayed);
    EXPECT_EQ(r.introducer.direct_fallbacks, 1u);
    // The second retransmission (1.5 s + 3 s), then the relayed handshake.
    EXPECT_GT(r.connect_ms, 4000.0);
    EXPECT_LT(r.connect_ms, 5000.0);
  }
  // A direct pair that opens sends no repeat: no relay for it.
  const Outcome ok = traversal::run_pair(Side::port_restricted, Side::port_restricted, PairOptions{}, 66100);
  EXPECT_EQ(ok.path, Path::direct);
  EXPECT_EQ(ok.introducer.direct_fallbacks, 0u);
  EXPECT_EQ(ok.introducer.relayed, 0u);
}

void run_matrix(bool classes_known, double loss, int seeds, std::uint64_t first_seed) {
  std::printf("introductions with the relay, NAT classes %s, %.0f%% loss, %d seeds each (RTT 40 ms): responder <- initiator\n",
              classes_known ? "reported" : "unknown (race: relay after 1 s)", loss * 100, seeds);
  std::uint64_t seed = first_seed;
  for (Side a : kSides) {
    for (Side b : kSides) {
      sim::Samples ms;
      int direct = 0, relayed = 0;
      for (int i = 0; i < seeds; ++i, ++seed) {
        Outcome o = run_pair(a, b, classes_known, loss, seed);
        SCOPED_TRACE(std::string(side_name(a)) + " <- " + side_name(b) + " seed=" + std::to_string(seed));
        EXPECT_NE(o.path, Path::none) << "did not connect";
        if (o.path == Path::none) continue;
        ms.add(o.connect_ms);
        (o.path == Path::direct ? direct : relayed)++;
        // With reported classes the introducer predicts a sequential NAT's
        // ports (path_strategy.hpp predict): that pair opens directly too.
        const bool predictable = classes_known && o.strategy == rendezvous::PathStrategy::predict;
        if (!punchable(a, b) && !predictable) {
          EXPECT_EQ(o.path, Path::relayed);
        }
        // With reported classes a punchable pair is never relayed; in a race
        // under loss the relay may win when direct's packets were lost.
        if (punchable(a, b) && (classes_known || loss == 0)) {
          EXPECT_EQ(o.path, Path::direct);
        }
        if (predictable && loss == 0) {
          EXPECT_EQ(o.path, Path::direct);
        }
      }
      std::printf("  %-16s <- %-16s %s direct %2d relayed %2d of %d  connect ms p50=%6.0f p95=%6.0f\n", side_name(a),
                  side_name(b), punchable(a, b) ? "punchable  " : "unpunchable", direct, relayed, seeds, ms.median(),
                  ms.p95());
    }
  }
}

TEST(RelayIntroduction, EveryPairConnectsWithReportedClassesWithoutLoss) { run_matrix(true, 0.0, 4, 21000); }
TEST(RelayIntroduction, EveryPairConnectsWithReportedClassesAtTenPercentLoss) { run_matrix(true, 0.10, 20, 22000); }
TEST(RelayIntroduction, EveryPairConnectsByRacingWhenClassesAreUnknown) { run_matrix(false, 0.0, 4, 23000); }
TEST(RelayIntroduction, RacingAtFivePercentLoss) { run_matrix(false, 0.05, 20, 24000); }

}  // namespace
}  // namespace rtmfp::testing
