// Several rendezvous instances sharing one peer directory in Redis (issue 12
// §4), with the real programs on loopback: a private redis-server on a free
// port, two `rtmfp rendezvous --directory redis://...` and a node given both.
// The node registers at A; a probe that asks B for it gets a Redirect to A
// (RFC 7016 §3.5.1.4), which introduces. A is killed (no goodbye): the node
// notices by its liveness pings and re-registers at B within the keepalive
// period (10 s), and the probe through B reaches it again. Decided by the
// programs' own lines, each wait bounded.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/child_process.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/line_words.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;

// The next line starting with `prefix`, skipping others; nullopt past the
// deadline or at EOF.
std::optional<std::string> line_starting(ChildProcess& p, const std::string& prefix, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    auto l = p.read_line(left);
    if (!l) return std::nullopt;
    if (l->rfind(prefix, 0) == 0) return l;
  }
}

// A private redis-server: loopback only, no persistence; killed with the test.
std::optional<ChildProcess> start_redis(int port) {
  auto p = ChildProcess::spawn({"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice"});
  if (!p) return std::nullopt;
  // Redis logs to stdout; its readiness line (7.x: "Ready to accept connections tcp").
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto l = p->read_line(10000ms);
    if (!l) return std::nullopt;
    if (l->find("Ready to accept connections") != std::string::npos) return p;
  }
  return std::nullopt;
}

bool have_redis_server() { return std::system("command -v redis-server >/dev/null 2>&1") == 0; }

std::optional<std::string> probe(const std::string& uri, const std::string& id) {
  auto res = run_command({RTMFP_CLI, "probe", uri + "/peer/" + id, "--count", "1", "--timeout", "5", "--json"},
                         15000ms);
  if (res.exit_code != 0) {
    ADD_FAILURE() << "probe through " << uri << " failed: " << res.out << res.err;
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["peer_id"], id);
  return j["peer_address"].get<std::string>();
}

TEST(DirectoryRedis, APeerRegisteredAtOneInstanceIsReachedThroughAnotherAndFailsOverWhenItDies) {
  if (!have_redis_server()) {
    if (std::getenv("CI")) FAIL() << "redis-server missing (scripts/install-deps.sh test)";
    GTEST_SKIP() << "redis-server not installed (scripts/install-deps.sh test)";
  }
  const int redis_port = free_tcp_port();
  ASSERT_NE(redis_port, 0);
  auto redis = start_redis(redis_port);
  ASSERT_TRUE(redis) << "redis-server did not start on port " << redis_port;
  const std::string directory = "redis://127.0.0.1:" + std::to_string(redis_port);

  auto start_rv = [&]() -> std::optional<std::pair<ChildProcess, std::string>> {
    auto p = ChildProcess::spawn({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--directory", directory,
                                  "--stats-interval", "0"});
    if (!p) return std::nullopt;
    auto l = p->read_line(10000ms);
    if (!l || l->rfind("listening rtmfp://", 0) != 0) {
      ADD_FAILURE() << "rendezvous: " << (l ? *l : "no line") << " " << p->stderr_text();
      return std::nullopt;
    }
    auto d = p->read_line(5000ms);
    EXPECT_TRUE(d && *d == "directory " + directory) << (d ? *d : "no directory line");
    return std::make_pair(std::move(*p), word(*l, 1));
  };
  auto a = start_rv();
  ASSERT_TRUE(a);
  auto b = start_rv();
  ASSERT_TRUE(b);
  const std::string a_uri = a->second, b_uri = b->second;

  auto node = ChildProcess::spawn(
      {RTMFP_CLI, "node", "--rendezvous", a_uri, "--rendezvous", b_uri, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(node);
  auto first = line_starting(*node, "node peer-id ", 10000ms);
  ASSERT_TRUE(first) << node->stderr_text();
  ASSERT_EQ(word(*first, 4), a_uri) << *first;
  const std::string id = word(*first, 2);
  const std::string reflexive = word(*first, 6);

  // Through B: a Redirect to A, whose introduction reaches the node.
  auto reached = probe(b_uri, id);
  ASSERT_TRUE(reached);
  EXPECT_EQ(*reached, reflexive);

  // A dies without closing its sessions.
  const auto killed = std::chrono::steady_clock::now();
  a->first.signal(SIGKILL);
  ASSERT_TRUE(a->first.wait(5000ms));
  auto lost = line_starting(*node, "registration lost", 10000ms);
  ASSERT_TRUE(lost) << "the node did not notice that A died";
  auto again = line_starting(*node, "registered again", 10000ms);
  ASSERT_TRUE(again) << "the node did not register at B";
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_EQ(word(*again, 5), b_uri) << *again;
  // Within the keepalive period (10 s; the liveness pings notice in about 6 s).
  EXPECT_LT(elapsed, 10.0) << *again;
  std::printf("re-registered at B %.1f s after A was killed\n", elapsed);

  reached = probe(b_uri, id);
  ASSERT_TRUE(reached);

  node->signal(SIGTERM);
  EXPECT_TRUE(node->wait(5000ms));
  b->first.signal(SIGTERM);
  auto code = b->first.wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << b->first.stderr_text();
}

TEST(DirectoryRedis, ANodeWhoseFirstRendezvousIsDownRegistersAtTheNextWithinTheAttemptTimeout) {
  const int dead = free_udp_port();  // nothing answers there
  ASSERT_NE(dead, 0);
  auto rv = ChildProcess::spawn({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  auto l = rv->read_line(10000ms);
  ASSERT_TRUE(l);
  const std::string uri = word(*l, 1);
  const auto t0 = std::chrono::steady_clock::now();
  auto node = ChildProcess::spawn({RTMFP_CLI, "node", "--rendezvous", "rtmfp://127.0.0.1:" + std::to_string(dead),
                                   "--rendezvous", uri, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(node);
  auto first = line_starting(*node, "node peer-id ", 15000ms);
  ASSERT_TRUE(first) << node->stderr_text();
  EXPECT_EQ(word(*first, 4), uri) << *first;
  // 5 s attempt timeout, not the 95 s open timeout.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
}

TEST(DirectoryRedis, ARendezvousRefusesToStartWhenTheDirectoryIsUnreachableAndNamesIt) {
  const int port = free_tcp_port();  // nothing listens there
  ASSERT_NE(port, 0);
  const std::string url = "redis://127.0.0.1:" + std::to_string(port);
  auto res = run_command({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--directory", url}, 15000ms);
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_NE(res.err.find(url), std::string::npos) << res.err;
  res = run_command({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--directory", "http://x"}, 15000ms);
  EXPECT_EQ(res.exit_code, 2) << res.err;
}

}  // namespace
}  // namespace rtmfp::testing
