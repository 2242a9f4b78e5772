// `rtmfp perf URI`: sends a bulk or live flow for a number of seconds and
// gathers the receiver's report (protocol in perf.hpp). The client is a
// service on a Node run by a NodeHost (one socket of the first resolved
// address's family), like the probe.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <deque>
#include <functional>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/resolve.hpp"
#include "rtmfp/node/node.hpp"
#include "rtmfp/tools/perf.hpp"
#include "rtmfp/tools/probe.hpp"

namespace rtmfp::tools {

namespace {
constexpr std::uint64_t kBulkBuffer = 2 << 20;  // bytes kept queued in bulk mode
constexpr Duration kReportTimeout = seconds(15);
constexpr Duration kProgressPeriod = milliseconds(100);  // an RTT sample; a line every 10th

struct Pending {
  std::shared_ptr<flow::WriteReceipt> receipt;
  std::size_t size;
};

// The sender, sans-I/O: connect on start; once open, one sending flow
// (kPerfFlowTag metadata) written from on_poll (bulk: keep kBulkBuffer
// queued; live: one message per live_interval) for o.seconds; then wait for
// the final report on the receiver's kPerfReportTag flow (the flows this
// service claims). `done` ends the run: the host then closes the session
// (RFC 7016 §3.5.5) and drains, bounded.
class PerfClientService final : public node::Service {
 public:
  PerfClientService(Endpoint& endpoint, const PerfClientOptions& o, std::size_t msg_size, ConnectRequest request,
                    PerfResult& res, std::function<void()> done)
      : ep_(endpoint), o_(o), msg_size_(msg_size), request_(std::move(request)), res_(res), done_(std::move(done)),
        live_interval_(static_cast<Duration::rep>(static_cast<double>(msg_size) * 8.0 * 1e6 /
                                                  static_cast<double>(std::max<std::uint64_t>(o.rate_bps, 1)))) {}

  std::string_view name() const override { return "perf-client"; }
  std::vector<Bytes> signatures() const override {
    std::string_view tag = kPerfReportTag;
    return {Bytes(tag.begin(), tag.end())};
  }

  void on_start(TimePoint now) override {
    start_ = now;
    watchdog_ = now + o_.connect_timeout + milliseconds(100);
    auto s = ep_.connect(now, request_);
    if (!s) return finish(2, s.error().message());
    session_ = *s;
  }

  bool on_event(TimePoint now, const EndpointEvent& e) override {
    if (closing_ || !session_) return false;
    if (auto* op = std::get_if<SessionOpened>(&e); op && op->session == *session_) {
      opened(now, *op);
    } else if (auto* fail = std::get_if<SessionOpenFailed>(&e); fail && fail->session == *session_) {
      finish(fail->error.code == Errc::timeout || fail->error.code == Errc::not_found ? 4 : 5,
             fail->error.code == Errc::not_found ? fail->error.detail : fail->error.message());
    } else if (auto* c = std::get_if<SessionClosed>(&e); c && c->session == *session_) {
      finish(5, std::string("session closed by the far end (") + close_reason_name(c->reason) + ")");
    } else if (auto* rej = std::get_if<FlowRejected>(&e); rej && rej->session == *session_) {
      finish(5, "the far end rejected the perf flow (exception " + std::to_string(rej->code) +
                    "); is it an `rtmfp perf --listen` server?");
    } else if (auto* m = std::get_if<FlowMessage>(&e); m && m->session == *session_) {
      report(now, m->data);
    }
    return false;
  }

  // Writes what is due: bulk keeps the flow's queue full, live follows the clock.
  void on_poll(TimePoint now) override {
    if (!sending_ || closing_) return;
    if (now - send_start_ >= std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o_.seconds))) {
      stop_sending(now);
      return;
    }
    if (o_.mode == PerfMode::bulk) {
      auto b = ep_.buffered(*session_, *flow_);
      std::uint64_t queued = b ? *b : kBulkBuffer;
      while (queued < kBulkBuffer && write_one(now, std::nullopt)) queued += msg_size_;
    } else {
      for (int i = 0; i < 10000 && next_live_ <= now; ++i) {
        write_one(now, milliseconds(o_.deadline_ms));
        next_live_ += live_interval_;
      }
    }
    settle_receipts();
    // The next write's turn: live, its message's time (at most 5 ms away);
    // bulk, 2 ms (acknowledgements arriving in between pump sooner).
    tick_ = o_.mode == PerfMode::live ? std::min(next_live_, now + milliseconds(5)) : now + milliseconds(2);
  }

