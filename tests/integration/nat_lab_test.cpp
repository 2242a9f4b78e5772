// The NAT lab (issue 11 §4, "real sockets"): the real `rtmfp` commands in
// network namespaces behind Linux NATs (scripts/nat-lab.sh: iptables
// MASQUERADE plus the stateful filter of a home router, so each NAT maps
// endpoint-independently and filters address-and-port-dependently). The
// rendezvous is on the "internet" (198.51.100.1); a node and the probes sit
// behind NATs and find each other only through it (RFC 7016 §3.5.1.4-
// 3.5.1.6: Redirect to the initiator, Forwarded IHello to the node, whose
// RHello opens its NAT toward the initiator's public address).
//
// Needs root (namespaces, iptables); skipped otherwise. Everything lives in
// namespaces this test creates and removes.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/group_test_util.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/line_words.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kLab = std::string(RTMFP_SOURCE_DIR) + "/scripts/nat-lab.sh";
const std::string kRendezvous = "rtmfp://198.51.100.1:1935";

bool have(const char* tool) {
  return run_command({"sh", "-c", std::string("command -v ") + tool}, 5000ms).exit_code == 0;
}

class NatLab : public ::testing::Test {
 protected:
  // Variables for scripts/nat-lab.sh (the lab's variants).
  virtual std::vector<std::string> lab_env() const { return {}; }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces and iptables";
    if (!have("ip") || !have("iptables")) GTEST_SKIP() << "iproute2 or iptables not installed";
    name_ = "nl" + std::to_string(::getpid() % 100000);
    std::vector<std::string> argv{"env"};
    for (const auto& v : lab_env()) argv.push_back(v);
    argv.insert(argv.end(), {kLab, "up", name_});
    auto up = run_command(argv, 60000ms);
    ASSERT_EQ(up.exit_code, 0) << "nat-lab.sh up failed: " << up.err;
    lab_up_ = true;
    // Two ports on each of two addresses: the NAT check's sockets.
    auto rv = ChildProcess::spawn(in("wan", {"rendezvous", "--listen", "198.51.100.1:1935", "--listen",
                                             "198.51.100.1:1936", "--listen", "198.51.100.2:1935", "--listen",
                                             "198.51.100.2:1936", "--relay-ports", "40000-40099",
                                             "--stats-interval", "0"}));
    ASSERT_TRUE(rv);
    rv_.emplace(std::move(*rv));
    auto line = rv_->read_line(20000ms);
    ASSERT_TRUE(line) << "the rendezvous printed nothing: " << rv_->stderr_text();
    ASSERT_EQ(line->rfind("listening " + kRendezvous, 0), 0u) << *line;
  }
  void TearDown() override {
    for (auto* p : {&node_, &rv_})
      if (*p) {
        (*p)->signal(SIGTERM);
        if (!(*p)->wait(5000ms)) (*p)->signal(SIGKILL), (void)(*p)->wait(5000ms);
      }
    node_.reset();
    rv_.reset();
    if (lab_up_) run_command({kLab, "down", name_}, 60000ms);
  }

  // argv for `rtmfp ARGS...` run inside namespace NAME-<where>.
  std::vector<std::string> in(const std::string& where, std::vector<std::string> args) const {
    std::vector<std::string> argv{"ip", "netns", "exec", name_ + "-" + where, RTMFP_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // Starts a node in `where`; returns its peer ID and reflexive address.
  std::pair<std::string, std::string> start_node(const std::string& where) {
    auto node = ChildProcess::spawn(in(where, {"node", "--rendezvous", kRendezvous, "--listen", "0.0.0.0:0"}));
    EXPECT_TRUE(node);
    if (!node) return {};
    node_.emplace(std::move(*node));
    auto line = node_->read_line(20000ms);
    EXPECT_TRUE(line) << "the node printed nothing: " << node_->stderr_text();
    if (!line) return {};
    EXPECT_EQ(line->rfind("node peer-id ", 0), 0u) << *line;
    return {word(*line, 2), word(*line, 6)};
  }

  nlohmann::json probe(const std::string& where, const std::string& id, double timeout_s = 5) const {
    auto r = run_command(in(where, {"probe", kRendezvous + "/peer/" + id, "--count", "1", "--timeout",
                                    std::to_string(timeout_s), "--json"}),
                         30000ms);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded()) return {{"ok", false}, {"error", "no JSON: exit " + std::to_string(r.exit_code) + " " + r.err}};
    return j;
  }

  std::string name_;
  bool lab_up_ = false;
  std::optional<ChildProcess> rv_, node_;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

class NatLabSymmetric : public NatLab {
 protected:
  std::vector<std::string> lab_env() const override { return {"NAT_LAB_NAT2=symmetric"}; }
};
class NatLabBareMasquerade : public NatLab {
 protected:
  std::vector<std::string> lab_env() const override { return {"NAT_LAB_ROUTER_FILTER=0"}; }
};
class NatLabPeersBlocked : public NatLab {
 protected:
  std::vector<std::string> lab_env() const override { return {"NAT_LAB_BLOCK_PEERS=1"}; }
};



// P2P broadcast groups behind NATs (issue 13): `rtmfp publish` in one
// namespace, `rtmfp join`s in others, the group directory and the relay on
// the rendezvous. The group nodes run no NAT check of their own, so the
// rendezvous races direct against its relay for every introduction (relay
// after 1 s, rendezvous/core/path_strategy.hpp): pairs punching cannot open
// meet through the relay.
class NatLabGroup : public NatLab {
 protected:
  // nat1 (h1) and nat3 (h4) home routers, nat2 (h2) endpoint-dependent.
  std::vector<std::string> lab_env() const override { return {"NAT_LAB_NAT2=symmetric", "NAT_LAB_NAT3=cone"}; }

  // Publishes a short FLV from `pub_at`, a joiner in each of `joiners_at`:
  // every joiner has every frame from its first keyframe on. Returns the
  // rendezvous's final stats line.
  std::string publish_and_join(const std::string& pub_at, const std::vector<std::string>& joiners_at) {
    using namespace std::chrono_literals;
    if (!have("ffmpeg")) {
      ADD_FAILURE() << "ffmpeg not installed (makes the test FLV)";
      return {};
    }
    rtmp_it::TempDir dir("nat_lab_group");
    const fs::path input = dir.path() / "in.flv";
    EXPECT_TRUE(rtmp_it::make_test_flv(input, 8));
    auto pub = ChildProcess::spawn(in(pub_at, {"publish", "--rendezvous", kRendezvous, "--group", "lab", "--from",
                                               input.string(), "--realtime", "--stats-interval", "0"}));
    EXPECT_TRUE(pub);
    if (!pub) return {};
    auto line = pub->read_line(20000ms);
    EXPECT_TRUE(line) << "the publisher printed nothing: " << pub->stderr_text();
    if (!line) return {};
    EXPECT_EQ(word(*line, 0), "publishing") << *line;
    std::vector<ChildProcess> joiners;
    for (std::size_t i = 0; i < joiners_at.size(); ++i) {
      auto j = ChildProcess::spawn(in(joiners_at[i], {"join", "--rendezvous", kRendezvous, "--group", word(*line, 1),
                                                      "--to", (dir.path() / ("out" + std::to_string(i) + ".flv")).string(),
                                                      "--idle-end", "2000", "--stats-interval", "0",
                                                      // a safety net only (the first frame through two
                                                      // endpoint-dependent NATs took over 10 s once under ASan)
                                                      "--connect-timeout", "30000"}));
      EXPECT_TRUE(j);
      if (!j) return {};
      joiners.push_back(std::move(*j));
    }
    // Bounds only as a safety net: the stream is 8 s, joiners end 2 s after it.
    auto prc = pub->wait(40000ms);
    EXPECT_TRUE(prc) << "the publisher did not end: " << pub->stderr_text();
    if (!prc) return {};
    EXPECT_EQ(*prc, 0) << pub->stderr_text();
    if (auto j = pub->read_line(2000ms)) std::cout << "nat lab group: publisher in " << pub_at << ": " << *j << "\n";
    const auto in_tags = rtmp_it::av_tags(input);
    for (std::size_t i = 0; i < joiners.size(); ++i) {
      SCOPED_TRACE("joiner in " + joiners_at[i]);
      auto rc = joiners[i].wait(20000ms);
      EXPECT_TRUE(rc) << "did not end: " << joiners[i].stderr_text();
      if (!rc) continue;
      EXPECT_EQ(*rc, 0) << joiners[i].stderr_text();
      auto l = joiners[i].read_line(2000ms);
      EXPECT_TRUE(l) << joiners[i].stderr_text();
      if (!l) continue;
      auto j = nlohmann::json::parse(*l, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << *l;
      if (j.is_discarded()) continue;
      EXPECT_EQ(j["role"], "member");
      EXPECT_GT(j["framesPlayed"].get<long>(), 0);
      std::cout << "nat lab group: joiner in " << joiners_at[i] << ": join to first frame "
                << j["joinToFirstFrameMs"].get<double>() << " ms, " << j["framesPlayed"].get<long>()
                << " frames, from publisher " << j["fragmentsReceivedFromServer"].get<long>() << " fragments, pushed by peers "
                << j["fragmentsPushedFromPeers"].get<long>() << ", pulled " << j["fragmentsPulledFromPeers"].get<long>()
                << ", path " << j["path"].get<std::string>() << "\n";
      joiner_paths_.push_back(j["path"].get<std::string>());
      rtmp_it::expect_tail_of(in_tags, rtmp_it::av_tags(dir.path() / ("out" + std::to_string(i) + ".flv")));
    }
    // The rendezvous's last stats line (printed when it stops).
    rv_->signal(SIGTERM);
    std::string stats;
    while (auto l = rv_->read_line(5000ms))
      if (l->rfind("stats ", 0) == 0) stats = *l;
    std::cout << "nat lab group: rendezvous " << stats << "\n";
    return stats;
  }
  // Each joiner's path (its JSON's "path": how its neighbour links opened).
  std::vector<std::string> joiner_paths_;
};

class NatLabGroupTwoSymmetric : public NatLabGroup {
 protected:
  // nat2 (h2) and nat3 (h4) both endpoint-dependent.
  std::vector<std::string> lab_env() const override {
    return {"NAT_LAB_NAT2=symmetric", "NAT_LAB_NAT3=symmetric"};
  }
};

// Stats line field `name=N` (-1 if absent).
long stats_field(const std::string& line, const std::string& name) {
  const auto p = line.find(" " + name + "=");
  return p == std::string::npos ? -1 : std::stol(line.substr(p + name.size() + 2));
}

TEST_F(NatLabGroup, JoinersBehindEveryKindOfNatGetEveryFrameFromTheirFirstKeyframe) {
  // Publisher behind a home router (nat1); joiners behind another home
  // router (nat3: direct), behind the endpoint-dependent nat2 (its pairs
  // with home routers need the relay; with the public joiner punching
  // works) and on the public side.
  const std::string stats = publish_and_join("h1", {"h4", "h2", "wan"});
  EXPECT_GT(stats_field(stats, "introductions"), 0) << stats;
}

TEST_F(NatLabGroupTwoSymmetric, APublisherAndAJoinerBehindTwoEndpointDependentNatsMeetThroughTheRelay) {
  // The only path between two endpoint-dependent NATs is the rendezvous's
  // relay.
  const std::string stats = publish_and_join("h2", {"h4"});
  EXPECT_GE(stats_field(stats, "relayed"), 1) << stats;
  // The joiner says so too.
  EXPECT_EQ(joiner_paths_, std::vector<std::string>{"relayed"});
}

TEST_F(NatLab, TwoNodesBehindTwoNatsConnectDirectlyTwentyTimesOfTwenty) {
  const auto [id, reflexive] = start_node("h1");
  ASSERT_EQ(id.size(), 64u);
  // The rendezvous sees the node as its NAT's public address.
  ASSERT_EQ(reflexive.rfind("198.51.100.11:", 0), 0u) << reflexive;
  std::vector<double> connect_ms;
  int direct = 0;
  for (int i = 0; i < 20; ++i) {
    auto j = probe("h2", id);
    SCOPED_TRACE(j.dump());
    EXPECT_EQ(j["ok"], true);
    if (j["ok"] != true) continue;
    EXPECT_EQ(j["peer_id"], id);
    EXPECT_EQ(j["path"], "direct");
    EXPECT_EQ(j["peer_address"], reflexive);
    // Both NAT classes known (home routers): punching, no relay planned.
    EXPECT_EQ(j["strategy"], "direct");
    EXPECT_EQ(j["nat_class"], "eim-strict");
    EXPECT_EQ(j["peer_nat_class"], "eim-strict");
    direct += j["path"] == "direct" && j["peer_address"] == reflexive ? 1 : 0;
    connect_ms.push_back(j["connect_ms"].get<double>());
  }
  EXPECT_EQ(direct, 20);
  if (!connect_ms.empty()) {
    std::cout << "nat lab: " << direct << "/20 direct through two NATs, connect_ms p50 " << percentile(connect_ms, 0.5)
              << " p95 " << percentile(connect_ms, 0.95) << " max " << percentile(connect_ms, 1.0) << "\n";
    RecordProperty("direct_of_20", direct);
  }
}

TEST_F(NatLab, TheNatCheckClassifiesLinuxMasqueradeAsAHomeRouter) {
  // Linux connection tracking keeps one mapping per source address and port
  // (endpoint-independent mapping), and the router forwards from the wan
  // only replies to what the lan sent (address-and-port-dependent
  // filtering); it does not send a lan packet to its own public address
  // back in (no hairpin).
  for (const char* where : {"h1", "h2"}) {
    auto r = run_command(in(where, {"probe", "--nat", kRendezvous, "--json"}), 30000ms);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    SCOPED_TRACE(j.dump());
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["mapping"], "endpoint-independent");
    EXPECT_EQ(j["filtering"], "address-and-port-dependent");
    EXPECT_EQ(j["hairpin"], false);
    EXPECT_EQ(j["address_tested"], true);
    ASSERT_EQ(j["reflexive"].size(), 1u);
    EXPECT_EQ(j["reflexive"][0].get<std::string>().rfind(std::string(where) == "h1" ? "198.51.100.11:" : "198.51.100.12:", 0), 0u);
    EXPECT_LT(j["ms"].get<double>(), 2000.0);
  }
  // A node prints the same class after registering, and tells the rendezvous.
  const auto [id, reflexive] = start_node("h1");
  ASSERT_EQ(id.size(), 64u);
  auto line = node_->read_line(10000ms);
  ASSERT_TRUE(line) << "no nat line";
  EXPECT_EQ(line->rfind("nat mapping=endpoint-independent filtering=address-and-port-dependent hairpin=no reflexive=" +
                            reflexive + " ms=",
                        0),
            0u)
      << *line;
}

TEST_F(NatLab, TwoPeersBehindOneNatMeetOverTheirLan) {
  // h1 and h3 share nat1 (one public address): the rendezvous lists the
  // node's host addresses first, and the probe reaches it over the LAN
  // without needing the NAT to hairpin.
  const auto [id, reflexive] = start_node("h1");
  ASSERT_EQ(id.size(), 64u);
  for (int i = 0; i < 5; ++i) {
    auto j = probe("h3", id);
    SCOPED_TRACE(j.dump());
    ASSERT_EQ(j["ok"], true);
    EXPECT_EQ(j["path"], "direct");
    EXPECT_EQ(j["peer_address"].get<std::string>().rfind("10.1.0.2:", 0), 0u);
  }
}

TEST_F(NatLab, ANodeThatMovesToANewAddressStaysReachable) {
  const auto [id, reflexive] = start_node("h1");
  ASSERT_EQ(id.size(), 64u);
  ASSERT_EQ(probe("h2", id)["ok"], true);
  // The node's host gets a new LAN address (as after a DHCP change): its NAT
  // maps it to a new public port (the old mapping still holds the old one),
  // the node's next keepalive reaches the rendezvous from there, and the
  // rendezvous follows it after the §3.5.4.2 address check.
  const std::string h1 = name_ + "-h1";
  for (auto argv : std::vector<std::vector<std::string>>{{"ip", "-n", h1, "addr", "del", "10.1.0.2/24", "dev", "eth0"},
                                                         {"ip", "-n", h1, "addr", "add", "10.1.0.9/24", "dev", "eth0"},
                                                         {"ip", "-n", h1, "route", "add", "default", "via", "10.1.0.1"}}) {
    auto r = run_command(argv, 10000ms);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Bounded: one keepalive period (10 s) plus the check and a probe's time.
  const auto end = std::chrono::steady_clock::now() + 40s;
  nlohmann::json j;
  int attempts = 0;
  while (std::chrono::steady_clock::now() < end) {
    ++attempts;
    j = probe("h2", id, 2);
    if (j["ok"] == true) break;
  }
  SCOPED_TRACE(j.dump());
  ASSERT_EQ(j["ok"], true) << "not reachable after the move (" << attempts << " probes)";
  // Directly at the NAT's new mapping, or through the relay: after the
  // move Linux keeps the host's old mapping toward the rendezvous, so the
  // rendezvous sees a new port while a new destination (the probe) gets the
  // host's own port again - endpoint-dependent for this host until the old
  // mapping expires, which port-filtering on the probe's side refuses.
  const std::string now_at = j["peer_address"];
  if (j["path"] == "direct") {
    EXPECT_EQ(now_at.rfind("198.51.100.11:", 0), 0u) << now_at;
    EXPECT_NE(now_at, reflexive) << "the NAT should have given the moved host a new public port";
  } else {
    EXPECT_EQ(j["path"], "relayed");
    EXPECT_EQ(now_at.rfind("198.51.100.1:40", 0), 0u) << now_at;
  }
  std::cout << "nat lab: reachable again after the move after " << attempts << " probe(s), " << j["path"]
            << " at " << now_at << "\n";
}

TEST_F(NatLabSymmetric, TheNatCheckSeesTheSymmetricNat) {
  auto r = run_command(in("h2", {"probe", "--nat", kRendezvous, "--json"}), 30000ms);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  SCOPED_TRACE(j.dump());
  EXPECT_EQ(j["mapping"], "address-and-port-dependent");
  EXPECT_EQ(j["filtering"], "address-and-port-dependent");
  EXPECT_GE(j["reflexive"].size(), 2u);  // a new public port per server socket
}

TEST_F(NatLabSymmetric, AnEndpointIndependentAndAnEndpointDependentNatConnectEveryTrial) {
  // A node behind the port-filtering home router (h1: MASQUERADE,
  // endpoint-independent mapping) and probes behind the endpoint-dependent
  // NAT (h2: MASQUERADE --random-fully), then the other way round. RFC 7016
  // punching alone cannot open either way (the random side's new port is
  // filtered by the other). The node and each probe register and report
  // their NAT classes, so the introducer plans birthday probing (256
  // mappings on the hard side, up to 1,024 probes from the easy side, 3 s;
  // rendezvous/core/birthday_traversal.hpp) with its relay after 3 s: every
  // trial must connect, directly when a probe hits a mapped port, else
  // through the relay. NAT_LAB_BIRTHDAY_TRIALS=N runs N trials each way
  // (default 10).
  int trials = 10;
  if (const char* t = std::getenv("NAT_LAB_BIRTHDAY_TRIALS")) trials = std::max(1, std::atoi(t));
  int direct_all = 0, relayed_all = 0;
  for (const auto& [node_at, probe_from] : std::vector<std::pair<std::string, std::string>>{{"h1", "h2"}, {"h2", "h1"}}) {
    SCOPED_TRACE("node in " + node_at + ", probes from " + probe_from);
    if (node_) {
      node_->signal(SIGTERM);
      (void)node_->wait(5000ms);
      node_.reset();
    }
    const auto [id, reflexive] = start_node(node_at);
    ASSERT_EQ(id.size(), 64u);
    const std::string hard = node_at == "h2" ? "node" : "probe";
    std::vector<double> connect_ms;
    int direct = 0, relayed = 0;
    for (int i = 0; i < trials; ++i) {
      // The first probe starts as soon as the node printed its registration,
      // before its NAT check has reported: the introducer waits for the class.
      auto j = probe(probe_from, id, 10);
      SCOPED_TRACE(j.dump());
      ASSERT_EQ(j["ok"], true);
      EXPECT_EQ(j["strategy"], "birthday");
      EXPECT_EQ(j["nat_class"], probe_from == "h2" ? "edm-random" : "eim-strict");
      EXPECT_EQ(j["peer_nat_class"], node_at == "h2" ? "edm-random" : "eim-strict");
      if (j["path"] == "direct") {
        ++direct;
        // At the hard side's public address, at a port no check saw.
        EXPECT_EQ(j["peer_address"].get<std::string>().rfind(node_at == "h2" ? "198.51.100.12:" : "198.51.100.11:", 0),
                  0u);
      } else {
        EXPECT_EQ(j["path"], "relayed");
        EXPECT_EQ(j["peer_address"].get<std::string>().rfind("198.51.100.1:40", 0), 0u);
        ++relayed;
      }
      // The easy side probed, or the hard side opened mappings.
      EXPECT_GT(j["birthday_probes"].get<long>() + j["birthday_openers"].get<long>(), 0);
      connect_ms.push_back(j["connect_ms"].get<double>());
    }
    direct_all += direct;
    relayed_all += relayed;
    std::cout << "nat lab birthday: node in " << node_at << " (" << (node_at == "h1" ? "MASQUERADE" : "--random-fully")
              << "), probes from " << probe_from << " (hard side: the " << hard << "): " << direct << "/" << trials
              << " direct, " << relayed << " relayed, connect_ms p50 " << percentile(connect_ms, 0.5) << " max "
              << percentile(connect_ms, 1.0) << "\n";
  }
  EXPECT_EQ(direct_all + relayed_all, 2 * trials);
  std::cout << "nat lab birthday: " << direct_all << "/" << 2 * trials << " direct in all\n";
  RecordProperty("birthday_direct", direct_all);
  RecordProperty("birthday_trials", 2 * trials);
}

TEST_F(NatLabBareMasquerade, ARouterThatAcceptsUnsolicitedPacketsStillConnects) {
  // Without the router's own input filter, the initiator's first IHello
  // reaches nat1 before the node's RHello leaves; conntrack takes that
  // tuple for the router itself and gives the node's mapping toward the
  // initiator a new port, so simultaneous punching fails (scripts/nat-lab.sh).
  // The NAT checks see the same thing happen to their own probes (new ports
  // toward the rendezvous's other sockets): both sides report an
  // endpoint-dependent mapping, and the introducer relays at once.
  const auto [id, reflexive] = start_node("h1");
  ASSERT_EQ(id.size(), 64u);
  int relayed = 0;
  std::vector<double> ms;
  for (int i = 0; i < 3; ++i) {
    auto j = probe("h2", id, 8);
    SCOPED_TRACE(j.dump());
    ASSERT_EQ(j["ok"], true);
    relayed += j["path"] == "relayed" ? 1 : 0;
    ms.push_back(j["connect_ms"].get<double>());
  }
  std::cout << "nat lab (router accepting unsolicited packets): 5/5 connected, " << relayed
            << " relayed, connect_ms p50 " << percentile(ms, 0.5) << " max " << percentile(ms, 1.0) << "\n";
}

TEST_F(NatLabPeersBlocked, PeersThatCannotExchangeUdpConnectThroughTheRelay) {
  // Both NATs are home routers, as their NAT checks find (those reach the
  // rendezvous's sockets): the introducer plans direct punching. It cannot
  // open here; the probe repeats its IHello (RFC 7016 §3.5.1.1.1: after
  // 1.5 s, then 3 s more), and a repeat 4 s or more after the direct
  // introduction tells the introducer so: the relay joins.
  const auto [id, reflexive] = start_node("h1");
  ASSERT_EQ(id.size(), 64u);
  std::vector<double> ms;
  for (int i = 0; i < 3; ++i) {
    auto j = probe("h2", id, 8);
    SCOPED_TRACE(j.dump());
    ASSERT_EQ(j["ok"], true);
    EXPECT_EQ(j["path"], "relayed");
    EXPECT_EQ(j["strategy"], "direct");
    ms.push_back(j["connect_ms"].get<double>());
  }
  std::cout << "nat lab (UDP blocked between the peers): " << ms.size() << "/3 relayed after direct, connect_ms p50 " << percentile(ms, 0.5)
            << " max " << percentile(ms, 1.0) << "\n";
}

}  // namespace
}  // namespace rtmfp::testing
