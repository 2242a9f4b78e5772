// rtmfp perf --listen ADDR:PORT [--crypto modern|flash|both] [--cc NAME] [--json]
// rtmfp perf URI --seconds S [--mode bulk|live] [--rate BITS_PER_S] [--message-size N]
//                [--deadline MS] [--cc NAME] [--crypto modern|flash] [--peer-id HEX] [--json]
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "rtmfp/crypto/profiles.hpp"
#include "rtmfp/tools/perf.hpp"
#include "rtmfp/io/system_random.hpp"

namespace rtmfp::cli {

namespace {

struct Opts {
  std::string listen;
  std::string uri;
  std::string crypto;
  std::string peer_id;
  double seconds = 10;
  std::string mode = "bulk";
  double rate = 4e6;
  std::size_t message_size = 0;
  std::uint32_t deadline = 200;
  std::string cc;  // empty: veno for live mode, appendix-a otherwise
  bool json = false;
  std::string trace;
  double timeout = 10;
  std::size_t max_datagram = 0;
};

int serve(const Opts& o) {
  auto listen = SocketAddress::parse(o.listen);
  if (!listen) {
    std::fprintf(stderr, "rtmfp perf: invalid --listen '%s' (expected ADDR:PORT, e.g. 127.0.0.1:5201)\n", o.listen.c_str());
    return 2;
  }
  io::SystemRandom rng;
  std::string crypto = o.crypto.empty() ? "both" : o.crypto;
  std::vector<std::unique_ptr<CryptoProfile>> owned;
  if (crypto == "modern" || crypto == "both") owned.push_back(*crypto::make_profile(ProfileKind::modern, std::nullopt, rng));
  if (crypto == "flash" || crypto == "both") owned.push_back(*crypto::make_profile(ProfileKind::flash, std::nullopt, rng));
  auto trace = open_trace(o.trace);
  tools::PerfServerOptions so;
  so.listen = *listen;
  for (auto& p : owned) so.profiles.push_back(p.get());
  so.congestion_control = o.cc.empty() ? "appendix-a" : o.cc;
  so.json = o.json;
  so.trace = trace.get();
  so.max_datagram_limit = o.max_datagram;
  so.on_listening = [&](const SocketAddress& local) {
    std::printf("listening rtmfp://%s peer-id %s\n", local.to_string().c_str(), to_hex(owned.front()->local_peer_id()).c_str());
    for (std::size_t i = 1; i < owned.size(); ++i)
      std::printf("%s peer-id %s\n", profile_name(owned[i]->kind()), to_hex(owned[i]->local_peer_id()).c_str());
    std::fflush(stdout);
  };
  return tools::run_perf_server(so, rng);
}

int run_client(const Opts& o) {
  tools::PerfResult r;
  std::string crypto = o.crypto.empty() ? "modern" : o.crypto;
  r.crypto = crypto;
  const std::string cc = !o.cc.empty() ? o.cc : o.mode == "live" ? "veno" : "appendix-a";
  r.cc = cc;
  r.mode = o.mode;
  std::optional<PeerId> peer;
  if (crypto == "both") {
    r.error = "--crypto both is for --listen; a client uses modern or flash";
    r.exit_code = 2;
  } else if (!o.peer_id.empty()) {
    peer = parse_peer_id(o.peer_id);
    if (!peer) {
      r.error = "invalid --peer-id '" + o.peer_id + "' (expected 64 hex digits)";
      r.exit_code = 2;
    }
  }
  io::SystemRandom rng;
  auto trace = open_trace(o.trace);
  if (r.exit_code == 0) {
    auto profile = crypto::make_profile(*crypto::parse_profile_kind(crypto), std::nullopt, rng);
    tools::PerfClientOptions po;
    po.uri = o.uri;
    po.peer_id = peer;
    po.seconds = o.seconds;
    po.mode = o.mode == "live" ? tools::PerfMode::live : tools::PerfMode::bulk;
    po.rate_bps = static_cast<std::uint64_t>(o.rate);
    po.message_size = o.message_size;
    po.deadline_ms = o.deadline;
    po.congestion_control = cc;
    po.progress_to_stderr = o.json;
    po.trace = trace.get();
    po.max_datagram_limit = o.max_datagram;
    po.connect_timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.timeout));
    r = tools::run_perf_client(po, **profile, rng);
  }
  if (o.json) {
    nlohmann::json j;
    j["ok"] = r.ok;
    j["goodput_bps"] = r.goodput_bps;
    j["bytes"] = r.bytes;
    j["seconds"] = r.seconds;
    j["messages_sent"] = r.messages_sent;
    j["messages_delivered"] = r.messages_delivered;
    j["on_time"] = r.on_time;
    j["abandoned"] = r.abandoned;
    j["retransmitted_bytes"] = r.retransmitted_bytes;
    j["rtt_ms_p50"] = r.rtt_ms_p50;
    j["rtt_ms_p95"] = r.rtt_ms_p95;
    j["latency_ms_p50"] = r.latency_ms_p50;
    j["latency_ms_p95"] = r.latency_ms_p95;
    j["cc"] = r.cc;
    j["mode"] = r.mode;
    j["crypto"] = r.crypto;
    j["handshake_ms"] = r.handshake_ms;
    j["max_datagram"] = r.max_datagram;
    j["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error);
    std::printf("%s\n", j.dump().c_str());
  } else if (r.ok) {
    std::printf("%s %s, %s profile, cc %s: %.2f Mbit/s goodput, %llu bytes in %.2f s\n", o.uri.c_str(), r.mode.c_str(),
                r.crypto.c_str(), r.cc.c_str(), r.goodput_bps / 1e6, static_cast<unsigned long long>(r.bytes), r.seconds);
    std::printf("messages: %llu sent, %llu delivered, %llu on time (deadline %u ms), %llu abandoned\n",
                static_cast<unsigned long long>(r.messages_sent), static_cast<unsigned long long>(r.messages_delivered),
                static_cast<unsigned long long>(r.on_time), o.deadline, static_cast<unsigned long long>(r.abandoned));
    std::printf("retransmitted %llu bytes; rtt p50 %.2f ms p95 %.2f ms; one-way latency p50 %.2f ms p95 %.2f ms\n",
                static_cast<unsigned long long>(r.retransmitted_bytes), r.rtt_ms_p50, r.rtt_ms_p95, r.latency_ms_p50,
                r.latency_ms_p95);
    if (r.max_datagram) std::printf("datagrams of %zu bytes (path MTU discovery)\n", r.max_datagram);
  } else {
    std::fprintf(stderr, "rtmfp perf: %s\n", r.error.c_str());
  }
  return r.exit_code;
}

}  // namespace

