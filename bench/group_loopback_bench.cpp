// P2P broadcast groups with the real commands on loopback (issue 13's
// figures): per group size N, a private `rtmfp rendezvous`, one
// `rtmfp publish --realtime` of an ffmpeg-made FLV (~1 Mbit/s: H.264
// 640x360 25 fps CBR, 1 s GOPs, AAC) and N `rtmfp join`s to FLV files, all
// real processes. Per N it prints the publisher's upload ratio (its final
// JSON: media bytes it sent / stream bytes), join-to-first-frame p50/p95
// (the joiners' JSON), how many joiners have every frame from their first
// keyframe on (byte-identical, compared with the source as the integration
// test does) and the CPU per member (user+sys of the joiner processes, from
// getrusage(RUSAGE_CHILDREN) around reaping them, / N / stream seconds).
// Its own main and table (not Google Benchmark; it ignores the
// --benchmark_* flags scripts/bench.sh passes).
// Usage: group_loopback_bench [N ...] (default 1 10 100)
//        env GROUP_BENCH_SECONDS (default 20), RTMFP_BIN (default the built rtmfp)
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "media/flv/flv_reader.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/flv_tags.hpp"
#include "tests/support/line_words.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using rtmfp::media::flv::Tag;
using rtmfp::media::flv::TagType;
using rtmfp::testing::ChildProcess;
using rtmfp::testing::word;

