#include "rtmfp/tools/probe.hpp"

#include <algorithm>
#include <functional>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/resolve.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::tools {

std::optional<PeerId> peer_from_path(const std::string& path) {
  static constexpr std::string_view kPrefix = "/peer/";
  if (path.size() != kPrefix.size() + 64 || path.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  Bytes b;
  if (!from_hex(std::string_view(path).substr(kPrefix.size()), b) || b.size() != 32) return std::nullopt;
  PeerId id{};
  std::copy(b.begin(), b.end(), id.begin());
  return id;
}

namespace {

// The probe as a service (sans-I/O): connect on start, ping count times at
// ping_interval once open, give up at the timeout; `done` ends the run (the
// host then closes the session, RFC 7016 §3.5.5, and drains).
class ProbeService final : public node::Service {
 public:
  ProbeService(Endpoint& endpoint, const ProbeOptions& options, ProbeResult& result, ConnectRequest request,
               std::function<void()> done)
      : ep_(endpoint), options_(options), result_(result), request_(std::move(request)), done_(std::move(done)) {}

  std::string_view name() const override { return "probe"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override {
    node::Interests i;
    i.pings = true;
    return i;
  }

  void on_start(TimePoint now) override {
    start_ = now;
    timeout_at_ = now + options_.timeout + milliseconds(100);
    auto h = ep_.connect(now, request_);
    if (!h) return finish(2, h.error().message());
    handle_ = *h;
  }

  bool on_event(TimePoint now, const EndpointEvent& e) override {
    if (closing_) return false;
    if (auto* o = std::get_if<SessionOpened>(&e); o && o->session == handle_) {
      result_.handshake_ms = std::chrono::duration<double, std::milli>(now - start_).count();
      result_.peer_id = o->far_peer_id;
      result_.address = o->peer.to_string();
      if (result_.introduced) {
        // The rendezvous's relay (rendezvous/core/relay.hpp) is named in its
        // Redirect with origin "relay" (RFC 7016 §2.1.5).
        bool via_rendezvous = false;
        for (const auto& c : request_.candidates) via_rendezvous |= c == o->peer;
        const bool via_relay = o->peer_origin == wire::AddressOrigin::relay;
        result_.path = via_rendezvous ? "rendezvous" : via_relay ? "relayed" : "direct";
      }
      if (options_.count <= 0)
        finish(0, "");
      else
        send_ping(now);
    } else if (auto* f = std::get_if<SessionOpenFailed>(&e); f && f->session == handle_) {
      finish(f->error.code == Errc::timeout || f->error.code == Errc::not_found ? 4 : 5,
             f->error.code == Errc::not_found ? f->error.detail : f->error.message());
    } else if (auto* c = std::get_if<SessionClosed>(&e); c && c->session == handle_) {
      finish(5, std::string("session closed by the far end (") + close_reason_name(c->reason) + ")");
    } else if (auto* r = std::get_if<PingReplied>(&e); r && r->session == handle_) {
      if (r->message.size() != 8) return true;
      std::uint64_t seq = 0;
      for (auto b : r->message) seq = seq << 8 | b;
      if (seq < ping_sent_.size()) {
        result_.rtt_ms.push_back(std::chrono::duration<double, std::milli>(now - ping_sent_[seq]).count());
        if (static_cast<int>(result_.rtt_ms.size()) >= options_.count) finish(0, "");
      }
      return true;
    }
    return false;
  }

  std::optional<TimePoint> next_deadline() const override {
    if (closing_) return std::nullopt;
    return earliest(timeout_at_, next_ping_);
  }

  void on_deadline(TimePoint now) override {
    if (closing_) return;
    if (now >= timeout_at_) {
      if (result_.address.empty())
        finish(4, options_.peer_id ? "no endpoint with that peer ID answered" : "timed out: no answer from " + options_.uri);
      else
        finish(4, "timed out waiting for ping replies");
      return;
    }
    if (next_ping_ && now >= *next_ping_) send_ping(now);
  }

 private:
  void send_ping(TimePoint now) {
    next_ping_.reset();
    if (sent_ >= options_.count) return;
    Bytes msg(8);
    for (int i = 0; i < 8; ++i)
      msg[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(sent_) >> (8 * (7 - i)));
    ping_sent_.push_back(now);
    ++sent_;
    (void)ep_.ping(now, handle_, msg);
    next_ping_ = now + options_.ping_interval;
  }

  void finish(int code, std::string error) {
    if (closing_) return;
    closing_ = true;
    result_.exit_code = code;
    result_.error = std::move(error);
    result_.ok = code == 0;
    if (auto info = ep_.session_info(handle_)) {
      result_.max_datagram = info->max_datagram;
      result_.path_mtu_state = info->path_mtu_state;
    }
    done_();
  }

  Endpoint& ep_;
  const ProbeOptions& options_;
  ProbeResult& result_;
  ConnectRequest request_;
  std::function<void()> done_;
  SessionHandle handle_ = 0;
  TimePoint start_{}, timeout_at_{};
  std::optional<TimePoint> next_ping_;
  int sent_ = 0;
  std::vector<TimePoint> ping_sent_;
  bool closing_ = false;
};

}  // namespace

ProbeResult run_probe(const ProbeOptions& options, CryptoProfile& profile, RandomSource& rng) {
  ProbeResult result;
  result.crypto = profile_name(profile.kind());
  auto uri = parse_uri(options.uri);
  if (!uri) {
    result.error = uri.error().message();
    result.exit_code = 2;
    return result;
  }
  std::vector<SocketAddress> addrs;
  {
    asio::io_context resolver;
    auto r = io::resolve(resolver, uri->host, uri->port);
    if (!r) {
      result.error = r.error().message();
      result.exit_code = 3;
      return result;
    }
    addrs = std::move(*r);
  }
  EndpointConfig cfg;
  cfg.accept_sessions = false;  // a probe is only an initiator
  cfg.open_timeout = options.timeout;
  cfg.max_datagram_limit = options.max_datagram_limit;
  Endpoint endpoint(cfg, rng);
  endpoint.add_profile(profile);
  endpoint.set_trace(options.trace);
  node::Node node(endpoint);

  // One socket: the family of the first resolved address, whose addresses
  // are the candidates.
  ConnectRequest req;
  req.profile = profile.kind();
  req.epd.uri = uri->epd_uri();
  req.epd.peer_id = options.peer_id;
  if (auto peer = peer_from_path(uri->path)) {
    // An introduction: the EPD names the peer only (Fingerprint, RFC 7425
    // §4.4.2); the rendezvous is the first candidate, its Redirect adds the
    // peer's addresses (RFC 7016 §3.5.1.6).
    result.introduced = true;
    req.epd.uri.clear();
    req.epd.peer_id = peer;
  }
  SocketAddress local;
  local.v6 = addrs.front().v6;
  for (const auto& a : addrs)
    if (a.v6 == local.v6) req.candidates.push_back(a);

  host::NodeHostOptions ho;
  ho.listen = {local};
  // After the result: the session's Close and its Ack, bounded.
  ho.drain_limit = milliseconds(500);
  host::NodeHost host(node, std::move(ho));
  ProbeService probe(endpoint, options, result, std::move(req), [&host] { host.shutdown(); });
  (void)node.add_service(probe);
  if (auto b = host.open(); !b) {
    result.error = b.error().message();
    result.exit_code = 6;
    return result;
  }
  host.run();
  return result;
}

}  // namespace rtmfp::tools
