// The RTMFP endpoint, sans-I/O (RFC 7016 §3): one UDP port's worth of
// sessions, demultiplexed by session ID (§2.2.2), with the startup handshake
// (§3.5.1), keepalive (§3.5.4.1) and close (§3.5.5).
//
// Driving it (see rtmfp/host/node_host for the Asio version and tests/sim for
// the simulator):
//   on_datagram(now, from, bytes[, interface])   for every datagram received
//   on_deadline(now)                when now >= next_deadline()
//   poll_transmit(now)              until nullopt, after every call above
//   poll_event()                    until nullopt
// Nothing here reads a clock, opens a socket or throws.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/endpoint/amplification_guard.hpp"
#include "rtmfp/core/endpoint/endpoint_types.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/core/session/cookie_jar.hpp"
#include "rtmfp/core/session/session.hpp"
#include "rtmfp/core/trace.hpp"
#include "rtmfp/core/wire/address_codec.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/core/wire/reassembly.hpp"

namespace rtmfp {

class Endpoint {
 public:
  Endpoint(const EndpointConfig& config, RandomSource& rng);
  // The random source the endpoint draws from (services draw their jitter from it).
  RandomSource& random_source() { return rng_; }
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // Enables a crypto profile (at most one per kind). Not owned.
  void add_profile(CryptoProfile& profile);
  CryptoProfile* profile(ProfileKind kind) const;
  void set_trace(TraceSink* sink) { trace_ = sink; }

  // Redirector (RFC 7016 §3.5.1.4): asked for an IHello whose EPD does not
  // select this endpoint (also when accept_sessions is false: a pure
  // Redirector). Returning addresses sends a Redirect listing them, each with
  // its origin as the hook knows it (§2.1.5: 1 local interface, 2 observed /
  // reflexive, 3 relay or introducer); an empty list sends an Implied
  // Redirect (§2.3.5); nullopt stays silent.
  using RedirectHook = std::function<std::optional<std::vector<wire::WireAddress>>(
      CryptoProfile& profile, ByteView epd, const SocketAddress& from)>;
  void set_redirect_hook(RedirectHook hook) { redirect_hook_ = std::move(hook); }

  // ---- I/O ----
  // `interface`: the local interface it arrived on (interface_id.hpp); the
  // answers and the session's later datagrams leave by it (Transmit).
  void on_datagram(TimePoint now, const SocketAddress& from, ByteView datagram,
                   InterfaceId interface = kAnyInterface);
  std::optional<Transmit> poll_transmit(TimePoint now);
  std::optional<EndpointEvent> poll_event();
  std::optional<TimePoint> next_deadline() const;
  void on_deadline(TimePoint now);

  // ---- Commands ----
  // Opens a session as initiator (§3.5.1.1.1). Events follow.
  Result<SessionHandle> connect(TimePoint now, const ConnectRequest& request);
  // Sends a Ping (§2.3.9); the reply arrives as a PingReplied event.
  Result<void> ping(TimePoint now, SessionHandle session, ByteView message);
  // ---- Flows (RFC 7016 §3.6; session_flows.cpp) ----
  // Opens a sending flow with its per-flow metadata (§2.3.11.1.1), optionally
  // in return for a receiving flow of the same session (§2.3.11.1.2).
  Result<FlowId> open_flow(TimePoint now, SessionHandle session, ByteView metadata,
                           std::optional<FlowId> return_association = {}, flow::FlowOptions options = {});
  // Queues one message. start_within / finish_within are the message's
  // start-by and finish-by deadlines from now (loss tolerance): a message
  // that misses one is abandoned and its receipt says so. Datagrams follow
  // from poll_transmit().
  Result<std::shared_ptr<flow::WriteReceipt>> write(TimePoint now, SessionHandle session, FlowId flow,
                                                    ByteView message, std::optional<Duration> start_within = {},
                                                    std::optional<Duration> finish_within = {});
  // The same without copying the message: the flow's queue shares `message`
  // (one encoded message written to many sessions, e.g. a server's players).
  Result<std::shared_ptr<flow::WriteReceipt>> write(TimePoint now, SessionHandle session, FlowId flow,
                                                    std::shared_ptr<const Bytes> message,
                                                    std::optional<Duration> start_within = {},
                                                    std::optional<Duration> finish_within = {});
  // Bytes written to a sending flow and still in its queue: not yet
  // acknowledged (abandoned fragments stay until the receiver moves past them).
  Result<std::uint64_t> buffered(SessionHandle session, FlowId flow) const;
  // Closes a sending flow after everything queued (§3.6.2.11).
  Result<void> close_flow(TimePoint now, SessionHandle session, FlowId flow);
  // Rejects a receiving flow with an exception code (§3.6.3.7).
  Result<void> reject_flow(TimePoint now, SessionHandle session, FlowId flow, std::uint64_t code);
  // RFC 7425 §5.1.1: delivery order of one receiving flow (FlowMessage events
  // made deliverable by the change follow at once; none is repeated).
  Result<void> set_receive_order(TimePoint now, SessionHandle session, FlowId flow, flow::ReceiveOrder order);
  // RFC 7016 §3.6.3.3: hold a receiving flow's messages (its advertised
  // window closes as they accumulate, §3.6.3.5) until resumed.
  Result<void> suspend_delivery(TimePoint now, SessionHandle session, FlowId flow, bool suspended);
  // The session's flow layer, for statistics (nullptr before S_OPEN).
  const flow::FlowSet* flows(SessionHandle session) const;

