// Server load (issue 14's evidence): one `rtmfp gateway` process feeding one
// ~2 Mbit/s stream to N RTMFP viewers, directly (rtmp-listen:// ingest ->
// rtmfp-listen:// with N players) and through a P2P group (rtmp-listen:// ->
// rtmfp-group:// with N `rtmfp join` members). The gateway is the real
// binary, measured from the outside: its CPU time (utime + stime of
// /proc/PID/stat, all threads) over a steady-state window, not wall time.
//
// Direct: ffmpeg -re -c copy publishes an ffmpeg-made FLV (H.264 CBR 2 Mbit/s
// + AAC) into the gateway's rtmp-listen:// source; N viewers (one process,
// one thread: bench/gateway_load/viewer_pool.hpp; each a real RTMFP session
// with its own identity and socket, flash profile by default) play
// rtmfp-listen://. Per N: the gateway's CPU over the window, the viewers'
// received UDP payload (the gateway's upload), and per viewer the frames it
// played of the stream's stretch that went out during the window, against
// the source FLV's frames of that stretch: a row counts only if every
// viewer got every frame. The stepping stops at the first N where a viewer
// fell behind, the gateway neared a core, or the load generator did.
//
// Group: a private `rtmfp rendezvous`, the gateway publishing into
// rtmfp-group://RV/NAME, N `rtmfp join` processes to FLV files; per N the
// gateway's CPU over the window and its media upload (the members' bytes
// from the publisher, their final JSON, / stream seconds),
// and the members holding every frame from their first keyframe on,
// byte-identical with the source.
//
// Its own main and table (not Google Benchmark; it ignores --benchmark_*).
// Environment: GATEWAY_LOAD_DIRECT ("10 50 100 200"), GATEWAY_LOAD_GROUP
// ("2 8"), GATEWAY_LOAD_WINDOW (seconds, 5), GATEWAY_LOAD_PROFILE (flash |
// modern), RTMFP_BIN (default: the built rtmfp), GATEWAY_LOAD_DEBUG (why a
// group member did not count). The gateway gets --max-clients N+8 (its
// default is 256 sessions). A direct row counts only if every viewer got every
// frame and the stream kept real time (pace >= 0.9).
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
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
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/gateway_load/viewer_pool.hpp"
#include "media/flv/flv_reader.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/flv_tags.hpp"
#include "tests/support/line_words.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using rtmfp::media::flv::Tag;
using rtmfp::media::flv::TagType;
using rtmfp::testing::ChildProcess;

namespace {

std::string cli() {
  const char* e = std::getenv("RTMFP_BIN");
  return e && *e ? e : RTMFP_CLI;
}

std::vector<int> env_list(const char* name, std::vector<int> dflt) {
  const char* e = std::getenv(name);
  if (!e) return dflt;
  std::vector<int> r;
  std::istringstream in(e);
  for (int v; in >> v;)
    if (v > 0) r.push_back(v);
  return r;
}

double env_num(const char* name, double dflt) {
  const char* e = std::getenv(name);
  return e && std::atof(e) > 0 ? std::atof(e) : dflt;
}

// utime + stime of a process (all its threads), seconds; stime alone in *sys.
double process_cpu_seconds(pid_t pid, double* sys = nullptr) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  const auto close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(s.substr(close + 2));
  std::vector<std::string> t;
  for (std::string w; in >> w;) t.push_back(w);
  if (t.size() < 13) return -1;  // fields 3.. : utime is field 14, stime 15
  const double hz = double(::sysconf(_SC_CLK_TCK));
  if (sys) *sys = double(std::stoull(t[12])) / hz;
  return double(std::stoull(t[11]) + std::stoull(t[12])) / hz;
}

int free_port(int type) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