void add_perf_command(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("perf", "Measure goodput or live delivery over an RTMFP session (server: --listen)");
  cmd->add_option("uri", o->uri, "rtmfp://HOST[:PORT] of an `rtmfp perf --listen` server (client mode)");
  cmd->add_option("--listen", o->listen, "Run the server on this UDP ADDR:PORT");
  cmd->add_option("--crypto", o->crypto, "Crypto profile: modern or flash (server: also both, the default)")
      ->check(CLI::IsMember({"modern", "flash", "both"}));
  cmd->add_option("--peer-id", o->peer_id, "Require the server with this peer ID (64 hex digits)");
  cmd->add_option("--seconds", o->seconds, "Seconds of sending")->check(CLI::Range(0.1, 86400.0))->capture_default_str();
  cmd->add_option("--mode", o->mode, "bulk: as fast as the congestion controller allows; live: constant rate with a deadline")
      ->check(CLI::IsMember({"bulk", "live"}))
      ->capture_default_str();
  cmd->add_option("--rate", o->rate, "Live mode rate in bits per second")->check(CLI::Range(1000.0, 1e11))->capture_default_str();
  cmd->add_option("--message-size", o->message_size, "Bytes per message (default 16384 bulk, 1200 live)")
      ->check(CLI::Range(16, 16 << 20));
  cmd->add_option("--deadline", o->deadline, "Live mode: finish-by deadline per message in ms (late ones are abandoned)")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  cmd->add_option("--cc", o->cc,
                  "Congestion controller: appendix-a (RFC 7016 Appendix A; default for bulk), cubic, or veno "
                  "(cuts less on random loss than on congestion; default for live)")
      ->check(CLI::IsMember({"appendix-a", "cubic", "veno"}));
  cmd->add_flag("--json", o->json,
                "Print one JSON object: goodput_bps, bytes, seconds, messages_sent, messages_delivered, on_time, "
                "abandoned, retransmitted_bytes, rtt_ms_p50, rtt_ms_p95, cc (progress goes to stderr)");
  cmd->add_option("--timeout", o->timeout, "Seconds to wait for the session to open")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--trace", o->trace, "Write a qlog-shaped JSON-lines trace to FILE");
  add_max_datagram_option(cmd, o->max_datagram);
  cmd->callback([o] {
    if (o->listen.empty() == o->uri.empty()) {
      std::fprintf(stderr, "rtmfp perf: give either --listen ADDR:PORT (server) or a URI (client)\n");
      exit_code() = 2;
      return;
    }
    exit_code() = o->listen.empty() ? run_client(*o) : serve(*o);
  });
}

}  // namespace rtmfp::cli
