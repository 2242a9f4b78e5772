// P2P broadcast groups in the group simulator (group_world.hpp), in every
// build (sanitizers included): every member plays every frame intact and
// on time (2 s) at 2% loss with late joiners; members forwarding altered
// fragments change nothing anyone plays; 1 MB keyframes arrive complete.
// The statistical figures (100 members at 5% loss and 10%/min
// churn over many seeds, 2,000 members) are printed by
// bench/group_sim_bench.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "tests/scenarios/group_world.hpp"

namespace rtmfp::testing::groupsim {
namespace {

void print(const char* name, std::uint64_t seed, const Results& r) {
  std::printf("[group] %s seed=%llu: %s\n", name, static_cast<unsigned long long>(seed), r.summary().c_str());
}

TEST(GroupSmall, TwentyMembersPlayEveryFrameIntact) {
  WorldConfig c;
  c.seed = 1;
  c.members = 20;
  c.late_joiners = 5;
  c.loss = 0.02;
  c.run = 12s;
  c.warmup = 4s;
  World w(c);
  const Results r = w.run();
  print("twenty", c.seed, r);
  EXPECT_EQ(r.corrupt, 0u);
  EXPECT_EQ(r.members_never_played, 0u);
  EXPECT_GE(r.on_time_share(), 0.995) << r.summary();
  EXPECT_TRUE(r.connected);
  EXPECT_EQ(r.publish_failures, 0u);
}

// Integrity only: forgers among the first hops can still starve a class
// (the publisher gives each class to one member; a forger holding it is
// dropped by its subscribers but keeps the slot), so availability under
// attack is printed, not bounded (issue 13 note).
TEST(GroupSmall, ForgingMembersChangeNothingOthersPlay) {
  WorldConfig c;
  c.seed = 2;
  c.members = 30;
  c.forgers = 4;
  c.loss = 0.02;
  c.run = 12s;
  c.warmup = 4s;
  World w(c);
  const Results r = w.run();
  print("forgers", c.seed, r);
  EXPECT_GT(r.forged_dropped, 0u) << "the forgers' fragments must have reached someone";
  EXPECT_EQ(r.corrupt, 0u) << "an honest member played an altered frame";
  EXPECT_EQ(r.members_never_played, 0u);
}

// 1 MB keyframes (1,024 fragments: twice a fragment map's bitmap) at 2%
// loss, over consecutive seeds and first fragment numbers (a publisher
// numbers its run from the clock, so every alignment happens). Measured over
// 27 runs (first numbers 1, 2, 3, 5, 1000, 5000, 16000, 17000, 20000 x seeds
// 3-5, GROUPSIM_FIRST / GROUPSIM_SEED0): every keyframe complete, on time
// min 0.90, median 0.999. Before maps advertised older runs, members asked
// a sole holder again and playout caught up with a later join point, the
// same runs gave 0.00-1.00 with keyframes lost in 6 of 9 shifted runs.
TEST(GroupSmall, MegabyteKeyframesArriveComplete) {
  struct Case {
    std::uint64_t seed, first;
  };
  std::vector<Case> cases = {{3, 1}, {4, 5}, {5, group::run_first_seq(1'796'000'000'000ull)}};
  if (std::getenv("GROUPSIM_SEED0") || std::getenv("GROUPSIM_FIRST")) cases.resize(1);  // one run, from the knobs
  for (const Case k : cases) {
    WorldConfig c;
    c.seed = k.seed;
    c.first_seq = k.first;
    c.members = 16;
    c.loss = 0.02;
    c.run = 12s;
    c.warmup = 4s;
    c.stream.bitrate = 6'000'000;  // 4K-like: 1 MB keyframe every 2 s plus P-frames
    c.stream.gop = 2s;
    c.stream.keyframe_bytes = 1 << 20;
    if (const char* u = std::getenv("GROUPSIM_SEED0")) c.seed = std::strtoull(u, nullptr, 10);
    World w(c);
    const Results r = w.run();
    print("1MB keyframes", c.seed, r);
    EXPECT_EQ(r.corrupt, 0u) << "seed " << k.seed;
    EXPECT_EQ(r.members_never_played, 0u) << "seed " << k.seed;
    EXPECT_GT(r.keyframes_expected, 0u);
    EXPECT_EQ(r.keyframes_played, r.keyframes_expected) << "a 1 MB keyframe never arrived complete, seed " << k.seed;
    EXPECT_GE(r.on_time_share(), 0.85) << "seed " << k.seed;
  }
}

// Issue 14: a publisher that comes back (same key, a new process: a new
// peer ID and a new run numbered from a later clock, timestamps from 0, a
// changed video sequence header) is followed by every member without
// rejoining: each plays the new run from a keyframe within 3 s of the
// run's first keyframe (measured: p50 0.3-2.2 s, max 1.9-2.7 s), with
// monotonic timestamps, the changed video sequence header played and the
// unchanged audio one not again. Several seeds. On-time share is printed,
// not bounded: a member that starts at the run's first keyframe late stays
// that far behind live.
TEST(GroupSmall, RestartedPublisherResumesTheStream) {
  for (std::uint64_t seed = (std::getenv("GROUPSIM_SEED") ? std::strtoull(std::getenv("GROUPSIM_SEED"), nullptr, 10) : 11); seed <= 14; ++seed) {
    WorldConfig c;
    c.seed = seed;
    c.members = 16;
    c.loss = 0.02;
    c.run = 12s;
    c.warmup = 3s;
    c.restart_at = 6s;
    c.unix_ms = 1'796'000'000'000ull;  // 2026: run_first_seq's 63-bit numbers
    World w(c);
    const Results r = w.run();
    print("publisher restart", seed, r);
    std::printf("[group]   resume after the new keyframe: p50 %.0f ms, max %.0f ms (n=%zu)\n", r.resume_ms.median(),
                r.resume_ms.max(), r.resume_ms.count());
    EXPECT_EQ(r.corrupt, 0u) << "seed " << seed;
    EXPECT_EQ(r.members_not_resumed, 0u) << "seed " << seed;
    EXPECT_EQ(r.resume_ms.count(), c.members) << "seed " << seed;
    EXPECT_LT(r.resume_ms.max(), 3000.0) << "seed " << seed;
    EXPECT_EQ(r.timestamps_backwards, 0u) << "seed " << seed;
    EXPECT_EQ(r.old_after_new, 0u) << "seed " << seed;
    EXPECT_EQ(r.new_video_config_played, c.members) << "seed " << seed;
    EXPECT_EQ(r.audio_config_replayed, 0u) << "seed " << seed;
  }
}

// Members that replay the first run's genuine signed fragments after the
// restart change nothing the others play: no first-run frame after a
// second-run one, no timestamp going back, every member resumes.
TEST(GroupSmall, ReplayedOldRunCannotRewindMembers) {
  WorldConfig c;
  c.seed = 21;
  c.members = 16;
  c.replayers = 3;
  c.loss = 0.02;
  c.run = 12s;
  c.warmup = 3s;
  c.restart_at = 6s;
  c.unix_ms = 1'796'000'000'000ull;
  World w(c);
  const Results r = w.run();
  print("replayers", c.seed, r);
  EXPECT_EQ(r.corrupt, 0u);
  EXPECT_EQ(r.old_after_new, 0u) << "a replayed first-run frame played after the second run began";
  EXPECT_EQ(r.timestamps_backwards, 0u);
  EXPECT_EQ(r.members_not_resumed, 0u);
  EXPECT_LT(r.resume_ms.max(), 3000.0);
}

}  // namespace
}  // namespace rtmfp::testing::groupsim
