// `rtmfp`: one command with subcommands. The CLI only wires libraries together.
#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"rtmfp - RTMFP (RFC 7016/7425) node: rendezvous, probe, perf, relay"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
