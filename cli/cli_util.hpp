// Small helpers shared by subcommands.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/trace.hpp"

namespace rtmfp::cli {

// Parses 64 hex digits into a peer ID.
std::optional<PeerId> parse_peer_id(const std::string& hex);
// Opens --trace FILE if given (nullptr if empty); exits with a message on error.
std::unique_ptr<TraceSink> open_trace(const std::string& path);

}  // namespace rtmfp::cli
