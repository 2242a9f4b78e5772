// A service of a Node (rtmfp/node/node.hpp), sans-I/O: one application
// protocol on top of the node's Endpoint (our rendezvous control plane, the
// introducer, perf, probe, RTMP-over-RTMFP NetConnections, later groups).
//
// A service claims the incoming flows whose per-flow metadata (RFC 7016
// §2.3.11.1.1) begins with one of its signatures; the Node then hands it
// every later event of those flows. Session-level events go to every
// service that asks for them (Interests). A service issues commands on the
// Endpoint directly (open_flow, write, reject_flow, connect ...); the host
// sends what they queue after the event returns.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/endpoint/endpoint_types.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::node {

// Which events besides its own flows' a service receives.
struct Interests {
  // SessionOpened, SessionOpenFailed, SessionClosed, SessionAddressChanged.
  bool sessions = true;
  // UnmatchedIHello (RFC 7016 §3.5.1.4-3.5.1.6: an introducer or redirector).
  bool unmatched_ihellos = false;
  // PingReplied and FlowRejected (a rejection of one of OUR sending flows:
  // the Node does not know which service opened it, so every interested
  // service sees it and checks its own flow IDs).
  bool pings = false;
  // ProbeRedirect and ProbeLoopedBack (answers to Endpoint::send_probe_ihello;
  // each service checks its own tags).
  bool probe_replies = false;
  bool rejected_flows = true;
  // No events at all (a service driven by polls and deadlines only).
  static Interests none() {
    Interests i;
    i.sessions = false;
    i.rejected_flows = false;
    return i;
  }
};

class Service {
 public:
  virtual ~Service() = default;

  // For statistics and traces; stable.
  virtual std::string_view name() const = 0;
  // Flow-metadata prefixes this service accepts incoming flows for (e.g. the
  // control plane's "rtmfp:rendezvous/1", RFC 7425 §5.1.1's "TC" NetConnection
  // flows). Read once when the service is added. The longest matching
  // prefix wins across services.
  virtual std::vector<Bytes> signatures() const = 0;
  virtual Interests interests() const { return {}; }

  // The node started (the host is about to receive): open sessions, register.
  virtual void on_start(TimePoint /*now*/) {}
  // Every routed event (see Interests and signatures()). Returns true when
  // it consumed a session-level event that no later service needs (e.g. an
  // introducer answering an UnmatchedIHello): the Node stops handing it on.
  // Ignored for the events of the service's own flows.
  virtual bool on_event(TimePoint now, const EndpointEvent& event) = 0;
  // Called at the start of every host pump, before datagrams go out: the
  // service's chance to write more (e.g. refill a sending flow).
  virtual void on_poll(TimePoint /*now*/) {}
  // The service's own timer (retries, reports); nullopt: none.
  virtual std::optional<TimePoint> next_deadline() const { return std::nullopt; }
  virtual void on_deadline(TimePoint /*now*/) {}
  // The node begins an orderly shutdown (before the endpoint closes its
  // sessions): stop retrying, say goodbye.
  virtual void on_shutdown(TimePoint /*now*/) {}
};

}  // namespace rtmfp::node
