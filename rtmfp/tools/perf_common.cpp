// Wire helpers of `rtmfp perf` (see perf.hpp for the protocol).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>

#include "rtmfp/tools/perf.hpp"

namespace rtmfp::tools {

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Bytes perf_message(std::uint64_t seq, std::int64_t send_us, std::size_t size) {
  Bytes m(std::max(size, kPerfHeaderSize), 0);
  for (int i = 0; i < 8; ++i) {
    m[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
    m[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(send_us) >> (56 - 8 * i));
  }
  // Payload: a fixed byte pattern shifted by the sequence number, copied in
  // blocks (filling byte by byte cost 7% of the sender's CPU in bulk mode).
  static const std::array<std::uint8_t, 512> pattern = [] {
    std::array<std::uint8_t, 512> p{};
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i);
    return p;
  }();
  const std::size_t shift = static_cast<std::size_t>(seq % 256);
  for (std::size_t i = kPerfHeaderSize; i < m.size();) {
    const std::size_t n = std::min<std::size_t>(256, m.size() - i);
    std::memcpy(m.data() + i, pattern.data() + ((shift + i) % 256), n);
    i += n;
  }
  return m;
}

bool parse_perf_message(ByteView m, std::uint64_t& seq, std::int64_t& send_us) {
  if (m.size() < kPerfHeaderSize) return false;
  std::uint64_t s = 0, t = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    s = s << 8 | m[i];
    t = t << 8 | m[8 + i];
  }
  seq = s;
  send_us = static_cast<std::int64_t>(t);
  return true;
}

std::string perf_report_json(const PerfReceiverReport& r) {
  nlohmann::json j;
  j["bytes"] = r.bytes;
  j["messages"] = r.messages;
  j["on_time"] = r.on_time;
  j["first_send_us"] = r.first_send_us;
  j["last_arrival_us"] = r.last_arrival_us;
  j["latency_ms_p50"] = r.latency_ms_p50;
  j["latency_ms_p95"] = r.latency_ms_p95;
  j["latency_ms_max"] = r.latency_ms_max;
  j["final"] = r.final;
  return j.dump();
}

std::optional<PerfReceiverReport> parse_perf_report(ByteView m) {
  auto j = nlohmann::json::parse(m.begin(), m.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  PerfReceiverReport r;
  try {
    r.bytes = j.value("bytes", std::uint64_t{0});
    r.messages = j.value("messages", std::uint64_t{0});
    r.on_time = j.value("on_time", std::uint64_t{0});
    r.first_send_us = j.value("first_send_us", std::int64_t{0});
    r.last_arrival_us = j.value("last_arrival_us", std::int64_t{0});
    r.latency_ms_p50 = j.value("latency_ms_p50", 0.0);
    r.latency_ms_p95 = j.value("latency_ms_p95", 0.0);
    r.latency_ms_max = j.value("latency_ms_max", 0.0);
    r.final = j.value("final", false);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // wrong types from a hostile or broken peer
  }
  return r;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  k = std::min(k, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace rtmfp::tools