  std::optional<TimePoint> next_deadline() const override {
    if (closing_) return std::nullopt;
    std::optional<TimePoint> next = watchdog_;
    if (sending_) next = earliest(next, tick_);
    return earliest(next, progress_);
  }

  void on_deadline(TimePoint now) override {
    if (closing_) return;
    if (watchdog_ && now >= *watchdog_) {
      watchdog_.reset();
      if (!flow_)
        return finish(4, o_.peer_id ? "no endpoint with that peer ID answered" : "timed out: no answer from " + o_.uri);
      if (!finished_) return finish(4, "timed out waiting for the receiver's final report");
    }
    if (progress_ && now >= *progress_) on_progress(now);
    // The tick itself only wakes the host: on_poll writes.
  }

  void settle_receipts() {
    while (!pending_.empty() && pending_.front().receipt->status() != flow::ReceiptStatus::pending) {
      if (pending_.front().receipt->status() == flow::ReceiptStatus::delivered) {
        delivered_bytes_ += pending_.front().size;
        ++delivered_msgs_;
      } else {
        ++res_.abandoned;
      }
      pending_.pop_front();
    }
  }
  const std::deque<Pending>& pending() const { return pending_; }
  const std::vector<double>& rtt_samples() const { return rtt_samples_; }
  const std::optional<PerfReceiverReport>& report() const { return final_report_ ? final_report_ : last_report_; }

 private:
  void opened(TimePoint now, const SessionOpened& op) {
    res_.handshake_ms = std::chrono::duration<double, std::milli>(now - start_).count();
    res_.address = op.peer.to_string();
    nlohmann::json meta{{"mode", res_.mode}, {"message_size", msg_size_}, {"deadline_ms", o_.deadline_ms}};
    std::string m = std::string(kPerfFlowTag) + meta.dump();
    auto f = ep_.open_flow(now, *session_, ByteView(reinterpret_cast<const std::uint8_t*>(m.data()), m.size()),
                           std::nullopt, flow::FlowOptions{.priority = 0, .time_critical = o_.mode == PerfMode::live});
    if (!f) return finish(6, f.error().message());
    flow_ = *f;
    watchdog_.reset();
    sending_ = true;
    send_start_ = now;
    next_live_ = now;
    tick_ = now;
    progress_ = now + kProgressPeriod;
  }

  void report(TimePoint now, ByteView data) {
    auto r = parse_perf_report(data);
    if (!r) return;
    last_report_ = r;
    // The receiver's report flow is a return association of our data flow; a
    // receiver MUST reject a flow whose associated sending flow is no longer
    // F_OPEN (RFC 7016 §3.6.3.1 steps 6-7). So the data flow is closed only
    // after the report flow has delivered its first (opening) report.
    if (close_after_first_report_) {
      close_after_first_report_ = false;
      (void)ep_.close_flow(now, *session_, *flow_);
    }
    if (r->final) {
      final_report_ = r;
      finished_ = true;
      finish(0, "");
    }
  }

  bool write_one(TimePoint now, std::optional<Duration> finish_within) {
    Bytes m = perf_message(seq_, wall_clock_us(), msg_size_);
    auto r = ep_.write(now, *session_, *flow_, m, std::nullopt, finish_within);
    if (!r) return false;
    ++seq_;
    ++res_.messages_sent;
    pending_.push_back(Pending{*r, msg_size_});
    return true;
  }

  void stop_sending(TimePoint now) {
    if (!sending_) return;
    sending_ = false;
    if (last_report_)
      (void)ep_.close_flow(now, *session_, *flow_);
    else
      close_after_first_report_ = true;
    watchdog_ = now + kReportTimeout;
  }

