// `rtmfp perf --listen`: receives perf flows, measures them and reports back
// on a return flow (protocol in perf.hpp).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/node/node.hpp"
#include "rtmfp/tools/perf.hpp"

namespace rtmfp::tools {

namespace {

constexpr std::uint64_t kRejectNotPerf = 1;  // flow exception code for unknown flows
constexpr std::size_t kMaxLatencySamples = 4'000'000;

struct Test {
  SessionHandle session = 0;
  FlowId rx = 0;
  FlowId report = 0;
  std::string mode;
  std::uint32_t deadline_ms = 200;
  PerfReceiverReport r;
  std::vector<double> latency_ms;
  TimePoint last_report{};
  std::string peer;
};

bool parse_metadata(ByteView meta, Test& t) {
  const std::string tag = kPerfFlowTag;
  if (meta.size() < tag.size() || !std::equal(tag.begin(), tag.end(), meta.begin())) return false;
  auto j = nlohmann::json::parse(meta.begin() + static_cast<std::ptrdiff_t>(tag.size()), meta.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    t.mode = j.value("mode", std::string("bulk"));
    t.deadline_ms = j.value("deadline_ms", std::uint32_t{200});
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return true;
}

void fill_latency(Test& t) {
  t.r.latency_ms_p50 = percentile(t.latency_ms, 50);
  t.r.latency_ms_p95 = percentile(t.latency_ms, 95);
  t.r.latency_ms_max = t.latency_ms.empty() ? 0 : *std::max_element(t.latency_ms.begin(), t.latency_ms.end());
}

// The perf receiver as a service of a Node: claims the perf flows by their
// metadata signature (kPerfFlowTag), measures them and reports on a flow
// associated with each (RFC 7016 §2.3.11.1.2).
class PerfServerService final : public node::Service {
 public:
  PerfServerService(Endpoint& endpoint, std::function<void(const Test&)> finished)
      : ep_(endpoint), finished_(std::move(finished)) {}

  std::string_view name() const override { return "perf"; }
  std::vector<Bytes> signatures() const override {
    const std::string tag = kPerfFlowTag;
    return {Bytes(tag.begin(), tag.end())};
  }

  bool on_event(TimePoint now, const EndpointEvent& e) override {
    if (auto* in = std::get_if<FlowIncoming>(&e)) {
      Test t;
      if (!parse_metadata(in->metadata, t)) {
        (void)ep_.reject_flow(now, in->session, in->flow, kRejectNotPerf);
        return true;
      }
      std::string tag = kPerfReportTag;
      auto report = ep_.open_flow(now, in->session, ByteView(reinterpret_cast<const std::uint8_t*>(tag.data()), tag.size()),
                                  in->flow);
      if (!report) {
        (void)ep_.reject_flow(now, in->session, in->flow, kRejectNotPerf);
        return true;
      }
      t.session = in->session;
      t.rx = in->flow;
      t.report = *report;
      t.last_report = now;
      if (auto info = ep_.session_info(in->session)) t.peer = info->peer.to_string();
      // An opening report at once: the report flow reaches the client while
      // its data flow is still open, as the association requires (RFC 7016
      // §3.6.3.1 step 7); the client closes its data flow only after it.
      auto& placed = tests_[{in->session, in->flow}] = std::move(t);
      send_report(placed, now);
    } else if (auto* m = std::get_if<FlowMessage>(&e)) {
      auto it = tests_.find({m->session, m->flow});
      if (it == tests_.end()) return true;
      Test& t = it->second;
      std::uint64_t seq = 0;
      std::int64_t sent_us = 0;
      if (!parse_perf_message(m->data, seq, sent_us)) return true;
      const std::int64_t arrival = wall_clock_us();
      if (t.r.messages == 0) t.r.first_send_us = sent_us;
      ++t.r.messages;
      t.r.bytes += m->data.size();
      t.r.last_arrival_us = arrival;
      const double lat = static_cast<double>(arrival - sent_us) / 1000.0;
      if (lat <= t.deadline_ms) ++t.r.on_time;
      if (t.latency_ms.size() < kMaxLatencySamples) t.latency_ms.push_back(lat);
      if (now - t.last_report >= seconds(1)) send_report(t, now);
    } else if (auto* f = std::get_if<FlowFinished>(&e)) {
      auto it = tests_.find({f->session, f->flow});
      if (it == tests_.end()) return true;
      Test& t = it->second;
      t.r.final = true;
      send_report(t, now);
      (void)ep_.close_flow(now, t.session, t.report);
      finished_(t);
      tests_.erase(it);
    } else if (auto* c = std::get_if<SessionClosed>(&e)) {
      std::erase_if(tests_, [&](const auto& kv) { return kv.first.first == c->session; });
    }
    return false;
  }

 private:
  void send_report(Test& t, TimePoint now) {
    fill_latency(t);
    std::string js = perf_report_json(t.r);
    (void)ep_.write(now, t.session, t.report, ByteView(reinterpret_cast<const std::uint8_t*>(js.data()), js.size()));
    t.last_report = now;
  }

  Endpoint& ep_;
  std::function<void(const Test&)> finished_;
  std::map<std::pair<SessionHandle, FlowId>, Test> tests_;
};

std::string format_result(const Test& t, bool json) {
  double secs = t.r.last_arrival_us > t.r.first_send_us ? (t.r.last_arrival_us - t.r.first_send_us) / 1e6 : 0;
  double bps = secs > 0 ? static_cast<double>(t.r.bytes) * 8 / secs : 0;
  if (json) {
    nlohmann::json j;
    j["peer"] = t.peer;
    j["mode"] = t.mode;
    j["bytes"] = t.r.bytes;
    j["messages"] = t.r.messages;
    j["on_time"] = t.r.on_time;
    j["seconds"] = secs;
    j["goodput_bps"] = bps;
    j["latency_ms_p50"] = t.r.latency_ms_p50;
    j["latency_ms_p95"] = t.r.latency_ms_p95;
    return j.dump();
  }
  char line[512];
  std::snprintf(line, sizeof line,
                "%s %s: %llu bytes, %llu messages (%llu on time) in %.2f s, %.1f Mbit/s, latency p50 %.1f ms p95 %.1f ms",
                t.peer.c_str(), t.mode.c_str(), static_cast<unsigned long long>(t.r.bytes),
                static_cast<unsigned long long>(t.r.messages), static_cast<unsigned long long>(t.r.on_time), secs,
                bps / 1e6, t.r.latency_ms_p50, t.r.latency_ms_p95);
  return line;
}

}  // namespace

std::unique_ptr<node::Service> make_perf_service(Endpoint& endpoint, bool json,
                                                 std::function<void(const std::string&)> on_result) {
  return std::make_unique<PerfServerService>(
      endpoint, [json, on_result = std::move(on_result)](const Test& t) { on_result(format_result(t, json)); });
}

int run_perf_server(const PerfServerOptions& options, RandomSource& rng) {
  EndpointConfig cfg;
  cfg.congestion_control = options.congestion_control;
  cfg.max_datagram_limit = options.max_datagram_limit;
  Endpoint endpoint(cfg, rng);
  for (auto* p : options.profiles) endpoint.add_profile(*p);
  endpoint.set_trace(options.trace);
  node::Node node(endpoint);
  auto perf = make_perf_service(endpoint, options.json, [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  });
  (void)node.add_service(*perf);
  host::NodeHostOptions ho;
  ho.listen = {options.listen};
  ho.handle_signals = true;
  host::NodeHost host(node, std::move(ho));
  if (auto b = host.open(); !b) {
    std::fprintf(stderr, "rtmfp perf: %s\n", b.error().message().c_str());
    return 6;
  }
  if (options.on_listening) options.on_listening(host.local_addresses().front());
  host.run();
  return 0;
}

}  // namespace rtmfp::tools
