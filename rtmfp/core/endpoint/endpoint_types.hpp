// Types at the endpoint's boundary: configuration, commands, events,
// datagrams out, and statistics.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/flow/receive_order.hpp"
#include "rtmfp/core/interface_id.hpp"
#include "rtmfp/core/params.hpp"
#include "rtmfp/core/session/session_state.hpp"
#include "rtmfp/core/time.hpp"
#include "rtmfp/core/wire/address_codec.hpp"

namespace rtmfp {

// A local name for a session (not the wire session ID). Never reused.
using SessionHandle = std::uint64_t;

// What a session does with a Forwarded IHello (RFC 7016 §3.5.1.5) it
// receives: answer the initiator named by the reply address with an RHello
// (§3.5.1.1.2, opening our NAT towards it), with an Implied Redirect, or not
// at all.
enum class FIHelloMode : std::uint8_t { ignore, send_rhello, send_redirect };

struct EndpointConfig {
  // Datagram size every session starts with (UDP payload bytes): the base
  // of path MTU discovery, assumed to fit any path (params.hpp).
  std::size_t max_datagram = params::kDefaultMaxDatagram;
  // Path MTU discovery (RFC 7016 §3.5.4.3): each open session probes for a
  // larger datagram size, up to this limit (0: by the peer's family,
  // params::kPmtuLimitIpv4 / kPmtuLimitIpv6). Never below max_datagram.
  std::size_t max_datagram_limit = 0;
  bool path_mtu_discovery = true;
  bool accept_sessions = true;  // act as responder (RFC 7016 §3.5.1.1.2)
  Duration keepalive_period = params::kDefaultKeepalivePeriod;
  Duration idle_timeout = params::kDefaultIdleTimeout;
  Duration open_timeout = params::kUltimateOpenTimeout;
  // Bound on an orderly shutdown(): sessions still closing after this are
  // dropped (RFC 7016 §3.5.5 allows 90 s; a server stopping wants seconds).
  Duration shutdown_grace = seconds(3);
  std::size_t max_sessions = params::kMaxSessions;
  // Responder sessions from one source IP address (params.hpp).
  std::size_t max_sessions_per_address = params::kMaxSessionsPerAddress;
  // Flow layer defaults for every session (RFC 7016 §3.6): congestion
  // controller ("appendix-a", "cubic" or "veno"), receive buffer, delivery order.
  std::string congestion_control = "appendix-a";
  std::uint64_t receive_buffer = 1024 * 1024;
  bool deliver_on_arrival = false;  // RFC 7425 §5.1.1 receive intent for incoming flows
  // Per incoming flow, from its metadata, before its first message (e.g. the
  // RXI bit of RFC 7425 §5.1.1); unset: deliver_on_arrival for all. Endpoint::
  // set_receive_order changes a flow's order afterwards.
  std::function<flow::ReceiveOrder(ByteView metadata)> choose_receive_order;
  // Open receiving flows per session; more are rejected (RFC 7016 §3.6.3.1).
  std::size_t max_receiving_flows = 256;
  // Receive memory per session across its flows (params.hpp).
  std::uint64_t session_receive_limit = params::kMaxSessionReceiveBytes;
  // Introductions (RFC 7016 §3.5.1.4-3.5.1.6). An IHello whose EPD does not
  // select this endpoint (and that no redirect hook answered) is reported as
  // an UnmatchedIHello event instead of being dropped; the host decides
  // (send_redirect, forward_ihello). Works with accept_sessions = false: a
  // pure introducer need not accept sessions itself.
  bool report_unmatched_ihellos = false;
  // Every Forwarded IHello we answer (§3.5.1.5) is also reported as a
  // ForwardedIHelloAnswered event (a TURN relay must permit the initiator).
  bool report_forwarded_ihellos = false;
  // FIHello handling of a new session: sessions we opened (our rendezvous or
  // introducer) and sessions opened to us.
  FIHelloMode fihello_on_initiated = FIHelloMode::send_rhello;
  FIHelloMode fihello_on_accepted = FIHelloMode::ignore;
};

struct ConnectRequest {
  ProfileKind profile = ProfileKind::modern;
  EpdRequest epd;
  std::vector<SocketAddress> candidates;  // at least one (RFC 7016 §3.5.1.1.1)
  std::string congestion_control;         // empty: EndpointConfig::congestion_control
};

struct Transmit {
  SocketAddress to;
  Bytes data;
  // The local interface to send from: the one the session's peer was last
  // heard on, or the one the request being answered came in on; any: the
  // host's choice.
  InterfaceId interface = kAnyInterface;
};

enum class CloseReason {
  local_close,      // we closed it (RFC 7016 §3.5.5)
  remote_close,     // far end sent Close
  idle_timeout,     // nothing heard for idle_timeout (§3.5.4.1)
  overridden,       // a new session from the same identity replaced it (§3.5.1.1.2)
  shutdown,         // endpoint shutdown
  aborted,          // abrupt close
};
const char* close_reason_name(CloseReason r);

struct SessionOpened {
  SessionHandle session = 0;
  bool initiator = false;
  ProfileKind profile = ProfileKind::modern;
  SocketAddress peer;
  PeerId far_peer_id{};
  Duration handshake_time{};  // initiator: connect() to S_OPEN
  // Initiator: the origin tag (RFC 7016 §2.1.5) of the Redirect entry that
  // named `peer` (relay: through an introducer's relay), unknown otherwise.
  wire::AddressOrigin peer_origin = wire::AddressOrigin::unknown;
  // Glare (RFC 7016 §3.5.1.3): our connect() to this address lost to the far
  // end's own connect(); `session` is the connect() handle, now carried by
  // the far end's session (initiator false). far_peer_id is the certificate
  // the far end initiated with: the peer the connect() asked for only if the
  // far end initiates with a stable identity (flash client_identity, modern
  // stable_initiator_identity).
  bool glare = false;
};
struct SessionOpenFailed {
  SessionHandle session = 0;
  Error error;
  std::optional<SessionHandle> existing;  // set for a duplicate (§3.5.1.1.1 step 1)
};
// Once for every session that opened (SessionOpened), whoever closed it: a
// remote Close (at once, §3.5.5), an idle timeout, an override, and also our
// own close() / abrupt close / shutdown() (when the session reaches S_CLOSED).
struct SessionClosed {
  SessionHandle session = 0;
  CloseReason reason = CloseReason::local_close;
};
struct PingReplied {
  SessionHandle session = 0;
  Bytes message;
};
struct PingReceived {
  SessionHandle session = 0;
  std::size_t size = 0;
};

// Flow events (RFC 7016 §3.6). Flow IDs are per session and per direction.
using FlowId = std::uint64_t;
struct FlowIncoming {  // a new receiving flow (§3.6.3.1)
  SessionHandle session = 0;
  FlowId flow = 0;
  Bytes metadata;                       // §2.3.11.1.1
  std::optional<FlowId> association;    // §2.3.11.1.2: our sending flow it answers
};
struct FlowMessage {  // a complete message, in the flow's delivery order
  SessionHandle session = 0;
  FlowId flow = 0;
  Bytes data;
  std::uint64_t first_seq = 0;
};
struct FlowFinished {  // the sender closed the receiving flow and all of it arrived (§3.6.3.8)
  SessionHandle session = 0;
  FlowId flow = 0;
};
struct FlowRejected {  // the receiver rejected our sending flow (§3.6.2.10)
  SessionHandle session = 0;
  FlowId flow = 0;
  std::uint64_t code = 0;
};

// An IHello whose EPD selects none of our identities (RFC 7016 §3.5.1.4,
// §3.5.1.5), reported when EndpointConfig::report_unmatched_ihellos is set.
struct UnmatchedIHello {
  ProfileKind profile = ProfileKind::modern;
  Bytes epd;
  Bytes tag;
  SocketAddress from;  // the initiator as we see it (its public address behind a NAT)
  InterfaceId interface = kAnyInterface;  // it arrived on (send_redirect answers from there)
};
// A Forwarded IHello (RFC 7016 §3.5.1.5) answered with an RHello or an
// Implied Redirect, reported when EndpointConfig::report_forwarded_ihellos
// is set: the initiator it names is about to reach us, perhaps through a
// TURN relay that must permit it first (RFC 8656 §9).
struct ForwardedIHelloAnswered {
  SocketAddress initiator;
  // What the answer echoed: a birthday-probing node sends more RHellos with
  // it (Endpoint::send_introduced_rhello).
  ProfileKind profile = ProfileKind::modern;
  Bytes tag;
  // The origin tag of the FIHello's reply address (RFC 7016 §2.1.5): relay
  // when the introducer put its relay between the two (the session that
  // follows comes from that address, relayed).
  wire::AddressOrigin origin = wire::AddressOrigin::unknown;
};
// An open session's far address moved (§3.5.4.2 mobility check passed).
struct SessionAddressChanged {
  SessionHandle session = 0;
  SocketAddress from;
  SocketAddress to;
};

// Address discovery (Endpoint::send_probe_ihello, probe_ihello.cpp): a
// Redirect (RFC 7016 §2.3.5) echoing the tag of one of our probe IHellos,
// from whatever source it came (a NAT check's server may answer from another
// port or address on purpose), with its address list as sent.
struct ProbeRedirect {
  Bytes tag;
  SocketAddress from;
  InterfaceId interface = kAnyInterface;  // it arrived on
  std::vector<wire::WireAddress> addresses;
};
// One of our own probe IHellos came back to us (our NAT hairpinned it).
struct ProbeLoopedBack {
  Bytes tag;
  SocketAddress from;
};

using EndpointEvent = std::variant<SessionOpened, SessionOpenFailed, SessionClosed, PingReplied, FlowIncoming,
                                   FlowMessage, FlowFinished, FlowRejected, UnmatchedIHello,
                                   SessionAddressChanged, ProbeRedirect, ProbeLoopedBack, ForwardedIHelloAnswered>;

enum class DropReason {
#define X(name, text) name,
#include "rtmfp/core/endpoint/drop_reasons.def"
#undef X
  count_
};
const char* drop_reason_name(DropReason r);
const char* drop_reason_text(DropReason r);

struct EndpointStats {
  std::uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;
  std::uint64_t datagrams_shed = 0;         // outgoing, dropped: the caller let kMaxQueuedDatagrams pile up
  std::uint64_t handshakes_started = 0;     // connect() calls
  std::uint64_t handshakes_completed = 0;   // as initiator
  std::uint64_t handshakes_failed = 0;      // as initiator
  std::uint64_t sessions_accepted = 0;      // as responder
  std::uint64_t rhellos_sent = 0;
  std::uint64_t cookie_changes_sent = 0;
  std::uint64_t unmatched_ihellos = 0;      // reported as UnmatchedIHello events
  std::uint64_t redirects_sent = 0;         // send_redirect()
  std::uint64_t probe_ihellos_sent = 0;     // send_probe_ihello()
  std::uint64_t probe_replies = 0;          // ProbeRedirect + ProbeLoopedBack events
  std::uint64_t fihellos_forwarded = 0;     // forward_ihello()
  std::uint64_t fihellos_answered = 0;      // RHello / Implied Redirect to a reply address
  std::uint64_t guessed_ihellos_sent = 0;   // send_opening_ihello()
  std::uint64_t guessed_rhellos_sent = 0;   // send_introduced_rhello()
  std::uint64_t sessions_open = 0;          // currently S_OPEN
  // Glare (RFC 7016 §3.5.1.3) resolved with the far end prevailing: our
  // opening session was replaced by the far end's, which kept its handle.
  std::uint64_t glare_yielded = 0;
  // Events dropped because the caller let kMaxQueuedEvents pile up (the
  // oldest goes first).
  std::uint64_t events_shed = 0;
  // Path MTU probes (§3.5.4.3): packets of Padding + Ping, not user data.
  // Their bytes are in bytes_out/packets_out too.
  std::uint64_t pmtu_probes_sent = 0;
  std::uint64_t pmtu_probes_acked = 0;      // replies matched to a probe (late ones included)
  std::uint64_t pmtu_probe_bytes = 0;       // datagram bytes of the probes sent
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::count_)> drops{};
  std::uint64_t total_drops() const;
};