namespace {

std::string cli() {
  const char* e = std::getenv("RTMFP_BIN");
  return e && *e ? e : RTMFP_CLI;
}

double cpu_seconds_of_reaped_children() {
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  auto s = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

std::vector<Tag> av_tags(const fs::path& p) { return rtmfp::testing::read_av_tags(p); }
bool is_config(const Tag& t) { return rtmfp::testing::is_sequence_header(t); }

// A joiner's frames against the source: complete when they are the source's
// from the joiner's first frame to the end, byte for byte, and its first
// video frame is a keyframe (tests/integration/group_test_util.hpp).
struct Tail {
  bool complete = false;
  std::size_t got = 0, expected = 0, start = 0;
};
Tail tail_of(const std::vector<Tag>& in_all, const std::vector<Tag>& out_all) {
  std::vector<const Tag*> in, out;
  for (const auto& t : in_all)
    if (!is_config(t)) in.push_back(&t);
  for (const auto& t : out_all)
    if (!is_config(t)) out.push_back(&t);
  Tail r;
  r.got = out.size();
  if (out.empty()) return r;
  r.start = in.size();
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in[i]->type == out[0]->type && in[i]->data == out[0]->data) {
      r.start = i;
      break;
    }
  if (r.start == in.size()) return r;
  r.expected = in.size() - r.start;
  bool key = true;
  for (const Tag* t : out)
    if (t->type == TagType::video) {
      key = !t->data.empty() && (t->data[0] >> 4) == 1;
      break;
    }
  bool same = out.size() == r.expected;
  for (std::size_t i = 0; same && i < out.size(); ++i)
    same = out[i]->type == in[r.start + i]->type && out[i]->data == in[r.start + i]->data;
  r.complete = key && same;
  return r;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct Row {
  int n = 0;
  bool ok = false;
  std::string error;
  double upload_ratio = -1, join_p50 = -1, join_p95 = -1, join_max = -1;
  int complete = 0, ended = 0;
  double frames_mean = 0, frames_expected_mean = 0;
  double cpu_member_pct = -1, cpu_publisher_pct = -1, wall = 0;
  long duplicates = 0, from_publisher = 0;
};

Row run(int n, const fs::path& dir, const fs::path& input, double stream_s, const std::vector<Tag>& in_tags) {
  Row row;
  row.n = n;
  const auto t0 = std::chrono::steady_clock::now();
  auto rv = ChildProcess::spawn({cli(), "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  if (!rv) return row.error = "rendezvous did not start", row;
  auto l = rv->read_line(10s);
  if (!l) return row.error = "rendezvous printed nothing: " + rv->stderr_text(), row;
  const std::string rv_uri = word(*l, 1);
  const std::string group = "bench" + std::to_string(n);
  auto pub = ChildProcess::spawn({cli(), "publish", "--rendezvous", rv_uri, "--group", group, "--from",
                                  input.string(), "--realtime", "--stats-interval", "0"});
  if (!pub) return row.error = "publisher did not start", row;
  auto pl = pub->read_line(15s);
  if (!pl || word(*pl, 0) != "publishing") return row.error = "publisher: " + pub->stderr_text(), row;
  const std::string spec = word(*pl, 1);
  std::vector<ChildProcess> joiners;
  for (int i = 0; i < n; ++i) {
    auto j = ChildProcess::spawn({cli(), "join", "--rendezvous", rv_uri, "--group", spec, "--to",
                                  (dir / ("out" + std::to_string(i) + ".flv")).string(), "--idle-end", "3000",
                                  "--connect-timeout", "30000", "--stats-interval", "0"});
    if (!j) return row.error = "joiner " + std::to_string(i) + " did not start", row;
    joiners.push_back(std::move(*j));
  }
  const std::chrono::milliseconds bound(static_cast<long>(stream_s * 1000) + 60000);
  double c0 = cpu_seconds_of_reaped_children();
  auto prc = pub->wait(bound);
  if (!prc) return row.error = "publisher did not end", row;
  row.cpu_publisher_pct = 100.0 * (cpu_seconds_of_reaped_children() - c0) / stream_s;
  if (auto pj = pub->read_line(2s)) {
    auto j = nlohmann::json::parse(*pj, nullptr, false);
    if (!j.is_discarded() && j.contains("uploadRatio")) row.upload_ratio = j["uploadRatio"].get<double>();
  }
  c0 = cpu_seconds_of_reaped_children();
  std::vector<double> join_ms;
  double frames = 0, expected = 0;
  for (int i = 0; i < n; ++i) {
    auto rc = joiners[i].wait(i == 0 ? 60000ms : 20000ms);
    if (!rc) continue;
    ++row.ended;
    if (auto jl = joiners[i].read_line(2s)) {
      auto j = nlohmann::json::parse(*jl, nullptr, false);
      if (!j.is_discarded() && j.contains("joinToFirstFrameMs")) {
        if (j["joinToFirstFrameMs"].get<double>() >= 0) join_ms.push_back(j["joinToFirstFrameMs"].get<double>());
        row.duplicates += j["duplicates"].get<long>();
        row.from_publisher += j["fragmentsReceivedFromServer"].get<long>();
      }
    }
  }
  const double joiners_cpu = cpu_seconds_of_reaped_children() - c0;
  row.cpu_member_pct = 100.0 * joiners_cpu / n / stream_s;
  for (int i = 0; i < n; ++i) {
    const fs::path out = dir / ("out" + std::to_string(i) + ".flv");
    const Tail t = tail_of(in_tags, av_tags(out));
    row.complete += t.complete ? 1 : 0;
    frames += double(t.got);
    expected += double(t.expected);
    fs::remove(out);
  }
  row.frames_mean = frames / n;
  row.frames_expected_mean = expected / n;
  row.join_p50 = percentile(join_ms, 0.5);
  row.join_p95 = percentile(join_ms, 0.95);
  row.join_max = percentile(join_ms, 1.0);
  rv->signal(SIGTERM);
  (void)rv->wait(10s);
  row.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  row.ok = true;
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--", 2) == 0) continue;  // --benchmark_* from scripts/bench.sh
    sizes.push_back(std::max(1, std::atoi(argv[i])));
  }
  if (sizes.empty()) sizes = {1, 10, 100};
  const char* se = std::getenv("GROUP_BENCH_SECONDS");
  const int seconds = se && std::atoi(se) > 0 ? std::atoi(se) : 20;
  if (!fs::exists(cli())) {
    std::fprintf(stderr, "group_loopback_bench: %s not found (build the rtmfp target or set RTMFP_BIN)\n", cli().c_str());
    return 1;
  }
  char tmpl[] = "/tmp/group_loopback_bench_XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  const fs::path dir = tmpl;
  const fs::path input = dir / "in.flv";
  auto ff = rtmfp::testing::run_command(
      {"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f",
       "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", std::to_string(seconds), "-c:v", "libx264",
       "-preset", "veryfast", "-g", "25", "-b:v", "900k", "-maxrate", "900k", "-bufsize", "900k", "-x264-params",
       "nal-hrd=cbr", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", input.string()},
      120s);
  if (ff.exit_code != 0) {
    std::fprintf(stderr, "group_loopback_bench: ffmpeg could not make the FLV (is it installed?): %s\n", ff.err.c_str());
    fs::remove_all(dir);
    return 1;
  }
  const auto in_tags = av_tags(input);
  const double mbit = double(fs::file_size(input)) * 8 / 1e6 / seconds;
  std::printf("P2P group on loopback, real processes: rendezvous + publisher (--realtime, %d s FLV, %.2f Mbit/s, "
              "%zu audio/video frames) + N joiners; %ld cores\n",
              seconds, mbit, in_tags.size(), ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("\n| N | upload ratio | join→first frame p50 / p95 / max (ms) | complete | frames / expected (mean) | "
              "CPU per member (%% of a core) | publisher CPU | dup. fragments / member | wall (s) |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  int status = 0;
  for (int n : sizes) {
    const Row r = run(n, dir, input, seconds, in_tags);
    if (!r.ok) {
      std::printf("| %d | failed: %s |\n", n, r.error.c_str());
      status = 1;
      continue;
    }
    std::printf("| %d | %.2f | %.0f / %.0f / %.0f | %d/%d | %.0f / %.0f | %.2f%% | %.1f%% | %.0f | %.0f |\n", r.n,
                r.upload_ratio, r.join_p50, r.join_p95, r.join_max, r.complete, r.n, r.frames_mean,
                r.frames_expected_mean, r.cpu_member_pct, r.cpu_publisher_pct, double(r.duplicates) / r.n, r.wall);
    std::fflush(stdout);
  }
  fs::remove_all(dir);
  return status;
}
