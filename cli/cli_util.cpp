#include "cli/cli_util.hpp"

#include <cstdio>
#include <cstdlib>

#include "cli/commands.hpp"
#include "rtmfp/core/params.hpp"
#include "rtmfp/io/jsonl_trace_sink.hpp"
#include "rtmfp/io/udp_batch.hpp"

namespace rtmfp::cli {

std::optional<PeerId> parse_peer_id(const std::string& hex) {
  Bytes b;
  if (hex.size() != 64 || !from_hex(hex, b) || b.size() != 32) return std::nullopt;
  PeerId id;
  std::copy(b.begin(), b.end(), id.begin());
  return id;
}

std::unique_ptr<TraceSink> open_trace(const std::string& path) {
  if (path.empty()) return nullptr;
  auto sink = io::JsonlTraceSink::open(path);
  if (!sink) {
    std::fprintf(stderr, "rtmfp: %s\n", sink.error().message().c_str());
    std::exit(2);
  }
  return std::move(*sink);
}

}  // namespace rtmfp::cli

namespace rtmfp::cli {

CLI::Option* add_max_datagram_option(CLI::App* cmd, std::size_t& limit) {
  constexpr std::size_t lo = params::kDefaultMaxDatagram, hi = io::UdpBatch::kSlotSize;
  return cmd
      ->add_option("--max-datagram", limit,
                   "Largest UDP payload path MTU discovery may reach (RFC 7016 §3.5.4.3), " + std::to_string(lo) + "-" +
                       std::to_string(hi) + "; default 1472 for IPv4 peers, 1452 for IPv6 peers; " + std::to_string(lo) +
                       " keeps every datagram at " + std::to_string(lo) + " bytes")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {  // lo, hi: constants, not captured
            try {
              const unsigned long n = std::stoul(v);
              if (n >= lo && n <= hi) return {};
            } catch (...) {
            }
            return "--max-datagram must be a number of bytes from " + std::to_string(lo) + " to " + std::to_string(hi) +
                   ", not '" + v + "'";
          },
          "BYTES"));
}

void add_max_clients_options(CLI::App* cmd, std::size_t& all, std::size_t& per_address) {
  cmd->add_option("--max-clients", all,
                  "rtmp-listen:// and rtmfp-listen://: connections at once (players, publishers and idle ones); "
                  "when full, the oldest idle one is closed or the new one refused")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
      ->capture_default_str();
  cmd->add_option("--max-clients-per-address", per_address,
                  "rtmp-listen:// and rtmfp-listen://: connections at once from one IP address")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
      ->capture_default_str();
}

std::optional<crypto::IdentityFile> load_identity(const char* command, const std::string& path) {
  if (path.empty()) return crypto::IdentityFile{};
  auto loaded = crypto::load_identity_file(path);
  if (!loaded) {
    std::fprintf(stderr, "rtmfp %s: %s\n", command, loaded.error().message().c_str());
    exit_code() = 2;
    return std::nullopt;
  }
  return *loaded;
}

}  // namespace rtmfp::cli
