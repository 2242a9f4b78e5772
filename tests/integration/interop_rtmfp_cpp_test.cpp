// Interop with an implementation we did not write: the RFC 7016/7425 author's
// rtmfp-cpp (test-only peer, built in the build tree from ../shared/peers by
// tests/interop/rtmfp_cpp_peer.cmake; never linked into the product). These
// are the first independent checks of our flash profile (RFC 7425 §4: packet
// keys §4.6.3-4.6.4 (the session nonces of §4.6.5 are not compared: we do not
// print ours), HMAC §4.7.3.2, session sequence numbers §4.7.3.3,
// checksum §4.7.3.1, certificate fingerprints §4.3.2) and of RTMP over RTMFP
// (RFC 7425 §5) in both directions:
//  1. `rtmfp probe --crypto flash` against its `echoserver` in every HMAC/SSEQ
//     mode (default = both required, -H, -S, -H -S), and against its
//     `tcserver` with ephemeral and static (-x) responder keys.
//  2. its `tcconn` opening a session and a NetConnection to our `rtmfp
//     rendezvous`.
//  2b. introductions the Flash way (RFC 7425 §5.3.3 setPeerInfo, §5.4.1): our
//     `rtmfp node --crypto flash` registered at its `tcserver` and reached by
//     our probe through tcserver's introduction; its `tcconn` (which sends
//     setPeerInfo) registered at our rendezvous and reached by our probe
//     through ours.
//  3. `rtmfp relay` publishing into its `tcserver`, played back by its
//     `tcconn` and by our relay (payloads compared); its `tcconn` playing from
//     our `rtmfp relay --to rtmfp-listen://` (lengths, exact timestamps); its
//     `tcrelay` (RTMFP client) carrying our rtmfp-listen stream to RTMP
//     (payloads compared); its `tcpublish` publishing into our
//     `rtmfp relay --from rtmfp-listen://` (payloads compared).
// Every wait is for a line the other program prints. The peer's tools print
// with printf to a pipe, so they run under `stdbuf -oL` (line-buffered).
#include <nlohmann/json.hpp>

#include <atomic>
#include <future>
#include <regex>
#include <sstream>

#include "media/io/relay.hpp"
#include "tests/integration/rtmp_test_util.hpp"
#include "tests/support/fifo.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/stderr_wait.hpp"

using namespace rtmp_it;

using rtmfp::testing::wait_stderr;

namespace {

const std::string kCli = RTMFP_CLI;
const std::string kPeerBin = RTMFP_CPP_PEER_BIN;

#define REQUIRE_PEER()                                                                                      \
  do {                                                                                                      \
    if (kPeerBin.empty())                                                                                   \
      GTEST_SKIP() << "interop peer rtmfp-cpp not found at " RTMFP_CPP_PEER_SRC                             \
                      " when CMake ran (a clone without ../shared/peers): interop tests skipped";          \
  } while (0)

// A child whose stdout lines are all kept (for waiting on events and for the
// failure messages).
class Proc {
 public:
  static std::optional<Proc> start(std::vector<std::string> argv) {
    auto p = ChildProcess::spawn(argv);
    if (!p) return std::nullopt;
    return Proc(std::move(*p), argv);
  }
  // A peer tool: line-buffered stdout, so each printf line arrives as printed.
  static std::optional<Proc> peer(const std::string& tool, std::vector<std::string> args) {
    args.insert(args.begin(), {"stdbuf", "-oL", "-eL", kPeerBin + "/" + tool});
    return start(std::move(args));
  }

