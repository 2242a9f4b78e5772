// The `rtmfp` command as a user runs it: a real rendezvous process on
// loopback, probes with each profile, and every failure mode of probe with
// its exit code and message.
#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/child_process.hpp"
#include "tests/support/net_caps.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;

struct Rendezvous {
  ChildProcess proc;
  std::string uri, modern_id, flash_id, first_line;
};

std::optional<Rendezvous> start(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--crypto", "both",
                                "--stats-interval", "1"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = ChildProcess::spawn(argv);
  if (!p) return std::nullopt;
  auto l1 = p->read_line(5000ms), l2 = p->read_line(5000ms);
  if (!l1 || !l2) return std::nullopt;
  Rendezvous r{std::move(*p), {}, {}, {}, {}};
  r.first_line = *l1;
  std::istringstream a(*l1), b(*l2);
  std::string w, k;
  a >> w >> r.uri >> k >> r.modern_id;
  b >> w >> k >> r.flash_id;
  return r;
}

TEST(CliRendezvous, FirstLineIsExactlyTheListeningLine) {
  auto r = start();
  ASSERT_TRUE(r);
  // listening rtmfp://ADDR:PORT peer-id <64 hex digits>
  EXPECT_EQ(r->first_line.rfind("listening rtmfp://127.0.0.1:", 0), 0u) << r->first_line;
  EXPECT_EQ(r->modern_id.size(), 64u);
  EXPECT_EQ(r->flash_id.size(), 64u);
  EXPECT_NE(r->modern_id, r->flash_id);
  auto stats = r->proc.read_line(3000ms);
  ASSERT_TRUE(stats) << "no stats line within 3 s";
  EXPECT_EQ(stats->rfind("stats sessions=", 0), 0u) << *stats;
  r->proc.signal(SIGTERM);
  auto code = r->proc.wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST(CliProbe, BothProfilesSucceedWithJsonFields) {
  auto r = start();
  ASSERT_TRUE(r);
  for (auto [crypto, id] : {std::pair{"modern", r->modern_id}, std::pair{"flash", r->flash_id}}) {
    auto res = run_command({RTMFP_CLI, "probe", r->uri, "--crypto", crypto, "--peer-id", id, "--count", "3",
                            "--timeout", "5", "--json"},
                           10000ms);
    ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
    auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["crypto"], crypto);
    EXPECT_EQ(j["peer_id"], id);
    EXPECT_EQ(j["address"], r->uri.substr(8));
    EXPECT_GT(j["handshake_ms"].get<double>(), 0.0);
    EXPECT_EQ(j["rtt_ms"].size(), 3u);
    EXPECT_TRUE(j["error"].is_null());
  }
  // Human output mentions the handshake time.
  auto human = run_command({RTMFP_CLI, "probe", r->uri, "--count", "1"}, 10000ms);
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("handshake"), std::string::npos) << human.out;
}

TEST(CliProbe, Ipv6AndDualStackListener) {
  // A rendezvous on [::] answers IPv6 peers and, through v4-mapped addresses,
  // IPv4 peers on the same socket (the batched I/O sends to both). The
  // machine is asked first; once it has IPv6, anything the product does
  // wrong (crash, bind error, other output) fails the test.
  if (!rtmfp::testing::host_has_dual_stack()) GTEST_SKIP() << "this machine has no dual-stack IPv6 ([::1] / [::] bind)";
  auto p = ChildProcess::spawn({RTMFP_CLI, "rendezvous", "--listen", "[::]:0", "--crypto", "both"});
  ASSERT_TRUE(p);
  auto line = p->read_line(5000ms);
  ASSERT_TRUE(line && line->rfind("listening rtmfp://[::]:", 0) == 0)
      << "first line: " << line.value_or("(none)") << "\nstderr: " << p->stderr_text();
  const std::string port = line->substr(std::string("listening rtmfp://[::]:").size(), line->find(' ', 20) - 23);
  for (const std::string host : {"[::1]", "127.0.0.1"}) {
    for (const char* crypto : {"modern", "flash"}) {
      auto res = run_command({RTMFP_CLI, "probe", "rtmfp://" + host + ":" + port, "--crypto", crypto, "--count", "2",
                              "--timeout", "5", "--json"},
                             10000ms);
      ASSERT_EQ(res.exit_code, 0) << host << " " << crypto << ": " << res.out << res.err;
      auto j = nlohmann::json::parse(res.out);
      EXPECT_EQ(j["ok"], true);
      EXPECT_EQ(j["rtt_ms"].size(), 2u);
    }
  }
  p->signal(SIGINT);
  auto code = p->wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST(CliRendezvous, SeveralListenAddressesOfBothFamiliesAllAnswer) {
  // One rendezvous node on an IPv4 and an IPv6 socket (NodeHost): the first
  // line is unchanged, each further address gets an "also listening" line,
  // and probes of either family reach the same peer ID.
  if (!rtmfp::testing::host_has_ipv6_loopback()) GTEST_SKIP() << "this machine has no IPv6 loopback";
  auto p = ChildProcess::spawn({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--listen", "[::1]:0",
                                "--stats-interval", "0"});
  ASSERT_TRUE(p);
  auto l1 = p->read_line(5000ms), l2 = p->read_line(5000ms);
  ASSERT_TRUE(l1 && l2) << "stderr: " << p->stderr_text();
  ASSERT_EQ(l1->rfind("listening rtmfp://127.0.0.1:", 0), 0u) << *l1;
  ASSERT_EQ(l2->rfind("also listening rtmfp://[::1]:", 0), 0u) << *l2;
  std::istringstream a(*l1), b(*l2);
  std::string w, uri4, k, id, uri6;
  a >> w >> uri4 >> k >> id;
  b >> w >> w >> uri6;
  for (const std::string& uri : {uri4, uri6}) {
    auto res = run_command({RTMFP_CLI, "probe", uri, "--peer-id", id, "--count", "2", "--timeout", "5", "--json"},
                           10000ms);
    ASSERT_EQ(res.exit_code, 0) << uri << ": " << res.out << res.err;
    auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["rtt_ms"].size(), 2u);
  }
  p->signal(SIGTERM);
  auto closing = p->read_line(5000ms);
  ASSERT_TRUE(closing);
  EXPECT_EQ(closing->rfind("received SIGTERM: closing ", 0), 0u) << *closing;
  auto code = p->wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST(CliProbe, WrongPeerIdIsReportedAsNoAnswer) {
  auto r = start();
  ASSERT_TRUE(r);
  std::string wrong(64, '0');
  auto res = run_command({RTMFP_CLI, "probe", r->uri, "--peer-id", wrong, "--timeout", "2", "--json"}, 10000ms);
  EXPECT_NE(res.exit_code, 0);
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"], "no endpoint with that peer ID answered");
}

TEST(CliProbe, FailuresHaveClearMessagesAndNonZeroExit) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  };
  std::vector<Case> cases = {
      {{"probe", "http://127.0.0.1:1935"}, "unsupported scheme"},
      {{"probe", "rtmfp://"}, "missing host"},
      {{"probe", "rtmfp://127.0.0.1:99999"}, "port out of range: 99999"},
      {{"probe", "rtmfp://no-such-host.invalid:1935", "--timeout", "3"}, "cannot resolve host"},
      {{"probe", "rtmfp://127.0.0.1:9", "--timeout", "1"}, "timed out"},
      {{"probe", "rtmfp://127.0.0.1:9", "--peer-id", "zz"}, "invalid --peer-id"},
  };
  for (auto& c : cases) {
    std::vector<std::string> argv{RTMFP_CLI};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto res = run_command(argv, 15000ms);
    EXPECT_NE(res.exit_code, 0) << c.args[1];
    EXPECT_NE(res.err.find(c.needle), std::string::npos) << "for " << c.args[1] << " stderr was: " << res.err;
  }
}

