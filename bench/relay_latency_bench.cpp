// Latency the relay adds, ingest to egress, on loopback (a plain program, run
// by `make bench`; it ignores Google Benchmark flags). A publisher sends
// timestamped 1 KiB video messages at a steady rate; a player that subscribed
// first receives them; per message wall-clock latency = receive - send.
//  * direct: publisher → built-in server (rtmp-listen) → player, one hop;
//  * relay:  publisher → rtmp-listen:// → run_relay → rtmp-listen:// → player.
// The two paths run at the same time with interleaved sends (paired figures).
// "added by the relay" = relay - direct at p50 and p95. Prints p50, p95,
// p99, max per path. Exit status 1 if a message is lost or the run fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <thread>
#include <vector>

#include "media/io/relay.hpp"
#include "media/io/rtmp_client_conn.hpp"
#include "media/io/rtmp_listen_server.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr int kWarmup = 50;     // not counted
constexpr int kMessages = 1000;  // counted
constexpr auto kInterval = std::chrono::microseconds(2500);  // 400 messages/s
constexpr std::size_t kPayload = 1024;

struct Stats {
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
  int received = 0;
  bool ok = false;
  std::string error;
};

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

// One measured path: a player that subscribed first, a publisher, and the
// send / receive time of every message (by the sequence number in its payload).
class Path {
 public:
  static constexpr int total = kWarmup + kMessages;
  Path(std::uint16_t pub_port, std::uint16_t play_port, const std::string& in, const std::string& out)
      : sent_(total), got_(total), seen_(total, 0), player_(client(play_port, out, false)), pub_(client(pub_port, in, true)) {
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
    if (receiver_.valid()) receiver_.wait();
    player_->close();
    st.error = error_;
    std::vector<double> lat;
    for (int i = kWarmup; i < total; ++i)
      if (seen_[i]) lat.push_back(std::chrono::duration<double, std::micro>(got_[i] - sent_[i]).count());
    st.received = static_cast<int>(lat.size());
    if (lat.empty()) return st;
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) { return lat[std::min(lat.size() - 1, static_cast<std::size_t>(p * lat.size()))]; };
    st.p50 = pct(0.50);
    st.p95 = pct(0.95);
    st.p99 = pct(0.99);
    st.max = lat.back();
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

void print(const char* name, const Stats& s) {
  std::printf("%-56s %9.1f %9.1f %9.1f %9.1f %6d/%d%s%s\n", name, s.p50, s.p95, s.p99, s.max, s.received, kMessages,
              s.error.empty() ? "" : "  ", s.error.c_str());
}

}  // namespace

int main() {
  std::printf("relay latency on loopback: %d x %zu-byte video messages at %.0f/s after %d warm-up (microseconds)\n",
              kMessages, kPayload, 1e6 / std::chrono::duration<double, std::micro>(kInterval).count(), kWarmup);
  std::printf("%-56s %9s %9s %9s %9s %9s\n", "path", "p50", "p95", "p99", "max", "received");

  // direct: one built-in server, publisher and player on the same key.
  io::RtmpListenServer::Options so;
  so.port = 0;
  auto server = io::RtmpListenServer::start(so);
  if (!server) {
    std::fprintf(stderr, "cannot start the server: %s\n", server.error().detail.c_str());
    return 1;
  }
  // relay: rtmp-listen:// source → run_relay → rtmp-listen:// destination.
  const std::uint16_t in_port = free_port(), out_port = free_port();
  io::RelayOptions o;
  o.from = "rtmp-listen://127.0.0.1:" + std::to_string(in_port) + "/live/in";
  o.to = "rtmp-listen://127.0.0.1:" + std::to_string(out_port) + "/live/out";
  o.log_clients = false;
  o.io_timeout = milliseconds(5000);
  o.stats_interval = std::chrono::seconds(3600);
  auto relay = std::async(std::launch::async, [o] { return io::run_relay(o); });
  for (int i = 0; i < 100; ++i) {  // wait for both listeners
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    asio::error_code e1, e2;
    s.connect({asio::ip::make_address("127.0.0.1"), in_port}, e1);
    s.close();
    s.connect({asio::ip::make_address("127.0.0.1"), out_port}, e2);
    if (!e1 && !e2) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  // Both paths run at once, their sends interleaved half an interval apart,
  // so they see the same machine load (the figures are paired).
  Path direct_path((*server)->port(), (*server)->port(), "d", "d");
  Path relay_path(in_port, out_port, "in", "out");
  const auto start = clock_type::now();
  for (int i = 0; i < Path::total && direct_path.ready() && relay_path.ready(); ++i) {
    std::this_thread::sleep_until(start + i * kInterval);
    direct_path.send(i);
    std::this_thread::sleep_until(start + i * kInterval + kInterval / 2);
    relay_path.send(i);
  }
  const Stats direct = direct_path.finish();
  const Stats relayed = relay_path.finish();
  const bool relay_done = relay.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  server->reset();
  print("direct: publisher -> server -> player", direct);
  print("relay: publisher -> listen -> relay -> listen -> player", relayed);
  if (direct.ok && relayed.ok)  // tails are scheduler noise on a shared machine: p50/p95 only
    std::printf("%-56s %9.1f %9.1f\n", "added by the relay (relay - direct)", relayed.p50 - direct.p50,
                relayed.p95 - direct.p95);
  if (!relay_done) {
    std::fprintf(stderr, "relay did not finish\n");
    std::_Exit(1);  // a stuck relay thread: do not wait for it
  }
  return direct.ok && relayed.ok && relay.get() == 0 ? 0 : 1;
}
