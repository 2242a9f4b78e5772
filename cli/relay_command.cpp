// rtmfp relay --from SRC --to DST [--reconnect] [--json]
// Registered by the lead in cli/main.cpp via add_relay_command(app).
#include <CLI/CLI.hpp>

#include <memory>

#include "cli/commands.hpp"
#include "media/io/relay.hpp"

namespace rtmfp::cli {

void add_relay_command(CLI::App& app) {
  auto opts = std::make_shared<media::io::RelayOptions>();
  auto* cmd = app.add_subcommand("relay", "Relay media between FLV files/stdio and RTMP endpoints");
  cmd->add_option("--from", opts->from, "Source: FILE.flv, -, rtmp://host/app/stream, rtmp-listen://addr:port/app/stream")
      ->required();
  cmd->add_option("--to", opts->to, "Destination: FILE.flv, -, rtmp://host/app/stream")->required();
  cmd->add_flag("--reconnect", opts->reconnect, "Reopen the endpoints after a network failure");
  cmd->add_flag("--json", opts->json, "Stats lines as JSON");
  cmd->callback([opts] { exit_code() = media::io::run_relay(*opts); });
}

}  // namespace rtmfp::cli
