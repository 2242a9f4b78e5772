#include "rendezvous/core/directory.hpp"

#include <algorithm>

namespace rtmfp::rendezvous {

Directory::Directory(DirectoryConfig config, const SipKey& hash_key)
    : config_(std::move(config)),
      published_(16, PeerIdHash{hash_key}),
      pending_(16, PeerIdHash{hash_key}),
      cache_(16, PeerIdHash{hash_key}),
      sources_(limits::kLookupSourceRatePerSecond, limits::kLookupSourceBurst, limits::kRateTableSize),
      total_(limits::kLookupRatePerSecond, limits::kLookupBurst, 1) {
  if (config_.instance.size() > kMaxInstanceAddresses) config_.instance.resize(kMaxInstanceAddresses);
}

void Directory::queue(TimePoint now, DirectoryCommand c) {
  if (commands_.size() >= limits::kMaxDirectoryCommands) {
    ++stats_.commands_dropped;
    return;
  }
  if (commands_.empty()) commands_since_ = now;
  commands_.push_back(std::move(c));
}

std::optional<DirectoryCommand> Directory::poll_command() {
  if (commands_.empty()) return std::nullopt;
  auto c = std::move(commands_.front());
  commands_.pop_front();
  return c;
}

void Directory::schedule(const PeerId& peer, TimePoint due) {
  auto it = published_.find(peer);
  if (it == published_.end() || it->second.queued) return;
  it->second.queued = true;
  refresh_.emplace(due, peer);
}

void Directory::publish(TimePoint now, const PeerRecord& record) {
  DirectoryEntry e;
  e.instance = config_.instance;
  e.profile = record.profile;
  e.reflexive = record.reflexive;
  e.host_addresses = record.host_addresses;
  if (e.host_addresses.size() > limits::kMaxHostAddresses) e.host_addresses.resize(limits::kMaxHostAddresses);
  e.nat = record.nat;
  auto value = encode_directory_entry(e);
  if (!value) return;  // no instance address: nothing others could use
  published_[record.peer_id].value = *value;
  ++stats_.published;
  queue(now, DirectoryPublish{record.peer_id, std::move(*value), config_.ttl});
}

void Directory::local_registered(TimePoint now, const PeerRecord& record) {
  const bool fresh = !published_.contains(record.peer_id);
  publish(now, record);
  // A cached answer about this peer is now wrong: it is here.
  if (auto c = cache_.find(record.peer_id); c != cache_.end()) {
    cache_lru_.erase(c->second);
    cache_.erase(c);
  }
  if (fresh) schedule(record.peer_id, now + config_.settle);
}

void Directory::local_removed(TimePoint now, const PeerId& peer) {
  auto it = published_.find(peer);
  if (it == published_.end()) return;
  ++stats_.removed;
  queue(now, DirectoryRemove{peer, std::move(it->second.value)});
  published_.erase(it);  // its refresh_ item is skipped when it comes due
}

std::optional<TimePoint> Directory::next_deadline() const {
  std::optional<TimePoint> t;
  if (!refresh_.empty()) t = refresh_.begin()->first;
  if (!pending_order_.empty()) {
    const TimePoint p = pending_order_.front().first;
    if (!t || p < *t) t = p;
  }
  return t;
}

void Directory::on_deadline(TimePoint now, const Registry& registry) {
  std::size_t batch = 0;
  while (!refresh_.empty() && refresh_.begin()->first <= now && batch < limits::kDirectoryRefreshBatch) {
    const PeerId peer = refresh_.begin()->second;
    refresh_.erase(refresh_.begin());
    auto it = published_.find(peer);
    if (it == published_.end()) continue;  // removed meanwhile
    it->second.queued = false;
    const PeerRecord* r = registry.find(peer);
    if (!r) {  // gone without local_removed (should not happen): clean up
      local_removed(now, peer);
      continue;
    }
    ++batch;
    publish(now, *r);
    schedule(peer, now + config_.refresh);
  }
  while (!pending_order_.empty() && pending_order_.front().first <= now) {
    const PeerId peer = pending_order_.front().second;
    pending_order_.pop_front();
    auto it = pending_.find(peer);
    if (it == pending_.end() || it->second.deadline > now) continue;  // answered (or asked again later)
    ++stats_.lookup_failures;
    pending_.erase(it);
  }
}

void Directory::remember(TimePoint now, const PeerId& peer, std::optional<DirectoryEntry> entry, Duration lifetime) {
  if (auto c = cache_.find(peer); c != cache_.end()) {
    cache_lru_.erase(c->second);
    cache_.erase(c);
  }
  if (cache_lru_.size() >= limits::kDirectoryCacheSize) {
    cache_.erase(cache_lru_.back().first);
    cache_lru_.pop_back();
  }
  cache_lru_.emplace_front(peer, Cached{std::move(entry), now + lifetime});
  cache_.emplace(peer, cache_lru_.begin());
}

std::optional<std::vector<wire::WireAddress>> Directory::redirect_for(const DirectoryEntry& e,
                                                                     const SocketAddress& initiator) const {
  // Same family as the initiator first (it can reach those). Origin
  // "unknown or other" (§2.1.5): an address of another introducer, neither
  // the target's interface nor its observed address.
  std::vector<wire::WireAddress> out;
  for (bool v6 : {initiator.v6, !initiator.v6})
    for (const auto& a : e.instance)
      if (a.v6 == v6 && out.size() < params::kRedirectThreshold) out.push_back({a, wire::AddressOrigin::unknown});
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<std::vector<wire::WireAddress>> Directory::resolve(TimePoint now, const UnmatchedIHello& u,
                                                                 const PeerId& peer) {
  if (auto c = cache_.find(peer); c != cache_.end()) {
    if (c->second->second.expires > now) {
      ++stats_.cache_hits;
      cache_lru_.splice(cache_lru_.begin(), cache_lru_, c->second);
      const auto& entry = c->second->second.entry;
      if (!entry || entry->profile != u.profile) return std::nullopt;
      auto r = redirect_for(*entry, u.from);
      if (r) ++stats_.redirects;
      return r;
    }
    cache_lru_.erase(c->second);
    cache_.erase(c);
  }
  if (auto p = pending_.find(peer); p != pending_.end()) {
    // Already asked: wait for that answer too (bounded; later copies are
    // left to the initiator's retransmission).
    if (p->second.waiting.size() < limits::kMaxWaitingPerLookup) p->second.waiting.push_back(u);
    return std::nullopt;
  }
  if (pending_.size() >= limits::kMaxPendingLookups || commands_.size() >= limits::kMaxDirectoryCommands ||
      !sources_.take(now, u.from) || !total_.take(now, 0)) {
    ++stats_.lookups_refused;
    return std::nullopt;
  }
  ++stats_.lookups;
  Pending& p = pending_[peer];
  p.deadline = now + limits::kDirectoryLookupTimeout;
  p.waiting.push_back(u);
  pending_order_.emplace_back(p.deadline, peer);
  queue(now, DirectoryLookup{peer});
  return std::nullopt;
}

std::vector<DirectoryRedirect> Directory::on_lookup_result(TimePoint now, const DirectoryLookupResult& result) {
  std::vector<DirectoryRedirect> out;
  auto it = pending_.find(result.peer);
  if (it == pending_.end()) return out;  // timed out meanwhile, or never asked
  std::vector<UnmatchedIHello> waiting = std::move(it->second.waiting);
  pending_.erase(it);
  if (!result.ok) {
    ++stats_.lookup_failures;
    return out;
  }
  std::optional<DirectoryEntry> entry = result.value ? decode_directory_entry(*result.value) : std::nullopt;
  if (result.value && !entry) ++stats_.malformed;
  // Our own entry: the peer left us and its entry has not expired yet (or
  // it is registered here again and the IHello raced the registration).
  if (!entry || entry->instance == config_.instance) {
    ++stats_.not_found;
    remember(now, result.peer, std::nullopt, limits::kDirectoryNegativeCache);
    return out;
  }
  remember(now, result.peer, entry, limits::kDirectoryPositiveCache);
  for (auto& u : waiting) {
    if (entry->profile != u.profile) continue;
    auto addrs = redirect_for(*entry, u.from);
    if (!addrs) continue;
    ++stats_.redirects;
    out.push_back({std::move(u), std::move(*addrs)});
  }
  return out;
}

}  // namespace rtmfp::rendezvous
