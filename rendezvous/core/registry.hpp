// The introducer's registry: every peer with an open session to the
// rendezvous that registered is reachable by its peer ID, with the reflexive
// address the rendezvous sees it at (RFC 7016 §2.1.5 origin "observed") and
// the host addresses it reported (origin "local"; RFC 7425 §5.3.3
// setPeerInfo, or our control plane). One record per session; a peer ID maps
// to its most recent registration (a node that restarts re-registers with the
// same identity before the old session times out). Bounded by
// limits::kMaxRegisteredPeers; peer IDs are hashed with a secret key so that
// nobody can grind certificates into one hash bucket. Sans-I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/endpoint/endpoint_types.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/siphash.hpp"
#include "rtmfp/core/time.hpp"
#include "rendezvous/core/limits.hpp"
#include "rendezvous/core/path_strategy.hpp"

namespace rtmfp::rendezvous {

struct PeerRecord {
  PeerId peer_id{};
  SessionHandle session = 0;
  ProfileKind profile = ProfileKind::modern;
  SocketAddress reflexive;                  // as this server sees the session's far end
  std::vector<SocketAddress> host_addresses;  // self-reported, filtered, <= kMaxHostAddresses
  TimePoint registered_at{};
  // What the peer's NAT check found (rendezvous/core/nat_check.hpp), once
  // it reported it: the introducer's choice of path (path_strategy.hpp).
  std::optional<NatProfile> nat;
  // The peer said a NatReport follows (control.proto Registration
  // nat_report_follows): until then, or until this time, its introductions
  // may wait for it (IntroducerService, limits::kNatReportWait).
  std::optional<TimePoint> nat_due;
  // Its class is unknown but announced and due later than `now`.
  bool nat_pending(TimePoint now) const { return !nat && nat_due && now < *nat_due; }
};

struct PeerIdHash {
  SipKey key{};
  std::size_t operator()(const PeerId& id) const noexcept { return siphash24(key, ByteView(id.data(), id.size())); }
};

// Host addresses worth handing to another peer: not unspecified, not port 0,
// not multicast/broadcast, not loopback (a loopback address is only ever the
// registering host itself). At most kMaxHostAddresses, duplicates removed.
std::vector<SocketAddress> usable_host_addresses(const std::vector<SocketAddress>& reported);

class Registry {
 public:
  explicit Registry(const SipKey& hash_key, std::size_t max_peers = limits::kMaxRegisteredPeers);

  // Registers (or re-registers) the session's peer. A peer ID registered on
  // another session moves to this one. limit_exceeded when the table is full.
  Result<void> add(TimePoint now, SessionHandle session, const PeerId& peer_id, ProfileKind profile,
                   const SocketAddress& reflexive);
  // The session's host addresses (replaces the previous list). not_found if
  // the session has not registered.
  Result<void> set_host_addresses(SessionHandle session, const std::vector<SocketAddress>& reported);
  // The class the session's peer reported (control plane NatReport).
  void set_nat(SessionHandle session, const NatProfile& nat);
  // The peer announced a NatReport (nat_report_follows): it is waited for
  // until `due`. Ignored once a class is known or a due time is set.
  void expect_nat(SessionHandle session, TimePoint due);
  // The session's far address moved (RFC 7016 §3.5.4.2 mobility).
  void update_reflexive(SessionHandle session, const SocketAddress& reflexive);
  // The session closed: its record goes, and its peer ID if it still maps here.
  void remove_session(SessionHandle session);

  const PeerRecord* find(const PeerId& peer_id) const;
  const PeerRecord* find_session(SessionHandle session) const;
  // The registered peer whose session the rendezvous sees at exactly this
  // address (an initiator's IHello from its registered socket), if any.
  const PeerRecord* find_reflexive(const SocketAddress& reflexive) const;
  std::size_t size() const { return by_session_.size(); }
  std::size_t capacity() const { return max_peers_; }

 private:
  std::size_t max_peers_;
  std::unordered_map<SessionHandle, PeerRecord> by_session_;
  std::unordered_map<PeerId, SessionHandle, PeerIdHash> by_peer_;
  std::unordered_map<SocketAddress, SessionHandle, SocketAddressHash> by_reflexive_;
  void index_reflexive(PeerRecord& r, const SocketAddress& a);
};

}  // namespace rtmfp::rendezvous
