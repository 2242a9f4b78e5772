// One table of the constants used by flows, congestion control and loss
// recovery, each with the RFC 7016 section that fixes or suggests it.
#pragma once

#include <cstdint>

#include "rtmfp/core/time.hpp"

namespace rtmfp::flow_params {

// --- §3.5.2.2 Retransmission timeout (ERTO) ---
inline constexpr Duration kInitialErto = std::chrono::seconds(3);      // "Initialize ERTO to 3 seconds"
inline constexpr Duration kInitialMrto = std::chrono::milliseconds(250);  // "Initialize MRTO to 250 milliseconds"
inline constexpr Duration kMinErto = std::chrono::milliseconds(250);      // "ERTO SHOULD be at least 250 ms"
inline constexpr Duration kErtoAckDelayAllowance = std::chrono::milliseconds(200);  // MRTO = SRTT + 4*RTTVAR + 200 ms
inline constexpr Duration kMaxErto = std::chrono::seconds(10);            // "ultimate backoff cap of 10 seconds"
inline constexpr double kErtoBackoff = 1.4142;                            // ERTO_BACKOFF = ERTO * 1.4142
inline constexpr Duration kTimestampTick = std::chrono::milliseconds(4);  // §3.5.2.2 4 ms ticks
inline constexpr std::uint32_t kMaxValidRttTicks = 32767;                 // §3.5.2.2 step 3

// --- §3.5.2.1 Time Critical Reverse Notification ---
inline constexpr Duration kTcWindow = std::chrono::milliseconds(800);  // "within the last 800 milliseconds"
inline constexpr double kTcrMaxGrowthFraction = 0.005;                 // "0.5% ... per round trip"
inline constexpr std::uint64_t kTcrMaxGrowthBytes = 384;               // "or by 384 bytes per round trip"
inline constexpr double kTcrGrowthBurst = 0.05;  // CUBIC: allowance bucket holds 5% of a round's (assumption, cubic.cpp)

// --- §3.5.2.3 Burst avoidance ---
inline constexpr std::uint32_t kMaxDataPacketsWithoutAck = 6;  // "SHOULD NOT send more than six packets"

// --- Appendix A.2 example congestion control ---
inline constexpr std::uint64_t kSmss = 1460;             // "for example 1460 bytes"
inline constexpr std::uint64_t kCwndInit = 4380;         // "for example 4380 bytes" (RFC 5681 §3.1 IW)
inline constexpr std::uint64_t kCwndTimedOut = kSmss;    // "being 1*SMSS"
inline constexpr std::uint64_t kScalableThreshold = 67200;  // "PRE_ACK_OUTSTANDING > 67200"
inline constexpr std::uint64_t kAiThreshMin = 64;        // MIN(MAX(CWND / 16, 64), ...)
inline constexpr std::uint64_t kAiThreshCap = 4800;      // AITHRESH cap, normal
inline constexpr std::uint64_t kAiThreshCapTc = 2400;    // AITHRESH_CAP when TC_SENT
inline constexpr std::uint64_t kAiStepFast = 48;         // "add 48 to INCREASE"
inline constexpr std::uint64_t kAiStepSlow = 24;         // "add 24 to INCREASE"

// --- CUBIC (RFC 9438), used as the alternative controller ---
inline constexpr double kCubicC = 0.4;      // RFC 9438 §5.1 C
inline constexpr double kCubicBeta = 0.7;   // RFC 9438 §4.6 beta_cubic
// HyStart++ (RFC 9406 §4.3 constants), CUBIC's slow start (RFC 9438 §4.10 MAY).
inline constexpr Duration kHyStartMinRttThresh = std::chrono::milliseconds(4);   // MIN_RTT_THRESH
inline constexpr Duration kHyStartMaxRttThresh = std::chrono::milliseconds(16);  // MAX_RTT_THRESH
inline constexpr std::int64_t kHyStartMinRttDivisor = 8;                         // MIN_RTT_DIVISOR
// N_RTT_SAMPLE: RFC 9406 recommends 8 and lets implementations tune the
// constants. TCP gets a sample per ack, so 8 come early in a round; RTMFP gets
// at most one per 4 ms timestamp tick (RFC 7016 §3.5.2.2), ~10 per 40 ms
// round, so 8 meant deciding at the end of the round, after another doubling
// (measured: slow start ran to ~345 KB on a 200 KB path + queue). 3 samples
// (12 ms) keep the min-of-round test and decide early in the round.
inline constexpr std::uint32_t kHyStartNRttSample = 3;                           // N_RTT_SAMPLE (RFC: 8, see above)
inline constexpr std::uint64_t kHyStartCssGrowthDivisor = 4;                     // CSS_GROWTH_DIVISOR
inline constexpr std::uint32_t kHyStartCssRounds = 5;                            // CSS_ROUNDS
// --- "veno" (loss discrimination after TCP Veno), see rtmfp/core/cc/veno.hpp ---
inline constexpr double kVenoBacklogPackets = 3.0;                          // Veno's beta: queue that means congestion
inline constexpr Duration kVenoBaseRttWindow = std::chrono::seconds(10);   // BaseRTT = min over 1-2 windows (assumption)
inline constexpr Duration kVenoMinQueueDelay = std::chrono::milliseconds(10);  // below this a queue is timestamp noise (assumption)
// Round trip used for pacing/TCR rounds before any RTT sample (assumption, not in RFC).
inline constexpr Duration kDefaultRtt = std::chrono::milliseconds(250);
inline constexpr double kPacingGain = 1.25;  // pacing above cwnd/srtt so pacing never limits the window (assumption)

// --- §3.6 flows ---
inline constexpr std::uint32_t kNakLossThreshold = 3;                    // §3.6.2.5 "three ... negative acknowledgements"
inline constexpr Duration kSendLinger = std::chrono::seconds(130);        // §3.6.2.11 F_COMPLETE_LINGER >= 130 s
inline constexpr Duration kRecvLinger = std::chrono::seconds(120);        // §3.6.3.8 RF_COMPLETE_LINGER 120 s
inline constexpr Duration kDelayedAck = std::chrono::milliseconds(200);   // §3.6.3.4.4 at most 200 ms
inline constexpr std::size_t kMaxAckRanges = 1024;                        // local bound on ranges processed per ack
inline constexpr std::size_t kMaxSequenceSetRanges = 4096;                // local bound on SEQUENCE_SET size
inline constexpr std::uint64_t kBufferBlock = 1024;                       // §3.6.3.5 1024-byte blocks
// Receive memory charged per buffered fragment or undelivered message on top
// of its data (map node and bookkeeping), so that a peer sending tiny
// fragments cannot hold far more memory than the bound says (local choice).
inline constexpr std::uint64_t kFragmentMemoryOverhead = 64;
// Share of the session's receive memory kept for in-order fragments, the
// ones that complete messages and let buffers drain (local choice: 1/4).
inline constexpr std::uint64_t kInOrderReserveDivisor = 4;
// Receiving flows that are complete (RF_COMPLETE_LINGER, §3.6.3.8) or
// rejected (RF_REJECTED) are remembered beyond max_receiving_flows up to
// this many per session; past that the oldest-numbered complete one is
// closed early (local choice; each costs a few hundred bytes).
inline constexpr std::size_t kMaxIdleReceivingFlows = 1024;
// Finished receiving flows whose final sequence number is remembered after
// their state is gone (FlowSet), per session (local choice: 32 bytes each).
inline constexpr std::size_t kMaxFinishedFlowMemory = 4096;
// §3.6.2.9.1 Buffer Probe: first probe "within one second" of the window
// closing; then a period of at least max(1 s, ERTO), growing, at most max(60 s, ERTO).
inline constexpr Duration kBufferProbeFirst = std::chrono::seconds(1);
inline constexpr Duration kBufferProbeMinPeriod = std::chrono::seconds(1);
inline constexpr Duration kBufferProbeMaxPeriod = std::chrono::seconds(60);
inline constexpr int kBufferProbeBackoff = 2;  // "SHOULD increase over time" (doubling is an assumption)

}  // namespace rtmfp::flow_params