  // Reads lines until one contains `needle` (returns it) or `timeout` passes.
  std::optional<std::string> wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    for (std::size_t i = scanned_; i < lines_.size(); ++i)
      if (lines_[i].find(needle) != std::string::npos) {
        scanned_ = i + 1;
        return lines_[i];
      }
    scanned_ = lines_.size();
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto l = proc_.read_line(left);
      if (!l) {
        if (std::chrono::steady_clock::now() < end) eof_ = true;  // EOF (the program ended)
        return std::nullopt;
      }
      lines_.push_back(*l);
      scanned_ = lines_.size();
      if (l->find(needle) != std::string::npos) return l;
    }
    return std::nullopt;
  }
  // Reads the rest of stdout (after the program ended or was signalled).
  void drain(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      auto l = proc_.read_line(left);
      if (!l) {
        if (std::chrono::steady_clock::now() < end) eof_ = true;
        return;
      }
      lines_.push_back(*l);
    }
  }
  // SIGINT (every peer tool shuts down cleanly on it), then the exit status.
  std::optional<int> stop(std::chrono::milliseconds timeout = 10s) {
    proc_.signal(SIGINT);
    auto rc = proc_.wait(timeout);
    if (!rc) {
      proc_.signal(SIGKILL);
      (void)proc_.wait(5s);
    }
    drain(2s);
    return rc;
  }
  std::optional<int> wait(std::chrono::milliseconds timeout) { return proc_.wait(timeout); }
  void signal(int sig) { proc_.signal(sig); }
  bool exited() const { return proc_.exited(); }
  const std::vector<std::string>& lines() const { return lines_; }
  std::string stderr_text() const { return proc_.stderr_text(); }
  std::string transcript() const {
    std::ostringstream s;
    s << "--- " << what_ << " stdout:\n";
    for (const auto& l : lines_) s << l << "\n";
    s << "--- stderr:\n" << proc_.stderr_text();
    return s.str();
  }

 private:
  Proc(ChildProcess p, const std::vector<std::string>& argv) : proc_(std::move(p)) {
    for (const auto& a : argv) what_ += (what_.empty() ? "" : " ") + a;
  }
  ChildProcess proc_;
  std::string what_;
  std::vector<std::string> lines_;
  std::size_t scanned_ = 0;
  bool eof_ = false;
};

// Waits until the child's stderr contains `text`; false on timeout.

// "bound to 127.0.0.1:PORT" (echoserver) → PORT.
int port_after(const std::string& line, const std::string& prefix) {
  auto at = line.find(prefix);
  if (at == std::string::npos) return 0;
  return std::atoi(line.c_str() + at + prefix.size());
}

// echoserver -B 127.0.0.1:0 [flags]: its port and certificate fingerprint.
struct Peer {
  Proc proc;
  int port = 0;
  std::string fingerprint;
};
std::optional<Peer> start_echoserver(const std::vector<std::string>& flags) {
  std::vector<std::string> args{"-B", "127.0.0.1:0"};
  args.insert(args.end(), flags.begin(), flags.end());
  auto p = Proc::peer("echoserver", args);
  if (!p) return std::nullopt;
  Peer e{std::move(*p), 0, {}};
  auto fp = e.proc.wait_for("my fingerprint: ", 10s);
  auto bound = e.proc.wait_for("bound to 127.0.0.1:", 10s);
  if (!fp || !bound) {
    ADD_FAILURE() << "echoserver did not start\n" << e.proc.transcript();
    return std::nullopt;
  }
  std::istringstream s(fp->substr(fp->find(": ") + 2));
  s >> e.fingerprint;
  e.port = port_after(*bound, "bound to 127.0.0.1:");
  return e;
}

// tcserver -B 127.0.0.1:0 [flags]: its RTMFP port and fingerprint, from its
// JSON log lines ("@type":"rtmfp" then "@type":"listen").
std::optional<Peer> start_tcserver(const std::vector<std::string>& flags) {
  std::vector<std::string> args{"-B", "127.0.0.1:0"};
  args.insert(args.end(), flags.begin(), flags.end());
  auto p = Proc::peer("tcserver", args);
  if (!p) return std::nullopt;
  Peer e{std::move(*p), 0, {}};
  auto fp = e.proc.wait_for("\"@type\":\"rtmfp\"", 10s);
  auto listen = e.proc.wait_for("\"@type\":\"listen\"", 10s);
  if (!fp || !listen) {
    ADD_FAILURE() << "tcserver did not start\n" << e.proc.transcript();
    return std::nullopt;
  }
  e.fingerprint = nlohmann::json::parse(*fp)["fingerprint"];
  e.port = port_after(nlohmann::json::parse(*listen)["bind"].get<std::string>(), "127.0.0.1:");
  if (e.port <= 0) {
    ADD_FAILURE() << "no port in " << *listen;
    return std::nullopt;
  }
  return e;
}


// "stats sessions=1 open=1 ... packets_in=7 ... dropped=0" → the value of `key`.
long stat_of(const std::string& line, const std::string& key) {
  auto at = line.find(" " + key + "=");
  if (at == std::string::npos) return -1;
  return std::atol(line.c_str() + at + key.size() + 2);
}

