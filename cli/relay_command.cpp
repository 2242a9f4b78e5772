// rtmfp relay --from SRC --to DST [--reconnect] [--json] [--realtime] [--ca-file FILE] [--object-encoding 0|3]
//             [--crypto flash|modern] [--connect-timeout MS]
// Registered by the lead in cli/main.cpp via add_relay_command(app).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "media/io/relay.hpp"

namespace rtmfp::cli {

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
  cmd->add_flag("--reconnect", opts->reconnect, "Reopen the endpoints after a network failure");
  cmd->add_flag("--json", opts->json, "Stats lines as JSON");
  cmd->add_flag("--realtime", opts->realtime,
                "Send at the pace of the message timestamps (like ffmpeg -re), e.g. a file to rtmp-listen://");
  // Checked by run_relay (bad values exit with code 2 and a message).
  cmd->add_option("--ca-file", opts->ca_file, "rtmps://: also trust the CA certificates in this PEM file");
  add_max_datagram_option(cmd, opts->max_datagram_limit);
  cmd->add_option("--object-encoding", opts->object_encoding,
                  "rtmp(s):// client: 0 = AMF0 commands, 3 = ask for AMF3 commands (type 17)");
  cmd->add_option("--crypto", opts->rtmfp_crypto,
                  "rtmfp:// client crypto profile: flash (RFC 7425, default) or modern; rtmfp-listen:// accepts both");
  auto connect_ms = std::make_shared<long>(opts->connect_timeout.count());
  cmd->add_option("--connect-timeout", *connect_ms, "Milliseconds to wait for a connection (rtmp, rtmps, rtmfp)")
      ->check(CLI::Range(100L, 600000L))
      ->capture_default_str();
  cmd->callback([opts, connect_ms] {
    if (opts->rtmfp_crypto != "flash" && opts->rtmfp_crypto != "modern") {
      std::fprintf(stderr, "relay: options: --crypto must be flash or modern, not '%s'\n", opts->rtmfp_crypto.c_str());
      exit_code() = media::io::relay_bad_url;  // like the other bad options (exit code 2)
      return;
    }
    opts->connect_timeout = std::chrono::milliseconds(*connect_ms);
    exit_code() = media::io::run_relay(*opts);
  });
}

}  // namespace rtmfp::cli
