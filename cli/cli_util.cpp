#include "cli/cli_util.hpp"

#include <cstdio>
#include <cstdlib>

#include "rtmfp/io/jsonl_trace_sink.hpp"

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