// True once a socket listens on 127.0.0.1:port (a LISTEN row, state 0A, in
// /proc/net/tcp), polled until `timeout`.
bool tcp_listening(int port, std::chrono::milliseconds timeout) {
  char local[32];
  std::snprintf(local, sizeof local, "0100007F:%04X", unsigned(port));
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    std::ifstream f("/proc/net/tcp");
    std::string line;
    while (std::getline(f, line)) {
      std::istringstream row(line);
      std::string sl, loc, rem, st;
      row >> sl >> loc >> rem >> st;
      if (loc == local && st == "0A") return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// One audio/video message as the peer's tcconn prints it:
// "stream onVideo ts: T len: L" / "stream onAudio ts: T len: L".
struct Frame {
  TagType type;
  std::uint32_t ts;
  std::size_t len;
};
std::vector<Frame> tcconn_frames(const std::vector<std::string>& lines) {
  static const std::regex re(R"(stream on(Video|Audio) ts: (\d+) len: (\d+))");
  std::vector<Frame> r;
  for (const auto& l : lines) {
    std::smatch m;
    if (std::regex_search(l, m, re))
      r.push_back({m[1] == "Video" ? TagType::video : TagType::audio, std::uint32_t(std::stoul(m[2])),
                   std::size_t(std::stoul(m[3]))});
  }
  return r;
}

// Every audio and video frame of the file arrives, in order per type, with the
// same length, and with timestamps equal up to one constant offset (0 when
// `exact_ts`).
void expect_frames(const std::vector<Tag>& in_all, const std::vector<Frame>& got, bool exact_ts) {
  ASSERT_FALSE(in_all.empty());
  std::optional<std::int64_t> offset;
  if (exact_ts) offset = 0;
  for (auto type : {TagType::audio, TagType::video}) {
    auto in = of_type(in_all, type);
    std::vector<Frame> out;
    for (const auto& f : got)
      if (f.type == type) out.push_back(f);
    ASSERT_FALSE(in.empty());
    ASSERT_EQ(out.size(), in.size()) << "every frame of type " << int(type) << " must arrive";
    if (!offset) offset = std::int64_t(out[0].ts) - std::int64_t(in[0]->timestamp);
    for (std::size_t i = 0; i < in.size(); ++i) {
      ASSERT_EQ(out[i].len, in[i]->data.size()) << "length of type " << int(type) << " frame " << i;
      ASSERT_EQ(std::int64_t(out[i].ts) - std::int64_t(in[i]->timestamp), *offset)
          << "timestamp of type " << int(type) << " frame " << i;
    }
  }
}

std::string url(const char* scheme, int port, const std::string& rest) {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + rest;
}

}  // namespace

// ---- 1. our probe (initiator) against echoserver (responder) -------------

class ProbeEchoserver : public ::testing::TestWithParam<std::vector<std::string>> {};

// RFC 7425 §4.6.4/§4.6.6 negotiation and §4.7 packet checks with the far end
// asking for HMAC and/or SSEQ (SND|SOR|REQ) or neither: the probe's pings
// only come back if both ends derived the same keys (§4.6.3-4.6.4) and frame
// packets the same way (§4.7.2-4.7.3). --peer-id makes the EPD a Fingerprint
// (§4.4.2.3) that must select echoserver's certificate (§4.3.2).
TEST_P(ProbeEchoserver, HandshakeAndPingsSucceed) {
  REQUIRE_PEER();
  auto echo = start_echoserver(GetParam());
  ASSERT_TRUE(echo);
  for (bool by_fingerprint : {false, true}) {
    SCOPED_TRACE(by_fingerprint ? "EPD = fingerprint" : "EPD = URI (ancillary data)");
    std::vector<std::string> argv{kCli, "probe", url("rtmfp", echo->port, "/app"), "--crypto", "flash",
                                  "--count", "5", "--timeout", "10", "--json"};
    if (by_fingerprint) argv.insert(argv.end(), {"--peer-id", echo->fingerprint});
    auto res = run_command(argv, 30s);
    ASSERT_EQ(res.exit_code, 0) << res.out << res.err << "\n" << echo->proc.transcript();
    auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["crypto"], "flash");
    EXPECT_EQ(j["peer_id"], echo->fingerprint) << "our fingerprint of its certificate (RFC 7425 §4.3.2)";
    EXPECT_EQ(j["rtt_ms"].size(), 5u);
  }
  EXPECT_EQ(echo->proc.stop(), 0) << echo->proc.transcript();
}

// -H: don't require HMAC; -S: don't require session sequence numbers.
std::string echo_mode_name(const ::testing::TestParamInfo<std::vector<std::string>>& info) {
  bool hmac = true;
  bool sseq = true;
  for (const auto& f : info.param) (f == "-H" ? hmac : sseq) = false;
  if (!hmac && !sseq) return "ChecksumOnly";
  return std::string("Require") + (hmac ? "Hmac" : "") + (sseq ? "Sseq" : "");
}

INSTANTIATE_TEST_SUITE_P(Modes, ProbeEchoserver,
                         ::testing::Values(std::vector<std::string>{}, std::vector<std::string>{"-H"},
                                           std::vector<std::string>{"-S"}, std::vector<std::string>{"-H", "-S"}),
                         echo_mode_name);