  // ---- Introductions (RFC 7016 §3.5.1.4-3.5.1.6; introduction.cpp) ----
  // Redirector: a Redirect (§2.3.5) echoing `tag` to `to`, listing up to
  // REDIRECT_THRESHOLD addresses (none: an Implied Redirect). It answers an
  // IHello from `to`, so it is held to the 3x amplification budget. It
  // leaves by `interface` (the IHello's, UnmatchedIHello::interface).
  Result<void> send_redirect(TimePoint now, ProfileKind profile, ByteView tag, const SocketAddress& to,
                             std::span<const wire::WireAddress> addresses, InterfaceId interface = kAnyInterface);
  // Forwarder: a Forwarded IHello (§2.3.3) on an S_OPEN session, carrying an
  // IHello's EPD and tag and the initiator's address as the reply address.
  Result<void> forward_ihello(TimePoint now, SessionHandle session, ByteView epd, ByteView tag,
                              const wire::WireAddress& reply_address);
  // What a session does with the FIHellos it receives (default from
  // EndpointConfig: initiated sessions answer with an RHello, accepted ones
  // ignore them).
  Result<void> set_fihello_mode(SessionHandle session, FIHelloMode mode);

  // ---- Address discovery (probe_ihello.cpp) ----
  // Sends one IHello (§2.3.2) with `epd` and `tag` to `to`, outside any
  // session opening: a question to a server that answers IHellos it does
  // not match with a Redirect (§2.3.5) listing what it saw (our NAT check,
  // rendezvous/core/nat_check.hpp). A Redirect echoing the tag, from any
  // source, comes back as a ProbeRedirect event and opens nothing; the same
  // IHello arriving back at us (a hairpinning NAT) as ProbeLoopedBack. The
  // tag is remembered for params::kProbeTagLifetime after its last send,
  // at most params::kMaxProbeTags at once (the oldest is forgotten first).
  Result<void> send_probe_ihello(TimePoint now, ProfileKind profile, ByteView epd, ByteView tag,
                                 const SocketAddress& to, InterfaceId interface = kAnyInterface);
  // Stop recognising a probe tag (its replies are then unmatched).
  void forget_probe_tag(ByteView tag);

  // ---- Guessed paths (issue 12 birthday probing; guessed_paths.cpp) ----
  // A node told to birthday-probe (rendezvous/core/birthday_traversal.hpp)
  // sends the packets of an introduction it is already part of to more
  // addresses and from more local sockets than RFC 7016's introduction
  // alone would: nothing new on the wire, only more copies.
  // The initiator session still in S_IHELLO_SENT whose EPD asks for this
  // peer ID (Fingerprint, §3.5.1.1.1), the newest one.
  std::optional<SessionHandle> opening_session_to(const PeerId& peer) const;
  // One more IHello of that session (its EPD and tag) to `to`, from
  // `interface`: not a candidate (no retransmission, the caller paces);
  // the RHello it brings, from whichever address, is matched by tag as any.
  Result<void> send_opening_ihello(TimePoint now, SessionHandle session, const SocketAddress& to,
                                   InterfaceId interface = kAnyInterface);
  // The RHello a responder sends for a Forwarded IHello (§3.5.1.5), echoing
  // `tag`, to `to` from `interface` (its cookie bound to `to`, as for an
  // IHello from there, §3.5.1.1.2). Not held to the 3x amplification budget
  // (`to` sent us nothing): the caller bounds how many (BirthdayPacer).
  Result<void> send_introduced_rhello(TimePoint now, ProfileKind profile, ByteView tag, const SocketAddress& to,
                                      InterfaceId interface = kAnyInterface);

