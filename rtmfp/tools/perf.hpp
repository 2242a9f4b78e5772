// `rtmfp perf`: throughput and live-delivery measurement over one RTMFP
// session (RFC 7016 flows), like iperf but for this transport.
//
// Protocol (ours, carried in ordinary flows):
//  * The client opens a sending flow whose metadata is "rtmfp-perf/1 " + a
//    JSON object {"mode","message_size","deadline_ms"}.
//  * Each message: sequence number (u64, big-endian), the send time in
//    microseconds of the sender's wall clock (i64), then padding to
//    message_size. In live mode the message carries its finish-by deadline
//    (abandoned by the sender when late, RFC 7016 §3.6.2.7).
//  * The server answers on a return flow (metadata "rtmfp-perf-report/1",
//    associated with the client's flow, §2.3.11.1.2): an opening report at
//    once, one JSON report per second while data arrives and a final one
//    (with "final": true) once the client's flow has finished (§3.6.3.8).
//    The client closes its flow only after the first report has arrived: a
//    receiver must reject a flow associated with a sending flow that is no
//    longer open (§3.6.3.1), so a report flow that first arrived after the
//    close would be refused and no final report would ever come.
//  * On-time and one-way latency use wall clocks: exact on one host or
//    between namespaces of one host; across hosts they need synchronised
//    clocks (NTP), as any one-way measurement does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/core/time.hpp"
#include "rtmfp/core/trace.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::tools {

inline constexpr const char* kPerfFlowTag = "rtmfp-perf/1 ";
inline constexpr const char* kPerfReportTag = "rtmfp-perf-report/1";
inline constexpr std::size_t kPerfHeaderSize = 16;

enum class PerfMode { bulk, live };

// What the receiver measured (also the JSON report on the wire).
struct PerfReceiverReport {
  std::uint64_t bytes = 0;
  std::uint64_t messages = 0;
  std::uint64_t on_time = 0;       // live: arrived within deadline_ms of its send time
  std::int64_t first_send_us = 0;  // wall clock, sender's stamp of the first message received
  std::int64_t last_arrival_us = 0;
  double latency_ms_p50 = 0, latency_ms_p95 = 0, latency_ms_max = 0;
  bool final = false;
};

struct PerfServerOptions {
  SocketAddress listen;
  std::vector<CryptoProfile*> profiles;  // at least one
  std::string congestion_control = "appendix-a";
  bool json = false;                     // one JSON line per finished test on stdout
  std::function<void(const SocketAddress&)> on_listening;
  TraceSink* trace = nullptr;
  std::size_t max_datagram_limit = 0;  // path MTU probing ceiling (EndpointConfig); 0: by family
};

// Serves until SIGINT/SIGTERM. Returns the process exit code.
int run_perf_server(const PerfServerOptions& options, RandomSource& rng);

// The receiver as a service for any Node (`rtmfp perf --listen`, `rtmfp
// node`): claims flows whose metadata begins with kPerfFlowTag, reports on an
// associated kPerfReportTag flow, and hands each finished test's result
// line (human or JSON) to on_result.
std::unique_ptr<node::Service> make_perf_service(Endpoint& endpoint, bool json,
                                                 std::function<void(const std::string&)> on_result);

struct PerfClientOptions {
  std::string uri;
  std::optional<PeerId> peer_id;
  double seconds = 10;
  PerfMode mode = PerfMode::bulk;
  std::uint64_t rate_bps = 4'000'000;  // live mode
  std::size_t message_size = 0;        // 0: 16384 for bulk, 1200 for live
  std::uint32_t deadline_ms = 200;     // live mode finish-by deadline
  std::string congestion_control = "appendix-a";
  bool progress = true;                // a line per second
  bool progress_to_stderr = false;
  Duration connect_timeout = rtmfp::seconds(10);
  TraceSink* trace = nullptr;
  std::size_t max_datagram_limit = 0;  // path MTU probing ceiling (EndpointConfig); 0: by family
};

struct PerfResult {
  bool ok = false;
  std::string error;
  int exit_code = 0;  // 0 ok, 2 usage/bad URI, 3 resolve, 4 timeout/no answer, 5 refused/closed, 6 I/O
  std::string crypto, cc, mode, address;
  double goodput_bps = 0;
  std::uint64_t bytes = 0;  // delivered to the receiver
  double seconds = 0;       // first send to last arrival
  std::uint64_t messages_sent = 0, messages_delivered = 0, on_time = 0, abandoned = 0;
  std::uint64_t retransmitted_bytes = 0;
  double rtt_ms_p50 = 0, rtt_ms_p95 = 0;
  double latency_ms_p50 = 0, latency_ms_p95 = 0;
  double handshake_ms = 0;
  std::size_t max_datagram = 0;  // the session's datagram size at the end (path MTU discovery)
};

PerfResult run_perf_client(const PerfClientOptions& options, CryptoProfile& profile, RandomSource& rng);

// Wire helpers (shared by both ends and tests).
Bytes perf_message(std::uint64_t seq, std::int64_t send_us, std::size_t size);
bool parse_perf_message(ByteView m, std::uint64_t& seq, std::int64_t& send_us);
std::string perf_report_json(const PerfReceiverReport& r);
std::optional<PerfReceiverReport> parse_perf_report(ByteView m);
std::int64_t wall_clock_us();
double percentile(std::vector<double> v, double p);

}  // namespace rtmfp::tools
