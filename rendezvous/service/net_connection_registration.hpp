// A node's registration the Flash way (RFC 7425 §5.3, what Flash Player does
// with Cirrus and what rtmfp-cpp's tcserver expects), sans-I/O: opens a
// session to the rendezvous under the node's own flash client identity (so
// the peer ID the server registers is the one others select it by, §5.4.1),
// opens the NetConnection control flow (stream 0, §5.3.1), sends "connect"
// (app and tcUrl from the rendezvous URI), takes the server's first stream-0
// flow associated to it as the canonical return control flow (§5.3.2), and on
// "_result" sends "setPeerInfo" with its host addresses (§5.3.3, MUST) and is
// registered. Set Keepalive Timers (§5.3.4) is clamped to at least 5 s and
// kept (advised_keepalive()). The reflexive address is known only if the
// server says it (our rendezvous's "reflexiveAddress" info property; RFC 7425
// has no way). Other flows are rejected with code 0 (§5.3.5.3). If the session
// or the NetConnection ends, or connect is refused, it reconnects with backoff
// (1 s doubling to 30 s) and registers again, as RegistrationClient does.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "rtmfp/core/retry_backoff.hpp"
#include "media/amf/amf_value.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "rendezvous/service/registration_client.hpp"

namespace rtmfp::rendezvous {

class NetConnectionRegistration : public node::Service {
 public:
  // tc_url: the rendezvous URI (rtmfp://HOST:PORT[/APP]); app: its path
  // without the leading '/' (tcserver's partition; our rendezvous ignores it).
  NetConnectionRegistration(Endpoint& endpoint, ConnectRequest to_rendezvous, std::string tc_url, std::string app,
                            std::vector<SocketAddress> host_addresses);

  bool on_event(TimePoint now, const EndpointEvent& event) override;
  std::optional<TimePoint> next_deadline() const override { return retry_at_; }
  void on_deadline(TimePoint now) override;
  std::string_view name() const override { return "netconnection-registration"; }
  std::vector<Bytes> signatures() const override { return {Bytes{'T', 'C'}}; }
  void on_start(TimePoint now) override { connect(now); }
  void on_shutdown(TimePoint now) override;
  std::optional<RegistrationEvent> poll_event();

  std::optional<SessionHandle> session() const { return session_; }
  bool registered() const { return registered_; }
  std::optional<media::gateway::SetKeepalive> advised_keepalive() const { return keepalive_; }
  std::uint64_t attempts() const { return attempts_; }

 private:
  void connect(TimePoint now);
  void lost(TimePoint now, std::string reason);
  void on_message(TimePoint now, ByteView data);
  void call(TimePoint now, const std::string& name, double trid, media::amf::Value obj,
            std::vector<media::amf::Value> args);

  Endpoint& endpoint_;
  ConnectRequest request_;
  std::string tc_url_, app_;
  std::vector<SocketAddress> hosts_;
  std::optional<SessionHandle> session_;
  std::optional<FlowId> control_;           // our control flow (§5.3.1)
  std::optional<FlowId> canonical_return_;  // the server's (§5.3.2)
  bool registered_ = false;
  std::optional<media::gateway::SetKeepalive> keepalive_;
  std::optional<TimePoint> retry_at_;
  bool shut_down_ = false;
  RetryBackoff backoff_{{.initial = seconds(1), .max = seconds(30), .jitter = 0.2}};
  std::uint64_t attempts_ = 0;
  std::deque<RegistrationEvent> events_;
};

}  // namespace rtmfp::rendezvous
