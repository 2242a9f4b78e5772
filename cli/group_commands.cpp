// rtmfp publish --rendezvous rtmfp://HOST:PORT --group NAME --from SRC [--key FILE] [--json] [--realtime]
// rtmfp join    --rendezvous rtmfp://HOST:PORT --group NAME[:KEYHEX] --to DST [--json] [--idle-end MS]
// P2P broadcast groups on the relay: publish = relay --to
// rtmfp-group://HOST:PORT/NAME, join = relay --from rtmfp-group://HOST:PORT/NAME.
// A "group ..." stats line every --stats-interval on stderr; at the end one
// JSON object per group membership on stdout (stderr when the media goes
// to stdout) with the counters (NetStreamMulticastInfo's names where they fit).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "media/io/group_node.hpp"
#include "media/io/relay.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"

namespace rtmfp::cli {

namespace {

struct GroupOpts {
  std::string rendezvous, group, media, key;
  bool json = false, realtime = false;
  long stats_ms = 5000, connect_ms = 10000, idle_end_ms = 15000;
};

// rtmfp://HOST:PORT -> rtmfp-group://HOST:PORT/GROUP; nullopt (with a message) if bad.
std::optional<std::string> group_url(const char* cmd, const GroupOpts& o) {
  auto uri = parse_uri(o.rendezvous);
  if (!uri) {
    std::fprintf(stderr, "rtmfp %s: invalid --rendezvous '%s': %s\n", cmd, o.rendezvous.c_str(),
                 uri.error().message().c_str());
    return std::nullopt;
  }
  const std::string host = uri->host.find(':') != std::string::npos ? "[" + uri->host + "]" : uri->host;
  return "rtmfp-group://" + host + ":" + std::to_string(uri->port) + "/" + o.group;
}

void common(CLI::App* cmd, GroupOpts& o) {
  cmd->add_option("--rendezvous", o.rendezvous, "rtmfp://HOST:PORT of the rendezvous keeping the group's directory")
      ->required();
  cmd->add_flag("--json", o.json, "Stats lines as JSON");
  cmd->add_option("--stats-interval", o.stats_ms, "Milliseconds between stats lines (0 = none)")
      ->check(CLI::Range(0L, 86400000L))
      ->capture_default_str();
  cmd->add_option("--connect-timeout", o.connect_ms, "Milliseconds to wait for the rendezvous and the group")
      ->check(CLI::Range(100L, 600000L))
      ->capture_default_str();
}

int run(const char* cmd, const GroupOpts& g, media::io::RelayOptions ro, bool media_on_stdout) {
  ro.json = g.json;
  ro.stats_interval = std::chrono::milliseconds(g.stats_ms);
  ro.connect_timeout = std::chrono::milliseconds(g.connect_ms);
  ro.io_timeout = std::chrono::milliseconds(g.connect_ms);
  ro.group_idle_end = std::chrono::milliseconds(g.idle_end_ms);
  const int rc = run_relay_with_signals(ro);
  std::FILE* out = media_on_stdout ? stderr : stdout;
  for (const auto& r : media::io::take_final_group_reports())
    std::fprintf(out, "%s\n", media::io::group_report_json(r).c_str());
  std::fflush(out);
  (void)cmd;
  return rc;
}

}  // namespace

void add_publish_command(CLI::App& app) {
  auto o = std::make_shared<GroupOpts>();
  auto* cmd = app.add_subcommand("publish", "Publish a live stream into a P2P broadcast group");
  common(cmd, *o);
  cmd->add_option("--group", o->group, "Group name")->required();
  cmd->add_option("--from", o->media, "Source: any relay source (FILE.flv, -, rtmp://, rtmp-listen://, ...)")
      ->required();
  cmd->add_option("--key", o->key,
                  "Ed25519 key file of the publisher (created 0600 if missing): a restarted publisher keeps its group");
  cmd->add_flag("--realtime", o->realtime, "Send at the pace of the message timestamps (for file sources)");
  cmd->callback([o] {
    if (o->group.find(':') != std::string::npos) {
      std::fprintf(stderr, "rtmfp publish: --group is a name (the key comes from --key)\n");
      exit_code() = 2;
      return;
    }
    auto url = group_url("publish", *o);
    if (!url) {
      exit_code() = 2;
      return;
    }
    media::io::RelayOptions ro;
    ro.from = o->media;
    ro.to = *url;
    ro.realtime = o->realtime;
    ro.group_key_file = o->key;
    // First stdout line: the full specifier joiners may pin.
    ro.on_group = [](const std::string& spec) {
      std::printf("publishing %s\n", spec.c_str());
      std::fflush(stdout);
    };
    exit_code() = run("publish", *o, ro, false);
  });
}

void add_join_command(CLI::App& app) {
  auto o = std::make_shared<GroupOpts>();
  auto* cmd = app.add_subcommand("join", "Join a P2P broadcast group and play its stream to a destination");
  common(cmd, *o);
  cmd->add_option("--group", o->group,
                  "NAME (the rendezvous names the publisher's key) or NAME:KEYHEX (pinned publisher key)")
      ->required();
  cmd->add_option("--to", o->media, "Destination: any relay destination (FILE.flv, -, rtmp://, rtmp-listen://, ...)")
      ->required();
  cmd->add_option("--idle-end", o->idle_end_ms, "The stream has ended after this many milliseconds without media")
      ->check(CLI::Range(100L, 86400000L))
      ->capture_default_str();
  cmd->callback([o] {
    auto url = group_url("join", *o);
    if (!url) {
      exit_code() = 2;
      return;
    }
    media::io::RelayOptions ro;
    ro.from = *url;
    ro.to = o->media;
    exit_code() = run("join", *o, ro, o->media == "-");
  });
}

}  // namespace rtmfp::cli
