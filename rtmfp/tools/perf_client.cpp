// `rtmfp perf URI`: sends a bulk or live flow for a number of seconds and
// gathers the receiver's report (protocol in perf.hpp).
#include <nlohmann/json.hpp>

#include <asio.hpp>
#include <cstdio>
#include <deque>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/tools/perf.hpp"
#include "rtmfp/io/udp_driver.hpp"

namespace rtmfp::tools {

using io::resolve;
using io::steady_now;
using io::UdpDriver;

namespace {
constexpr std::uint64_t kBulkBuffer = 2 << 20;  // bytes kept queued in bulk mode
constexpr Duration kReportTimeout = seconds(15);

struct Pending {
  std::shared_ptr<flow::WriteReceipt> receipt;
  std::size_t size;
};
}  // namespace

PerfResult run_perf_client(const PerfClientOptions& o, CryptoProfile& profile, RandomSource& rng) {
  PerfResult res;
  res.crypto = profile_name(profile.kind());
  res.cc = o.congestion_control;
  res.mode = o.mode == PerfMode::bulk ? "bulk" : "live";
  const std::size_t msg_size = std::max(kPerfHeaderSize, o.message_size ? o.message_size : (o.mode == PerfMode::bulk ? 16384 : 1200));
  auto uri = parse_uri(o.uri);
  if (!uri) {
    res.error = uri.error().message();
    res.exit_code = 2;
    return res;
  }
  asio::io_context io;
  auto addrs = resolve(io, uri->host, uri->port);
  if (!addrs) {
    res.error = addrs.error().message();
    res.exit_code = 3;
    return res;
  }
  EndpointConfig cfg;
  cfg.accept_sessions = false;
  cfg.open_timeout = o.connect_timeout;
  cfg.congestion_control = o.congestion_control;
  cfg.max_datagram_limit = o.max_datagram_limit;
  Endpoint endpoint(cfg, rng);
  endpoint.add_profile(profile);
  endpoint.set_trace(o.trace);
  UdpDriver driver(io, endpoint);
  // One socket: the family of the first resolved address.
  auto candidates = driver.bind_for(*addrs);
  if (!candidates) {
    res.error = candidates.error().message();
    res.exit_code = 6;
    return res;
  }
  ConnectRequest req;
  req.profile = profile.kind();
  req.epd.uri = uri->epd_uri();
  req.epd.peer_id = o.peer_id;
  req.candidates = *candidates;
  req.congestion_control = o.congestion_control;
  const TimePoint start = steady_now();
  auto session = endpoint.connect(start, req);
  if (!session) {
    res.error = session.error().message();
    res.exit_code = 2;
    return res;
  }

  // State of the run.
  std::optional<FlowId> flow;
  bool sending = false, closing = false, finished = false;
  // The receiver's report flow is a return association of our data flow; a
  // receiver MUST reject a flow whose associated sending flow is no longer
  // F_OPEN (RFC 7016 §3.6.3.1 steps 6-7). So the data flow is closed only
  // after the report flow has delivered its first (opening) report.
  bool close_after_first_report = false;
  TimePoint send_start{}, send_end{}, next_live{};
  std::uint64_t seq = 0;
  std::deque<Pending> pending;
  std::uint64_t delivered_bytes_sender = 0, delivered_msgs_sender = 0;
  std::optional<PerfReceiverReport> final_report, last_report;
  std::vector<double> rtt_samples;
  asio::steady_timer ticker(io), progress_timer(io), watchdog(io), close_timer(io);
  const Duration live_interval{static_cast<Duration::rep>(static_cast<double>(msg_size) * 8.0 * 1e6 /
                                                          static_cast<double>(std::max<std::uint64_t>(o.rate_bps, 1)))};

  auto finish = [&](int code, std::string error) {
    if (closing) return;
    closing = true;
    if (const auto* fs = endpoint.flows(*session)) res.retransmitted_bytes = fs->stats().bytes_retransmitted;
    res.exit_code = code;
    res.error = std::move(error);
    res.ok = code == 0;
    ticker.cancel();
    progress_timer.cancel();
    watchdog.cancel();
    if (auto info = endpoint.session_info(*session); info && info->state == SessionState::S_OPEN) {
      (void)endpoint.close(steady_now(), *session);
      driver.pump();
      close_timer.expires_after(std::chrono::milliseconds(500));
      close_timer.async_wait([&](asio::error_code) { io.stop(); });
    } else {
      io.stop();
    }
  };

  auto settle_receipts = [&] {
    while (!pending.empty() && pending.front().receipt->status() != flow::ReceiptStatus::pending) {
      if (pending.front().receipt->status() == flow::ReceiptStatus::delivered) {
        delivered_bytes_sender += pending.front().size;
        ++delivered_msgs_sender;
      } else {
        ++res.abandoned;
      }
      pending.pop_front();
    }
  };

  auto write_one = [&](TimePoint now, std::optional<Duration> finish_within) -> bool {
    Bytes m = perf_message(seq, wall_clock_us(), msg_size);
    auto r = endpoint.write(now, *session, *flow, m, std::nullopt, finish_within);
    if (!r) return false;
    ++seq;
    ++res.messages_sent;
    pending.push_back(Pending{*r, msg_size});
    return true;
  };

  auto stop_sending = [&](TimePoint now) {
    if (!sending) return;
    sending = false;
    send_end = now;
    if (last_report)
      (void)endpoint.close_flow(now, *session, *flow);
    else
      close_after_first_report = true;
    watchdog.expires_after(kReportTimeout);
    watchdog.async_wait([&](asio::error_code ec) {
      if (!ec && !finished) finish(4, "timed out waiting for the receiver's final report");
    });
  };

  // Writes what is due: bulk keeps the flow's queue full, live follows the clock.
  driver.on_poll = [&](TimePoint now) {
    if (!sending) return;
    if (now - send_start >= std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.seconds))) {
      stop_sending(now);
      return;
    }
    if (o.mode == PerfMode::bulk) {
      auto b = endpoint.buffered(*session, *flow);
      std::uint64_t queued = b ? *b : kBulkBuffer;
      while (queued < kBulkBuffer && write_one(now, std::nullopt)) queued += msg_size;
    } else {
      for (int i = 0; i < 10000 && next_live <= now; ++i) {
        write_one(now, milliseconds(o.deadline_ms));
        next_live += live_interval;
      }
    }
    settle_receipts();
  };

  std::function<void()> tick = [&] {
    if (!sending) return;
    auto next = o.mode == PerfMode::live ? std::min(next_live, steady_now() + milliseconds(5)) : steady_now() + milliseconds(2);
    ticker.expires_at(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(next.time_since_epoch())));
    ticker.async_wait([&](asio::error_code ec) {
      if (ec) return;
      driver.pump();
      tick();
    });
  };

  int second = 0;
  std::uint64_t last_delivered = 0;
  std::function<void()> progress = [&] {
    progress_timer.expires_after(std::chrono::milliseconds(100));
    progress_timer.async_wait([&](asio::error_code ec) {
      if (ec || closing) return;
      if (const auto* fs = endpoint.flows(*session))
        if (auto l = fs->rtt().latest()) rtt_samples.push_back(std::chrono::duration<double, std::milli>(*l).count());
      auto elapsed = steady_now() - send_start;
      if (elapsed >= seconds(second + 1)) {
        ++second;
        settle_receipts();
        auto info = endpoint.session_info(*session);
        if (info) res.max_datagram = info->max_datagram;
        double mbps = static_cast<double>(delivered_bytes_sender - last_delivered) * 8 / 1e6;
        last_delivered = delivered_bytes_sender;
        if (o.progress && info) {
          std::FILE* out = o.progress_to_stderr ? stderr : stdout;
          std::fprintf(out, "[%3d s] %8.2f Mbit/s acked  rtt %.2f ms  cwnd %llu B  retransmitted %llu B  abandoned %llu\n",
                       second, mbps, std::chrono::duration<double, std::milli>(info->srtt).count(),
                       static_cast<unsigned long long>(info->cwnd),
                       static_cast<unsigned long long>(info->bytes_retransmitted),
                       static_cast<unsigned long long>(res.abandoned));
          std::fflush(out);
        }
      }
      progress();
    });
  };

  driver.on_event = [&](EndpointEvent&& e) {
    TimePoint now = steady_now();
    if (auto* op = std::get_if<SessionOpened>(&e)) {
      res.handshake_ms = std::chrono::duration<double, std::milli>(now - start).count();
      res.address = op->peer.to_string();
      nlohmann::json meta{{"mode", res.mode}, {"message_size", msg_size}, {"deadline_ms", o.deadline_ms}};
      std::string m = std::string(kPerfFlowTag) + meta.dump();
      auto f = endpoint.open_flow(now, *session, ByteView(reinterpret_cast<const std::uint8_t*>(m.data()), m.size()),
                                  std::nullopt, flow::FlowOptions{.priority = 0, .time_critical = o.mode == PerfMode::live});
      if (!f) {
        finish(6, f.error().message());
        return;
      }
      flow = *f;
      sending = true;
      send_start = now;
      next_live = now;
      tick();
      progress();
    } else if (auto* fail = std::get_if<SessionOpenFailed>(&e)) {
      finish(fail->error.code == Errc::timeout || fail->error.code == Errc::not_found ? 4 : 5,
             fail->error.code == Errc::not_found ? fail->error.detail : fail->error.message());
    } else if (auto* c = std::get_if<SessionClosed>(&e)) {
      if (!closing) finish(5, std::string("session closed by the far end (") + close_reason_name(c->reason) + ")");
    } else if (auto* rej = std::get_if<FlowRejected>(&e)) {
      finish(5, "the far end rejected the perf flow (exception " + std::to_string(rej->code) +
                    "); is it an `rtmfp perf --listen` server?");
    } else if (auto* m = std::get_if<FlowMessage>(&e)) {
      auto r = parse_perf_report(m->data);
      if (!r) return;
      last_report = r;
      if (close_after_first_report) {
        close_after_first_report = false;
        (void)endpoint.close_flow(now, *session, *flow);
      }
      if (r->final) {
        final_report = r;
        finished = true;
        finish(0, "");
      }
    }
  };

  driver.start();
  watchdog.expires_after(o.connect_timeout + milliseconds(100));
  watchdog.async_wait([&](asio::error_code ec) {
    if (!ec && !flow) finish(4, o.peer_id ? "no endpoint with that peer ID answered" : "timed out: no answer from " + o.uri);
  });
  io.run();
  driver.stop();

  settle_receipts();
  for (auto& p : pending)
    if (p.receipt->status() == flow::ReceiptStatus::abandoned) ++res.abandoned;
  res.rtt_ms_p50 = percentile(rtt_samples, 50);
  res.rtt_ms_p95 = percentile(rtt_samples, 95);
  const auto& rep = final_report ? final_report : last_report;
  if (rep) {
    res.bytes = rep->bytes;
    res.messages_delivered = rep->messages;
    res.on_time = rep->on_time;
    res.seconds = rep->last_arrival_us > rep->first_send_us ? (rep->last_arrival_us - rep->first_send_us) / 1e6 : 0;
    res.goodput_bps = res.seconds > 0 ? static_cast<double>(res.bytes) * 8 / res.seconds : 0;
    res.latency_ms_p50 = rep->latency_ms_p50;
    res.latency_ms_p95 = rep->latency_ms_p95;
  }
  return res;
}

}  // namespace rtmfp::tools
