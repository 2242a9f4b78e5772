// The shared peer directory (issue 12 §4), sans-I/O: several rendezvous
// instances share one store (Redis, rendezvous/redis) of who is registered
// where. The local Registry stays authoritative for the sessions this
// instance holds; the Directory
//  - publishes each local registration (peer ID -> this instance's
//    addresses, the peer's reflexive and host addresses, its NAT class:
//    directory_entry.hpp) with a TTL, at once, again after a short settle
//    delay (the host addresses and NAT class arrive on the control plane
//    after the session opens), then every refresh interval; a registration
//    that ends is removed if the store still holds what we published (a
//    peer that moved on to another instance keeps that instance's entry);
//  - resolves an IHello for a peer not registered here: from a bounded
//    cache of the store's answers, or by asking the store (a lookup command)
//    and answering once the io layer feeds the result back. When the entry
//    names another instance, the initiator gets a Redirect (RFC 7016
//    §2.3.5, §3.5.1.4) listing that instance's addresses; its IHello there
//    is then introduced by the owner (§3.5.1.6). An entry naming this
//    instance (stale: the peer left) or none stays silent (§3.5.1.1.2).
// It never waits: commands queue (bounded) for the io layer, results come
// back as calls. Lookups are bounded in flight, per source and in total.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

#include "rendezvous/core/directory_entry.hpp"
#include "rendezvous/core/limits.hpp"
#include "rendezvous/core/registry.hpp"
#include "rendezvous/core/token_buckets.hpp"
#include "rtmfp/core/endpoint/endpoint_types.hpp"
#include "rtmfp/core/wire/address_codec.hpp"

namespace rtmfp::rendezvous {

struct DirectoryConfig {
  // Where initiators reach this instance (specific addresses, not a
  // wildcard): what other instances redirect to. 1..kMaxInstanceAddresses.
  std::vector<SocketAddress> instance;
  Duration ttl = seconds(30);      // an entry outlives its owner by at most this
  Duration refresh = seconds(10);  // the owner rewrites it this often (< ttl)
  Duration settle = seconds(1);    // a new registration is written again after this
};

// Commands for the io layer (the store's client).
struct DirectoryPublish {  // write value under peer, expiring after ttl
  PeerId peer{};
  Bytes value;
  Duration ttl{};
};
struct DirectoryRemove {  // delete peer's entry if it is still exactly value
  PeerId peer{};
  Bytes value;
};
struct DirectoryLookup {  // read peer's entry; answer with on_lookup_result
  PeerId peer{};
};
using DirectoryCommand = std::variant<DirectoryPublish, DirectoryRemove, DirectoryLookup>;

// The store's answer to a DirectoryLookup.
struct DirectoryLookupResult {
  PeerId peer{};
  bool ok = false;              // false: the store failed (down, timeout); nothing learned
  std::optional<Bytes> value;   // ok and nullopt: no entry
};

// An IHello the directory can answer now: Redirect the initiator (u.from,
// echoing u.tag) to these addresses.
struct DirectoryRedirect {
  UnmatchedIHello ihello;
  std::vector<wire::WireAddress> addresses;
};

struct DirectoryStats {
  std::uint64_t published = 0, removed = 0, lookups = 0;
  std::uint64_t redirects = 0;         // initiators sent to another instance
  std::uint64_t cache_hits = 0;
  std::uint64_t lookups_refused = 0;   // source or total rate, or too many in flight
  std::uint64_t lookup_failures = 0;   // the store failed or did not answer in time
  std::uint64_t not_found = 0;         // no entry, or one naming this instance
  std::uint64_t malformed = 0;         // an entry that does not decode
  std::uint64_t commands_dropped = 0;  // the command queue was full
};

class Directory {
 public:
  Directory(DirectoryConfig config, const SipKey& hash_key);

  // A peer registered here (a new session, or one whose record changed):
  // published at once, and again after the settle delay.
  void local_registered(TimePoint now, const PeerRecord& record);
  // The peer's registration here ended: removed from the store unless
  // someone else wrote it meanwhile.
  void local_removed(TimePoint now, const PeerId& peer);

  // An IHello for `peer`, which is not registered here. Addresses to
  // redirect to now (a cached answer), or nullopt: unknown, refused, or a
  // lookup is under way (then the answer comes from on_lookup_result).
  std::optional<std::vector<wire::WireAddress>> resolve(TimePoint now, const UnmatchedIHello& u, const PeerId& peer);
  // The io layer's answer to a lookup: the IHellos now answerable.
  std::vector<DirectoryRedirect> on_lookup_result(TimePoint now, const DirectoryLookupResult& result);

  // Refreshes and lookup timeouts; `registry` gives the current records.
  std::optional<TimePoint> next_deadline() const;
  void on_deadline(TimePoint now, const Registry& registry);

  // Commands for the io layer, oldest first.
  std::optional<DirectoryCommand> poll_command();
  bool has_commands() const { return !commands_.empty(); }
  // When the oldest waiting command was queued (the io layer's deadline).
  std::optional<TimePoint> commands_since() const { return commands_.empty() ? std::nullopt : std::optional(commands_since_); }

  const DirectoryConfig& config() const { return config_; }
  const DirectoryStats& stats() const { return stats_; }
  std::size_t published_count() const { return published_.size(); }
  std::size_t pending_lookups() const { return pending_.size(); }
  std::size_t cache_size() const { return cache_lru_.size(); }

 private:
  struct Published {
    Bytes value;         // as last written (what a remove compares against)
    bool queued = false;  // has an item in refresh_
  };
  struct Pending {
    TimePoint deadline{};
    std::vector<UnmatchedIHello> waiting;  // <= kMaxWaitingPerLookup
  };
  struct Cached {
    std::optional<DirectoryEntry> entry;  // nullopt: known absent (or ours)
    TimePoint expires{};
  };
  using CacheList = std::list<std::pair<PeerId, Cached>>;

  void queue(TimePoint now, DirectoryCommand c);
  void publish(TimePoint now, const PeerRecord& record);
  void schedule(const PeerId& peer, TimePoint due);
  void remember(TimePoint now, const PeerId& peer, std::optional<DirectoryEntry> entry, Duration lifetime);
  std::optional<std::vector<wire::WireAddress>> redirect_for(const DirectoryEntry& e,
                                                            const SocketAddress& initiator) const;

  DirectoryConfig config_;
  std::unordered_map<PeerId, Published, PeerIdHash> published_;
  std::multimap<TimePoint, PeerId> refresh_;  // at most one per published peer (Published::queued)
  std::unordered_map<PeerId, Pending, PeerIdHash> pending_;
  std::deque<std::pair<TimePoint, PeerId>> pending_order_;  // lookup deadlines in order
  CacheList cache_lru_;                                     // most recent first
  std::unordered_map<PeerId, CacheList::iterator, PeerIdHash> cache_;
  TokenBuckets<SocketAddress, SocketAddressHash> sources_;
  TokenBuckets<int> total_;
  std::deque<DirectoryCommand> commands_;
  TimePoint commands_since_{};
  DirectoryStats stats_;
};

}  // namespace rtmfp::rendezvous
