// Latency the gateway adds, RTMP ingest to RTMP egress on loopback (a plain
// program, run by `make bench`; it ignores Google Benchmark flags).
// A media::io::Gateway (what `rtmfp gateway` runs) holds kRoutes routes
//   rtmp-listen://127.0.0.1:P/live/camN -> rtmp-listen://127.0.0.1:P/live/camN_out
// all on one shared port P. Per route a publisher sends timestamped 1 KiB
// video messages at a steady rate and a player that subscribed first
// receives them; latency = receive wall time - send wall time, per message.
// A direct path (publisher -> built-in server -> player, one hop) runs at
// the same time as the baseline. Prints p50, p95, p99 and max per path and
// over all routes, and whether p95 <= 100 ms (the target). Exit
// status 1 if a message is lost or the run fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <thread>
#include <vector>

#include "media/io/gateway.hpp"
#include "media/io/rtmp_client_conn.hpp"
#include "media/io/rtmp_listen_server.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr int kRoutes = 3;
constexpr int kWarmup = 50;      // not counted
constexpr int kMessages = 1000;  // counted, per path
constexpr auto kInterval = std::chrono::microseconds(2500);  // 400 messages/s per path
constexpr std::size_t kPayload = 1024;

struct Stats {
  std::vector<double> lat;  // microseconds, sorted
  int received = 0;
  bool ok = false;
  std::string error;
};