bool wait_for_text(const std::string& path, const std::string& text, std::chrono::milliseconds bound) {
  const auto end = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < end) {
    std::ifstream f(path);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    if (s.find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::vector<Tag> av_tags(const fs::path& p) { return rtmfp::testing::read_av_tags(p); }
bool is_config(const Tag& t) { return rtmfp::testing::is_sequence_header(t); }

ChildProcess ffmpeg_publish(const fs::path& in, int port, double seconds) {
  std::vector<std::string> a = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-re"};
  if (seconds > 0) a.insert(a.end(), {"-t", std::to_string(seconds)});
  a.insert(a.end(), {"-i", in.string(), "-c", "copy", "-f", "flv",
                     "rtmp://127.0.0.1:" + std::to_string(port) + "/live/in"});
  auto p = ChildProcess::spawn(a);
  if (!p) {
    std::fprintf(stderr, "gateway_load_bench: cannot start ffmpeg\n");
    std::exit(1);
  }
  return std::move(*p);
}

struct DirectRow {
  int n = 0;
  std::string error;
  double gw_cpu = 0, gw_sys = 0, lg_cpu = 0, window = 0, upload_mbit = 0;
  int complete = 0, playing = 0;
  std::uint64_t worst = 0;  // fewest frames of the window a viewer got
  int lagging = 0;          // incomplete viewers still short of the window's end after the grace (else frames lost)
  double pace = 0;          // stream seconds that went out per second of the window (1 = real time)
  std::uint64_t expected = 0;
};

DirectRow run_direct(int n, const fs::path& input, const std::vector<Tag>& src, double window,
                     rtmfp::ProfileKind profile) {
  DirectRow row;
  row.n = n;
  const int in_port = free_port(SOCK_STREAM), out_port = free_port(SOCK_DGRAM);
  const std::string in_url = "rtmp-listen://127.0.0.1:" + std::to_string(in_port) + "/live/in";
  const std::string out_url = "rtmfp-listen://127.0.0.1:" + std::to_string(out_port) + "/live/s";
  auto gw = ChildProcess::spawn({cli(), "gateway", "--stats-interval", "0", "--max-clients", std::to_string(n + 8),
                                 "--route", in_url, out_url});
  if (!gw) return row.error = "gateway did not start", row;
  if (!wait_for_text(gw->stderr_path(), "listening rtmp://127.0.0.1:" + std::to_string(in_port), 10s))
    return row.error = "gateway: " + gw->stderr_text(), row;
  ChildProcess ff = ffmpeg_publish(input, in_port, 0);
  rtmfp::bench::ViewerPool::Options po;
  po.url = "rtmfp://127.0.0.1:" + std::to_string(out_port) + "/live/s";
  po.viewers = n;
  po.profile = profile;
  auto pool = rtmfp::bench::ViewerPool::start(po);
  if (!pool) return row.error = "viewers: " + pool.error().detail, row;
  // Every viewer playing and fed (or a bound).
  const auto bound = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    auto s = (*pool)->snapshot();
    int fed = 0;
    for (auto& v : s.viewers) fed += v.any_frame && !v.failed ? 1 : 0;
    row.playing = fed;
    if (fed == n || s.failed > 0 || std::chrono::steady_clock::now() > bound) break;
    std::this_thread::sleep_for(50ms);
  }
  if (row.playing < n) {
    auto s = (*pool)->snapshot();
    std::string why;
    for (auto& v : s.viewers)
      if (v.failed) {
        why = ": " + v.error;
        break;
      }
    row.error = std::to_string(row.playing) + "/" + std::to_string(n) + " viewers playing after 20 s" + why;
    gw->signal(SIGTERM);
    (void)gw->wait(5s);
    return row;
  }
  std::this_thread::sleep_for(1s);  // past the join primes: steady state
  auto s0 = (*pool)->snapshot();
  double k0 = 0, k1 = 0;
  const double c0 = process_cpu_seconds(gw->pid(), &k0);
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(window));
  auto s1 = (*pool)->snapshot();
  const double c1 = process_cpu_seconds(gw->pid(), &k1);
  row.window = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  row.gw_cpu = (c1 - c0) / row.window;
  row.gw_sys = (k1 - k0) / row.window;
  row.lg_cpu = (s1.cpu_seconds - s0.cpu_seconds) / row.window;
  std::uint64_t rx = 0;
  std::uint32_t edge0 = 0, edge1 = 0;
  for (std::size_t i = 0; i < s1.viewers.size(); ++i) {
    rx += s1.viewers[i].received_bytes - s0.viewers[i].received_bytes;
    edge0 = std::max(edge0, s0.viewers[i].last_ts);
    edge1 = std::max(edge1, s1.viewers[i].last_ts);
  }
  row.upload_mbit = double(rx) * 8 / 1e6 / row.window;
  row.pace = double(edge1 - edge0) / 1000 / row.window;
  // The stretch of the stream sent during the window: (edge0, edge1]. Give
  // late viewers 2 s to get it, then count.
  std::this_thread::sleep_for(2s);
  for (const auto& t : src)
    if (!is_config(t) && t.timestamp > edge0 && t.timestamp <= edge1) ++row.expected;
  row.worst = row.expected;
  const auto got = (*pool)->frames_in(edge0, edge1);
  const auto s2 = (*pool)->snapshot();
  for (std::size_t i = 0; i < got.size(); ++i) {
    row.complete += got[i] == row.expected ? 1 : 0;
    row.worst = std::min(row.worst, got[i]);
    if (got[i] != row.expected && s2.viewers[i].last_ts < edge1) ++row.lagging;
  }
  pool->reset();
  ff.signal(SIGTERM);
  (void)ff.wait(5s);
  gw->signal(SIGTERM);
  (void)gw->wait(10s);
  return row;
}

