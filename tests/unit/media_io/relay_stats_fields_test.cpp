// The relay's --json stats line: "skipped" and "players" are always numbers
// (they were null: the destination's figures were never wired to the line),
// and a listen destination's players are counted. Decided by the stats lines
// themselves (on_stats) and the server's answers, not by time.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

#include "media/io/relay.hpp"
#include "media/io/relay_stats.hpp"
#include "media/io/rtmp_client_conn.hpp"
#include "media/rtmp/url.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace std::chrono_literals;

namespace {

TEST(RelayStatsFields, SkippedAndPlayersAreNumbersWithoutAProbe) {
  io::RelayStats s(0ms, true);
  const std::string j = io::RelayStats::format(s.snapshot(std::chrono::steady_clock::now(), false), true);
  EXPECT_NE(j.find("\"skipped\":0,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"players\":0,"), std::string::npos) << j;
}

TEST(RelayStatsFields, SkippedAndPlayersComeFromTheProbe) {
  io::RelayStats s(0ms, true);
  io::RelayStats::Probe p;
  p.skipped = [] { return std::uint64_t(7); };
  p.players = [] { return std::uint64_t(3); };
  s.set_probe(p);
  const std::string j = io::RelayStats::format(s.snapshot(std::chrono::steady_clock::now(), false), true);
  EXPECT_NE(j.find("\"skipped\":7,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"players\":3,"), std::string::npos) << j;
  const std::string t = io::RelayStats::format(s.snapshot(std::chrono::steady_clock::now(), false), false);
  EXPECT_NE(t.find("7 skipped"), std::string::npos) << t;
  EXPECT_NE(t.find("3 players"), std::string::npos) << t;
}

// Collects the relay's stats lines; waits for one containing a text.
struct Lines {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> lines;
  void add(const std::string& l) {
    {
      std::lock_guard lk(mu);
      lines.push_back(l);
    }
    cv.notify_all();
  }
  bool wait_for(const std::string& text, std::size_t from, std::chrono::milliseconds bound = 30s) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, bound, [&] {
      for (std::size_t i = from; i < lines.size(); ++i)
        if (lines[i].find(text) != std::string::npos) return true;
      return false;
    });
  }
  std::size_t count() {
    std::lock_guard lk(mu);
    return lines.size();
  }
  std::string all() {
    std::lock_guard lk(mu);
    std::string r;
    for (auto& l : lines) r += l + "\n";
    return r;
  }
};

struct StopOnExit {
  io::RelayControl& c;
  ~StopOnExit() { c.request_stop(); }
};

TEST(RelayStatsFields, TheJsonLineCountsTheListenDestinationsPlayers) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::uint16_t> out_port;
  Lines lines;
  io::RelayOptions o;
  o.from = "rtmp-listen://127.0.0.1:0/live/in";  // nobody publishes: the relay waits (until stopped)
  o.to = "rtmp-listen://127.0.0.1:0/live/out";
  o.log_clients = false;
  o.json = true;
  o.stats_interval = 50ms;
  o.on_listening = [&](const std::string& w) {
    if (w.find("/live/out") == std::string::npos) return;
    const auto colon = w.rfind(':');
    std::lock_guard lk(mu);
    out_port = static_cast<std::uint16_t>(std::stoi(w.substr(colon + 1)));
    cv.notify_all();
  };
  o.on_stats = [&](const std::string& l) { lines.add(l); };
  io::RelayControl control;
  auto relay = std::async(std::launch::async, [&o, &control] { return io::run_relay(o, &control); });
  StopOnExit guard{control};
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, 30s, [&] { return out_port.has_value(); }));
  }
  ASSERT_TRUE(lines.wait_for("\"players\":0,", 0)) << lines.all();
  EXPECT_NE(lines.all().find("\"skipped\":0,"), std::string::npos) << lines.all();
  rtmp::ClientOptions co;
  co.url = *rtmp::parse_rtmp_url("rtmp://127.0.0.1:" + std::to_string(*out_port) + "/live/out");
  co.publish = false;
  io::RtmpClientConn player(co, io::TlsOptions{}, 10000ms, 30000ms);
  ASSERT_TRUE(player.open()) << "Play.Start from the relay's rtmp-listen:// destination";
  const std::size_t after = lines.count();
  ASSERT_TRUE(lines.wait_for("\"players\":1,", after)) << lines.all();
  for (const char* null_field : {"\"skipped\":null", "\"players\":null"})
    EXPECT_EQ(lines.all().find(null_field), std::string::npos) << lines.all();
  control.request_stop();
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(relay.get(), io::relay_ok);
}

}  // namespace