// A read-only view of a session for callers.
struct SessionInfo {
  SessionHandle handle = 0;
  SessionState state = SessionState::S_CLOSED;
  bool initiator = false;
  ProfileKind profile = ProfileKind::modern;
  SocketAddress peer;
  InterfaceId interface = kAnyInterface;  // the peer was last heard on (we send from it)
  std::optional<PeerId> far_peer_id;
  std::uint32_t recv_session_id = 0;
  std::uint32_t send_session_id = 0;
  Duration srtt{};
  bool has_rtt = false;
  Duration erto{};
  std::string congestion_control;
  std::uint64_t cwnd = 0;
  std::uint64_t bytes_in_flight = 0;
  std::uint64_t bytes_sent = 0;           // user data sent, retransmissions included
  std::uint64_t bytes_retransmitted = 0;
  std::uint64_t timeouts = 0;
  // Receiving flows this end rejected (RFC 7016 §3.6.3.1, §3.6.3.7), all
  // causes; FlowSetStats has them by cause.
  std::uint64_t flows_rejected = 0;
  // Path MTU discovery (§3.5.4.3): the largest datagram the session sends
  // now (UDP payload bytes; new writes are fragmented to fit it; as measured
  // by the probe that confirmed it) and where the search stands
  // ("disabled", "pending" (a responder waiting for the initiator's first
  // packet), "searching", "search_complete").
  std::size_t max_datagram = 0;
  std::string path_mtu_state;
};

}  // namespace rtmfp
