// One session's context, RFC 7016 §3.5: state, role, keys, session IDs,
// DESTADDR, timestamps, liveness and close timers. Opening sessions
// (initiator, §3.5.1.1.1) carry their startup state too. The endpoint owns
// sessions and drives them; this struct holds no behaviour beyond helpers.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "rtmfp/core/interface_id.hpp"
#include "rtmfp/core/address.hpp"
#include "rtmfp/core/wire/address_codec.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/endpoint/endpoint_types.hpp"
#include "rtmfp/core/flow/flow_set.hpp"
#include "rtmfp/core/session/backoff.hpp"
#include "rtmfp/core/session/path_mtu.hpp"
#include "rtmfp/core/session/session_state.hpp"
#include "rtmfp/core/session/timestamp_echo.hpp"
#include "rtmfp/core/siphash.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp {

// A chunk waiting to be packed into the session's next packet.
struct PendingChunk {
  std::uint8_t type = 0;
  Bytes payload;
};

struct Candidate {
  SocketAddress address;
  Backoff backoff;
  // Where it came from: a Redirect's origin tag (RFC 7016 §2.1.5; "relay"
  // for an introducer's relay), unknown for the caller's own candidates.
  wire::AddressOrigin origin = wire::AddressOrigin::unknown;
};

// Initiator startup state (§3.5.1.1.1).
struct OpeningState {
  Bytes epd;
  Bytes tag;
  bool fingerprint_required = false;
  std::vector<Candidate> candidates;  // S_IHELLO_SENT
  Bytes cookie;                       // from the RHello
  Bytes responder_certificate;
  std::unique_ptr<InitiatorHandshake> handshake;
  Bytes iikeying_payload;             // signed IIKeying chunk payload
  Backoff iikeying_backoff;
  int cookie_changes = 0;
  TimePoint started{};
  TimePoint deadline{};               // ultimate open timeout
};

// Responder's memory of the handshake, to answer a retransmitted IIKeying
// (§3.5.1.1.2 step 2.1) and to compare certificates.
struct ResponderMemory {
  std::uint32_t initiator_session_id = 0;
  Bytes skic;
  Bytes rikeying_payload;
};

struct Session {
  SessionHandle handle = 0;
  SessionState state = SessionState::S_IHELLO_SENT;
  bool initiator = false;
  CryptoProfile* profile = nullptr;

  std::uint32_t recv_session_id = 0;  // the ID the far end uses to send to us
  std::uint32_t send_session_id = 0;  // the ID we use to send to the far end
  SocketAddress dest;                 // DESTADDR
  InterfaceId iface = kAnyInterface;  // DESTADDR was last heard on; we send from it
  Bytes near_certificate;
  Bytes far_certificate;
  // Endpoint indexes this session is in (endpoint.cpp index_*): the peer ID
  // of far_certificate, the addresses it is aimed at or talks to, and the
  // source IP counted against EndpointConfig::max_sessions_per_address.
  std::optional<PeerId> indexed_peer_id;
  std::vector<SocketAddress> indexed_addresses;
  std::optional<SocketAddress> counted_ip;
  std::unique_ptr<PacketCipher> cipher;
  Bytes near_nonce, far_nonce;

  std::optional<OpeningState> opening;        // initiator, before S_OPEN
  std::optional<ResponderMemory> responder;   // responder

  TimestampEcho ts_echo;
  std::optional<std::uint16_t> ts_echo_rx;  // last echo received (RTT samples)

  // Flows, RTT estimator and congestion controller (§3.5.2, §3.6); made when
  // the session enters S_OPEN.
  std::string cc_name;  // empty: the endpoint's default
  std::unique_ptr<flow::FlowSet> flows;

  TimePoint opened_at{};
  TimePoint last_received{};
  TimePoint next_keepalive{};
  bool keepalive_outstanding = false;  // a keepalive Ping awaits its (empty) Ping Reply
  TimePoint keepalive_check{};         // ... until then: sent + ERTO (§3.5.4.1)

  // Address mobility, RFC 7016 §3.5.3 with the §3.5.4.2 method.
  std::optional<TimePoint> mob_tx_ts;  // MOB_TX_TS (nullopt = -infinity)
  std::optional<TimePoint> mob_rx_ts;  // MOB_RX_TS
  SipKey mob_secret{};                 // MOB_SECRET, 128 bits

  // Path MTU discovery (§3.5.4.3; endpoint/session_pmtu.cpp). pmtu.current()
  // is the datagram budget the session fills packets to now; pmtu_wire the
  // size on the wire of a full packet at that budget, as the confirming
  // probe measured it (a cipher's block padding can make it a little less).
  PathMtu pmtu;
  std::size_t pmtu_wire = 0;
  bool pmtu_armed = false;          // configured at S_OPEN; the search starts once the far end is known open
  std::size_t cut_datagram = 0;     // largest datagram size fragments were cut for (queued ones may need it)
  std::uint32_t pmtu_epoch = 0;     // bumped on a path change: older probe replies confirm nothing
  struct MtuProbe {
    std::uint64_t token = 0;
    std::size_t size = 0;           // the probed datagram size (the search's budget)
    std::size_t wire = 0;           // the probe's actual datagram size (<= size)
    std::uint32_t epoch = 0;
  };
  std::deque<MtuProbe> pmtu_probes; // recent probes, oldest first (params::kPmtuProbeMemory)

  // Forwarded IHellos from this session (§3.5.1.5; endpoint/introduction.cpp):
  // what to do with them, and a token bucket charging each answer to the
  // forwarding session (the reply address never sent us a byte).
  FIHelloMode fihello_mode = FIHelloMode::ignore;
  double fihello_tokens = 0;
  TimePoint fihello_refill{};

  TimePoint close_deadline{};   // S_NEARCLOSE / S_FARCLOSE_LINGER end
  TimePoint next_close_send{};  // S_NEARCLOSE resend
  // SessionClosed is owed: set when the session reaches S_OPEN (SessionOpened),
  // cleared when its close is reported, so every session that opened is
  // reported closed exactly once, whoever closed it (§3.5.5).
  bool close_unreported = false;
  bool dirty = false;  // written to since its last flush (listed in Endpoint::dirty_)
  // Why we left S_OPEN for S_NEARCLOSE: reported when S_NEARCLOSE ends.
  CloseReason near_close_reason = CloseReason::local_close;

  std::deque<PendingChunk> pending;  // chunks for the next packets

  bool is_open() const { return state == SessionState::S_OPEN; }
  bool is_opening() const {
    return state == SessionState::S_IHELLO_SENT || state == SessionState::S_KEYING_SENT;
  }
};

}  // namespace rtmfp
