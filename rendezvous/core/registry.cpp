#include "rendezvous/core/registry.hpp"

#include <algorithm>

namespace rtmfp::rendezvous {

namespace {

bool usable(const SocketAddress& a) {
  if (a.port == 0 || a.is_unspecified() || a.is_loopback()) return false;
  if (!a.v6) {
    if (a.ip[0] >= 224) return false;  // multicast 224/4, reserved 240/4, broadcast
    if (a.ip[0] == 0) return false;    // "this network" 0/8
  } else {
    if (a.ip[0] == 0xff) return false;  // multicast ff00::/8
  }
  return true;
}

}  // namespace

std::vector<SocketAddress> usable_host_addresses(const std::vector<SocketAddress>& reported) {
  std::vector<SocketAddress> out;
  for (const auto& a : reported) {
    if (out.size() >= limits::kMaxHostAddresses) break;
    if (!usable(a)) continue;
    if (std::find(out.begin(), out.end(), a) != out.end()) continue;
    out.push_back(a);
  }
  return out;
}

Registry::Registry(const SipKey& hash_key, std::size_t max_peers)
    : max_peers_(max_peers), by_peer_(16, PeerIdHash{hash_key}) {}

Result<void> Registry::add(TimePoint now, SessionHandle session, const PeerId& peer_id, ProfileKind profile,
                           const SocketAddress& reflexive) {
  auto it = by_session_.find(session);
  if (it == by_session_.end() && by_session_.size() >= max_peers_)
    return fail(Errc::limit_exceeded, "registry full (" + std::to_string(max_peers_) + " peers)");
  if (it != by_session_.end() && it->second.peer_id != peer_id) {
    auto old = by_peer_.find(it->second.peer_id);
    if (old != by_peer_.end() && old->second == session) by_peer_.erase(old);
  }
  PeerRecord& r = by_session_[session];
  r.peer_id = peer_id;
  r.session = session;
  r.profile = profile;
  index_reflexive(r, reflexive);
  r.registered_at = now;
  by_peer_[peer_id] = session;
  return {};
}

Result<void> Registry::set_host_addresses(SessionHandle session, const std::vector<SocketAddress>& reported) {
  auto it = by_session_.find(session);
  if (it == by_session_.end()) return fail(Errc::not_found, "session has not registered");
  it->second.host_addresses = usable_host_addresses(reported);
  return {};
}

void Registry::index_reflexive(PeerRecord& r, const SocketAddress& a) {
  if (auto old = by_reflexive_.find(r.reflexive); old != by_reflexive_.end() && old->second == r.session)
    by_reflexive_.erase(old);
  r.reflexive = a;
  by_reflexive_[a] = r.session;
}

void Registry::update_reflexive(SessionHandle session, const SocketAddress& reflexive) {
  if (auto it = by_session_.find(session); it != by_session_.end()) index_reflexive(it->second, reflexive);
}

void Registry::set_nat(SessionHandle session, const NatProfile& nat) {
  if (auto it = by_session_.find(session); it != by_session_.end()) it->second.nat = nat;
}

void Registry::expect_nat(SessionHandle session, TimePoint due) {
  auto it = by_session_.find(session);
  if (it == by_session_.end() || it->second.nat || it->second.nat_due) return;
  it->second.nat_due = due;
}

const PeerRecord* Registry::find_reflexive(const SocketAddress& reflexive) const {
  auto it = by_reflexive_.find(reflexive);
  return it == by_reflexive_.end() ? nullptr : find_session(it->second);
}

void Registry::remove_session(SessionHandle session) {
  auto it = by_session_.find(session);
  if (it == by_session_.end()) return;
  auto p = by_peer_.find(it->second.peer_id);
  if (p != by_peer_.end() && p->second == session) by_peer_.erase(p);
  if (auto r = by_reflexive_.find(it->second.reflexive); r != by_reflexive_.end() && r->second == session)
    by_reflexive_.erase(r);
  by_session_.erase(it);
}

const PeerRecord* Registry::find(const PeerId& peer_id) const {
  auto p = by_peer_.find(peer_id);
  if (p == by_peer_.end()) return nullptr;
  return find_session(p->second);
}

const PeerRecord* Registry::find_session(SessionHandle session) const {
  auto it = by_session_.find(session);
  return it == by_session_.end() ? nullptr : &it->second;
}

}  // namespace rtmfp::rendezvous