double pct(const std::vector<double>& v, double p) {
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::unique_ptr<io::RtmpClientConn> client(std::uint16_t port, const std::string& stream, bool publish) {
  rtmp::ClientOptions o;
  o.url = *rtmp::parse_rtmp_url("rtmp://127.0.0.1:" + std::to_string(port) + "/live/" + stream);
  o.publish = publish;
  return std::make_unique<io::RtmpClientConn>(o, io::TlsOptions{}, milliseconds(3000), milliseconds(5000));
}

// One measured path: a player subscribed first, a publisher, and the send /
// receive time of every message (by the sequence number in its payload).
class Path {
 public:
  static constexpr int total = kWarmup + kMessages;
  Path(std::uint16_t port, const std::string& in, const std::string& out)
      : sent_(total), got_(total), seen_(total, 0), player_(client(port, out, false)), pub_(client(port, in, true)) {
    if (auto r = player_->open(); !r) {
      error_ = "player: " + r.error().detail;
      return;
    }
    receiver_ = std::async(std::launch::async, [this] { receive(); });
    if (auto r = pub_->open(); !r) error_ = "publisher: " + r.error().detail;
  }
  bool ready() const { return error_.empty(); }
  void send(int i) {
    if (!error_.empty()) return;
    rtmp::Message m;
    m.type = rtmp::msg_type::video;
    m.timestamp = static_cast<std::uint32_t>(i * 5 / 2);
    m.payload.assign(kPayload, 0x42);
    m.payload[0] = 0x17;  // AVC keyframe, NALU: every message starts a GOP
    m.payload[1] = 0x01;
    const auto seq = static_cast<std::uint32_t>(i);
    std::memcpy(m.payload.data() + 2, &seq, 4);
    sent_[i] = clock_type::now();
    if (auto r = pub_->send(m); !r) error_ = "publish: " + r.error().detail;
  }
  Stats finish() {
    Stats st;
    if (receiver_.valid() && receiver_.wait_for(std::chrono::seconds(5)) != std::future_status::ready && error_.empty())
      error_ = "player did not get everything";
    pub_->close();
    player_->close();
    if (receiver_.valid()) receiver_.wait();
    st.error = error_;
    for (int i = kWarmup; i < total; ++i)
      if (seen_[i]) st.lat.push_back(std::chrono::duration<double, std::micro>(got_[i] - sent_[i]).count());
    std::sort(st.lat.begin(), st.lat.end());
    st.received = static_cast<int>(st.lat.size());
    st.ok = st.error.empty() && st.received == kMessages;
    return st;
  }

 private:
  void receive() {
    for (int n = 0; n < total;) {
      auto m = player_->next();
      if (!m || !*m) return;
      const auto now = clock_type::now();
      if ((*m)->type != rtmp::msg_type::video || (*m)->payload.size() < 6) continue;
      std::uint32_t seq;
      std::memcpy(&seq, (*m)->payload.data() + 2, 4);
      if (seq < static_cast<std::uint32_t>(total) && !seen_[seq]) {
        seen_[seq] = 1;
        got_[seq] = now;
        ++n;
      }
    }
  }
  std::vector<clock_type::time_point> sent_, got_;
  std::vector<char> seen_;
  std::unique_ptr<io::RtmpClientConn> player_, pub_;
  std::future<void> receiver_;
  std::string error_;
};

void print(const std::string& name, const std::vector<double>& lat, int received, int expected, const std::string& err) {
  std::printf("%-58s %9.1f %9.1f %9.1f %9.1f %6d/%d%s%s\n", name.c_str(), pct(lat, 0.50), pct(lat, 0.95), pct(lat, 0.99),
              lat.empty() ? 0.0 : lat.back(), received, expected, err.empty() ? "" : "  ", err.c_str());
}

bool port_open(std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  asio::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // the figures before the gateway's stderr lines
  std::printf("gateway latency on loopback: %d routes on one rtmp-listen port, %d x %zu-byte video messages per route "
              "at %.0f/s after %d warm-up (microseconds)\n",
              kRoutes, kMessages, kPayload, 1e6 / std::chrono::duration<double, std::micro>(kInterval).count(), kWarmup);
  std::printf("%-58s %9s %9s %9s %9s %9s\n", "path", "p50", "p95", "p99", "max", "received");

  io::RtmpListenServer::Options so;
  so.port = 0;
  auto server = io::RtmpListenServer::start(so);
  if (!server) {
    std::fprintf(stderr, "cannot start the server: %s\n", server.error().detail.c_str());
    return 1;
  }
  const std::uint16_t port = free_port();
  io::RelayOptions base;
  base.log_clients = false;
  base.io_timeout = milliseconds(5000);
  base.stats_interval = milliseconds(0);
  io::Gateway gw(base);
  std::vector<io::RouteSpec> routes;
  for (int r = 1; r <= kRoutes; ++r) {
    const std::string key = "cam" + std::to_string(r);
    const std::string at = "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/";
    routes.push_back({at + key, at + key + "_out", "bench"});
  }
  gw.apply(routes);
  for (int i = 0; i < 250 && !port_open(port); ++i) std::this_thread::sleep_for(milliseconds(20));

  Path direct((*server)->port(), "d", "d");
  std::vector<std::unique_ptr<Path>> paths;
  for (int r = 1; r <= kRoutes; ++r)
    paths.push_back(std::make_unique<Path>(port, "cam" + std::to_string(r), "cam" + std::to_string(r) + "_out"));
  // All paths send in the same tick, spread over it, so they see the same load.
  const auto start = clock_type::now();
  const auto step = kInterval / (kRoutes + 1);
  auto all_ready = [&] {
    bool ok = direct.ready();
    for (auto& p : paths) ok = ok && p->ready();
    return ok;
  };
  for (int i = 0; i < Path::total && all_ready(); ++i) {
    std::this_thread::sleep_until(start + i * kInterval);
    direct.send(i);
    for (int r = 0; r < kRoutes; ++r) {
      std::this_thread::sleep_until(start + i * kInterval + (r + 1) * step);
      paths[r]->send(i);
    }
  }
  const Stats d = direct.finish();
  std::vector<Stats> via;
  for (auto& p : paths) via.push_back(p->finish());
  gw.stop();
  server->reset();

  print("direct: publisher -> server -> player", d.lat, d.received, kMessages, d.error);
  std::vector<double> all;
  bool ok = d.ok;
  int received = 0;
  for (int r = 0; r < kRoutes; ++r) {
    print("gateway route cam" + std::to_string(r + 1) + ": publisher -> listen -> route -> listen -> player",
          via[r].lat, via[r].received, kMessages, via[r].error);
    all.insert(all.end(), via[r].lat.begin(), via[r].lat.end());
    received += via[r].received;
    ok = ok && via[r].ok;
  }
  std::sort(all.begin(), all.end());
  print("gateway, all routes", all, received, kRoutes * kMessages, "");
  if (ok)
    std::printf("%-58s %9.1f %9.1f\n", "added by the gateway (all routes - direct)", pct(all, 0.5) - pct(d.lat, 0.5),
                pct(all, 0.95) - pct(d.lat, 0.95));
  const double p95_ms = pct(all, 0.95) / 1000;
  std::printf("gateway p95 %.3f ms: target p95 <= 100 ms %s\n", p95_ms, p95_ms <= 100 ? "met" : "NOT met");
  return ok ? 0 : 1;
}