struct GroupRow {
  int n = 0;
  std::string error;
  double gw_cpu = 0, window = 0, upload_mbit = 0;
  int complete = 0;
};

// A member's frames against the source: a contiguous, byte-identical run of
// the source from a keyframe, reaching within 1 s of the stream's end (the
// last 5 frames, at ffmpeg's -t cut, counted but not compared).
bool member_complete(const std::vector<Tag>& in_all, const std::vector<Tag>& out_all, std::uint32_t end_ts) {
  std::vector<const Tag*> in, out;
  for (const auto& t : in_all)
    if (!is_config(t)) in.push_back(&t);
  for (const auto& t : out_all)
    if (!is_config(t)) out.push_back(&t);
  if (out.empty()) return false;
  // Aligned on the first video frame (testsrc's frames differ; the sine's
  // AAC frames repeat, so the first audio frame may match many places).
  std::size_t ov = 0;
  while (ov < out.size() && out[ov]->type != TagType::video) ++ov;
  if (ov == out.size()) return false;
  std::size_t start = in.size();
  for (std::size_t i = ov; i < in.size(); ++i)
    if (in[i]->type == TagType::video && in[i]->data == out[ov]->data) {
      start = i - ov;
      break;
    }
  if (start + out.size() > in.size()) {
    if (std::getenv("GATEWAY_LOAD_DEBUG")) std::fprintf(stderr, "no alignment: ov %zu start %zu\n", ov, start);
    return false;
  }
  for (const Tag* t : out)
    if (t->type == TagType::video) {
      if (t->data.empty() || (t->data[0] >> 4) != 1) return false;
      break;
    }
  // The last frames before ffmpeg's -t cut may come in another order than
  // in the file: the last 5 are counted, not compared.
  for (std::size_t i = 0; i + 5 < out.size(); ++i)
    if (out[i]->type != in[start + i]->type || out[i]->data != in[start + i]->data) {
      if (std::getenv("GATEWAY_LOAD_DEBUG"))
        std::fprintf(stderr, "differs at %zu of %zu (start %zu): ts %u / %u\n", i, out.size(), start,
                     out[i]->timestamp, in[start + i]->timestamp);
      return false;
    }
  return in[start + out.size() - 1]->timestamp + 1000 >= end_ts;
}

GroupRow run_group(int n, const fs::path& dir, const fs::path& input, const std::vector<Tag>& src, double window,
                   double stream_s) {
  GroupRow row;
  row.n = n;
  auto rv = ChildProcess::spawn({cli(), "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  if (!rv) return row.error = "rendezvous did not start", row;
  auto l = rv->read_line(10s);
  if (!l) return row.error = "rendezvous printed nothing", row;
  std::string rv_hp = rtmfp::testing::word(*l, 1);
  const std::string rv_uri = rv_hp;
  rv_hp = rv_hp.substr(rv_hp.find("://") + 3);
  const int in_port = free_port(SOCK_STREAM);
  const std::string in_url = "rtmp-listen://127.0.0.1:" + std::to_string(in_port) + "/live/in";
  const std::string group = "load" + std::to_string(n);
  auto gw = ChildProcess::spawn(
      {cli(), "gateway", "--json", "--stats-interval", "1", "--route", in_url, "rtmfp-group://" + rv_hp + "/" + group});
  if (!gw) return row.error = "gateway did not start", row;
  if (!wait_for_text(gw->stderr_path(), "listening rtmp://127.0.0.1:" + std::to_string(in_port), 10s))
    return row.error = "gateway: " + gw->stderr_text(), row;
  // The route's group endpoint publishes (announces the group) before any
  // RTMP publisher arrives; members join it, then ffmpeg starts.
  if (!wait_for_text(gw->stderr_path(), "group: publishing", 15s)) return row.error = "no group: publishing", row;
  std::vector<ChildProcess> members;
  for (int i = 0; i < n; ++i) {
    auto j = ChildProcess::spawn({cli(), "join", "--rendezvous", rv_uri, "--group", group, "--to",
                                  (dir / ("m" + std::to_string(i) + ".flv")).string(), "--idle-end", "3000",
                                  "--connect-timeout", "30000", "--stats-interval", "0"});
    if (!j) return row.error = "member did not start", row;
    members.push_back(std::move(*j));
  }
  ChildProcess ff = ffmpeg_publish(input, in_port, stream_s);
  // Members join about 2 s in; the window is the stream's steady middle.
  const double lead = std::max(3.0, std::min(4.0, stream_s - window - 1));
  std::this_thread::sleep_for(std::chrono::duration<double>(lead));
  const double c0 = process_cpu_seconds(gw->pid());
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(window));
  const double c1 = process_cpu_seconds(gw->pid());
  row.window = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  row.gw_cpu = (c1 - c0) / row.window;
  (void)ff.wait(std::chrono::milliseconds(long(stream_s * 1000) + 20000));
  // The gateway's upload into the group: what the members received from
  // the publisher (each member's final JSON, bytesReceivedFromServer).
  double from_publisher = 0;
  for (auto& m : members) {
    (void)m.wait(30s);
    if (auto jl = m.read_line(2s)) {
      auto j = nlohmann::json::parse(*jl, nullptr, false);
      if (!j.is_discarded() && j.contains("bytesReceivedFromServer"))
        from_publisher += j["bytesReceivedFromServer"].get<double>();
    }
  }
  row.upload_mbit = from_publisher * 8 / 1e6 / stream_s;
  std::vector<std::vector<Tag>> outs;
  std::uint32_t end_ts = 0;
  for (int i = 0; i < n; ++i) {
    outs.push_back(av_tags(dir / ("m" + std::to_string(i) + ".flv")));
    if (!outs.back().empty()) end_ts = std::max(end_ts, outs.back().back().timestamp);
    fs::remove(dir / ("m" + std::to_string(i) + ".flv"));
  }
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const bool ok = member_complete(src, outs[i], end_ts);
    row.complete += ok ? 1 : 0;
    if (!ok && std::getenv("GATEWAY_LOAD_DEBUG"))
      std::fprintf(stderr, "member %zu: %zu frames, end %u: %s\n", i, outs[i].size(), end_ts,
                   members[i].stderr_text().c_str());
  }
  gw->signal(SIGTERM);
  (void)gw->wait(10s);
  rv->signal(SIGTERM);
  (void)rv->wait(10s);
  return row;
}

}  // namespace

