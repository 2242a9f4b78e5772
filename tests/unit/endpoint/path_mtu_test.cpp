// The path MTU search state machine on its own (RFC 7016 §3.5.4.3, RFC 4821
// §7): a scripted path answers probes up to its MTU and loses the rest.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>
#include <vector>

#include "rtmfp/core/session/path_mtu.hpp"

namespace rtmfp {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kBase = 1200, kLimit = 1472, kG = params::kPmtuSearchGranularity;

PathMtuConfig config(std::size_t base = kBase, std::size_t limit = kLimit) {
  PathMtuConfig c;
  c.base = base;
  c.limit = limit;
  return c;
}

// Drives a PathMtu against a path that carries datagrams up to `path_mtu`:
// probes it carries are answered after `rtt` unless `lose` says otherwise.
struct Driver {
  PathMtu m;
  std::size_t path_mtu;
  TimePoint now{};
  Duration rtt = 50ms, timeout = 1s;
  std::function<bool()> lose = [] { return false; };
  std::vector<std::size_t> probes;  // every probe sent, in order
  std::size_t max_outstanding_seen = 0;

  Driver(PathMtuConfig c, std::size_t mtu) : m(c), path_mtu(mtu) { m.start(now); }

  // Runs until the search completes (or `span` passes).
  void run(Duration span = 600s) {
    const TimePoint end = now + span;
    for (int guard = 0; guard < 10000; ++guard) {
      if (m.state() != PathMtu::State::searching) return;
      if (auto size = m.probe_due(now)) {
        EXPECT_FALSE(m.outstanding().has_value()) << "a second probe while one is outstanding";
        probes.push_back(*size);
        m.on_probe_sent(now, *size, timeout);
        max_outstanding_seen = std::max<std::size_t>(max_outstanding_seen, m.outstanding() ? 1 : 0);
        if (*size <= path_mtu && !lose()) {
          now += rtt;
          m.on_probe_acked(now, *size);
        }
        continue;
      }
      auto d = m.next_deadline();
      if (!d || *d > end) return;
      ASSERT_GE(*d, now) << "deadline in the past";
      now = *d;
      m.on_deadline(now);
    }
    ADD_FAILURE() << "search did not settle";
  }
};

TEST(PathMtu, DisabledWhenTheLimitIsNotAboveTheBase) {
  for (std::size_t limit : {kBase, kBase - 100}) {
    PathMtu m(config(kBase, limit));
    m.start(TimePoint{});
    EXPECT_EQ(m.state(), PathMtu::State::disabled);
    EXPECT_EQ(m.current(), kBase);
    EXPECT_FALSE(m.probe_due(TimePoint{}));
    EXPECT_FALSE(m.next_deadline());
  }
  PathMtu never_started;
  EXPECT_EQ(never_started.state(), PathMtu::State::disabled);
  EXPECT_EQ(never_started.current(), params::kDefaultMaxDatagram);
}

TEST(PathMtu, FirstProbeIsTheLimitAndOneReplyEndsTheSearch) {
  Driver d(config(), 1500);
  d.run();
  ASSERT_EQ(d.probes.size(), 1u);
  EXPECT_EQ(d.probes[0], kLimit);
  EXPECT_EQ(d.m.current(), kLimit);
  EXPECT_EQ(d.m.state(), PathMtu::State::search_complete);
  EXPECT_FALSE(d.m.next_deadline()) << "at the limit there is nothing to re-probe";
}

TEST(PathMtu, SettlesWithinTheGranularityBelowEveryPathMtu) {
  // Every path MTU from below the base to above the limit.
  for (std::size_t mtu = 1100; mtu <= 1600; mtu += 7) {
    Driver d(config(), mtu);
    d.run();
    ASSERT_EQ(d.m.state(), PathMtu::State::search_complete) << "mtu=" << mtu;
    const std::size_t got = d.m.current();
    if (mtu >= kLimit) {
      EXPECT_EQ(got, kLimit) << "mtu=" << mtu;
    } else if (mtu < kBase + kG) {
      EXPECT_GE(got, kBase) << "mtu=" << mtu;
      EXPECT_LE(got, std::max(mtu, kBase)) << "mtu=" << mtu;
    } else {
      EXPECT_LE(got, mtu) << "mtu=" << mtu;
      EXPECT_GT(got + kG, mtu) << "mtu=" << mtu << ": further than the granularity below the path MTU";
    }
    // RFC 4821 §7.5: a size is given up after exactly MAX_PROBES losses;
    // a size that fits is never given up (no loss here).
    std::map<std::size_t, int> tries;
    for (auto p : d.probes) ++tries[p];
    for (auto [size, n] : tries) {
      EXPECT_GE(size, kBase) << "mtu=" << mtu;
      EXPECT_LE(size, kLimit) << "mtu=" << mtu;
      EXPECT_EQ(n, size <= mtu ? 1 : params::kPmtuMaxProbes) << "mtu=" << mtu << " size=" << size;
    }
    EXPECT_LE(d.max_outstanding_seen, 1u);
    EXPECT_LE(d.probes.size(), 40u) << "mtu=" << mtu;
  }
}

TEST(PathMtu, ProbeTimeoutIsHonoured) {
  Driver d(config(), 1300);
  d.timeout = 2s;
  d.run();
  // 1472 fails three times (6 s), then bisection: every failed size costs 3 timeouts.
  std::size_t failed = 0;
  for (auto p : d.probes) failed += p > 1300;
  EXPECT_GE(d.now - TimePoint{}, failed * 2s);
}

TEST(PathMtu, LateReplyToATimedOutProbeStillConfirmsItsSize) {
  PathMtu m(config());
  TimePoint t{};
  m.start(t);
  auto p = m.probe_due(t);
  ASSERT_TRUE(p);
  m.on_probe_sent(t, *p, 1s);
  t += 1s;
  m.on_deadline(t);  // first try lost
  EXPECT_EQ(m.probe_count(), 1);
  EXPECT_EQ(m.current(), kBase);
  auto again = m.probe_due(t);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, kLimit);  // retried at the same size
  m.on_probe_sent(t, *again, 1s);
  t += 100ms;
  EXPECT_TRUE(m.on_probe_acked(t, kLimit));  // the reply to either try
  EXPECT_EQ(m.current(), kLimit);
  EXPECT_EQ(m.state(), PathMtu::State::search_complete);
  EXPECT_FALSE(m.on_probe_acked(t, kLimit)) << "a duplicate reply changes nothing";
  EXPECT_FALSE(m.on_probe_acked(t, kLimit + 100)) << "never above the limit";
  EXPECT_EQ(m.current(), kLimit);
}