TEST(CliRendezvous, IdentityFilePersistsThePeerIds) {
  std::string path = "/tmp/rtmfp-identity-test-" + std::to_string(getpid());
  std::remove(path.c_str());
  std::string first_modern, first_flash;
  {
    auto r = start({"--identity", path});
    ASSERT_TRUE(r);
    first_modern = r->modern_id;
    first_flash = r->flash_id;
    r->proc.signal(SIGINT);
    ASSERT_TRUE(r->proc.wait(5000ms));
  }
  auto r = start({"--identity", path});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->modern_id, first_modern);
  EXPECT_EQ(r->flash_id, first_flash);
  std::remove(path.c_str());
}

TEST(CliRendezvous, BadListenAddressFails) {
  auto res = run_command({RTMFP_CLI, "rendezvous", "--listen", "nonsense"}, 5000ms);
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_NE(res.err.find("invalid --listen"), std::string::npos) << res.err;
}

TEST(CliUsage, MalformedOptionsExitWithTwoAndNameTheOption) {
  struct Case {
    std::vector<std::string> argv;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {{RTMFP_CLI, "probe", "rtmfp://127.0.0.1:1", "--max-datagram", "99"}, "--max-datagram"},
      {{RTMFP_CLI, "perf", "rtmfp://127.0.0.1:1", "--max-datagram", "100000"}, "--max-datagram"},
      {{RTMFP_CLI, "rendezvous", "--max-datagram", "lots"}, "--max-datagram"},
      {{RTMFP_CLI, "relay", "--from", "-", "--to", "-", "--max-clients", "0"}, "--max-clients"},
      {{RTMFP_CLI, "gateway", "--route", "-", "-", "--max-clients-per-address", "many"}, "--max-clients-per-address"},
      {{RTMFP_CLI, "probe", "rtmfp://127.0.0.1:1", "--count", "-5"}, "--count"},
      {{RTMFP_CLI, "probe"}, "uri"},
      {{RTMFP_CLI, "nosuchcommand"}, "subcommand"},
  };
  for (const auto& c : cases) {
    auto res = run_command(c.argv, 5000ms);
    EXPECT_EQ(res.exit_code, 2) << c.argv[1] << ": " << res.err;
    EXPECT_NE(res.err.find(c.mentions), std::string::npos) << res.err;
  }
  auto help = run_command({RTMFP_CLI, "probe", "--help"}, 5000ms);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--max-datagram"), std::string::npos);
}

TEST(CliHelp, EverySubcommandDescribesItsOptions) {
  auto top = run_command({RTMFP_CLI, "--help"}, 5000ms);
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("rendezvous"), std::string::npos);
  EXPECT_NE(top.out.find("probe"), std::string::npos);
  auto probe = run_command({RTMFP_CLI, "probe", "--help"}, 5000ms);
  for (auto opt : {"--peer-id", "--crypto", "--count", "--timeout", "--json"})
    EXPECT_NE(probe.out.find(opt), std::string::npos) << opt;
  auto rv = run_command({RTMFP_CLI, "rendezvous", "--help"}, 5000ms);
  for (auto opt : {"--listen", "--crypto", "--identity", "--stats-interval", "--trace"})
    EXPECT_NE(rv.out.find(opt), std::string::npos) << opt;
}

}  // namespace
}  // namespace rtmfp::testing
