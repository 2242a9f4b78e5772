// rtmfp rendezvous --listen ADDR:PORT [--listen ADDR:PORT ...] [--crypto modern|flash|both] [--identity FILE]
//                  [--stats-interval S] [--trace FILE] [--relay-ports FIRST-LAST [--relay-address ADDR]]
//                  [--directory redis://HOST:PORT [--directory-address ADDR:PORT ...]]
#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "rendezvous/io/listening_lines.hpp"
#include "rendezvous/io/rendezvous_server.hpp"
#include "rendezvous/redis/redis_directory.hpp"
#include "rtmfp/crypto/profiles.hpp"
#include "rtmfp/io/system_random.hpp"

namespace rtmfp::cli {

void add_rendezvous_command(CLI::App& app) {
  struct Opts {
    std::vector<std::string> listen;
    std::string crypto = "modern";
    std::string identity;
    double stats_interval = 10;
    std::string trace;
    std::size_t max_datagram = 0;
    std::string relay_ports;
    std::string relay_address;
    std::string directory;
    std::vector<std::string> directory_addresses;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("rendezvous", "Run a rendezvous server: accepts RTMFP sessions on UDP");
  cmd->add_option("--listen", opts->listen,
                  "UDP address to listen on, ADDR:PORT or [V6]:PORT (port 0 = any free port); repeat for several")
      ->default_str("0.0.0.0:1935");
  cmd->add_option("--crypto", opts->crypto, "Crypto profile(s): modern, flash or both")
      ->check(CLI::IsMember({"modern", "flash", "both"}))
      ->capture_default_str();
  cmd->add_option("--identity", opts->identity,
                  "File holding the server identity (created if missing) so the peer ID survives restarts");
  cmd->add_option("--stats-interval", opts->stats_interval, "Seconds between stats lines (0 = none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--trace", opts->trace, "Write a qlog-shaped JSON-lines trace to FILE");
  add_max_datagram_option(cmd, opts->max_datagram);
  cmd->add_option("--relay-ports", opts->relay_ports,
                  "Relay peers that cannot reach each other directly through these UDP ports, FIRST-LAST "
                  "(two per relayed pair)");
  cmd->add_option("--relay-address", opts->relay_address,
                  "Address the relay ports bind to and peers reach (default: the first --listen address)");
  cmd->add_option("--directory", opts->directory,
                  "Share the peer directory with other rendezvous instances through Redis at redis://HOST:PORT "
                  "(default: in memory, this instance alone)");
  cmd->add_option("--directory-address", opts->directory_addresses,
                  "ADDR:PORT other instances redirect initiators to for this instance's peers (default: the --listen "
                  "addresses, which must then be specific); repeat for several");
  cmd->callback([opts] {
    if (opts->listen.empty()) opts->listen.push_back("0.0.0.0:1935");
    std::vector<SocketAddress> listen;
    for (const auto& l : opts->listen) {
      auto a = SocketAddress::parse(l);
      if (!a) {
        std::fprintf(stderr, "rtmfp rendezvous: invalid --listen '%s' (expected ADDR:PORT, e.g. 0.0.0.0:1935)\n",
                     l.c_str());
        exit_code() = 2;
        return;
      }
      listen.push_back(*a);
    }
    std::uint16_t relay_first = 0, relay_last = 0;
    if (!opts->relay_ports.empty()) {
      unsigned a = 0, b = 0;
      char dash = 0, extra = 0;
      if (std::sscanf(opts->relay_ports.c_str(), "%u%c%u%c", &a, &dash, &b, &extra) != 3 || dash != '-' || a == 0 ||
          b > 65535 || b < a + 1) {
        std::fprintf(stderr,
                     "rtmfp rendezvous: invalid --relay-ports '%s' (expected FIRST-LAST, at least two ports, e.g. "
                     "40000-40199)\n",
                     opts->relay_ports.c_str());
        exit_code() = 2;
        return;
      }
      relay_first = static_cast<std::uint16_t>(a);
      relay_last = static_cast<std::uint16_t>(b);
    }
    std::optional<SocketAddress> relay_address;
    if (!opts->relay_address.empty()) {
      auto a = SocketAddress::parse(opts->relay_address + ":0");
      if (!a) a = SocketAddress::parse("[" + opts->relay_address + "]:0");
      if (!a || a->is_unspecified()) {
        std::fprintf(stderr, "rtmfp rendezvous: invalid --relay-address '%s' (expected a specific IP address)\n",
                     opts->relay_address.c_str());
        exit_code() = 2;
        return;
      }
      relay_address = a;
    }
    std::vector<SocketAddress> directory_addresses;
    for (const auto& d : opts->directory_addresses) {
      auto a = SocketAddress::parse(d);
      if (!a || a->is_unspecified() || a->port == 0) {
        std::fprintf(stderr,
                     "rtmfp rendezvous: invalid --directory-address '%s' (expected a specific ADDR:PORT)\n",
                     d.c_str());
        exit_code() = 2;
        return;
      }
      directory_addresses.push_back(*a);
    }
    std::unique_ptr<rendezvous::RedisDirectory> directory;
    if (!opts->directory.empty()) {
      auto url = rendezvous::parse_redis_url(opts->directory);
      if (!url) {
        std::fprintf(stderr, "rtmfp rendezvous: %s\n", url.error().detail.c_str());
        exit_code() = 2;
        return;
      }
      // Fail at start, naming the URL, rather than at the first lookup.
      if (auto up = rendezvous::redis_ping(*url, seconds(2)); !up) {
        std::fprintf(stderr, "rtmfp rendezvous: %s\n", up.error().detail.c_str());
        exit_code() = 1;
        return;
      }
      rendezvous::RedisDirectoryOptions ro;
      ro.url = *url;
      directory = std::make_unique<rendezvous::RedisDirectory>(ro);
    } else if (!directory_addresses.empty()) {
      std::fprintf(stderr, "rtmfp rendezvous: --directory-address needs --directory\n");
      exit_code() = 2;
      return;
    }
    io::SystemRandom rng;
    auto loaded = load_identity("rendezvous", opts->identity);
    if (!loaded) return;
    crypto::IdentityFile ids = std::move(*loaded);
    std::vector<std::unique_ptr<CryptoProfile>> owned;
    std::vector<ProfileKind> kinds;
    if (opts->crypto == "modern" || opts->crypto == "both") kinds.push_back(ProfileKind::modern);
    if (opts->crypto == "flash" || opts->crypto == "both") kinds.push_back(ProfileKind::flash);
    for (auto k : kinds) {
      auto& slot = k == ProfileKind::flash ? ids.flash : ids.modern;
      auto p = crypto::make_profile(k, slot, rng);
      if (!p) {
        std::fprintf(stderr, "rtmfp rendezvous: %s\n", p.error().message().c_str());
        exit_code() = 2;
        return;
      }
      slot = crypto::export_identity(**p);
      owned.push_back(std::move(*p));
    }
    if (!opts->identity.empty()) {
      if (auto saved = crypto::save_identity_file(opts->identity, ids); !saved) {
        std::fprintf(stderr, "rtmfp rendezvous: %s\n", saved.error().message().c_str());
        exit_code() = 2;
        return;
      }
    }
    auto trace = open_trace(opts->trace);
    rendezvous::ServerOptions so;
    so.listen = listen;
    for (auto& p : owned) so.profiles.push_back(p.get());
    so.stats_interval = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(opts->stats_interval));
    so.trace = trace.get();
    so.endpoint.max_datagram_limit = opts->max_datagram;
    so.relay_first_port = relay_first;
    so.relay_last_port = relay_last;
    so.relay_address = relay_address;
    so.directory = directory.get();
    so.directory_addresses = directory_addresses;
    so.on_listening = [&](const std::vector<SocketAddress>& locals) {
      // First stdout line, exactly: listening rtmfp://ADDR:PORT peer-id <hex>
      std::printf("listening rtmfp://%s peer-id %s\n", locals.front().to_string().c_str(),
                  to_hex(owned.front()->local_peer_id()).c_str());
      for (std::size_t i = 1; i < owned.size(); ++i)
        std::printf("%s peer-id %s\n", profile_name(owned[i]->kind()), to_hex(owned[i]->local_peer_id()).c_str());
      rendezvous::print_also_listening(stdout, locals);
      if (directory) std::printf("directory %s\n", directory->url().c_str());
      std::fflush(stdout);
    };
    exit_code() = rendezvous::run_server(so, rng);
  });
}

}  // namespace rtmfp::cli