  // Orderly close (§3.5.5), or abrupt (Close Ack then S_CLOSED). An open
  // session is reported as SessionClosed (local_close, or aborted) when it
  // reaches S_CLOSED; one still opening as SessionOpenFailed.
  Result<void> close(TimePoint now, SessionHandle session, bool abrupt = false);
  // Orderly close of every session, bounded by config.shutdown_grace; stops
  // accepting new sessions. drained() turns true when done. Every open
  // session is reported as SessionClosed (reason shutdown).
  void shutdown(TimePoint now);
  bool drained() const;

  // ---- Introspection ----
  const EndpointStats& stats() const { return stats_; }
  std::optional<SessionInfo> session_info(SessionHandle session) const;
  // The datagram size a session sends now (path MTU discovery, §3.5.4.3),
  // or nullopt for no such session.
  std::optional<std::size_t> session_max_datagram(SessionHandle session) const;
  std::vector<SessionHandle> sessions() const;
  // The newest S_OPEN session whose far certificate has this peer ID (its
  // fingerprint), optionally of one profile; nullopt for none. O(log n): an
  // index kept as sessions open, move (§3.5.4.2) and close.
  std::optional<SessionHandle> find_session_by_peer_id(const PeerId& peer_id,
                                                       std::optional<ProfileKind> profile = {}) const;
  const EndpointConfig& config() const { return config_; }

 private:
  // endpoint.cpp
  void drop(TimePoint now, DropReason reason, const SocketAddress& from);
  void emit(EndpointEvent e);
  void send_datagram(const SocketAddress& to, Bytes datagram, InterfaceId interface);
  Session* find(SessionHandle h);
  const Session* find(SessionHandle h) const;
  std::uint32_t allocate_session_id();
  SessionHandle new_handle() { return next_handle_++; }
  void reschedule(Session& s);
  void destroy(Session& s);
  // Indexes (endpoint.cpp): sessions by address (an opening session's
  // candidates and DESTADDR, an open session's DESTADDR), by far peer ID,
  // and responder sessions per source IP.
  void index_address(Session& s, const SocketAddress& a);
  void unindex_addresses(Session& s);
  void index_peer_id(Session& s);
  void unindex_peer_id(Session& s);
  std::vector<SessionHandle> sessions_at(const SocketAddress& a) const;
  std::size_t sessions_from_ip(const SocketAddress& a) const;
  // Sends one startup-mode (mode 3) packet with the default key.
  bool send_startup(TimePoint now, CryptoProfile& p, const SocketAddress& to, InterfaceId iface,
                    std::uint32_t session_id,
                    std::uint8_t chunk_type, ByteView payload, bool limit_amplification,
                    std::size_t min_plain_size = 0);
  void on_default_key_packet(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView encrypted,
                             std::uint32_t session_id, std::size_t datagram_size);
  void on_startup_packet(TimePoint now, CryptoProfile& p, const SocketAddress& from,
                         const wire::ParsedPacket& pkt, std::uint32_t session_id,
                         std::size_t datagram_size, bool reassembled = false);

  // startup_responder.cpp (§3.5.1.1.2, §3.5.1.2, §3.5.1.3)
  void on_ihello(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView payload);
  void on_iikeying(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView payload);

  // startup_initiator.cpp (§3.5.1.1.1)
  void on_rhello(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView payload);
  void on_redirect(TimePoint now, const SocketAddress& from, ByteView payload);
  void on_rikeying(TimePoint now, Session& s, const SocketAddress& from, ByteView payload);
  void on_cookie_change(TimePoint now, Session& s, const SocketAddress& from, ByteView payload);
  void opening_timers(TimePoint now, Session& s);
  void fail_opening(TimePoint now, Session& s, Error error, std::optional<SessionHandle> existing = {});
  void send_iikeying(TimePoint now, Session& s);
  void build_iikeying(Session& s);

  // session_io.cpp (§3.5.2-§3.5.5 for open sessions)
  void on_session_packet(TimePoint now, Session& s, const SocketAddress& from, const wire::ParsedPacket& pkt,
                         bool reassembled = false);
  void session_timers(TimePoint now, Session& s);
  void flush(TimePoint now, Session& s);
  void queue_chunk(Session& s, std::uint8_t type, Bytes payload);
  // -> S_CLOSED: reports SessionClosed if still owed (report_closed), then
  // destroys the session.
  void enter_closed(TimePoint now, Session& s, CloseReason reason);
  void report_closed(Session& s, CloseReason reason);
  void mark_open(TimePoint now, Session& s);
  std::optional<Duration> update_rtt(TimePoint now, Session& s, std::optional<std::uint16_t> echo);
  void check_mobility(TimePoint now, Session& s, const SocketAddress& from);

