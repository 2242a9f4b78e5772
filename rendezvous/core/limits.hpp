// Every bound and rate of the introducer, once, each with its reason. The
// introducer's tables are filled by remote peers (registrations, IHellos from
// anyone), so each has a stated size and evicts or refuses past it.
#pragma once

#include <cstddef>

#include "rtmfp/core/params.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::rendezvous::limits {

// Registered peers one introducer holds. Local choice: ~0.5 KiB per peer
// (record + two index entries + host addresses), so 200,000 peers stay near
// 100 MiB; past it a registration is refused, never an existing one evicted.
inline constexpr std::size_t kMaxRegisteredPeers = 200'000;
// Host (local-interface) addresses kept per peer. A Redirect carries at most
// REDIRECT_THRESHOLD = 24 addresses (RFC 7016 §3.5.1.1.1); the reflexive
// address and both families' hosts fit well inside it with 8.
inline constexpr std::size_t kMaxHostAddresses = 8;
static_assert(kMaxHostAddresses + 1 <= params::kRedirectThreshold);

// Introductions asked for by one source address (the initiator's public
// address): a token bucket. A real initiator sends one IHello per candidate
// on the RFC backoff (first retry after 1.5 s, §3.5.1.1.1); a node connecting
// to a handful of peers at once stays far below 20 in a burst.
inline constexpr double kSourceRatePerSecond = 10.0;
inline constexpr double kSourceBurst = 20.0;
// Introductions aimed at one registered peer, from all sources together: the
// introducer must not become a way to flood a registered peer with Forwarded
// IHellos (each costs that peer an RHello to a stranger).
inline constexpr double kTargetRatePerSecond = 20.0;
inline constexpr double kTargetBurst = 40.0;
// Rate-limit tables (one bucket per source / per target), least recently
// used evicted past this size. An evicted bucket starts full again, so the
// bound per key holds per tracking epoch (as the amplification table).
inline constexpr std::size_t kRateTableSize = 65'536;

// The same (tag, target) is forwarded again only after this long: an
// initiator's own retransmissions come 1.5 s apart or more (§3.5.1.1.1), so a
// duplicate inside the window is a copy (a second introducer address, a
// replay), not a retry.
inline constexpr Duration kTagRepeatInterval = milliseconds(1000);
inline constexpr std::size_t kTagTableSize = 65'536;

// Relayed attempts waiting for their race delay (path_strategy.hpp); past
// this the oldest is dropped (its pair still has the direct attempt).
inline constexpr std::size_t kMaxPendingRelays = 4096;

// A node that announced its NAT class (control.proto Registration
// nat_report_follows) reports it after its NAT check: about 0.6-1.2 s after
// registering (nat_checker.hpp: 600 ms filtering wait, 600 ms mapping wait,
// one round trip each when answered). An introduction of such a peer in the
// meantime waits for the report at most this long after the registration,
// then goes with what is known (the race): a peer that never reports costs
// its first introductions this delay, never more.
inline constexpr Duration kNatReportWait = milliseconds(2000);
// A direct introduction (both classes known and punchable) that is asked
// for again - the same initiator address, tag and target - this long after
// it went: the initiator repeats its IHello to every candidate until an
// RHello comes (RFC 7016 §3.5.1.1.1; ours first after 1.5 s), so punching
// has not opened (UDP blocked between the peers, a NAT the check misread):
// the relay of last resort joins. Remembered for kDirectMemory, at most
// kMaxPendingRelays at once (oldest forgotten).
inline constexpr Duration kDirectFallbackAfter = milliseconds(4000);
inline constexpr Duration kDirectMemory = seconds(30);
// Introductions waiting for a class; past this one goes at once with what is
// known (not dropped).
inline constexpr std::size_t kMaxHeldIntroductions = 4096;

// ---- The shared peer directory (directory.hpp, issue 12 §4) ----
// Answers remembered from the store, least recently used evicted: short
// lived (a peer that moves to another instance is found again within
// kDirectoryPositiveCache), so a burst of initiators for one peer costs one
// lookup.
inline constexpr std::size_t kDirectoryCacheSize = 65'536;
inline constexpr Duration kDirectoryPositiveCache = seconds(2);
inline constexpr Duration kDirectoryNegativeCache = seconds(1);
// Peers being looked up at once, and IHellos waiting for each answer (more
// are left to their initiator's retransmission, §3.5.1.1.1).
inline constexpr std::size_t kMaxPendingLookups = 4096;
inline constexpr std::size_t kMaxWaitingPerLookup = 8;
// A lookup the store has not answered by then is given up (store down or
// slow); its IHellos stay unanswered, and the initiator retries.
inline constexpr Duration kDirectoryLookupTimeout = seconds(2);
// Lookups one source address may cause (an attacker naming random peer IDs
// must not make us hammer the store), and all sources together.
inline constexpr double kLookupSourceRatePerSecond = 5.0;
inline constexpr double kLookupSourceBurst = 10.0;
inline constexpr double kLookupRatePerSecond = 5000.0;
inline constexpr double kLookupBurst = 5000.0;
// Commands waiting for the io layer to take them (publish, remove, lookup);
// past it new ones are dropped and counted (a refresh comes again).
inline constexpr std::size_t kMaxDirectoryCommands = 65'536;
// Refreshes issued per deadline; the rest follow at once in the next round,
// so 200,000 local peers do not stall the host for one long burst.
inline constexpr std::size_t kDirectoryRefreshBatch = 2'000;

// ---- P2P broadcast groups (group_directory.hpp) ----
// Groups one rendezvous keeps, and members per group / in all groups. Local
// choices: ~100 bytes per membership, so the totals stay near 20 MiB; past a
// bound a join is refused (never an existing member evicted). A member is
// sampled from, not broadcast to, so a big group costs no more per join.
inline constexpr std::size_t kMaxGroups = 10'000;
inline constexpr std::size_t kMaxMembersPerGroup = 20'000;
inline constexpr std::size_t kMaxGroupMemberships = 200'000;
// Groups one peer may be a member of (a gateway holds many routes).
inline constexpr std::size_t kMaxGroupsPerPeer = 64;
// Members sampled into one answer (control::kMaxGroupSample).
inline constexpr std::size_t kGroupSampleSize = 32;
// Members refresh this often; one that missed kGroupMemberLifetime of
// refreshes (a crash without goodbye) is gone.
inline constexpr Duration kGroupRefresh = seconds(10);
inline constexpr Duration kGroupMemberLifetime = seconds(25);

}  // namespace rtmfp::rendezvous::limits
