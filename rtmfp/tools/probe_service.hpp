// The probe as a service on a Node (sans-I/O), shared by `rtmfp probe`
// (probe.cpp) and its registered form for introductions
// (rendezvous/io/peer_probe.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/node/service.hpp"
#include "rtmfp/tools/probe.hpp"

namespace rtmfp::tools {

// The probe as a service (sans-I/O): connect on start (deferred: when
// begin() is called), ping count times at ping_interval once open, give up
// at the timeout (counted from the connect); `done` ends the run (the host
// then closes the session, RFC 7016 §3.5.5, and drains).
class ProbeService final : public node::Service {
 public:
  ProbeService(Endpoint& endpoint, const ProbeOptions& options, ProbeResult& result, ConnectRequest request,
               std::function<void()> done, bool deferred = false)
      : ep_(endpoint),
        options_(options),
        result_(result),
        request_(std::move(request)),
        done_(std::move(done)),
        deferred_(deferred) {}

  std::string_view name() const override { return "probe"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override {
    node::Interests i;
    i.pings = true;
    return i;
  }

  void on_start(TimePoint now) override {
    if (!deferred_) begin(now);
  }
  // Connects now (once).
  void begin(TimePoint now) {
    if (started_ || closing_) return;
    started_ = true;
    start_ = now;
    timeout_at_ = now + options_.timeout + milliseconds(100);
    auto h = ep_.connect(now, request_);
    if (!h) return finish(2, h.error().message());
    handle_ = *h;
  }
  bool started() const { return started_; }
  bool finished() const { return closing_; }
  // Ends the probe with this exit code and error (e.g. the host's own
  // failure before the connect).
  void fail(int code, std::string error) { finish(code, std::move(error)); }

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
    if (closing_ || !started_) return std::nullopt;
    return earliest(timeout_at_, next_ping_);
  }

  void on_deadline(TimePoint now) override {
    if (closing_ || !started_) return;
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
  bool deferred_ = false;
  bool started_ = false;
};

}  // namespace rtmfp::tools
