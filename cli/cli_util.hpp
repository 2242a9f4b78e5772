// Small helpers shared by subcommands.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/trace.hpp"
#include "rtmfp/crypto/profiles.hpp"

namespace rtmfp::cli {

// Parses 64 hex digits into a peer ID.
std::optional<PeerId> parse_peer_id(const std::string& hex);
// Opens --trace FILE if given (nullptr if empty); exits with a message on error.
std::unique_ptr<TraceSink> open_trace(const std::string& path);
// --max-datagram N: the ceiling of path MTU discovery (RFC 7016 §3.5.4.3),
// EndpointConfig::max_datagram_limit. 0 (default): 1472 for IPv4 peers, 1452
// for IPv6 peers; 1200 keeps every datagram at the 1200-byte base.
CLI::Option* add_max_datagram_option(CLI::App* cmd, std::size_t& limit);
// --max-clients / --max-clients-per-address: the listen endpoints' bounds.
void add_max_clients_options(CLI::App* cmd, std::size_t& all, std::size_t& per_address);
// --identity FILE: the identities it holds (none if `path` is empty or the
// file is missing: the command creates it). On error prints "rtmfp
// <command>: <reason>", sets exit code 2 and returns nullopt.
std::optional<crypto::IdentityFile> load_identity(const char* command, const std::string& path);

}  // namespace rtmfp::cli
