// Subcommand registration. Each add_*_command adds a CLI11 subcommand whose
// callback runs the command and stores the process exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace rtmfp::media::io {
struct RelayOptions;
}

namespace rtmfp::cli {

// Exit code set by the subcommand that ran.
int& exit_code();

void add_rendezvous_command(CLI::App& app);
void add_probe_command(CLI::App& app);
void add_relay_command(CLI::App& app);
void add_perf_command(CLI::App& app);
void add_node_command(CLI::App& app);
void add_publish_command(CLI::App& app);
void add_join_command(CLI::App& app);

// run_relay with SIGINT/SIGTERM as an orderly stop and SIGPIPE ignored
// (relay_command.cpp): `relay`, `publish` and `join` share it.
int run_relay_with_signals(const media::io::RelayOptions& options);
void add_gateway_command(CLI::App& app);

}  // namespace rtmfp::cli
