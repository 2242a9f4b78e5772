// Every tunable of the session engine, once, each with its source: an RFC
// section or "local choice" with the reason.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtmfp/core/time.hpp"

namespace rtmfp::params {

// ---- Startup (RFC 7016 §3.5.1) ----
// §3.5.1.1.1: RECOMMENDED ultimate open timeout.
inline constexpr Duration kUltimateOpenTimeout = seconds(95);
// §3.5.1.1.1: first retransmission interval; each later interval is
// max(previous * kBackoffFactor, previous + kBackoffMinIncrement)
// ("SHOULD NOT be less than multiplicative, with not less than 1.5 seconds
// added to the interval between each attempt").
inline constexpr Duration kHelloFirstInterval = milliseconds(1500);
inline constexpr double kBackoffFactor = 1.5;
inline constexpr Duration kBackoffMinIncrement = milliseconds(1500);
// §3.5.1.1.1: REDIRECT_THRESHOLD SHOULD NOT be more than 24.
inline constexpr std::size_t kRedirectThreshold = 24;
// §3.5.1.1.1: tag RECOMMENDED at least 8 bytes; local choice 16 (as Flash).
inline constexpr std::size_t kTagSize = 16;
// §3.5.1.1.2: cookie lifetime SHOULD NOT be less than 95 s. Local choice:
// secrets rotate every 60 s, a cookie is valid for 120 s after issue.
inline constexpr Duration kCookieLifetime = seconds(120);
inline constexpr Duration kCookieSecretRotation = seconds(60);
// §3.5.1.2: the initiator SHOULD NOT change its cookie more than once.
inline constexpr int kMaxCookieChanges = 1;

// ---- Anti-amplification (local choice; see README "Startup hardening") ----
// Before a cookie round trip, never send an address more than this factor
// times the bytes received from it.
inline constexpr std::size_t kAmplificationFactor = 3;
// Addresses tracked for the budget (oldest evicted; eviction resets both
// counters so the bound still holds per tracking epoch).
inline constexpr std::size_t kAmplificationTableSize = 8192;
// Local choice: our initiators pad IHello packets to at least this many
// plain bytes so that an RHello fits the responder's 3x budget.
inline constexpr std::size_t kMinIHelloPlainSize = 96;

// ---- Introductions (§3.5.1.4-3.5.1.6) ----
// Local choice: a session may make us answer at most this many Forwarded
// IHellos per second (burst kFIHelloBurst). Each answer (an RHello of up to a
// few hundred bytes) goes to an address that never sent us anything, so the
// amplification guard cannot apply; the forwarding session is charged instead
// (the rendezvous itself limits per target, rendezvous/core/limits.hpp).
inline constexpr double kFIHelloRatePerSession = 10.0;
inline constexpr double kFIHelloBurst = 20.0;
// An initiator's retries come 1.5 s apart or more (§3.5.1.1.1); the same tag
// inside this interval is a copy (two forwarders, a replay) and not answered.
inline constexpr Duration kFIHelloRepeatInterval = milliseconds(1000);
inline constexpr std::size_t kFIHelloTagMemory = 4096;

// ---- Packet sizes ----
// Neither RFC gives a default MTU (DIGEST §5.6 [FLAG]). Local choice: 1200
// bytes of UDP payload, which fits the IPv6 minimum MTU (1280 - 40 - 8) with
// room for tunnels. Path MTU discovery (§3.5.4.3) may raise it per session.
inline constexpr std::size_t kDefaultMaxDatagram = 1200;
inline constexpr std::size_t kSessionIdSize = 4;  // §2.2.2

// ---- Path MTU discovery (§3.5.4.3, adapting RFC 4821) ----
// Default upper bound for probing, by the peer's address family: a
// 1500-byte Ethernet path less the IPv4 (20) or IPv6 (40) header and UDP
// (8). Local choice: larger paths (jumbo frames) must be asked for with
// EndpointConfig::max_datagram_limit.
inline constexpr std::size_t kPmtuLimitIpv4 = 1500 - 20 - 8;  // 1472
inline constexpr std::size_t kPmtuLimitIpv6 = 1500 - 40 - 8;  // 1452
// RFC 4821 §7.5 MAX_PROBES (RFC 8899 §5.1.2 default 3): consecutive
// unanswered probes of one size before it is taken as too large.
inline constexpr int kPmtuMaxProbes = 3;
// Probe timeout: max(this, the session's ERTO). Local choice: the reply to
// a probe is a Ping Reply sent at once (§3.5.4), so one ERTO covers a round
// trip; the 1 s floor keeps a tiny ERTO (250 ms on a LAN) from declaring a
// probe lost while the far end is merely busy (RFC 8899 §5.1.1 likewise asks
// for a PROBE_TIMER of at least 1 s).
inline constexpr Duration kPmtuProbeMinTimeout = seconds(1);
// Local choice: the search stops when search_high - search_low is below
// this (RFC 4821 §7.3 leaves the stopping rule open). 16 bytes is ~1% of a
// datagram; each further bisection step can cost MAX_PROBES timeouts.
inline constexpr std::size_t kPmtuSearchGranularity = 16;
// After a completed search below the limit, probe upward again this often
// (RFC 8899 §5.1.1 PMTU_RAISE_TIMER, 600 s; RFC 1981 §4 likewise 10 min).
inline constexpr Duration kPmtuRaiseInterval = seconds(600);
// Probe replies remembered per session, so a late reply to an earlier probe
// is still recognised (and never shown to the application as a PingReplied).
inline constexpr std::size_t kPmtuProbeMemory = 8;

// ---- Timestamps (§2.2.4, §3.5.2.2) ----
inline constexpr Duration kTimestampTick = milliseconds(4);
inline constexpr Duration kTimestampEchoExpiry = seconds(128);

// ---- Keepalive and liveness (§3.5.4.1; periods are local choices) ----
inline constexpr Duration kDefaultKeepalivePeriod = seconds(10);
inline constexpr Duration kDefaultIdleTimeout = seconds(60);

// ---- Probe IHellos (address discovery, Endpoint::send_probe_ihello) ----
inline constexpr Duration kProbeTagLifetime = seconds(10);
inline constexpr std::size_t kMaxProbeTags = 64;

// ---- Close (§3.5.5) ----
inline constexpr Duration kCloseResendInterval = seconds(5);   // "every 5 seconds"
inline constexpr Duration kNearCloseTimeout = seconds(90);     // S_NEARCLOSE -> S_CLOSED
inline constexpr Duration kFarCloseLinger = seconds(19);       // S_FARCLOSE_LINGER -> S_CLOSED

// ---- Retransmission timeout (§3.5.2.2) ----
inline constexpr Duration kInitialErto = seconds(3);
inline constexpr Duration kMinErto = milliseconds(250);
inline constexpr Duration kMaxErto = seconds(10);

// ---- Bounded state (local choices against hostile peers) ----
inline constexpr std::size_t kMaxSessions = 65536;
// Initiator sessions opening at once (S_IHELLO_SENT / S_KEYING_SENT);
// connect() beyond this fails with limit_exceeded.
inline constexpr std::size_t kMaxOpeningSessions = 4096;
// Local choice: responder sessions accepted from one source IP address (any
// port). A session can hold up to max_receiving_flows x receive_buffer of
// peer data (256 MiB by default), so without this one host using many source
// ports could fill the whole session table (kMaxSessions). 256 leaves room for
// a NAT with many users; a carrier-grade NAT front wants more
// (EndpointConfig::max_sessions_per_address).
inline constexpr std::size_t kMaxSessionsPerAddress = 256;
inline constexpr std::size_t kMaxQueuedDatagrams = 4096;
inline constexpr std::size_t kMaxQueuedEvents = 65536;
// Receive memory per session across all its receiving flows (RFC 7016
// §3.6.3.5 buffers; data plus a 64-byte charge per buffered fragment).
// Local choice: 16 MiB, sixteen flows with the default 1 MiB receive buffer
// full. A fragment that does not fit is dropped unacknowledged (the sender
// retransmits it); a quarter is kept for in-order fragments, which complete
// messages and let the buffers drain. Each flow's own bound is in
// rtmfp/core/flow/recv_flow.hpp (at most 2 x its receive buffer).
inline constexpr std::uint64_t kMaxSessionReceiveBytes = 16 * 1024 * 1024;

}  // namespace rtmfp::params