  // Every 100 ms an RTT sample; every second of sending a progress line.
  void on_progress(TimePoint now) {
    progress_ = now + kProgressPeriod;
    if (const auto* fs = ep_.flows(*session_))
      if (auto l = fs->rtt().latest()) rtt_samples_.push_back(std::chrono::duration<double, std::milli>(*l).count());
    if (now - send_start_ < seconds(second_ + 1)) return;
    ++second_;
    settle_receipts();
    auto info = ep_.session_info(*session_);
    if (info) res_.max_datagram = info->max_datagram;
    double mbps = static_cast<double>(delivered_bytes_ - last_delivered_) * 8 / 1e6;
    last_delivered_ = delivered_bytes_;
    if (o_.progress && info) {
      std::FILE* out = o_.progress_to_stderr ? stderr : stdout;
      std::fprintf(out, "[%3d s] %8.2f Mbit/s acked  rtt %.2f ms  cwnd %llu B  retransmitted %llu B  abandoned %llu\n",
                   second_, mbps, std::chrono::duration<double, std::milli>(info->srtt).count(),
                   static_cast<unsigned long long>(info->cwnd),
                   static_cast<unsigned long long>(info->bytes_retransmitted),
                   static_cast<unsigned long long>(res_.abandoned));
      std::fflush(out);
    }
  }

  void finish(int code, std::string error) {
    if (closing_) return;
    closing_ = true;
    if (session_)
      if (const auto* fs = ep_.flows(*session_)) res_.retransmitted_bytes = fs->stats().bytes_retransmitted;
    res_.exit_code = code;
    res_.error = std::move(error);
    res_.ok = code == 0;
    done_();
  }

  Endpoint& ep_;
  const PerfClientOptions& o_;
  const std::size_t msg_size_;
  ConnectRequest request_;
  PerfResult& res_;
  std::function<void()> done_;
  const Duration live_interval_;

  std::optional<SessionHandle> session_;
  std::optional<FlowId> flow_;
  bool sending_ = false, closing_ = false, finished_ = false;
  bool close_after_first_report_ = false;
  TimePoint start_{}, send_start_{}, next_live_{}, tick_{};
  std::optional<TimePoint> watchdog_, progress_;
  std::uint64_t seq_ = 0;
  std::deque<Pending> pending_;
  std::uint64_t delivered_bytes_ = 0, delivered_msgs_ = 0, last_delivered_ = 0;
  int second_ = 0;
  std::optional<PerfReceiverReport> final_report_, last_report_;
  std::vector<double> rtt_samples_;
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
  auto resolved = io::resolve(uri->host, uri->port);
  if (!resolved) {
    res.error = resolved.error().message();
    res.exit_code = 3;
    return res;
  }
  std::vector<SocketAddress> addrs = std::move(*resolved);
  EndpointConfig cfg;
  cfg.accept_sessions = false;
  cfg.open_timeout = o.connect_timeout;
  cfg.congestion_control = o.congestion_control;
  cfg.max_datagram_limit = o.max_datagram_limit;
  Endpoint endpoint(cfg, rng);
  endpoint.add_profile(profile);
  endpoint.set_trace(o.trace);
  node::Node node(endpoint);

  // One socket: the family of the first resolved address, whose addresses
  // are the candidates.
  ConnectRequest req;
  req.profile = profile.kind();
  req.epd.uri = uri->epd_uri();
  req.epd.peer_id = o.peer_id;
  if (auto peer = peer_from_path(uri->path)) {
    // rtmfp://RENDEZVOUS/peer/<id>: through an introduction, as the probe
    // (RFC 7016 §3.5.1.6): the EPD names the peer, the rendezvous is the
    // first candidate and its Redirect adds the peer's addresses.
    req.epd.uri.clear();
    req.epd.peer_id = peer;
  }
  req.congestion_control = o.congestion_control;
  SocketAddress local;
  local.v6 = addrs.front().v6;
  for (const auto& a : addrs)
    if (a.v6 == local.v6) req.candidates.push_back(a);

  host::NodeHostOptions ho;
  ho.listen = {local};
  // After the result: the session's Close and its Ack, bounded.
  ho.drain_limit = milliseconds(500);
  host::NodeHost host(node, std::move(ho));
  PerfClientService client(endpoint, o, msg_size, std::move(req), res, [&host] { host.shutdown(); });
  (void)node.add_service(client);
  if (auto b = host.open(); !b) {
    res.error = b.error().message();
    res.exit_code = 6;
    return res;
  }
  host.run();

  client.settle_receipts();
  for (const auto& p : client.pending())
    if (p.receipt->status() == flow::ReceiptStatus::abandoned) ++res.abandoned;
  res.rtt_ms_p50 = percentile(client.rtt_samples(), 50);
  res.rtt_ms_p95 = percentile(client.rtt_samples(), 95);
  if (const auto& rep = client.report()) {
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
