// rtmfp probe rtmfp://HOST:PORT [--peer-id HEX] [--crypto modern|flash] [--count N]
//             [--timeout S] [--json] [--trace FILE]
// rtmfp probe --nat rtmfp://HOST:PORT [--json]: the NAT check against a rendezvous
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "rendezvous/io/nat_probe.hpp"
#include "rendezvous/io/peer_probe.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/crypto/profiles.hpp"
#include "rtmfp/tools/probe.hpp"
#include "rtmfp/io/system_random.hpp"

namespace rtmfp::cli {

namespace {

// `probe --nat`: JSON {ok, mapping, filtering, hairpin, reflexive, ms,
// address_tested, error} or lines for a person.
int run_nat_check(const std::string& uri, const std::string& crypto_name, bool json, const std::string& trace_file) {
  io::SystemRandom rng;
  auto trace = open_trace(trace_file);
  rendezvous::NatProbeOutcome out;
  auto profile = crypto::make_profile(*crypto::parse_profile_kind(crypto_name), std::nullopt, rng);
  if (!profile) {
    out.error = profile.error().message();
    out.exit_code = 2;
  } else {
    rendezvous::NatProbeOptions o;
    o.uri = uri;
    o.trace = trace.get();
    out = rendezvous::run_nat_probe(o, **profile, rng);
  }
  const auto& nat = out.result.nat;
  const double ms = std::chrono::duration<double, std::milli>(out.result.elapsed).count();
  if (json) {
    nlohmann::json j;
    j["ok"] = out.exit_code == 0;
    j["mapping"] = rendezvous::nat_behaviour_name(nat.mapping);
    j["filtering"] = rendezvous::nat_behaviour_name(nat.filtering);
    j["hairpin"] = nat.hairpin;
    j["reflexive"] = nlohmann::json::array();
    for (const auto& a : nat.reflexive) j["reflexive"].push_back(a.to_string());
    j["address_tested"] = nat.address_tested;
    j["ms"] = out.exit_code == 0 ? nlohmann::json(ms) : nlohmann::json(nullptr);
    j["error"] = out.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(out.error);
    std::printf("%s\n", j.dump().c_str());
  } else if (out.exit_code == 0) {
    std::printf("mapping   %s\n", rendezvous::nat_behaviour_name(nat.mapping));
    std::printf("filtering %s%s\n", rendezvous::nat_behaviour_name(nat.filtering),
                nat.address_tested ? "" : " (the rendezvous has one address: at least this strict)");
    std::printf("hairpin   %s\n", nat.hairpin ? "yes" : "no");
    for (const auto& a : nat.reflexive) std::printf("reflexive %s\n", a.to_string().c_str());
    std::printf("in %.0f ms\n", ms);
  } else {
    std::fprintf(stderr, "rtmfp probe: %s\n", out.error.c_str());
  }
  std::fflush(stdout);
  return out.exit_code;
}

}  // namespace

void add_probe_command(CLI::App& app) {
  struct Opts {
    std::string uri;
    std::string peer_id;
    std::string crypto = "modern";
    int count = 3;
    double timeout = 10;
    bool json = false;
    std::string trace;
    std::size_t max_datagram = 0;
    bool nat = false;
    bool anonymous = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("probe", "Open a session to an RTMFP endpoint, time the handshake and N round trips");
  cmd->add_option("uri", opts->uri, "rtmfp://HOST[:PORT][/path] (default port 1935)")->required();
  cmd->add_option("--peer-id", opts->peer_id, "Require the responder with this peer ID (64 hex digits)");
  cmd->add_option("--crypto", opts->crypto, "Crypto profile: modern or flash")
      ->check(CLI::IsMember({"modern", "flash"}))
      ->capture_default_str();
  cmd->add_option("--count", opts->count, "Number of ping round trips")->check(CLI::Range(0, 100000))->capture_default_str();
  cmd->add_option("--timeout", opts->timeout, "Seconds before giving up")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print one JSON object: ok, crypto, peer_id, address, handshake_ms, rtt_ms, error");
  cmd->add_option("--trace", opts->trace, "Write a qlog-shaped JSON-lines trace to FILE");
  add_max_datagram_option(cmd, opts->max_datagram);
  cmd->add_flag("--nat", opts->nat,
                "Classify this host's NAT against a rendezvous (mapping, filtering, hairpin; RFC 4787) instead");
  cmd->add_flag("--anonymous", opts->anonymous,
                "rtmfp://HOST:PORT/peer/ID: do not register at the rendezvous nor check the NAT first "
                "(the introducer then knows no class of ours and races direct against its relay)");
  cmd->callback([opts] {
    if (opts->nat) {
      exit_code() = run_nat_check(opts->uri, opts->crypto, opts->json, opts->trace);
      return;
    }
    tools::ProbeResult r;
    auto kind = crypto::parse_profile_kind(opts->crypto);
    r.crypto = opts->crypto;
    std::optional<PeerId> peer;
    if (!opts->peer_id.empty()) {
      peer = parse_peer_id(opts->peer_id);
      if (!peer) {
        r.error = "invalid --peer-id '" + opts->peer_id + "' (expected 64 hex digits)";
        r.exit_code = 2;
      }
    }
    io::SystemRandom rng;
    auto trace = open_trace(opts->trace);
    if (r.exit_code == 0) {
      auto profile = crypto::make_profile(*kind, std::nullopt, rng);
      if (!profile) {
        r.error = profile.error().message();
        r.exit_code = 2;
      } else {
        tools::ProbeOptions po;
        po.uri = opts->uri;
        po.peer_id = peer;
        po.count = opts->count;
        po.timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(opts->timeout));
        po.trace = trace.get();
        po.max_datagram_limit = opts->max_datagram;
        // An introduction with the modern profile: as a registered peer
        // with a NAT class, so the introducer plans the path
        // (rendezvous/io/peer_probe.hpp).
        auto parsed = parse_uri(opts->uri);
        if (*kind == ProfileKind::modern && !opts->anonymous && !peer && parsed &&
            tools::peer_from_path(parsed->path)) {
          rendezvous::PeerProbeOptions pp;
          pp.probe = po;
          r = rendezvous::run_peer_probe(pp, rng);
        } else {
          r = tools::run_probe(po, **profile, rng);
        }
      }
    }
    if (opts->json) {
      nlohmann::json j;
      j["ok"] = r.ok;
      j["crypto"] = r.crypto;
      j["peer_id"] = r.peer_id ? nlohmann::json(to_hex(*r.peer_id)) : nlohmann::json(nullptr);
      j["address"] = r.address.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.address);
      j["handshake_ms"] = r.address.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.handshake_ms);
      j["rtt_ms"] = r.rtt_ms;
      j["max_datagram"] = r.max_datagram ? nlohmann::json(r.max_datagram) : nlohmann::json(nullptr);
      j["path_mtu_state"] = r.path_mtu_state.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.path_mtu_state);
      j["path"] = r.path.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.path);
      j["peer_address"] = r.introduced && !r.address.empty() ? nlohmann::json(r.address) : nlohmann::json(nullptr);
      j["connect_ms"] = r.introduced && !r.address.empty() ? nlohmann::json(r.handshake_ms) : nlohmann::json(nullptr);
      auto text_or_null = [](const std::string& t) { return t.empty() ? nlohmann::json(nullptr) : nlohmann::json(t); };
      if (r.introduced) {
        // What the introducer planned (path_strategy.hpp) with which classes;
        // null when it told nothing (an --anonymous probe, another server).
        j["strategy"] = text_or_null(r.strategy);
        j["nat_class"] = text_or_null(r.own_class);
        j["peer_nat_class"] = text_or_null(r.peer_class);
        j["nat"] = r.nat_mapping.empty() ? nlohmann::json(nullptr)
                                         : nlohmann::json{{"mapping", r.nat_mapping}, {"filtering", r.nat_filtering}};
        j["birthday_probes"] = r.birthday_probes;
        j["birthday_openers"] = r.birthday_openers;
      }
      j["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error);
      std::printf("%s\n", j.dump().c_str());
    } else if (r.ok) {
      std::printf("connected to %s (%s) with the %s profile\n", opts->uri.c_str(), r.address.c_str(), r.crypto.c_str());
      std::printf("peer id %s\n", r.peer_id ? to_hex(*r.peer_id).c_str() : "?");
      std::printf("handshake %.2f ms\n", r.handshake_ms);
      if (r.introduced) std::printf("path: %s (introduced by the rendezvous)\n", r.path.c_str());
      if (!r.strategy.empty())
        std::printf("strategy: %s (our NAT %s, the peer's %s)\n", r.strategy.c_str(), r.own_class.c_str(),
                    r.peer_class.c_str());
      for (std::size_t i = 0; i < r.rtt_ms.size(); ++i) std::printf("ping %zu: rtt %.3f ms\n", i + 1, r.rtt_ms[i]);
      if (r.max_datagram)
        std::printf("path MTU: %zu-byte datagrams (%s)\n", r.max_datagram,
                    r.path_mtu_state == "search_complete" ? "search complete" : r.path_mtu_state.c_str());
      std::printf("closed cleanly\n");
    } else {
      std::fprintf(stderr, "rtmfp probe: %s\n", r.error.c_str());
    }
    std::fflush(stdout);
    exit_code() = r.exit_code;
  });
}

}  // namespace rtmfp::cli