TEST(PathMtu, ResetReturnsToTheBaseAndSearchesAgain) {
  Driver d(config(), 1500);
  d.run();
  ASSERT_EQ(d.m.current(), kLimit);
  EXPECT_TRUE(d.m.reset(d.now));
  EXPECT_EQ(d.m.current(), kBase);
  EXPECT_EQ(d.m.state(), PathMtu::State::searching);
  EXPECT_EQ(d.m.probe_due(d.now), kLimit);
  // The new path is narrower.
  d.path_mtu = 1350;
  d.probes.clear();
  d.run();
  EXPECT_LE(d.m.current(), 1350u);
  EXPECT_GT(d.m.current() + kG, 1350u);
  PathMtu off(config(kBase, kBase));
  off.start(TimePoint{});
  EXPECT_FALSE(off.reset(TimePoint{}));
  EXPECT_EQ(off.state(), PathMtu::State::disabled);
}

TEST(PathMtu, ReprobesUpwardAfterTheRaiseInterval) {
  Driver d(config(), 1400);
  d.run();
  ASSERT_EQ(d.m.state(), PathMtu::State::search_complete);
  const std::size_t settled = d.m.current();
  ASSERT_LT(settled, kLimit);
  const TimePoint done = d.now;
  auto next = d.m.next_deadline();
  ASSERT_TRUE(next);
  EXPECT_EQ(*next - done, params::kPmtuRaiseInterval);
  // Nothing happens before the raise timer; then the path has grown.
  d.m.on_deadline(done + 1s);
  EXPECT_EQ(d.m.state(), PathMtu::State::search_complete);
  d.path_mtu = 9000;
  d.now = *next;
  d.m.on_deadline(d.now);
  EXPECT_EQ(d.m.state(), PathMtu::State::searching);
  EXPECT_EQ(d.m.probe_due(d.now), kLimit);
  d.run();
  EXPECT_EQ(d.m.current(), kLimit);
}

TEST(PathMtu, ConvergesDespiteRandomProbeLoss) {
  // 10% of answerable probes lost (both directions of a 5% loss path): a
  // fitting size is given up only after three losses in a row (p = 1e-3).
  int within = 0, runs = 0;
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 g(seed);
    std::bernoulli_distribution lost(0.10);
    const std::size_t mtu = 1250 + seed % 200;
    Driver d(config(), mtu);
    d.lose = [&] { return lost(g); };
    d.run();
    ++runs;
    ASSERT_EQ(d.m.state(), PathMtu::State::search_complete) << "seed=" << seed;
    EXPECT_LE(d.m.current(), mtu) << "seed=" << seed << ": confirmed a size the path does not carry";
    EXPECT_GE(d.m.current(), kBase) << "seed=" << seed;
    within += d.m.current() + kG > mtu;
  }
  EXPECT_GE(within, runs * 95 / 100) << "too many searches ended low";
}

}  // namespace
}  // namespace rtmfp