// Both key modes our default (static-key, like Flash Player) initiator can
// meet: tcserver's ephemeral certificate (§4.6.1.3) and, with -x, its static
// Diffie-Hellman certificate (§4.6.1.4: both sides salt with Extra
// Randomness). tcserver requires HMAC and SSEQ.
TEST(InteropProbe, BothResponderKeyModesOfTcserver) {
  REQUIRE_PEER();
  for (std::vector<std::string> flags : {std::vector<std::string>{}, std::vector<std::string>{"-x"}}) {
    SCOPED_TRACE(flags.empty() ? "ephemeral responder (RFC 7425 §4.6.1.3)" : "static responder (RFC 7425 §4.6.1.4)");
    auto server = start_tcserver(flags);
    ASSERT_TRUE(server);
    auto res = run_command({kCli, "probe", url("rtmfp", server->port, "/live"), "--crypto", "flash", "--peer-id",
                            server->fingerprint, "--count", "3", "--timeout", "10", "--json"},
                           30s);
    EXPECT_EQ(res.exit_code, 0) << res.out << res.err << "\n" << server->proc.transcript();
    if (res.exit_code == 0) {
      auto j = nlohmann::json::parse(res.out);
      EXPECT_EQ(j["peer_id"], server->fingerprint);
      EXPECT_EQ(j["rtt_ms"].size(), 3u);
    }
    EXPECT_EQ(server->proc.stop(), 0) << server->proc.transcript();
  }
}

// ---- 2. tcconn (initiator) against our rendezvous (responder) -----------

// tcconn requires HMAC and SSEQ by default and keys static/ephemeral
// (§4.6.1.3, like Flash Player); "transport open" means the session reached
// S_OPEN with our responder keys. Its printed server fingerprint must be our
// flash peer ID, with the URI EPD and with -f (a Fingerprint EPD).
TEST(InteropTcconn, OpensASessionToOurRendezvous) {
  REQUIRE_PEER();
  for (std::vector<std::string> flags : {std::vector<std::string>{}, std::vector<std::string>{"-H", "-S"}}) {
    auto rdv = Proc::start(
        {kCli, "rendezvous", "--listen", "127.0.0.1:0", "--crypto", "flash", "--stats-interval", "0.2"});
    ASSERT_TRUE(rdv);
    auto first = rdv->wait_for("listening rtmfp://127.0.0.1:", 10s);
    ASSERT_TRUE(first) << rdv->transcript();
    const int port = port_after(*first, "listening rtmfp://127.0.0.1:");
    const std::string flash_id = first->substr(first->rfind(' ') + 1);
    ASSERT_EQ(flash_id.size(), 64u) << *first;
    long stats_base = 0;  // packets_in before this tcconn
    for (bool with_f : {false, true}) {
      SCOPED_TRACE(std::string(with_f ? "-f fingerprint" : "URI EPD") + (flags.empty() ? "" : " -H -S"));
      std::vector<std::string> args{"-4"};
      args.insert(args.end(), flags.begin(), flags.end());
      if (with_f) args.insert(args.end(), {"-f", flash_id});
      args.push_back(url("rtmfp", port, "/app"));
      auto tc = Proc::peer("tcconn", args);
      ASSERT_TRUE(tc);
      auto open = tc->wait_for("transport open", 15s);
      ASSERT_TRUE(open) << tc->transcript() << rdv->transcript();
      auto fp = tc->wait_for("fingerprint: ", 5s);
      ASSERT_TRUE(fp) << tc->transcript();
      EXPECT_EQ(fp->substr(fp->find(": ") + 2), flash_id) << "its fingerprint of our certificate (RFC 7425 §4.3.2)";
      // "transport open" comes with the RIKeying (default key). Its next
      // packets (the connect on a flow) use the session keys with HMAC and
      // SSEQ: our responder must verify them (no drops) - wait until packets
      // beyond the handshake arrived. The rendezvous answers its RFC 7425
      // §5.3 NetConnection (the Flash way to register): connect succeeds.
      bool verified = false;
      std::string stats;
      const auto end = std::chrono::steady_clock::now() + 15s;
      while (!verified && std::chrono::steady_clock::now() < end) {
        auto l = rdv->wait_for("stats sessions=", 2s);
        if (!l) continue;
        stats = *l;
        verified = stat_of(stats, "packets_in") > stats_base + 2;
      }
      EXPECT_TRUE(tc->wait_for("onConnect success", 10s)) << tc->transcript();
      ASSERT_TRUE(verified) << stats << "\n" << tc->transcript() << rdv->transcript();
      EXPECT_EQ(stat_of(stats, "dropped"), 0) << stats << "\n" << tc->transcript();
      stats_base = stat_of(stats, "packets_in");
      auto rc = tc->stop();
      EXPECT_TRUE(rc) << tc->transcript();
    }
    rdv->signal(SIGINT);
    EXPECT_EQ(rdv->wait(10s), 0) << rdv->transcript();
  }
}

