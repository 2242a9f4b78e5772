// The introduction service of RFC 7016 §3.5.1.6 (Figures 16-17): a
// Redirector (§3.5.1.4) and a Forwarder (§3.5.1.5) in one. For an IHello whose
// Endpoint Discriminator names a registered peer, it answers the initiator
// with a Redirect listing that peer's addresses and sends the peer a
// Forwarded IHello carrying the initiator's public address, so the peer's
// RHello opens its own NAT towards the initiator while the initiator's IHello
// to the peer opens the initiator's. Unknown peer IDs stay silent (§3.5.1.1.2:
// an IHello that selects nobody is not answered). Rate limits per source and
// per target keep the service from being used to flood a registered peer.
// Sans-I/O: this decides; the host sends the Redirect (Endpoint's redirect
// command) and the FIHello (on the target's S_OPEN session).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <vector>

#include "rendezvous/core/limits.hpp"
#include "rendezvous/core/registry.hpp"
#include "rendezvous/core/token_buckets.hpp"
#include "rtmfp/core/wire/address_codec.hpp"

namespace rtmfp::rendezvous {

// What the engine reports for an IHello that does not select the local
// identity (the unmatched IHello).
struct IntroductionRequest {
  ProfileKind profile = ProfileKind::modern;
  std::optional<PeerId> target;  // the EPD's Fingerprint, if it has one
  Bytes epd;                     // as received, forwarded unchanged (§3.5.1.5)
  Bytes tag;                     // as received
  SocketAddress from;            // the IHello's source: the initiator's public address
};

struct Introduction {
  // Redirect (§2.3.5) to `from`, echoing the tag: the target's addresses,
  // same family as the initiator first; origin observed (2) for the
  // reflexive address, local (1) for self-reported host addresses (§2.1.5).
  std::vector<wire::WireAddress> redirect;
  // Forwarded IHello (§2.3.3) on the target's session: the IHello's EPD and
  // tag, and the initiator's public address as the reply address.
  SessionHandle forward_session = 0;
  wire::WireAddress reply_address;
};

// Why an IHello was not introduced (each counted).
#define RTMFP_INTRO_REFUSAL_TABLE(X)                                              \
  X(no_fingerprint, "EPD names no peer ID")                                        \
  X(unknown_peer, "peer ID not registered")                                        \
  X(wrong_profile, "peer registered with the other cryptography profile")          \
  X(self, "initiator is the target's own session address")                         \
  X(source_rate, "source address over its introduction rate")                      \
  X(target_rate, "target peer over its introduction rate")                         \
  X(repeat, "same tag for the same peer inside the repeat interval")

enum class Refusal : std::uint8_t {
#define RTMFP_INTRO_REFUSAL_ENUM(name, text) name,
  RTMFP_INTRO_REFUSAL_TABLE(RTMFP_INTRO_REFUSAL_ENUM)
#undef RTMFP_INTRO_REFUSAL_ENUM
      count_
};
const char* refusal_name(Refusal r);
const char* refusal_text(Refusal r);

struct IntroducerStats {
  std::uint64_t introductions = 0;
  std::uint64_t refused[static_cast<std::size_t>(Refusal::count_)] = {};
};

// Orders a peer's addresses for an initiator at `initiator`: same family
// first. Inside a family the reflexive address comes first, unless the
// initiator shares the target's public IP (both behind one NAT): then the
// host addresses come first, since a NAT need not hairpin. At most
// REDIRECT_THRESHOLD (RFC 7016 §3.5.1.1.1) addresses.
std::vector<wire::WireAddress> redirect_addresses(const PeerRecord& target, const SocketAddress& initiator);

class Introducer {
 public:
  Introducer();

  std::expected<Introduction, Refusal> introduce(TimePoint now, const IntroductionRequest& request,
                                                 const Registry& registry);
  const IntroducerStats& stats() const { return stats_; }

 private:
  std::unexpected<Refusal> refuse(Refusal r);

  struct TagKey {
    Bytes tag;
    SessionHandle target = 0;
    bool operator==(const TagKey&) const = default;
  };
  struct TagKeyHash {
    std::size_t operator()(const TagKey& k) const noexcept;
  };
  // Last time a (tag, target) was forwarded; LRU-bounded via TokenBuckets
  // semantics would lose the time, so a bucket of burst 1 refilled once per
  // repeat interval expresses "at most once per interval".
  TokenBuckets<TagKey, TagKeyHash> tags_;
  TokenBuckets<SocketAddress, SocketAddressHash> sources_;
  TokenBuckets<SessionHandle> targets_;
  IntroducerStats stats_;
};

}  // namespace rtmfp::rendezvous
