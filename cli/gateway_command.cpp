// rtmfp gateway [--config FILE] [--route SRC DST]... [--json] [--stats-interval S] [--max-reconnects N]
//               [--connect-timeout MS] [--ca-file FILE] [--crypto flash|modern] [--max-clients N]
//               [--max-clients-per-address N]
// A long-running process holding many relay routes (media/io/gateway.hpp).
// Signals (signalfd on this thread; blocked before any route thread starts,
// so every thread inherits the mask): SIGHUP rereads --config and applies
// it (a bad config is reported and changes nothing); SIGINT/SIGTERM stop
// every route in order and print the summary. Exit codes: the relay's (0
// after SIGINT/SIGTERM; 2 a bad option, route or config; else, when every
// route of a gateway without --config has ended, the first failing route's).
#include <CLI/CLI.hpp>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "media/io/gateway.hpp"

namespace rtmfp::cli {

namespace {

namespace io = media::io;

struct GatewayArgs {
  std::string config;
  std::string key_dir;
  std::vector<std::string> routes;  // SRC DST SRC DST ...
  bool json = false;
  double stats_interval_s = 5;
  int max_reconnects = 1000;
  long connect_timeout_ms = 5000;
  std::string ca_file, crypto = "flash";
  // The relay's defaults (media/io/relay.hpp), not a second copy of them.
  std::size_t max_clients = io::RelayOptions{}.max_clients;
  std::size_t max_clients_per_address = io::RelayOptions{}.max_clients_per_address;
};

// The command line's routes, then the config file's.
Result<std::vector<io::RouteSpec>> all_routes(const GatewayArgs& a) {
  std::vector<io::RouteSpec> routes;
  for (std::size_t i = 0; i + 1 < a.routes.size(); i += 2) {
    io::RouteSpec r{a.routes[i], a.routes[i + 1], "--route " + std::to_string(i / 2 + 1)};
    for (const auto& e : {r.src, r.dst})
      if (auto c = io::check_endpoint(e); !c) return fail(Errc::invalid_argument, r.origin + ": " + c.error().detail);
    if (auto m = io::merge_routes(routes, {r}); !m) return std::unexpected(m.error());
  }
  if (!a.config.empty()) {
    auto file = io::load_routes(a.config);
    if (!file) return std::unexpected(file.error());
    if (auto m = io::merge_routes(routes, *file); !m) return std::unexpected(m.error());
  }
  return routes;
}

int run_gateway(const GatewayArgs& a) {
  if (a.routes.size() % 2 != 0) {
    std::fprintf(stderr, "gateway: --route takes two endpoints, SRC DST\n");
    return io::relay_bad_url;
  }
  if (a.crypto != "flash" && a.crypto != "modern") {
    std::fprintf(stderr, "gateway: --crypto must be flash or modern, not '%s'\n", a.crypto.c_str());
    return io::relay_bad_url;
  }
  auto routes = all_routes(a);
  if (!routes) {
    std::fprintf(stderr, "gateway: %s\n", routes.error().detail.c_str());
    return io::relay_bad_url;
  }
  if (routes->empty() && a.config.empty()) {
    std::fprintf(stderr, "gateway: no routes (--route SRC DST or --config FILE)\n");
    return io::relay_bad_url;
  }
  io::RelayOptions base;
  base.json = a.json;
  base.stats_interval = std::chrono::milliseconds(static_cast<long>(a.stats_interval_s * 1000));
  base.max_reconnects = a.max_reconnects;
  base.connect_timeout = std::chrono::milliseconds(a.connect_timeout_ms);
  base.ca_file = a.ca_file;
  base.rtmfp_crypto = a.crypto;
  base.max_clients = a.max_clients;
  base.max_clients_per_address = a.max_clients_per_address;

  // Signals first: every thread started below inherits the blocked mask.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  const int sig_fd = ::signalfd(-1, &set, SFD_CLOEXEC);
  const int ended_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (sig_fd < 0 || ended_fd < 0) {
    std::fprintf(stderr, "gateway: cannot watch signals\n");
    return io::relay_io_error;
  }
  ::signal(SIGPIPE, SIG_IGN);  // a closed pipe is a write error of its route, not the gateway's death
  int rc = io::relay_ok;
  {
    io::Gateway gw(base, [ended_fd] {
      const std::uint64_t one = 1;
      (void)!::write(ended_fd, &one, sizeof one);
    });
    if (!a.key_dir.empty()) gw.set_key_dir(a.key_dir);
    gw.apply(*routes);
    std::fprintf(stderr, "gateway: %zu routes%s%s\n", routes->size(), a.config.empty() ? "" : ", config ",
                 a.config.c_str());
    std::fflush(stderr);
    pollfd fds[2] = {{sig_fd, POLLIN, 0}, {ended_fd, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents & POLLIN) {
        std::uint64_t n;
        (void)!::read(ended_fd, &n, sizeof n);
        // Without a config nothing can bring routes back: done when all ended.
        if (a.config.empty() && gw.running() == 0) {
          rc = gw.exit_code();
          std::fprintf(stderr, "gateway: every route has ended\n");
          break;
        }
      }
      if (!(fds[0].revents & POLLIN)) continue;
      signalfd_siginfo si{};
      if (::read(sig_fd, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) continue;
      if (si.ssi_signo == SIGHUP) {
        if (a.config.empty()) {
          std::fprintf(stderr, "gateway: SIGHUP without --config, nothing to reread\n");
          continue;
        }
        auto now = all_routes(a);
        if (!now) {
          std::fprintf(stderr, "gateway: SIGHUP: %s; routes unchanged\n", now.error().detail.c_str());
          continue;
        }
        const auto c = gw.apply(*now);
        std::fprintf(stderr, "gateway: reloaded %s: %zu routes (%zu added, %zu removed, %zu kept, %zu restarted)\n",
                     a.config.c_str(), now->size(), c.added, c.removed, c.kept, c.restarted);
        std::fflush(stderr);
        continue;
      }
      std::fprintf(stderr, "gateway: %s, stopping\n", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    gw.stop();
    for (const auto& r : gw.report()) std::fprintf(stderr, "%s\n", io::Gateway::format(r, a.json).c_str());
    std::fflush(stderr);
  }
  ::close(sig_fd);
  ::close(ended_fd);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return rc;
}

}  // namespace

void add_gateway_command(CLI::App& app) {
  auto a = std::make_shared<GatewayArgs>();
  auto* cmd = app.add_subcommand("gateway", "Run many relay routes in one long-running process (SIGHUP rereads --config)");
  cmd->add_option("--config", a->config,
                  "Routes file: one 'SRC DST' pair of relay endpoints a line, # comments; reread on SIGHUP");
  cmd->add_option("--route", a->routes, "A route: SRC DST (relay endpoints, as rtmfp relay --from/--to); repeatable")
      ->expected(2)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--key-dir", a->key_dir,
                  "Directory of the publisher keys of routes into rtmfp-group:// (one file per destination, created "
                  "0600): a restarted gateway resumes the same groups (default: a private directory for the process)")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--json", a->json, "Stats lines and the exit summary as JSON (one object a line, with the route)");
  cmd->add_option("--stats-interval", a->stats_interval_s, "Seconds between each route's stats lines (0 = none)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->add_option("--max-reconnects", a->max_reconnects, "Failed reconnect attempts in a row before a route gives up")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--connect-timeout", a->connect_timeout_ms, "Milliseconds to wait for a connection")
      ->check(CLI::Range(100L, 600000L))
      ->capture_default_str();
  cmd->add_option("--ca-file", a->ca_file, "rtmps://: also trust the CA certificates in this PEM file");
  cmd->add_option("--crypto", a->crypto, "rtmfp:// client crypto profile: flash (default) or modern");
  add_max_clients_options(cmd, a->max_clients, a->max_clients_per_address);
  cmd->callback([a] { exit_code() = run_gateway(*a); });
}

}  // namespace rtmfp::cli