// ---- 2b. introductions the Flash way both ways ----------------------------

// Our `rtmfp node --crypto flash` registers at tcserver (NetConnection connect
// + setPeerInfo, RFC 7425 §5.3) under its flash client identity; our probe
// sends tcserver an IHello with a Fingerprint EPD for the node's peer ID
// (§5.4.1), tcserver answers with a Redirect and forwards the IHello to the
// node (RFC 7016 §3.5.1.6), whose RHello opens the session directly.
// tcserver never tells a client its reflexive address, so the node prints
// "reflexive unknown".
TEST(InteropIntroduction, OurFlashNodeRegisteredAtTcserverIsReachedByOurProbe) {
  REQUIRE_PEER();
  auto tcs = start_tcserver({"-v"});  // -v: it logs lookups and introductions
  ASSERT_TRUE(tcs);
  const std::string rv = url("rtmfp", tcs->port, "");
  auto node = Proc::start({kCli, "node", "--rendezvous", rv + "/live", "--crypto", "flash", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(node);
  auto first = node->wait_for("node peer-id ", 15s);
  ASSERT_TRUE(first) << node->transcript() << tcs->proc.transcript();
  std::istringstream words(*first);
  std::string w[7];
  for (auto& x : w) words >> x;
  const std::string id = w[2];
  ASSERT_EQ(id.size(), 64u) << *first;
  EXPECT_EQ(w[3], "registered");
  EXPECT_EQ(w[4], rv) << *first;
  EXPECT_EQ(w[5] + " " + w[6], "reflexive unknown") << *first;
  // tcserver introduces only clients that sent setPeerInfo.
  auto peer_info = tcs->proc.wait_for("\"@type\":\"setPeerInfo\"", 10s);
  ASSERT_TRUE(peer_info) << tcs->proc.transcript();
  const auto info = nlohmann::json::parse(*peer_info);
  EXPECT_EQ(info["connectionID"], id) << "its peer ID for us is our node's";
  const std::string node_address = info["address"];  // where tcserver sees our node
  auto res = run_command({kCli, "probe", rv + "/peer/" + id, "--crypto", "flash", "--count", "3", "--timeout", "10",
                          "--json"},
                         30s);
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err << "\n" << node->transcript() << tcs->proc.transcript();
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["peer_id"], id);
  EXPECT_EQ(j["peer_address"], node_address) << "direct to the node, not through tcserver";
  EXPECT_EQ(j["rtt_ms"].size(), 3u);
  EXPECT_TRUE(tcs->proc.wait_for("\"@type\":\"rtmfp-intro\"", 10s)) << tcs->proc.transcript();
  node->signal(SIGTERM);
  EXPECT_EQ(node->wait(10s), 0) << node->transcript();
  EXPECT_EQ(tcs->proc.stop(), 0) << tcs->proc.transcript();
}

// Its tcconn connects to our rendezvous (NetConnection connect, then
// setPeerInfo, RFC 7425 §5.3.3, with no addresses) and stays connected; our
// probe reaches it by the fingerprint it prints ("my fingerprint: ", its
// certificate's, which its session to us was keyed with) through our
// introduction: Redirect to the probe, Forwarded IHello to tcconn, whose
// RHello (it sets FI_SEND_RHELLO on its server session) opens the session.
TEST(InteropIntroduction, TcconnRegisteredAtOurRendezvousIsReachedByOurProbe) {
  REQUIRE_PEER();
  auto rdv = Proc::start({kCli, "rendezvous", "--listen", "127.0.0.1:0", "--crypto", "flash", "--stats-interval", "0.2"});
  ASSERT_TRUE(rdv);
  auto first = rdv->wait_for("listening rtmfp://127.0.0.1:", 10s);
  ASSERT_TRUE(first) << rdv->transcript();
  const int port = port_after(*first, "listening rtmfp://127.0.0.1:");
  auto tc = Proc::peer("tcconn", {"-4", url("rtmfp", port, "/app")});
  ASSERT_TRUE(tc);
  auto fp = tc->wait_for("my fingerprint: ", 10s);
  ASSERT_TRUE(fp) << tc->transcript();
  const std::string id = fp->substr(fp->find(": ") + 2);
  ASSERT_EQ(id.size(), 64u) << *fp;
  auto bound = tc->wait_for("bound to IPv4 port ", 10s);
  ASSERT_TRUE(bound) << tc->transcript();
  const int tc_port = port_after(*bound, "bound to IPv4 port ");
  ASSERT_TRUE(tc->wait_for("onConnect success", 15s)) << tc->transcript() << rdv->transcript();
  // Its setPeerInfo follows the connect; the probe does not depend on it (the
  // rendezvous registers every session at open), but the stream it then asks
  // for must not end the NetConnection (createStream succeeds, the stream's
  // flow is rejected, RFC 7425 §5.3.5.3).
  ASSERT_TRUE(tc->wait_for("stream onOpen", 10s)) << tc->transcript();
  auto res = run_command({kCli, "probe", url("rtmfp", port, "/peer/" + id), "--crypto", "flash", "--count", "3",
                          "--timeout", "10", "--json"},
                         30s);
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err << "\n" << tc->transcript() << rdv->transcript();
  auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["peer_id"], id) << "our fingerprint of its certificate (RFC 7425 §4.3.2)";
  EXPECT_EQ(j["peer_address"], "127.0.0.1:" + std::to_string(tc_port)) << "direct to tcconn, not through us";
  EXPECT_EQ(j["rtt_ms"].size(), 3u);
  // Still connected to us: the probe's session was its own.
  bool introduced = false;
  for (int i = 0; i < 50 && !introduced; ++i) {
    auto l = rdv->wait_for("stats sessions=", 2s);
    if (l)
      introduced = stat_of(*l, "introductions") >= 1 && stat_of(*l, "registered") == 1 &&
                   stat_of(*l, "netconnections") == 1;
  }
  EXPECT_TRUE(introduced) << rdv->transcript();
  for (const auto& l : tc->lines()) EXPECT_EQ(l.find("connection onClosed"), std::string::npos) << tc->transcript();
  (void)tc->stop();
  rdv->signal(SIGINT);
  EXPECT_EQ(rdv->wait(10s), 0) << rdv->transcript();
}

