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

// ---- Packet sizes ----
// Neither RFC gives a default MTU (DIGEST §5.6 [FLAG]). Local choice: 1200
// bytes of UDP payload, which fits the IPv6 minimum MTU (1280 - 40 - 8) with
// room for tunnels. Path MTU discovery (§3.5.4.3) may raise it per session.
inline constexpr std::size_t kDefaultMaxDatagram = 1200;
inline constexpr std::size_t kSessionIdSize = 4;  // §2.2.2

// ---- Timestamps (§2.2.4, §3.5.2.2) ----
inline constexpr Duration kTimestampTick = milliseconds(4);
inline constexpr Duration kTimestampEchoExpiry = seconds(128);

// ---- Keepalive and liveness (§3.5.4.1; periods are local choices) ----
inline constexpr Duration kDefaultKeepalivePeriod = seconds(10);
inline constexpr Duration kDefaultIdleTimeout = seconds(60);

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
inline constexpr std::size_t kMaxOpeningSessions = 4096;
inline constexpr std::size_t kMaxQueuedDatagrams = 4096;
inline constexpr std::size_t kMaxQueuedEvents = 65536;

}  // namespace rtmfp::params
