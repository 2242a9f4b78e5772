// Introductions with the real `rtmfp` commands on loopback (RFC 7016
// §3.5.1.6): a rendezvous, a node registered at it, and a probe that reaches
// the node by its peer ID through the rendezvous (rtmfp://HOST:PORT/peer/ID).
// The NAT lab (network namespaces) is tests/integration/nat_lab_test.cpp; on loopback
// the introduction still has to go Redirect + FIHello + RHello to succeed,
// because the probe only knows the rendezvous's address.
#include <signal.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/child_process.hpp"
#include "tests/support/line_words.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;

struct Proc {
  ChildProcess proc;
  std::string first_line;
};

std::optional<Proc> spawn_first_line(const std::vector<std::string>& argv) {
  auto p = ChildProcess::spawn(argv);
  if (!p) return std::nullopt;
  auto l = p->read_line(10000ms);
  if (!l) return std::nullopt;
  return Proc{std::move(*p), *l};
}

// The node's next line that is not its NAT check's ("nat ..." after each
// registration, rendezvous/core/nat_checker.hpp) nor an introduction's plan
// ("introduction strategy=...", control.proto Introduction).
std::optional<std::string> next_non_nat_line(ChildProcess& p, std::chrono::milliseconds timeout) {
  for (int i = 0; i < 10; ++i) {
    auto l = p.read_line(timeout);
    if (!l || (l->rfind("nat ", 0) != 0 && l->rfind("introduction ", 0) != 0)) return l;
  }
  return std::nullopt;
}