// ---- 3. RTMP over RTMFP (RFC 7425 §5) both ways -------------------------

class InteropMedia : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_PEER();
    if (!have("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed (makes the test FLV)";
    dir_.emplace("interop_media_it");
    input_ = dir_->path() / "in.flv";
    ASSERT_TRUE(make_test_flv(input_, 3));  // H.264 + AAC, keyframe every second
  }
  std::optional<TempDir> dir_;
  fs::path input_;
};

// Our relay publishes FILE → rtmfp://tcserver/live/s (our NetConnection client,
// §5.3, and stream flows, §5.3.5). Two players subscribed first: its tcconn
// (frame counts, lengths, timestamps) and our relay playing rtmfp://tcserver
// into a file (payloads byte-identical: its server's §5 sender, our receiver).
TEST_F(InteropMedia, OurRelayPublishesIntoTcserver) {
  // Long queue lifetimes and no GOP expiry (-V/-A/-E): a loaded machine must
  // not make its server abandon late frames (its real-time policy, not under test).
  auto tcs = start_tcserver({"-V", "60", "-A", "60", "-E"});
  ASSERT_TRUE(tcs);
  const int port = tcs->port;
  Proc* server = &tcs->proc;

  auto tc = Proc::peer("tcconn", {"-4", url("rtmfp", port, "/live#s")});
  ASSERT_TRUE(tc);
  ASSERT_TRUE(tc->wait_for("NetStream.Play.Start", 15s)) << tc->transcript() << server->transcript();
  const fs::path out = dir_->path() / "out.flv";
  auto player = Proc::start({kCli, "relay", "--crypto", "flash", "--from", url("rtmfp", port, "/live/s"), "--to",
                             out.string()});
  ASSERT_TRUE(player);
  // Both subscribed (tcserver logs one "play" line per play command).
  ASSERT_TRUE(server->wait_for("\"@type\":\"play\"", 15s)) << server->transcript();
  ASSERT_TRUE(server->wait_for("\"@type\":\"play\"", 15s)) << server->transcript() << player->transcript();

  auto pub = run_command({kCli, "relay", "--realtime", "--crypto", "flash", "--from", input_.string(), "--to",
                          url("rtmfp", port, "/live/s")},
                         60s);
  EXPECT_EQ(pub.exit_code, rtmfp::media::io::relay_ok) << pub.err << server->transcript();
  // The end of the publication reaches both players (UnpublishNotify).
  EXPECT_TRUE(tc->wait_for("NetStream.Play.UnpublishNotify", 20s)) << tc->transcript();
  auto prc = player->wait(20s);
  EXPECT_EQ(prc, rtmfp::media::io::relay_ok) << player->transcript();
  (void)tc->stop();
  (void)server->stop();
  SCOPED_TRACE(tc->transcript());
  const auto in = av_tags(input_);
  {
    SCOPED_TRACE("its tcconn playing from its tcserver");
    expect_frames(in, tcconn_frames(tc->lines()), false);
  }
  {
    SCOPED_TRACE("our relay playing from its tcserver");
    expect_same_av(in, av_tags(out));
  }
}

