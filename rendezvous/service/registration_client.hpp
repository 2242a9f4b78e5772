// A node's registration at its rendezvous, sans-I/O: opens a session to the
// rendezvous under the node's own identity (so the peer ID the rendezvous
// registers is the one others select it by), opens the control flow, sends a
// Registration with the node's host addresses and waits for Registered (its
// reflexive address). If the session closes or cannot open (a rendezvous
// restart, a long outage), it reconnects with backoff (1 s doubling to 30 s, each +-20%, RetryBackoff)
// and registers again, without user action.
// With several rendezvous (instances sharing one directory, issue 12 §4) it
// registers at the first that answers and, when that session is lost, moves
// on to the next at once (a full round without success backs off as
// above). Liveness pings (RFC 7016 §2.3.9) then notice a rendezvous that
// died without closing its sessions within liveness_interval * (misses + 1),
// well inside the keepalive period, instead of the idle timeout.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "rendezvous/control/control_codec.hpp"
#include "rtmfp/core/retry_backoff.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::rendezvous {

struct RegistrationEvent {
  enum Kind { registered, lost } kind = registered;
  control::Registered info;  // registered
  std::string reason;        // lost
  // False when the rendezvous did not say where it sees us (a Flash-way
  // registration at a server that, like RFC 7425 §5.3, never tells).
  bool reflexive_known = true;
  std::size_t rendezvous = 0;  // which of the client's rendezvous (index)
};

struct RegistrationOptions {
  // Ping the registered rendezvous this often; zero: rely on the session's
  // own keepalive and idle timeout (§3.5.4.1).
  Duration liveness_interval = seconds(0);
  // Unanswered pings in a row after which the rendezvous counts as gone.
  unsigned liveness_misses = 2;
  // With several rendezvous: an attempt that has not registered by then is
  // abandoned for the next rendezvous (one that is down would otherwise
  // hold the node for the whole open timeout, §3.5.1.1.1). Zero: none.
  Duration attempt_timeout = seconds(0);
  // The node runs the NAT check after each registration and reports it
  // (report_nat): the Registration says so (control.proto
  // nat_report_follows), and the introducer holds introductions of this
  // peer until the report comes, for at most limits::kNatReportWait.
  bool nat_report_follows = false;
};

class RegistrationClient : public node::Service {
 public:
  RegistrationClient(Endpoint& endpoint, ConnectRequest to_rendezvous, std::vector<SocketAddress> host_addresses);
  // Several rendezvous, tried in order (at least one).
  RegistrationClient(Endpoint& endpoint, std::vector<ConnectRequest> rendezvous,
                     std::vector<SocketAddress> host_addresses, RegistrationOptions options);

  void start(TimePoint now);
  // Handles the events of its session and control flow; true if consumed.
  bool on_event(TimePoint now, const EndpointEvent& event) override;
  std::optional<TimePoint> next_deadline() const override {
    return earliest(retry_at_, earliest(ping_at_, attempt_deadline_));
  }
  void on_deadline(TimePoint now) override;

  // As a service of a Node: the rendezvous's answer flow carries the control
  // signature; start() when the node starts; no retries once it shuts down.
  std::string_view name() const override { return "registration"; }
  std::vector<Bytes> signatures() const override {
    auto s = control::flow_signature();
    return {Bytes(s.begin(), s.end())};
  }
  void on_start(TimePoint now) override { start(now); }
  node::Interests interests() const override {
    node::Interests i;
    i.pings = options_.liveness_interval > Duration::zero();
    return i;
  }
  void on_shutdown(TimePoint now) override;
  std::optional<RegistrationEvent> poll_event();

  // What the node learned of its NAT (rendezvous/core/nat_checker.hpp),
  // for the rendezvous's choice of strategy: sent on the control flow now,
  // or once registered; kept and sent again after every re-registration.
  void report_nat(TimePoint now, control::NatReport report);

  // The node's addresses changed (e.g. a TURN relayed address arrived):
  // kept for every later registration, and sent now as a new Registration
  // if registered (its Registered answer emits no event).
  void set_host_addresses(TimePoint now, std::vector<SocketAddress> host_addresses);

  // Other services' use of the control flow (the group client's GroupJoin):
  // send_control writes one message while registered (false otherwise);
  // messages from the rendezvous other than Registered go to the handler
  // (on the node's thread; e.g. GroupMembers, Failure).
  bool send_control(TimePoint now, const control::Message& m);
  void set_control_handler(std::function<void(TimePoint, const control::Message&)> handler) {
    control_handler_ = std::move(handler);
  }

  // The introducer's word on an introduction this node is part of
  // (control.proto Introduction: strategy, both NAT classes, predicted
  // ports, birthday bounds): to this handler, and the last one kept.
  void set_introduction_handler(std::function<void(TimePoint, const control::Introduction&)> handler) {
    introduction_handler_ = std::move(handler);
  }
  const std::optional<control::Introduction>& last_introduction() const { return last_introduction_; }

  std::optional<SessionHandle> session() const { return session_; }
  const std::optional<control::Registered>& registered() const { return registered_; }
  std::uint64_t attempts() const { return attempts_; }
  std::size_t current() const { return current_; }

 private:
  void connect(TimePoint now);
  void lost(TimePoint now, std::string reason);

  Endpoint& endpoint_;
  std::vector<ConnectRequest> requests_;
  std::size_t current_ = 0;
  RegistrationOptions options_;
  std::optional<TimePoint> ping_at_;
  std::optional<TimePoint> attempt_deadline_;
  unsigned unanswered_ = 0;
  void ping(TimePoint now);
  std::vector<SocketAddress> hosts_;
  std::optional<SessionHandle> session_;
  std::optional<FlowId> out_;
  std::optional<control::Registered> registered_;
  std::optional<TimePoint> retry_at_;
  bool shut_down_ = false;
  RetryBackoff backoff_{{.initial = seconds(1), .max = seconds(30), .jitter = 0.2}};
  std::uint32_t next_request_ = 1;
  std::uint64_t attempts_ = 0;
  std::deque<RegistrationEvent> events_;
  std::function<void(TimePoint, const control::Message&)> control_handler_;
  std::optional<control::NatReport> nat_;
  bool nat_sent_ = false;
  std::function<void(TimePoint, const control::Introduction&)> introduction_handler_;
  std::optional<control::Introduction> last_introduction_;
  std::optional<std::uint32_t> update_request_;  // a Registration that only updates addresses
  void send_nat(TimePoint now);
};

}  // namespace rtmfp::rendezvous