int main() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &rl);
  }
  ::signal(SIGPIPE, SIG_IGN);
  const auto direct = env_list("GATEWAY_LOAD_DIRECT", {10, 50, 100, 200});
  const auto groups = env_list("GATEWAY_LOAD_GROUP", {2, 8});
  const double window = env_num("GATEWAY_LOAD_WINDOW", 5);
  const char* pe = std::getenv("GATEWAY_LOAD_PROFILE");
  const auto profile =
      pe && std::string(pe) == "modern" ? rtmfp::ProfileKind::modern : rtmfp::ProfileKind::flash;
  if (!fs::exists(cli())) {
    std::fprintf(stderr, "gateway_load_bench: %s not found (build the rtmfp target or set RTMFP_BIN)\n", cli().c_str());
    return 1;
  }
  char tmpl[] = "/tmp/gateway_load_bench_XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  const fs::path dir = tmpl;
  const fs::path input = dir / "in.flv";
  const int seconds = int(window) + 25;  // connects + 1 s settle + window + 2 s, with room
  auto ff = rtmfp::testing::run_command(
      {"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f",
       "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", std::to_string(seconds), "-c:v", "libx264",
       "-preset", "ultrafast", "-g", "25", "-b:v", "2M", "-maxrate", "2M", "-bufsize", "2M", "-x264-params",
       "nal-hrd=cbr", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", input.string()},
      180s);
  if (ff.exit_code != 0) {
    std::fprintf(stderr, "gateway_load_bench: ffmpeg could not make the FLV: %s\n", ff.err.c_str());
    fs::remove_all(dir);
    return 1;
  }
  const auto src = av_tags(input);
  const double mbit = double(fs::file_size(input)) * 8 / 1e6 / seconds;
  std::printf("Gateway server load: one `rtmfp gateway` process, ffmpeg -re -c copy publishing a %.2f Mbit/s FLV "
              "(H.264 640x360 25 fps CBR + AAC) into rtmp-listen://; loopback; %ld cores.\n"
              "Gateway CPU = utime+stime of the gateway process (/proc/PID/stat, all threads) over a %.0f s "
              "steady-state window. The viewers (one load-generator thread in this process) and ffmpeg run on "
              "the same cores as the gateway. Stream pace: stream seconds the viewers received per second of the "
              "window (1.00 = real time).\n",
              mbit, ::sysconf(_SC_NPROCESSORS_ONLN), window);
  int status = 0;
  // ---------------------------------------------------------------- direct
  std::printf("\nDirect: rtmp-listen:// -> rtmfp-listen://, N RTMFP viewers (%s profile, own identity and socket "
              "each)\n\n",
              profile == rtmfp::ProfileKind::flash ? "flash" : "modern");
  std::printf("| N | gateway CPU (%% of a core) | of which kernel | CPU µs per viewer per s | gateway upload Mbit/s | "
              "stream pace | viewers with every frame of the window | load generator CPU |\n"
              "|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  DirectRow best;
  DirectRow first;
  std::string stop_reason;
  for (int n : direct) {
    const DirectRow r = run_direct(n, input, src, window, profile);
    if (!r.error.empty()) {
      std::printf("| %d | failed: %s |\n", n, r.error.c_str());
      stop_reason = "stopped at N=" + std::to_string(n) + ": " + r.error;
      status = 1;
      break;
    }
    std::string got = std::to_string(r.complete) + "/" + std::to_string(r.n) + " (" + std::to_string(r.expected) +
                      " frames each";
    if (r.complete != r.n)
      got += "; the worst got " + std::to_string(r.worst) + "; of the " + std::to_string(r.n - r.complete) +
             " short: " + std::to_string(r.lagging) + " still behind the window's end, " +
             std::to_string(r.n - r.complete - r.lagging) + " past it with frames missing";
    std::printf("| %d | %.1f%% | %.1f%% | %.0f | %.1f | %.2f | %s) | %.1f%% |\n", r.n, 100 * r.gw_cpu,
                100 * r.gw_sys, 1e6 * r.gw_cpu / r.n, r.upload_mbit, r.pace, got.c_str(), 100 * r.lg_cpu);
    std::fflush(stdout);
    if (r.complete != r.n || r.expected == 0) {
      stop_reason = "stopped at N=" + std::to_string(n) + ": " + std::to_string(r.n - r.complete) +
                    " viewers missed frames of the window (this row does not count)";
      break;
    }
    if (r.pace < 0.9) {
      stop_reason = "stopped at N=" + std::to_string(n) + ": the stream went out at " + std::to_string(r.pace) +
                    "x real time (the gateway, ffmpeg or the machine fell behind; this row does not count)";
      break;
    }
    if (first.n == 0) first = r;
    best = r;
    if (r.gw_cpu > 0.85) {
      stop_reason = "stopped at N=" + std::to_string(n) + ": the gateway is near a core";
      break;
    }
    if (r.lg_cpu > 0.85) {
      stop_reason = "stopped at N=" + std::to_string(n) + ": the load generator is near a core";
      break;
    }
  }
  if (!stop_reason.empty()) std::printf("\n%s\n", stop_reason.c_str());
  if (best.n > 0) {
    std::printf("\ndirect: about %.0f viewers per core (extrapolated from CPU per viewer at N=%d, measured: %.1f%% of a "
                "core for %d viewers)",
                best.n / best.gw_cpu, best.n, 100 * best.gw_cpu, best.n);
    if (first.n > 0 && best.n > first.n && best.gw_cpu > first.gw_cpu) {
      const double slope = (best.gw_cpu - first.gw_cpu) / (best.n - first.n);
      const double base = first.gw_cpu - slope * first.n;
      std::printf("; marginal: %.0f µs per viewer per s between N=%d and N=%d, fixed %.1f%% -> about %.0f per core",
                  1e6 * slope, first.n, best.n, 100 * base, (1 - base) / slope);
    }
    std::printf("\n");
  }
  // ----------------------------------------------------------------- group
  if (!groups.empty()) {
    const double stream_s = window + 7;
    std::printf("\nGroup: rtmp-listen:// -> rtmfp-group://RV/NAME, N `rtmfp join` members (separate processes), "
                "%.0f s of the stream\n\n| N | gateway CPU (%% of a core) | CPU µs per member per s | gateway upload "
                "media Mbit/s (members' bytes from the publisher / stream time) | upload / stream | members with every "
                "frame from their first keyframe |\n"
                "|---|---|---|---|---|---|\n",
                stream_s);
    std::fflush(stdout);
    for (int n : groups) {
      const GroupRow r = run_group(n, dir, input, src, window, stream_s);
      if (!r.error.empty()) {
        std::printf("| %d | failed: %s |\n", n, r.error.c_str());
        status = 1;
        continue;
      }
      std::printf("| %d | %.1f%% | %.0f | %.2f | %.2f | %d/%d |\n", r.n, 100 * r.gw_cpu, 1e6 * r.gw_cpu / r.n,
                  r.upload_mbit, r.upload_mbit / mbit, r.complete, r.n);
      std::fflush(stdout);
    }
  }
  fs::remove_all(dir);
  return status;
}