// FILE → our `rtmfp relay --to rtmfp-listen://…/live/s` ← its tcconn plays
// rtmfp://…/live#s: our NetConnection server (§5.3.1-5.3.4) and stream
// sender (§5.3.5) as a third-party client sees them. Timestamps are exact.
TEST_F(InteropMedia, TcconnPlaysFromOurListenRelay) {
  const fs::path fifo = dir_->path() / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto server = Proc::start({kCli, "relay", "--from", fifo.string(), "--to", url("rtmfp-listen", 0, "/live/s")});
  ASSERT_TRUE(server);
  std::atomic<bool> go{false};
  auto writer = std::async(std::launch::async, [&] {
    auto tags = all_tags(input_);
    // Close-on-exec (see rtmfp_relay_test); never waits for a reader that died.
    std::FILE* f = rtmfp::testing::open_fifo_writer(fifo, [&] { return server->exited(); }, 30s);
    if (!f) return;
    rtmfp::Bytes bytes;
    rtmfp::media::flv::write_header(rtmfp::media::flv::Header{}, bytes);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fflush(f);
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    while (!go && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(10ms);
    const auto start = std::chrono::steady_clock::now();
    for (const auto& t : tags) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(t.timestamp));
      bytes.clear();
      (void)rtmfp::media::flv::write_tag(t, bytes);
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fflush(f);
    }
    std::fclose(f);
  });
  struct Release {
    std::atomic<bool>& go;
    ~Release() { go = true; }
  } release{go};

  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->transcript();
  const int port = *listening;
  auto tc = Proc::peer("tcconn", {"-4", url("rtmfp", port, "/live#s")});
  ASSERT_TRUE(tc);
  ASSERT_TRUE(tc->wait_for("transport open", 15s)) << tc->transcript() << server->transcript();
  ASSERT_TRUE(tc->wait_for("onConnect success", 15s)) << tc->transcript() << server->transcript();
  ASSERT_TRUE(wait_stderr(*server, "playing live/s", 15s)) << server->transcript() << tc->transcript();
  go = true;
  auto src = server->wait(40s);
  EXPECT_EQ(src, rtmfp::media::io::relay_ok) << server->transcript();
  writer.wait();
  // Our server ended the stream and closed; tcconn sees its connection close.
  EXPECT_TRUE(tc->wait_for("connection onClosed", 20s)) << tc->transcript();
  (void)tc->stop();
  const std::string log = server->stderr_text();
  EXPECT_NE(log.find("session open (flash profile)"), std::string::npos) << log;
  EXPECT_NE(log.find("setPeerInfo"), std::string::npos) << log;
  SCOPED_TRACE(tc->transcript());
  expect_frames(av_tags(input_), tcconn_frames(tc->lines()), true);
}

