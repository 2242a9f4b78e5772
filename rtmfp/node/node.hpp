// A Node: one Endpoint (one identity, one or both crypto profiles) and the
// services that share it, sans-I/O (no sockets, clocks, threads, Asio or
// exceptions; rtmfp/host/node_host runs it on real sockets, the simulator or
// a unit test can run it on virtual ones).
//
// Routing of the endpoint's events (RFC 7016 §3.6 flows, §3.5 sessions):
//  - FlowIncoming: to the service with the longest signature that prefixes
//    the flow's metadata (§2.3.11.1.1). No match: the flow is rejected
//    (§3.6.3.7, exception code kUnclaimedFlowCode) and counted.
//  - FlowMessage / FlowFinished of that (session, flow): to the same service.
//  - SessionOpened / SessionOpenFailed / SessionClosed / SessionAddressChanged,
//    UnmatchedIHello, PingReplied, FlowRejected: to every service whose
//    Interests ask for them, in the order the services were added, until
//    one returns true (consumed).
// Driving it (what a host does):
//   on_datagram(now, from, bytes, interface)   for every datagram received
//   pump(now)                       after that, after a timer, after a command
//   poll_transmit(now)              until nullopt (pump again if it said so)
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::node {

// RFC 7016 §3.6.3.7: the exception code of a flow no service claims
// (application-defined; 0: "no application accepts this flow").
inline constexpr std::uint64_t kUnclaimedFlowCode = 0;
// Services one node holds (local bound: the list is walked per event).
inline constexpr std::size_t kMaxServices = 32;

struct NodeStats {
  std::uint64_t flows_claimed = 0;      // FlowIncoming handed to a service
  std::uint64_t flows_unclaimed = 0;    // FlowIncoming no signature matched: rejected
  std::uint64_t flow_events_orphaned = 0;  // a message/finish of a flow no service owns
  std::uint64_t events = 0;             // endpoint events taken
  std::uint64_t unmatched_ihellos_unwanted = 0;  // no service took them
};

class Node {
 public:
  // A node around an endpoint it does not own (the caller adds profiles).
  explicit Node(Endpoint& endpoint);
  // A node owning its endpoint.
  explicit Node(std::unique_ptr<Endpoint> endpoint);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Endpoint& endpoint() { return *endpoint_; }
  const Endpoint& endpoint() const { return *endpoint_; }

  // Adds a service (not owned; it must outlive the node's use). Errors: too
  // many services, a signature another service already claims exactly, or
  // an empty signature.
  Result<void> add_service(Service& service);
  const std::vector<Service*>& services() const { return services_; }

  // Calls every service's on_start.
  void start(TimePoint now);

  // ---- I/O (as Endpoint's) ----
  void on_datagram(TimePoint now, const SocketAddress& from, ByteView datagram,
                   InterfaceId interface = kAnyInterface) {
    endpoint_->on_datagram(now, from, datagram, interface);
  }
  std::optional<Transmit> poll_transmit(TimePoint now) { return endpoint_->poll_transmit(now); }
  // The earliest of the endpoint's and the services' deadlines.
  std::optional<TimePoint> next_deadline() const;
  // Fires whatever is due (endpoint, services). Then pump.
  void on_deadline(TimePoint now);
  // Services' on_poll, then routes every queued endpoint event. Returns how
  // many events it routed (the host repeats transmit + pump while nonzero,
  // since services answer events with commands).
  std::size_t pump(TimePoint now);
  // Services' on_poll only (the host's "before sending" hook).
  void poll_services(TimePoint now);
  // Routes every queued endpoint event; returns how many.
  std::size_t route_events(TimePoint now);

  // Orderly shutdown: services first (on_shutdown), then the endpoint
  // (RFC 7016 §3.5.5, bounded by EndpointConfig::shutdown_grace).
  void shutdown(TimePoint now);
  bool shutting_down() const { return shutting_down_; }
  bool drained() const { return endpoint_->drained(); }

  // The service a receiving flow was routed to, or nullptr.
  Service* owner(SessionHandle session, FlowId flow) const;
  std::size_t routes() const { return flows_.size(); }
  const NodeStats& stats() const { return stats_; }

 private:
  struct Claim {
    Bytes prefix;
    Service* service;
  };
  void route(TimePoint now, const EndpointEvent& e);
  void on_incoming(TimePoint now, const FlowIncoming& in, const EndpointEvent& e);
  void to_flow_owner(TimePoint now, SessionHandle session, FlowId flow, const EndpointEvent& e, bool last);
  template <class Pred>
  std::size_t broadcast(TimePoint now, const EndpointEvent& e, Pred wants);
  Service* claimant(ByteView metadata) const;

  std::unique_ptr<Endpoint> owned_;
  Endpoint* endpoint_;
  std::vector<Service*> services_;
  std::vector<Interests> interests_;  // parallel to services_
  std::vector<Claim> claims_;
  // Receiving flows and their service. Entries go with FlowFinished and
  // SessionClosed (reported for every session that opened, local closes
  // included), so the table stays within the live sessions x
  // EndpointConfig::max_receiving_flows.
  std::map<std::pair<SessionHandle, FlowId>, Service*> flows_;
  NodeStats stats_;
  bool shutting_down_ = false;
};

}  // namespace rtmfp::node
