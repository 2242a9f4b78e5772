// `rtmfp`: one command with subcommands. The CLI only wires libraries together.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

namespace rtmfp::cli {
int& exit_code() {
  static int code = 0;
  return code;
}
}  // namespace rtmfp::cli

int main(int argc, char** argv) {
  CLI::App app{"rtmfp - an RTMFP (RFC 7016 / RFC 7425) node: rendezvous server, probe, perf and RTMP relay"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  rtmfp::cli::add_rendezvous_command(app);
  rtmfp::cli::add_probe_command(app);
  rtmfp::cli::add_relay_command(app);
  rtmfp::cli::add_perf_command(app);
  rtmfp::cli::add_node_command(app);
  rtmfp::cli::add_publish_command(app);
  rtmfp::cli::add_join_command(app);
  rtmfp::cli::add_gateway_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and succeeds; every malformed command line is a usage
    // error, exit code 2 like the other usage errors of every subcommand.
    return app.exit(e) == 0 ? 0 : 2;
  }
  return rtmfp::cli::exit_code();
}