  // introduction.cpp (§3.5.1.4-3.5.1.6)
  void report_unmatched_ihello(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView epd,
                               ByteView tag);
  void on_fihello(TimePoint now, Session& s, ByteView payload);
  bool fihello_tag_repeated(TimePoint now, ByteView tag, const SocketAddress& reply);

  // probe_ihello.cpp
  bool probe_tag_live(TimePoint now, ByteView tag);

  // session_pmtu.cpp (§3.5.4.3 path MTU discovery)
  void arm_path_mtu(TimePoint now, Session& s);
  void start_path_mtu(TimePoint now, Session& s);
  void path_mtu_step(TimePoint now, Session& s);
  void send_mtu_probe(TimePoint now, Session& s, std::size_t size);
  bool on_mtu_probe_reply(TimePoint now, Session& s, ByteView message);
  void path_changed(TimePoint now, Session& s);
  void apply_datagram_size(TimePoint now, Session& s, const char* why);
  std::size_t max_fragment_for(const Session& s, std::size_t datagram) const;

  // session_flows.cpp
  void attach_flows(Session& s);
  void pump_flow_events(Session& s);
  bool tcr_to_send(TimePoint now, const Session& s) const;
  void note_tc_received(TimePoint now, const Session& s);
  Session* open_session(SessionHandle h, Result<void>& error);
  void mark_dirty(Session& s) {
    if (s.dirty) return;
    s.dirty = true;
    dirty_.push_back(s.handle);
    // Handles of sessions flushed or closed since stay listed until the next
    // poll_transmit; bound them by the number of sessions.
    if (dirty_.size() > 2 * sessions_.size() + 64)
      std::erase_if(dirty_, [this](SessionHandle h) { const Session* d = find(h); return !d || !d->dirty; });
  }
  bool on_mobility_reply(TimePoint now, Session& s, const SocketAddress& from, ByteView message);

  EndpointConfig config_;
  RandomSource& rng_;
  TraceSink* trace_ = nullptr;
  RedirectHook redirect_hook_;
  std::vector<CryptoProfile*> profiles_;
  CookieJar cookies_;
  AmplificationGuard amplification_;
  wire::FragmentReassembler reassembler_;  // §3.4, startup packets only
  EndpointStats stats_;

  SessionHandle next_handle_ = 1;
  std::unordered_map<SessionHandle, std::unique_ptr<Session>> sessions_;
  std::unordered_map<std::uint32_t, SessionHandle> by_recv_id_;
  std::map<Bytes, SessionHandle> by_tag_;  // opening sessions in S_IHELLO_SENT
  std::map<SocketAddress, std::set<SessionHandle>> by_address_;
  std::map<PeerId, std::set<SessionHandle>> by_peer_id_;
  std::map<SocketAddress, std::size_t> per_ip_;  // port 0: responder sessions per source IP
  std::uint64_t next_fragment_id_ = 1;  // §3.4 packet IDs of our fragmented packets
  bool glare_adopted_ = false;  // the responder session being opened took over a connect() handle
  std::size_t opening_ = 0;                       // initiator sessions with OpeningState (L13)
  std::set<std::pair<TimePoint, SessionHandle>> timers_;
  std::unordered_map<SessionHandle, TimePoint> timer_of_;

  // §3.5.2.1 / Appendix A: TC sent on any session, and the two latest
  // sessions that received TC (TCR goes out on the OTHER sessions).
  cc::TcSentClock tc_sent_any_;
  struct TcReceived {
    SessionHandle session = 0;
    std::optional<TimePoint> at;
  };
  TcReceived tc_rx_latest_, tc_rx_other_;
  std::vector<SessionHandle> dirty_;  // sessions with flow data to flush (Session::dirty; may list stale handles)

  // Tags of our probe IHellos -> when they stop being recognised.
  std::map<Bytes, TimePoint> probe_tags_;

  // Tags of FIHellos answered recently (§3.5.1.5 dedup), oldest first.
  std::deque<std::pair<TimePoint, Bytes>> fihello_tags_;

  // The interface of the datagram being handled (on_datagram), kAnyInterface
  // outside it: answers to a request leave by it.
  InterfaceId rx_iface_ = kAnyInterface;
  std::deque<Transmit> transmit_;
  Bytes packet_buffer_;  // reused by every plain packet flush() builds
  std::deque<EndpointEvent> events_;
  bool shutting_down_ = false;
  TimePoint shutdown_deadline_{};
};

}  // namespace rtmfp
