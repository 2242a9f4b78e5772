// `rtmfp node --turn` against a real TURN server (Debian's coturn, a
// private process on free loopback ports): the node allocates a relayed
// address (long-term credentials), prints it after its first line, and its
// Endpoint answers through the relay transparently: `rtmfp probe` and
// `rtmfp perf` address the node at the relayed address only (coturn's
// relay port), so every datagram of their sessions crosses coturn both
// ways (the node permits the probe's IP with --turn-permit, RFC 8656 §9).
#include <signal.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/child_process.hpp"
#include "tests/support/private_coturn.hpp"
#include "tests/support/line_words.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;

TEST(TurnNode, AProbeAndAPerfReachTheNodeThroughItsCoturnRelay) {
  if (PrivateCoturn::binary().empty()) GTEST_SKIP() << "turnserver not installed (Debian package coturn)";
  auto coturn = PrivateCoturn::start();
  ASSERT_TRUE(coturn);
  auto rv = ChildProcess::spawn({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(rv);
  auto rv_line = rv->read_line(10000ms);
  ASSERT_TRUE(rv_line);
  const std::string rv_uri = word(*rv_line, 1);
  const std::string turn_uri = "turn://" + coturn->config().user + ":" + coturn->config().password +
                               "@127.0.0.1:" + std::to_string(coturn->port());
  auto node = ChildProcess::spawn({RTMFP_CLI, "node", "--rendezvous", rv_uri, "--listen", "127.0.0.1:0", "--turn",
                                   turn_uri, "--turn-permit", "127.0.0.1"});
  ASSERT_TRUE(node);
  auto first = node->read_line(10000ms);
  ASSERT_TRUE(first) << node->stderr_text();
  ASSERT_EQ(first->rfind("node peer-id ", 0), 0u) << *first;
  const std::string id = word(*first, 2);
  const std::string direct = word(*first, 6);
  // turn relayed ADDR mapped ADDR lifetime Ns via turn://USER@HOST:PORT
  std::string relayed;
  for (int i = 0; i < 10 && relayed.empty(); ++i) {
    auto l = node->read_line(10000ms);
    ASSERT_TRUE(l) << node->stderr_text() << coturn->log();
    ASSERT_NE(l->rfind("turn failed", 0), 0u) << *l << coturn->log();
    if (l->rfind("turn relayed ", 0) == 0) {
      relayed = word(*l, 2);
      EXPECT_EQ(word(*l, 3), "mapped");
      EXPECT_EQ(word(*l, 8), "turn://" + coturn->config().user + "@127.0.0.1:" + std::to_string(coturn->port()));
      EXPECT_EQ(l->find(coturn->config().password), std::string::npos) << "the password must not be printed";
    }
  }
  ASSERT_EQ(relayed, "127.0.0.1:" + std::to_string(coturn->relay_port()));
  ASSERT_NE(relayed, direct);

  auto res = run_command({RTMFP_CLI, "probe", "rtmfp://" + relayed, "--peer-id", id, "--count", "5", "--timeout",
                          "10", "--json"},
                         30000ms);
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err << coturn->log();
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["peer_id"], id);
  EXPECT_EQ(j["address"], relayed);
  EXPECT_EQ(j["rtt_ms"].size(), 5u);
  std::printf("probe through coturn: handshake %.2f ms, rtt %s ms\n", j["handshake_ms"].get<double>(),
              j["rtt_ms"].dump().c_str());

  auto perf = run_command({RTMFP_CLI, "perf", "rtmfp://" + relayed, "--peer-id", id, "--seconds", "2", "--timeout",
                           "10", "--json"},
                          30000ms);
  ASSERT_EQ(perf.exit_code, 0) << perf.out << perf.err;
  auto pj = nlohmann::json::parse(perf.out);
  EXPECT_GT(pj["bytes"].get<double>(), 0.0);
  std::printf("perf bulk through coturn: %.1f Mbit/s\n", pj["goodput_bps"].get<double>() / 1e6);

  node->signal(SIGTERM);
  bool stopped = false;
  for (int i = 0; i < 20 && !stopped; ++i) {
    auto l = node->read_line(10000ms);
    if (!l) break;
    stopped = *l == "stopped";
  }
  EXPECT_TRUE(stopped) << node->stderr_text();
  EXPECT_EQ(node->wait(5000ms), 0);
  rv->signal(SIGTERM);
  EXPECT_TRUE(rv->wait(10000ms));
}

}  // namespace
}  // namespace rtmfp::testing
