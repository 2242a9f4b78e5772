#include "rtmfp/io/probe.hpp"

#include <asio.hpp>

#include <algorithm>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/udp_driver.hpp"

namespace rtmfp::io {

std::optional<PeerId> peer_from_path(const std::string& path) {
  static constexpr std::string_view kPrefix = "/peer/";
  if (path.size() != kPrefix.size() + 64 || path.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  Bytes b;
  if (!from_hex(std::string_view(path).substr(kPrefix.size()), b) || b.size() != 32) return std::nullopt;
  PeerId id{};
  std::copy(b.begin(), b.end(), id.begin());
  return id;
}

ProbeResult run_probe(const ProbeOptions& options, CryptoProfile& profile, RandomSource& rng) {
  ProbeResult result;
  result.crypto = profile_name(profile.kind());
  auto uri = parse_uri(options.uri);
  if (!uri) {
    result.error = uri.error().message();
    result.exit_code = 2;
    return result;
  }
  asio::io_context io;
  auto addrs = resolve(io, uri->host, uri->port);
  if (!addrs) {
    result.error = addrs.error().message();
    result.exit_code = 3;
    return result;
  }
  EndpointConfig cfg;
  cfg.accept_sessions = false;  // a probe is only an initiator
  cfg.open_timeout = options.timeout;
  cfg.max_datagram_limit = options.max_datagram_limit;
  Endpoint endpoint(cfg, rng);
  endpoint.add_profile(profile);
  endpoint.set_trace(options.trace);
  UdpDriver driver(io, endpoint);
  // One socket: the family of the first resolved address.
  auto candidates = driver.bind_for(*addrs);
  if (!candidates) {
    result.error = candidates.error().message();
    result.exit_code = 6;
    return result;
  }

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
  req.candidates = *candidates;
  TimePoint start = steady_now();
  auto handle = endpoint.connect(start, req);
  if (!handle) {
    result.error = handle.error().message();
    result.exit_code = 2;
    return result;
  }

  asio::steady_timer deadline(io), pinger(io);
  int sent = 0;
  std::vector<TimePoint> ping_sent;
  bool closing = false;
  auto finish = [&](int code, std::string error) {
    if (closing) return;
    closing = true;
    result.exit_code = code;
    result.error = std::move(error);
    result.ok = code == 0;
    if (auto info = endpoint.session_info(*handle)) {
      result.max_datagram = info->max_datagram;
      result.path_mtu_state = info->path_mtu_state;
    }
    if (endpoint.session_info(*handle) && endpoint.session_info(*handle)->state == SessionState::S_OPEN) {
      (void)endpoint.close(steady_now(), *handle);
      driver.pump();
      // Give the Close Ack a moment, bounded.
      deadline.expires_after(std::chrono::milliseconds(500));
      deadline.async_wait([&](asio::error_code) { io.stop(); });
    } else {
      io.stop();
    }
  };
  std::function<void()> send_ping = [&] {
    if (closing) return;
    if (sent >= options.count) return;
    Bytes msg(8);
    for (int i = 0; i < 8; ++i) msg[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(sent) >> (8 * (7 - i)));
    ping_sent.push_back(steady_now());
    ++sent;
    (void)endpoint.ping(steady_now(), *handle, msg);
    driver.pump();
    pinger.expires_after(options.ping_interval);
    pinger.async_wait([&](asio::error_code ec) {
      if (!ec) send_ping();
    });
  };

  driver.on_event = [&](EndpointEvent&& e) {
    if (auto* o = std::get_if<SessionOpened>(&e)) {
      result.handshake_ms = std::chrono::duration<double, std::milli>(steady_now() - start).count();
      result.peer_id = o->far_peer_id;
      result.address = o->peer.to_string();
      if (result.introduced) {
        bool via_rendezvous = false;
        for (const auto& c : *candidates) via_rendezvous |= c == o->peer;
        result.path = via_rendezvous ? "rendezvous" : "direct";
      }
      if (options.count <= 0) {
        finish(0, "");
      } else {
        send_ping();
      }
    } else if (auto* f = std::get_if<SessionOpenFailed>(&e)) {
      finish(f->error.code == Errc::timeout || f->error.code == Errc::not_found ? 4 : 5,
             f->error.code == Errc::not_found ? f->error.detail : f->error.message());
    } else if (auto* c = std::get_if<SessionClosed>(&e)) {
      if (!closing) finish(5, std::string("session closed by the far end (") + close_reason_name(c->reason) + ")");
    } else if (auto* r = std::get_if<PingReplied>(&e)) {
      if (r->message.size() != 8) return;
      std::uint64_t seq = 0;
      for (auto b : r->message) seq = seq << 8 | b;
      if (seq < ping_sent.size()) {
        result.rtt_ms.push_back(std::chrono::duration<double, std::milli>(steady_now() - ping_sent[seq]).count());
        if (static_cast<int>(result.rtt_ms.size()) >= options.count) finish(0, "");
      }
    }
  };
  driver.start();
  deadline.expires_after(options.timeout + std::chrono::milliseconds(100));
  deadline.async_wait([&](asio::error_code ec) {
    if (ec) return;
    if (!closing) {
      if (result.address.empty()) {
        finish(4, options.peer_id ? "no endpoint with that peer ID answered" : "timed out: no answer from " + options.uri);
      } else {
        finish(4, "timed out waiting for ping replies");
      }
    }
  });
  io.run();
  driver.stop();
  return result;
}

}  // namespace rtmfp::io