TEST(CliIntroduction, AProbeReachesARegisteredNodeByPeerIdDirectlyThroughTheRendezvous) {
  auto rv = spawn_first_line({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0.2"});
  ASSERT_TRUE(rv);
  const std::string rv_uri = word(rv->first_line, 1);
  auto node = spawn_first_line({RTMFP_CLI, "node", "--rendezvous", rv_uri, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(node) << "the node printed no line";
  // node peer-id <64 hex> registered rtmfp://HOST:PORT reflexive ADDR:PORT
  ASSERT_EQ(node->first_line.rfind("node peer-id ", 0), 0u) << node->first_line;
  const std::string id = word(node->first_line, 2);
  ASSERT_EQ(id.size(), 64u);
  EXPECT_EQ(word(node->first_line, 3), "registered");
  EXPECT_EQ(word(node->first_line, 4), rv_uri);
  EXPECT_EQ(word(node->first_line, 5), "reflexive");
  const std::string reflexive = word(node->first_line, 6);
  EXPECT_EQ(reflexive.rfind("127.0.0.1:", 0), 0u);

  for (int i = 0; i < 5; ++i) {
    auto res = run_command({RTMFP_CLI, "probe", rv_uri + "/peer/" + id, "--count", "2", "--timeout", "5", "--json"},
                           15000ms);
    ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
    auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["peer_id"], id);
    EXPECT_EQ(j["path"], "direct");
    EXPECT_EQ(j["peer_address"], reflexive);
    EXPECT_GT(j["connect_ms"].get<double>(), 0.0);
    EXPECT_EQ(j["rtt_ms"].size(), 2u);
    // The probe registered and checked its NAT first: the introducer told
    // it its plan. On loopback the NAT check classifies nothing (unknown
    // classes) and this rendezvous has no relay: direct punching.
    EXPECT_EQ(j["strategy"], "direct");
    EXPECT_EQ(j["nat_class"], "unknown");
    EXPECT_EQ(j["peer_nat_class"], "unknown");
    EXPECT_TRUE(j["nat"].is_object()) << j.dump();
  }
  {
    // --anonymous: no registration, no check; the introducer tells nothing.
    auto res = run_command({RTMFP_CLI, "probe", rv_uri + "/peer/" + id, "--count", "1", "--timeout", "5", "--json",
                            "--anonymous"},
                           15000ms);
    ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
    auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["path"], "direct");
    EXPECT_TRUE(j["strategy"].is_null()) << j.dump();
    EXPECT_TRUE(j["nat_class"].is_null()) << j.dump();
  }
  // The rendezvous counts the registration and the introductions.
  bool counted = false;
  for (int i = 0; i < 50 && !counted; ++i) {
    auto line = rv->proc.read_line(2000ms);
    ASSERT_TRUE(line);
    counted = line->find("registered=1 introductions=6") != std::string::npos ||
              line->find("registered=1 introductions=7") != std::string::npos;
  }
  EXPECT_TRUE(counted);
  node->proc.signal(SIGTERM);
  auto code = node->proc.wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

// The Flash way (RFC 7425 §5.3): `rtmfp node --crypto flash` registers with
// NetConnection connect + setPeerInfo under a flash client identity; a flash
// probe selects it by that peer ID (Fingerprint EPD, RFC 7425 §5.4.1) and the
// rendezvous (both profiles on one port) introduces it.
TEST(CliIntroduction, AFlashRegisteredNodeIsReachedByPeerIdThroughTheRendezvous) {
  auto rv = spawn_first_line(
      {RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--crypto", "both", "--stats-interval", "0.2"});
  ASSERT_TRUE(rv);
  const std::string rv_uri = word(rv->first_line, 1);
  auto node = spawn_first_line({RTMFP_CLI, "node", "--rendezvous", rv_uri, "--crypto", "flash", "--listen",
                                "127.0.0.1:0"});
  ASSERT_TRUE(node) << "the node printed no line";
  ASSERT_EQ(node->first_line.rfind("node peer-id ", 0), 0u) << node->first_line;
  const std::string id = word(node->first_line, 2);
  ASSERT_EQ(id.size(), 64u);
  EXPECT_EQ(word(node->first_line, 3), "registered");
  EXPECT_EQ(word(node->first_line, 4), rv_uri);
  EXPECT_EQ(word(node->first_line, 5), "reflexive");
  // Our rendezvous tells it in the connect _result ("reflexiveAddress").
  const std::string reflexive = word(node->first_line, 6);
  EXPECT_EQ(reflexive.rfind("127.0.0.1:", 0), 0u) << node->first_line;
  for (int i = 0; i < 3; ++i) {
    auto res = run_command({RTMFP_CLI, "probe", rv_uri + "/peer/" + id, "--crypto", "flash", "--count", "2",
                            "--timeout", "5", "--json"},
                           15000ms);
    ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
    auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["crypto"], "flash");
    EXPECT_EQ(j["peer_id"], id);
    // Direct: the session is with the node's own address (on loopback the
    // "path" field cannot tell a relay port of the rendezvous's IP apart).
    EXPECT_EQ(j["peer_address"], reflexive);
    EXPECT_EQ(j["rtt_ms"].size(), 2u);
  }
  bool counted = false;
  for (int i = 0; i < 50 && !counted; ++i) {
    auto line = rv->proc.read_line(2000ms);
    ASSERT_TRUE(line);
    // One introduction per probe, more if a probe's IHello was retransmitted.
    auto at = line->find("registered=1 introductions=");
    counted = at != std::string::npos && std::atoi(line->c_str() + at + 27) >= 3;
  }
  EXPECT_TRUE(counted);
  node->proc.signal(SIGTERM);
  auto code = node->proc.wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

// After a rendezvous restart a flash node's NetConnection is gone with its
// session (RFC 7016 §3.5.5); it connects and sends setPeerInfo again.
TEST(CliIntroduction, AFlashNodeRegistersAgainAfterTheRendezvousRestarts) {
  auto rv = spawn_first_line(
      {RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--crypto", "flash", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  const std::string rv_uri = word(rv->first_line, 1);
  const std::string addr = rv_uri.substr(std::string("rtmfp://").size());
  auto node = spawn_first_line({RTMFP_CLI, "node", "--rendezvous", rv_uri, "--crypto", "flash", "--listen",
                                "127.0.0.1:0"});
  ASSERT_TRUE(node);
  ASSERT_EQ(node->first_line.rfind("node peer-id ", 0), 0u) << node->first_line;
  const std::string id = word(node->first_line, 2);
  rv->proc.signal(SIGTERM);
  ASSERT_TRUE(rv->proc.wait(5000ms));
  auto lost = node->proc.read_line(5000ms);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->rfind("registration lost", 0), 0u) << *lost;
  auto rv2 = spawn_first_line(
      {RTMFP_CLI, "rendezvous", "--listen", addr, "--crypto", "flash", "--stats-interval", "0"});
  ASSERT_TRUE(rv2) << "could not restart the rendezvous on " << addr;
  std::optional<std::string> again;
  for (int i = 0; i < 10; ++i) {
    again = node->proc.read_line(10000ms);
    if (!again || again->rfind("registered again", 0) == 0) break;
  }
  ASSERT_TRUE(again) << "the node did not register again";
  EXPECT_EQ(again->rfind("registered again reflexive 127.0.0.1:", 0), 0u) << *again;
  auto res = run_command(
      {RTMFP_CLI, "probe", rv_uri + "/peer/" + id, "--crypto", "flash", "--count", "1", "--timeout", "5", "--json"},
      15000ms);
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  node->proc.signal(SIGTERM);
  auto code = node->proc.wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST(CliIntroduction, ANodeAnswersPerfTestsAndPrintsTheirResults) {
  // `rtmfp node` hosts the perf receiver as a second service of its Node
  // beside the registration (flows routed by the "rtmfp-perf/1 " signature).
  auto rv = spawn_first_line({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  auto node = spawn_first_line({RTMFP_CLI, "node", "--rendezvous", word(rv->first_line, 1), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(node) << "the node printed no line";
  ASSERT_EQ(node->first_line.rfind("node peer-id ", 0), 0u) << node->first_line;
  const std::string id = word(node->first_line, 2);
  const std::string reflexive = word(node->first_line, 6);
  auto res = run_command({RTMFP_CLI, "perf", "rtmfp://" + reflexive, "--peer-id", id, "--seconds", "0.5", "--json"},
                         30000ms);
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["messages_delivered"], j["messages_sent"]) << j.dump();
  auto line = next_non_nat_line(node->proc, 10000ms);
  ASSERT_TRUE(line) << "no result line from the node";
  EXPECT_EQ(line->rfind("perf 127.0.0.1:", 0), 0u) << *line;
  EXPECT_NE(line->find(" bulk: "), std::string::npos) << *line;
  // The same by peer ID through the rendezvous (rtmfp://RV/peer/<id>).
  res = run_command({RTMFP_CLI, "perf", word(rv->first_line, 1) + "/peer/" + id, "--seconds", "0.5", "--json"},
                    30000ms);
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["messages_delivered"], j["messages_sent"]) << j.dump();
  line = next_non_nat_line(node->proc, 10000ms);
  ASSERT_TRUE(line) << "no result line from the node for the introduced test";
  EXPECT_NE(line->find(" bulk: "), std::string::npos) << *line;
  node->proc.signal(SIGTERM);
  auto code = node->proc.wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST(CliIntroduction, AnUnknownPeerIdGetsSilenceAndAClearTimeout) {
  auto rv = spawn_first_line({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  const std::string rv_uri = word(rv->first_line, 1);
  auto res = run_command({RTMFP_CLI, "probe", rv_uri + "/peer/" + std::string(64, 'a'), "--timeout", "1.5", "--json"},
                         10000ms);
  EXPECT_EQ(res.exit_code, 4) << res.out << res.err;
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"], "no endpoint with that peer ID answered");
}

TEST(CliIntroduction, ANodeRegistersAgainAfterTheRendezvousRestarts) {
  auto rv = spawn_first_line({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  const std::string rv_uri = word(rv->first_line, 1);
  const std::string addr = rv_uri.substr(std::string("rtmfp://").size());
  auto node = spawn_first_line({RTMFP_CLI, "node", "--rendezvous", rv_uri, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(node);
  const std::string id = word(node->first_line, 2);
  // An orderly stop closes the node's session (RFC 7016 §3.5.5); the node
  // notices and reconnects with backoff.
  rv->proc.signal(SIGTERM);
  ASSERT_TRUE(rv->proc.wait(5000ms));
  auto lost = next_non_nat_line(node->proc, 5000ms);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->rfind("registration lost", 0), 0u) << *lost;
  // The same port again (it was ours a moment ago; if something else took it
  // the test says so rather than passing).
  auto rv2 = spawn_first_line({RTMFP_CLI, "rendezvous", "--listen", addr, "--stats-interval", "0"});
  ASSERT_TRUE(rv2) << "could not restart the rendezvous on " << addr;
  std::optional<std::string> again;
  for (int i = 0; i < 10; ++i) {
    again = node->proc.read_line(10000ms);
    if (!again || again->rfind("registered again", 0) == 0) break;
  }
  ASSERT_TRUE(again) << "the node did not register again";
  EXPECT_EQ(again->rfind("registered again reflexive 127.0.0.1:", 0), 0u) << *again;
  auto res = run_command({RTMFP_CLI, "probe", rv_uri + "/peer/" + id, "--count", "1", "--timeout", "5", "--json"},
                         15000ms);
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
}

TEST(CliIntroduction, ANodeListensOnSeveralAddressesAndStopsWithoutALostRegistration) {
  // `rtmfp node --listen A --listen B`: one Node on two sockets (NodeHost).
  // The first line is unchanged; the second socket gets the rendezvous's
  // "also listening" line and answers with the same peer ID. SIGTERM closes
  // the registration session ourselves: "stopped", not "registration lost".
  auto rv = spawn_first_line({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  const std::string rv_uri = word(rv->first_line, 1);
  auto node = spawn_first_line(
      {RTMFP_CLI, "node", "--rendezvous", rv_uri, "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(node) << "the node printed no line";
  ASSERT_EQ(node->first_line.rfind("node peer-id ", 0), 0u) << node->first_line;
  EXPECT_EQ(word(node->first_line, 3), "registered");
  EXPECT_EQ(word(node->first_line, 4), rv_uri);
  const std::string id = word(node->first_line, 2);
  const std::string reflexive = word(node->first_line, 6);
  auto also = node->proc.read_line(5000ms);
  ASSERT_TRUE(also) << "no second line";
  ASSERT_EQ(also->rfind("also listening rtmfp://127.0.0.1:", 0), 0u) << *also;
  const std::string second = word(*also, 2);
  EXPECT_NE(second, "rtmfp://" + reflexive) << "two sockets, two ports";
  for (const std::string& uri : {"rtmfp://" + reflexive, second}) {
    auto res = run_command({RTMFP_CLI, "probe", uri, "--peer-id", id, "--count", "2", "--timeout", "5", "--json"},
                           15000ms);
    ASSERT_EQ(res.exit_code, 0) << uri << ": " << res.out << res.err;
    auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["peer_id"], id);
  }
  node->proc.signal(SIGTERM);
  std::vector<std::string> rest;
  while (auto l = node->proc.read_line(5000ms)) rest.push_back(*l);
  auto code = node->proc.wait(5000ms);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back(), "stopped");
  for (const auto& l : rest) EXPECT_EQ(l.rfind("registration lost", 0), std::string::npos) << l;
}

TEST(CliIntroduction, ANodeRefusesABadSecondListenAddress) {
  auto res = run_command({RTMFP_CLI, "node", "--rendezvous", "rtmfp://127.0.0.1:1", "--listen", "127.0.0.1:0",
                          "--listen", "nonsense"},
                         10000ms);
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_NE(res.err.find("invalid --listen 'nonsense'"), std::string::npos) << res.err;
}

}  // namespace
}  // namespace rtmfp::testing

namespace rtmfp::testing {
namespace {

TEST(CliNatCheck, OnLoopbackEverythingGetsThroughAndOurOwnAddressLoopsBack) {
  // Two ports on 127.0.0.1 and one on 127.0.0.2 (all of 127/8 is loopback).
  auto rv = spawn_first_line({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0",
                              "--listen", "127.0.0.2:0", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  const std::string rv_uri = word(rv->first_line, 1);
  auto res = run_command({RTMFP_CLI, "probe", "--nat", rv_uri, "--json"}, 15000ms);
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["mapping"], "endpoint-independent");
  EXPECT_EQ(j["filtering"], "endpoint-independent");
  EXPECT_EQ(j["hairpin"], true);  // an IHello to our own address reaches us
  EXPECT_EQ(j["address_tested"], true);
  ASSERT_EQ(j["reflexive"].size(), 1u);
  EXPECT_EQ(j["reflexive"][0].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(j["error"], nullptr);
}

TEST(CliNatCheck, ARendezvousWithOneSocketGivesTheReflexiveAddressOnly) {
  auto rv = spawn_first_line({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  auto res = run_command({RTMFP_CLI, "probe", "--nat", word(rv->first_line, 1), "--json"}, 15000ms);
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["mapping"], "unknown");
  EXPECT_EQ(j["filtering"], "unknown");
  EXPECT_EQ(j["address_tested"], false);
  EXPECT_EQ(j["reflexive"].size(), 1u);
}

TEST(CliNatCheck, NothingListeningIsAClearFailure) {
  // A UDP port with nobody on it: no answer within the check's timeout.
  auto res = run_command({RTMFP_CLI, "probe", "--nat", "rtmfp://127.0.0.1:9", "--json"}, 15000ms);
  EXPECT_EQ(res.exit_code, 4) << res.out << res.err;
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_NE(j["error"].get<std::string>().find("no answer"), std::string::npos) << j.dump();
}

}  // namespace
}  // namespace rtmfp::testing
