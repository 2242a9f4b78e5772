// P2P broadcast groups in the group simulator (tests/scenarios/group_world.hpp):
// the figures, printed (its own main, not Google Benchmark; it
// ignores the --benchmark_* flags scripts/bench.sh passes).
//   100 members, 5% loss on every link, 10% of members leaving abruptly and
//   as many joining per minute, 60 s, seeds 1..N (consecutive): frames on
//   time (2 s), overlay delay, join-to-first-frame (members joining after
//   the warm-up), the longest playout gap of a crashed member's
//   neighbours, the publisher's upload / stream bitrate.
//   2,000 members, 5% loss: whether every member plays, the neighbour
//   graph's connectivity, CPU and fragment memory per member.
// The goals are printed beside each figure.
// Usage: group_sim_bench [seeds=4] [members_for_scale=2000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tests/scenarios/group_world.hpp"

using namespace rtmfp;
using namespace rtmfp::testing::groupsim;

int main(int argc, char** argv) {
  int seeds = 4;
  std::size_t scale = 2000;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--", 2) == 0) continue;  // --benchmark_* from scripts/bench.sh
    if (i == 1) seeds = std::atoi(argv[i]);
    if (i == 2) scale = static_cast<std::size_t>(std::atoll(argv[i]));
  }
  sim::Samples delay, join, gap;
  std::uint64_t expected = 0, on_time = 0, corrupt = 0;
  double worst_upload = 0, total_upload = 0;
  bool connected = true;
  std::printf("group simulator: 100 members + publisher, 1 Mbit/s (30 fps, 1 s GOP, audio 50/s), links 10-80 ms one way,\n"
              "5%% loss, uploads 1.5-5x the stream (publisher 3x), 10%% of members leave abruptly and as many join per minute\n");
  for (int seed = 1; seed <= seeds; ++seed) {
    WorldConfig c;
    c.seed = static_cast<std::uint64_t>(seed);
    c.members = 100;
    c.loss = 0.05;
    c.churn_per_minute = 0.10;
    c.run = std::chrono::seconds(60);
    c.warmup = std::chrono::seconds(5);
    if (const char* e = std::getenv("GS_LOSS")) c.loss = std::atof(e);
    if (const char* e = std::getenv("GS_CHURN")) c.churn_per_minute = std::atof(e);
    if (const char* e = std::getenv("GS_RUN")) c.run = std::chrono::seconds(std::atoi(e));
    if (const char* e = std::getenv("GS_UPMIN")) c.upload_min = std::atof(e);
    if (const char* e = std::getenv("GS_SEED")) c.seed = std::strtoull(e, nullptr, 10);
    if (const char* e = std::getenv("GS_HOME")) c.group.home_push_limit = unsigned(std::atoi(e));
    if (const char* e = std::getenv("GS_BUDGET")) c.group.push_budget = unsigned(std::atoi(e));
    if (const char* e = std::getenv("GS_LEAF")) c.group.push_limit = unsigned(std::atoi(e));
    if (const char* e = std::getenv("GS_FETCH")) c.group.fetch_delay = std::chrono::milliseconds(std::atoi(e));
    if (const char* e = std::getenv("GS_ACCEPT")) c.group.accept_max_wait = std::chrono::milliseconds(std::atoi(e));
    if (const char* e = std::getenv("GS_SHED")) c.group.shed_wait = std::chrono::milliseconds(std::atoi(e));
    if (const char* e = std::getenv("GS_ORPHAN")) c.group.orphan_grace = std::chrono::milliseconds(std::atoi(e));
    if (const char* e = std::getenv("GS_SILENT")) c.group.silent_subscriber = std::chrono::milliseconds(std::atoi(e));
    if (const char* e = std::getenv("GS_PUBRETRY")) c.group.publisher_refusal_backoff = std::chrono::milliseconds(std::atoi(e));
    if (const char* e = std::getenv("GS_ANSWER")) c.group.answer_max_wait = std::chrono::milliseconds(std::atoi(e));
    World w(c);
    const auto t0 = std::chrono::steady_clock::now();
    const Results r = w.run();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("seed %d (%.0f s): %s\n", seed, s, r.summary().c_str());
    for (double v : r.delay_ms.values()) delay.add(v);
    for (double v : r.join_ms.values()) join.add(v);
    for (double v : r.crash_gap_ms.values()) gap.add(v);
    expected += r.expected;
    on_time += r.on_time;
    corrupt += r.corrupt;
    connected = connected && r.connected;
    worst_upload = std::max(worst_upload, r.publisher_upload_ratio);
    total_upload += r.publisher_upload_ratio;
  }
  std::printf("\n| figure (100 members, %d seeds pooled) | measured | issue goal |\n|---|---|---|\n", seeds);
  std::printf("| frames on time (2 s) | %.4f of %llu | >= 0.995 |\n", double(on_time) / double(std::max<std::uint64_t>(1, expected)),
              static_cast<unsigned long long>(expected));
  std::printf("| overlay delay p50 / p95 | %.0f / %.0f ms | p95 <= 1500 ms |\n", delay.median(), delay.p95());
  std::printf("| join to first frame p50 / p95 | %.0f / %.0f ms (n=%zu) | p95 <= 1500 ms |\n", join.median(), join.p95(),
              join.count());
  std::printf("| longest playout gap of a crashed member's neighbours p50 / p95 | %.0f / %.0f ms (n=%zu) | recovery < 1000 ms |\n",
              gap.median(), gap.p95(), gap.count());
  std::printf("| publisher upload / stream (mean, worst seed) | %.2fx, %.2fx | <= 1.3x |\n", total_upload / seeds, worst_upload);
  std::printf("| frames played altered | %llu | 0 |\n| neighbour graph connected at the end | %s | yes |\n",
              static_cast<unsigned long long>(corrupt), connected ? "yes" : "NO");

  if (scale > 0) {
    WorldConfig c;
    c.seed = 1;
    c.members = scale;
    c.loss = 0.05;
    c.run = std::chrono::seconds(12);
    c.warmup = std::chrono::seconds(6);
    c.join_spread = std::chrono::seconds(2);
    World w(c);
    const auto t0 = std::chrono::steady_clock::now();
    const Results r = w.run();
    const double cpu = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\n%zu members, 5%% loss, 12 s: %s\n", scale, r.summary().c_str());
    std::printf("| %zu members | every member played: %s | graph connected: %s | CPU %.2f ms per member per second of "
                "stream (simulator included) | fragments held %.2f MiB per member |\n",
                scale, r.members_never_played == 0 ? "yes" : "NO", r.connected ? "yes" : "NO",
                cpu * 1000 / double(scale) / 12.0, r.store_mib_per_member);
  }
  return 0;
}
