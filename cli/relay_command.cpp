// rtmfp relay --from SRC --to DST [--reconnect] [--max-reconnects N] [--json] [--stats-interval MS] [--realtime]
//             [--ca-file FILE] [--object-encoding 0|3] [--crypto flash|modern] [--connect-timeout MS]
//             [--max-clients N] [--max-clients-per-address N]
// SIGINT/SIGTERM stop the relay in order (exit 0): the source is interrupted,
// the destination finished (FLV flushed, FCUnpublish/deleteStream sent,
// listen players get StreamEOF). SIGPIPE is ignored: a write to a closed
// pipe (--to - | ...) is an I/O error, exit 6.
// Registered by the lead in cli/main.cpp via add_relay_command(app).
#include <CLI/CLI.hpp>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "media/io/relay.hpp"

namespace rtmfp::cli {

namespace {

// SIGINT/SIGTERM → RelayControl::request_stop, on a thread of its own
// (signalfd; the signals are blocked in this thread and so in every thread
// the relay starts). Restores the signal mask when it goes.
class SignalWatcher {
 public:
  explicit SignalWatcher(media::io::RelayControl& ctl) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
    sig_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (sig_fd_ < 0 || wake_fd_ < 0) return;
    thread_ = std::thread([this, &ctl] {
      pollfd fds[2] = {{sig_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      for (;;) {
        if (::poll(fds, 2, -1) < 0) continue;
        if (fds[1].revents & POLLIN) return;
        signalfd_siginfo si{};
        if (::read(sig_fd_, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) continue;
        std::fprintf(stderr, "relay: %s, stopping\n", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
        ctl.request_stop();
      }
    });
  }
  ~SignalWatcher() {
    if (thread_.joinable()) {
      const std::uint64_t one = 1;
      (void)!::write(wake_fd_, &one, sizeof one);
      thread_.join();
    }
    if (sig_fd_ >= 0) ::close(sig_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  sigset_t old_{};
  int sig_fd_ = -1, wake_fd_ = -1;
  std::thread thread_;
};

}  // namespace

int run_relay_with_signals(const media::io::RelayOptions& options) {
  // A closed pipe is a write error (exit 6 with a message), not a silent death.
  ::signal(SIGPIPE, SIG_IGN);
  media::io::RelayControl control;
  SignalWatcher signals(control);
  return media::io::run_relay(options, &control);
}

void add_relay_command(CLI::App& app) {
  auto opts = std::make_shared<media::io::RelayOptions>();
  auto* cmd = app.add_subcommand("relay", "Relay media between FLV files/stdio, RTMP(S) and RTMFP endpoints");
  cmd->add_option("--from", opts->from,
                  "Source: FILE.flv, -, rtmp[s]://host[:port]/app/stream, rtmp-listen://addr:port/app/stream, "
                  "rtmfp://host[:port]/app/stream, rtmfp-listen://addr:port/app/stream")
      ->required();
  cmd->add_option("--to", opts->to,
                  "Destination: FILE.flv, -, rtmp[s]://host[:port]/app/stream, rtmp-listen://addr:port/app/stream, "
                  "rtmfp://host[:port]/app/stream, rtmfp-listen://addr:port/app/stream")
      ->required();
  cmd->add_flag("--reconnect", opts->reconnect,
                "After a network failure reopen the end that failed (backoff 0.5 s doubling to 30 s, ±20%); "
                "a listen source waits for the next publisher");
  cmd->add_option("--max-reconnects", opts->max_reconnects,
                  "With --reconnect: give up after this many failed attempts in a row")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "Stats lines as JSON");
  auto stats_ms = std::make_shared<long>(opts->stats_interval.count());
  cmd->add_option("--stats-interval", *stats_ms, "Milliseconds between stats lines (0 = none)")
      ->check(CLI::Range(0L, 86400000L))
      ->capture_default_str();
  cmd->add_flag("--realtime", opts->realtime,
                "Send at the pace of the message timestamps (like ffmpeg -re), e.g. a file to rtmp-listen://");
  // Checked by run_relay (bad values exit with code 2 and a message).
  cmd->add_option("--ca-file", opts->ca_file, "rtmps://: also trust the CA certificates in this PEM file");
  add_max_datagram_option(cmd, opts->max_datagram_limit);
  add_max_clients_options(cmd, opts->max_clients, opts->max_clients_per_address);
  cmd->add_option("--object-encoding", opts->object_encoding,
                  "rtmp(s):// client: 0 = AMF0 commands, 3 = ask for AMF3 commands (type 17)");
  cmd->add_option("--crypto", opts->rtmfp_crypto,
                  "rtmfp:// client crypto profile: flash (RFC 7425, default) or modern; rtmfp-listen:// accepts both");
  auto connect_ms = std::make_shared<long>(opts->connect_timeout.count());
  cmd->add_option("--connect-timeout", *connect_ms, "Milliseconds to wait for a connection (rtmp, rtmps, rtmfp)")
      ->check(CLI::Range(100L, 600000L))
      ->capture_default_str();
  cmd->callback([opts, connect_ms, stats_ms] {
    if (opts->rtmfp_crypto != "flash" && opts->rtmfp_crypto != "modern") {
      std::fprintf(stderr, "relay: options: --crypto must be flash or modern, not '%s'\n", opts->rtmfp_crypto.c_str());
      exit_code() = media::io::relay_bad_url;  // like the other bad options (exit code 2)
      return;
    }
    opts->connect_timeout = std::chrono::milliseconds(*connect_ms);
    opts->stats_interval = std::chrono::milliseconds(*stats_ms);
    exit_code() = run_relay_with_signals(*opts);
  });
}

}  // namespace rtmfp::cli
