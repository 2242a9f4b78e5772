// rtmfp node --rendezvous rtmfp://HOST:PORT [--rendezvous URI ...] [--listen ADDR:PORT ...] [--identity FILE]
//            [--rendezvous-peer-id HEX] [--trace FILE] [--turn turn://USER:PASS@HOST:PORT [--turn-permit IP]]
// --crypto modern (default) registers on our control plane; --crypto flash
// registers the Flash way (RFC 7425 §5.3 NetConnection connect + setPeerInfo)
// under a flash client identity, at our rendezvous or at any Cirrus-like
// server (rtmfp-cpp's tcserver); the --rendezvous URI's path is then the
// connect's app.
#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "rendezvous/io/node.hpp"
#include "rendezvous/turn/io/turn_interface.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "rtmfp/crypto/profiles.hpp"
#include "rtmfp/io/system_random.hpp"
#include "rtmfp/io/resolve.hpp"

namespace rtmfp::cli {

void add_node_command(CLI::App& app) {
  struct Opts {
    std::vector<std::string> rendezvous;
    std::vector<std::string> listen;
    std::string identity;
    std::string rendezvous_peer_id;
    std::string crypto = "modern";
    std::string trace;
    std::size_t max_datagram = 0;
    std::string turn;
    std::vector<std::string> turn_permits;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("node", "Run a peer: register at a rendezvous and stay reachable through it");
  cmd->add_option("--rendezvous", opts->rendezvous,
                  "rtmfp://HOST[:PORT] of the rendezvous; repeat for instances sharing one directory (the node "
                  "registers at the first that answers and moves to the next when it is lost)")
      ->required();
  cmd->add_option("--listen", opts->listen,
                  "Local UDP address, ADDR:PORT or [V6]:PORT (port 0 = any free port); repeat for several")
      ->default_str("0.0.0.0:0");
  cmd->add_option("--identity", opts->identity, "File holding the node identity (created if missing)");
  cmd->add_option("--rendezvous-peer-id", opts->rendezvous_peer_id, "Require the rendezvous with this peer ID");
  cmd->add_option("--crypto", opts->crypto,
                  "modern: register on our control plane; flash: register the Flash way (RFC 7425 NetConnection "
                  "connect + setPeerInfo, also at Cirrus-like servers such as rtmfp-cpp's tcserver; the "
                  "--rendezvous URI's path is the connect's app)")
      ->check(CLI::IsMember({"modern", "flash"}))
      ->capture_default_str();
  cmd->add_option("--trace", opts->trace, "Write a qlog-shaped JSON-lines trace to FILE");
  cmd->add_option("--turn", opts->turn,
                  "turn://USER:PASS@HOST[:PORT] of a TURN server (RFC 8656, UDP, long-term credentials): "
                  "allocate a relayed address, offer it to peers through the rendezvous, and send and "
                  "receive through it");
  cmd->add_option("--turn-permit", opts->turn_permits,
                  "With --turn: let datagrams from this IP through the relay at once (RFC 8656 permission); "
                  "repeat for several");
  add_max_datagram_option(cmd, opts->max_datagram);
  cmd->callback([opts] {
    if (opts->listen.empty()) opts->listen.push_back("0.0.0.0:0");
    std::vector<SocketAddress> listen;
    bool v4 = false, v6 = false;
    for (const auto& l : opts->listen) {
      auto a = SocketAddress::parse(l);
      if (!a) {
        std::fprintf(stderr, "rtmfp node: invalid --listen '%s' (expected ADDR:PORT)\n", l.c_str());
        exit_code() = 2;
        return;
      }
      (a->v6 ? v6 : v4) = true;
      listen.push_back(*a);
    }
    if (opts->rendezvous.size() > 1 && opts->crypto == "flash") {
      std::fprintf(stderr, "rtmfp node: several --rendezvous need --crypto modern (the control plane)\n");
      exit_code() = 2;
      return;
    }
    std::vector<rendezvous::NodeOptions::Rendezvous> rvs;
    std::optional<RtmfpUri> first_uri;
    asio::io_context resolver_io;
    for (const auto& text : opts->rendezvous) {
      auto uri = parse_uri(text);
      if (!uri) {
        std::fprintf(stderr, "rtmfp node: invalid --rendezvous '%s': %s\n", text.c_str(),
                     uri.error().message().c_str());
        exit_code() = 2;
        return;
      }
      auto addrs = io::resolve(resolver_io, uri->host, uri->port);
      if (!addrs) {
        std::fprintf(stderr, "rtmfp node: %s\n", addrs.error().message().c_str());
        exit_code() = 3;
        return;
      }
      // The rendezvous addresses a listening socket's family reaches.
      std::vector<SocketAddress> same_family;
      for (const auto& a : *addrs)
        if (a.v6 ? v6 : v4) same_family.push_back(a);
      if (same_family.empty()) {
        std::fprintf(stderr, "rtmfp node: %s has no %s address\n", uri->host.c_str(),
                     v4 && v6 ? "IPv4 or IPv6" : (v6 ? "IPv6" : "IPv4"));
        exit_code() = 3;
        return;
      }
      rvs.push_back({"rtmfp://" + (uri->host.find(':') != std::string::npos ? "[" + uri->host + "]" : uri->host) +
                         ":" + std::to_string(uri->port),
                     std::move(same_family)});
      if (!first_uri) first_uri = *uri;
    }
    std::optional<PeerId> rv_id;
    if (!opts->rendezvous_peer_id.empty()) {
      rv_id = parse_peer_id(opts->rendezvous_peer_id);
      if (!rv_id) {
        std::fprintf(stderr, "rtmfp node: invalid --rendezvous-peer-id (expected 64 hex digits)\n");
        exit_code() = 2;
        return;
      }
    }
    const auto* uri = &*first_uri;
    std::optional<rendezvous::NodeTurnOptions> turn;
    if (!opts->turn.empty() && opts->crypto == "flash") {
      std::fprintf(stderr, "rtmfp node: --turn works with --crypto modern (our control plane carries the relayed address)\n");
      exit_code() = 2;
      return;
    }
    if (!opts->turn.empty()) {
      auto tu = turn::parse_turn_uri(opts->turn);
      if (!tu) {
        std::fprintf(stderr, "rtmfp node: invalid --turn: %s\n", tu.error().message().c_str());
        exit_code() = 2;
        return;
      }
      auto turn_addrs = io::resolve(resolver_io, tu->host, tu->port);
      if (!turn_addrs || turn_addrs->empty()) {
        std::fprintf(stderr, "rtmfp node: turn server %s: %s\n", tu->host.c_str(),
                     turn_addrs ? "no address" : turn_addrs.error().message().c_str());
        exit_code() = 3;
        return;
      }
      rendezvous::NodeTurnOptions t;
      t.server = turn_addrs->front();
      for (const auto& a : *turn_addrs)
        if (!a.v6) {  // an IPv4 relay first: what most peers reach
          t.server = a;
          break;
        }
      t.username = tu->username;
      t.password = tu->password;
      t.display = "turn://" + tu->username + "@" + t.server.to_string();
      for (const auto& p : opts->turn_permits) {
        auto a = SocketAddress::parse(p.find(':') != std::string::npos && p.front() != '[' ? p : p + ":1");
        if (!a) a = SocketAddress::parse("[" + p + "]:1");
        if (!a) {
          std::fprintf(stderr, "rtmfp node: invalid --turn-permit '%s' (expected an IP address)\n", p.c_str());
          exit_code() = 2;
          return;
        }
        t.permits.push_back(*a);
      }
      turn = std::move(t);
    } else if (!opts->turn_permits.empty()) {
      std::fprintf(stderr, "rtmfp node: --turn-permit needs --turn\n");
      exit_code() = 2;
      return;
    }
    io::SystemRandom rng;
    auto loaded = load_identity("node", opts->identity);
    if (!loaded) return;
    crypto::IdentityFile ids = std::move(*loaded);
    crypto::ModernConfig mc;
    mc.identity = ids.modern;
    // Initiate with our own identity: the rendezvous registers the peer ID
    // others select us by.
    mc.stable_initiator_identity = true;
    auto profile = crypto::ModernProfile::create(mc, rng);
    // --crypto flash: RFC 7425 §5.4.1, one static-key certificate for the
    // session to the rendezvous and for the sessions peers open to us, so
    // they select us by the peer ID the rendezvous registered. (§5.3 asks a
    // Flash client for a new peer ID per NetConnection; a node's point is a
    // stable one, so it keeps its certificate across re-registrations.)
    std::unique_ptr<CryptoProfile> flash_profile;
    if (opts->crypto == "flash") {
      crypto::FlashConfig fc;
      fc.identity = ids.flash;
      fc.client_identity = true;
      auto f = crypto::FlashProfile::create(fc, rng);
      if (!f) {
        std::fprintf(stderr, "rtmfp node: %s\n", f.error().message().c_str());
        exit_code() = 2;
        return;
      }
      flash_profile = std::move(*f);
    }
    if (!profile) {
      std::fprintf(stderr, "rtmfp node: %s\n", profile.error().message().c_str());
      exit_code() = 2;
      return;
    }
    if (!opts->identity.empty()) {
      ids.modern = (*profile)->export_identity();
      if (flash_profile) ids.flash = crypto::export_identity(*flash_profile);
      if (auto saved = crypto::save_identity_file(opts->identity, ids); !saved) {
        std::fprintf(stderr, "rtmfp node: %s\n", saved.error().message().c_str());
        exit_code() = 6;
        return;
      }
    }
    auto trace = open_trace(opts->trace);
    rendezvous::NodeOptions no;
    no.listen = listen;
    no.rendezvous_uri = rvs.front().uri;
    no.rendezvous = rvs.front().addresses;
    no.more_rendezvous.assign(rvs.begin() + 1, rvs.end());
    no.rendezvous_peer_id = rv_id;
    no.profile = profile->get();
    no.endpoint.max_datagram_limit = opts->max_datagram;
    // Keep NAT mappings towards the rendezvous open: below the 30 s UDP
    // mapping timeouts the service must survive.
    no.endpoint.keepalive_period = seconds(10);
    no.trace = trace.get();
    if (flash_profile) {
      no.profile = flash_profile.get();
      no.registration = rendezvous::RegistrationWay::net_connection;
      no.tc_url = no.rendezvous_uri + uri->path;
      no.app = uri->path.empty() ? std::string() : uri->path.substr(1);
    }
    no.turn = std::move(turn);
    exit_code() = rendezvous::run_node(no, rng);
  });
}

}  // namespace rtmfp::cli