// Its tcpublish publishes FILE into our `rtmfp relay --from rtmfp-listen://…
// --to out.flv`: our NetConnection server receiving a third-party publisher's
// stream flows (§5.3.5); payloads byte-identical, timestamps exact.
// tcpublish closes its connection in the same run-loop turn as it sends its
// last tag, which can cut the last messages (its own tcserver loses them too),
// so the file it publishes ends with a script-data tag one second after the
// media; only audio and video are compared.
TEST_F(InteropMedia, TcpublishPublishesIntoOurListenRelay) {
  const fs::path pub_in = dir_->path() / "pub.flv";
  {
    rtmfp::Bytes bytes;
    rtmfp::media::flv::write_header(rtmfp::media::flv::Header{}, bytes);
    std::uint32_t last = 0;
    for (const auto& t : all_tags(input_)) {
      last = std::max(last, t.timestamp);
      ASSERT_TRUE(rtmfp::media::flv::write_tag(t, bytes));
    }
    Tag tail;
    tail.type = TagType::script;
    tail.timestamp = last + 1000;
    const std::string name = "onInteropEnd";  // AMF0 string (type 2, u16 length)
    tail.data = {0x02, 0x00, std::uint8_t(name.size())};
    tail.data.insert(tail.data.end(), name.begin(), name.end());
    ASSERT_TRUE(rtmfp::media::flv::write_tag(tail, bytes));
    std::ofstream(pub_in, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  const fs::path out = dir_->path() / "out.flv";
  auto server = Proc::start({kCli, "relay", "--from", url("rtmfp-listen", 0, "/live/s"), "--to", out.string()});
  ASSERT_TRUE(server);
  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->transcript();
  const int port = *listening;
  // -V/-A/-E: no abandoning of late frames on a loaded machine (see above).
  auto pub = Proc::peer("tcpublish",
                        {"-4", "-V", "60", "-A", "60", "-E", url("rtmfp", port, "/live#s"), pub_in.string()});
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->wait_for("publish start.", 15s)) << pub->transcript() << server->transcript();
  EXPECT_TRUE(pub->wait_for("publish stop.", 30s)) << pub->transcript();
  EXPECT_EQ(pub->wait(20s), 0) << pub->transcript();
  EXPECT_EQ(server->wait(30s), rtmfp::media::io::relay_ok) << server->transcript();
  const std::string log = server->stderr_text();
  EXPECT_NE(log.find("session open (flash profile)"), std::string::npos) << log;
  EXPECT_NE(log.find("publishing live/s"), std::string::npos) << log;
  auto in = av_tags(input_), got = av_tags(out);
  expect_same_av(in, got);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(of_type(got, TagType::video).front()->timestamp, of_type(in, TagType::video).front()->timestamp);
}

// FILE → our `rtmfp relay --to rtmfp-listen://…/live/s` ← its tcrelay (RTMP in,
// RTMFP out: its RTMFP client, §5.3) ← our `rtmfp relay --from rtmp://tcrelay
// --to out.flv`: what its RTMFP client received from our server, byte for
// byte (tcconn prints only lengths).
TEST_F(InteropMedia, TcrelayCarriesOurListenRelayToRtmpPayloadsIdentical) {
  const fs::path fifo = dir_->path() / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto server = Proc::start({kCli, "relay", "--from", fifo.string(), "--to", url("rtmfp-listen", 0, "/live/s")});
  ASSERT_TRUE(server);
  std::atomic<bool> go{false};
  auto writer = std::async(std::launch::async, [&] {
    auto tags = all_tags(input_);
    // Close-on-exec (see rtmfp_relay_test); never waits for a reader that died.
    std::FILE* f = rtmfp::testing::open_fifo_writer(fifo, [&] { return server->exited(); }, 30s);
    if (!f) return;
    rtmfp::Bytes bytes;
    rtmfp::media::flv::write_header(rtmfp::media::flv::Header{}, bytes);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fflush(f);
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    while (!go && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(10ms);
    const auto start = std::chrono::steady_clock::now();
    for (const auto& t : tags) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(t.timestamp));
      bytes.clear();
      (void)rtmfp::media::flv::write_tag(t, bytes);
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fflush(f);
    }
    std::fclose(f);
  });
  struct Release {
    std::atomic<bool>& go;
    ~Release() { go = true; }
  } release{go};
  const auto listening = rtmfp::testing::listening_port(*server, 10s);
  ASSERT_TRUE(listening) << server->transcript();
  const int port = *listening;

  const int rtmp_port = free_port();
  auto tcrelay = Proc::peer("tcrelay", {"-i", "rtmp", "-o", "rtmfp", "-V", "60", "-A", "60", "-E", "-B",
                                        "127.0.0.1:" + std::to_string(rtmp_port), "127.0.0.1", std::to_string(port)});
  ASSERT_TRUE(tcrelay);
  // tcrelay prints nothing when its RTMP listener is up: watch the kernel's
  // socket table instead of connecting (a probe connection would be relayed).
  ASSERT_TRUE(tcp_listening(rtmp_port, 10s)) << tcrelay->transcript();
  const fs::path out = dir_->path() / "out.flv";
  auto player = Proc::start({kCli, "relay", "--from", url("rtmp", rtmp_port, "/live/s"), "--to", out.string()});
  ASSERT_TRUE(player);
  ASSERT_TRUE(wait_stderr(*server, "playing live/s", 15s)) << server->transcript() << tcrelay->transcript()
                                                           << player->transcript();
  go = true;
  EXPECT_EQ(server->wait(40s), rtmfp::media::io::relay_ok) << server->transcript();
  writer.wait();
  EXPECT_EQ(player->wait(30s), rtmfp::media::io::relay_ok) << player->transcript() << tcrelay->transcript();
  (void)tcrelay->stop();
  EXPECT_NE(server->stderr_text().find("session open (flash profile)"), std::string::npos) << server->transcript();
  auto in = av_tags(input_), got = av_tags(out);
  expect_same_av(in, got);
}
