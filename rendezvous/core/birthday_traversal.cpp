#include "rendezvous/core/birthday_traversal.hpp"

#include <algorithm>

namespace rtmfp::rendezvous {

BirthdayTraversal::BirthdayTraversal(Endpoint& endpoint, SocketPool* pool, std::uint64_t seed)
    : endpoint_(endpoint), pool_(pool), seed_(seed) {}

BirthdayTraversal::~BirthdayTraversal() {
  if (!pool_) return;
  for (auto& r : runs_)
    for (auto i : r.sockets) pool_->close(i);
  for (auto& k : kept_) pool_->close(k.interface);
}

std::size_t BirthdayTraversal::sockets_held() const {
  std::size_t n = kept_.size();
  for (const auto& r : runs_) n += r.sockets.size();
  return n;
}

std::uint64_t BirthdayTraversal::seed_for(const BirthdayOrder& o) const {
  std::uint64_t h = seed_ ^ 0xC2B2AE3D27D4EB4Full;
  for (auto b : o.peer) h = (h ^ b) * 0x100000001B3ull;
  return h ^ (static_cast<std::uint64_t>(o.peer_address.port) << 32);
}

void BirthdayTraversal::on_order(TimePoint now, const BirthdayOrder& order) {
  for (const auto& r : runs_)
    if (r.order.peer == order.peer) return;  // a repeated introduction: the same run
  for (const auto& [peer, ended] : recent_)
    if (peer == order.peer && now < ended + kRerunAfter) return;
  if (endpoint_.find_session_by_peer_id(order.peer)) return;  // open already (the relay, or punching)
  if (!enabled_ || runs_.size() >= kMaxRuns || order.peer_address.port == 0) {
    ++stats_.refused;
    return;
  }
  Run r;
  r.order = order;
  r.started = now;
  r.ends = now + std::min<Duration>(order.plan.max_time, seconds(60));
  ++stats_.runs;
  if (order.hard_side) {
    const std::size_t held = sockets_held();
    const std::size_t room = held < kMaxTotalSockets ? kMaxTotalSockets - held : 0;
    const std::size_t n = std::min<std::size_t>({order.plan.hard_sockets, kMaxSockets, room});
    if (pool_ && n > 0) r.sockets = pool_->open(n, order.peer_address);
    stats_.sockets_opened += r.sockets.size();
    r.next_opener = now;
  } else {
    r.pacer.emplace(order.plan, now, seed_for(order));
  }
  if (!order.initiator) (void)learn_tag(r, now);
  runs_.push_back(std::move(r));
  step(now, runs_.back());
  sweep();
}

// The target's tag: from the RHello it sent for the Forwarded IHello whose
// reply address is the initiator the introducer named.
bool BirthdayTraversal::learn_tag(Run& r, TimePoint now) {
  if (!r.tag.empty()) return true;
  for (auto it = tags_.rbegin(); it != tags_.rend(); ++it) {
    if (it->at + kTagLifetime <= now) break;
    if (it->initiator == r.order.peer_address) {
      r.tag = it->tag;
      r.profile = it->profile;
      return true;
    }
  }
  return false;
}

void BirthdayTraversal::step(TimePoint now, Run& r) {
  if (r.done) return;
  if (now >= r.ends) {
    ++stats_.gave_up;
    finish(now, r, std::nullopt);
    return;
  }
  std::optional<SessionHandle> opening;
  if (r.order.initiator) {
    opening = endpoint_.opening_session_to(r.order.peer);
    r.waiting = !opening;
    if (!opening) return;  // answered already (an RHello came) or gone: the events say which
  } else if (!learn_tag(r, now)) {
    return;  // the Forwarded IHello has not arrived yet
  }
  auto send = [&](const SocketAddress& to, InterfaceId iface) {
    if (opening) return endpoint_.send_opening_ihello(now, *opening, to, iface).has_value();
    return endpoint_.send_introduced_rhello(now, *r.profile, r.tag, to, iface).has_value();
  };
  if (!r.sockets.empty() && r.next_opener <= now) {
    for (auto iface : r.sockets)
      if (send(r.order.peer_address, iface)) ++stats_.openers;
    r.next_opener = now + kOpenerInterval;
  }
  if (r.pacer) {
    while (auto port = r.pacer->next_probe(now)) {
      SocketAddress to = r.order.peer_address;
      to.port = *port;
      if (send(to, kAnyInterface)) ++stats_.probes;
    }
  }
}

void BirthdayTraversal::finish(TimePoint now, Run& r, std::optional<InterfaceId> keep,
                               std::optional<SessionHandle> session) {
  if (recent_.size() >= kMaxRecent) recent_.pop_front();
  recent_.emplace_back(r.order.peer, now);
  for (auto i : r.sockets) {
    if (keep && *keep == i && session) {
      kept_.push_back({*session, i});
      continue;
    }
    if (pool_) pool_->close(i);
  }
  r.sockets.clear();
  if (r.pacer) r.pacer->on_success();
  r.done = true;
}

void BirthdayTraversal::on_event(TimePoint now, const EndpointEvent& event) {
  if (const auto* f = std::get_if<ForwardedIHelloAnswered>(&event)) {
    if (f->tag.empty()) return;
    if (tags_.size() >= kMaxTags) tags_.pop_front();
    tags_.push_back({now, f->initiator, f->profile, f->tag});
    for (auto& r : runs_)
      if (!r.order.initiator && r.tag.empty() && learn_tag(r, now)) step(now, r);
  } else if (const auto* op = std::get_if<SessionOpened>(&event)) {
    for (auto& r : runs_) {
      if (r.done || r.order.peer != op->far_peer_id) continue;
      std::optional<InterfaceId> keep;
      bool direct = false;
      if (r.order.hard_side) {
        if (auto info = endpoint_.session_info(op->session)) {
          auto it = std::find(r.sockets.begin(), r.sockets.end(), info->interface);
          if (it != r.sockets.end()) {
            keep = *it;
            direct = true;
          }
        }
      } else {
        // A probed port of the hard side's IP (not the address the
        // rendezvous saw: plain punching; not the relay: another IP).
        direct = op->peer.ip == r.order.peer_address.ip && op->peer.v6 == r.order.peer_address.v6 &&
                 op->peer.port != r.order.peer_address.port;
      }
      ++(direct ? stats_.direct : stats_.other_path);
      finish(now, r, keep, op->session);
    }
  } else if (const auto* failed = std::get_if<SessionOpenFailed>(&event)) {
    (void)failed;
    // An initiator's opening gave up: nothing left to probe for (a newer
    // opening to the same peer is another order).
    for (auto& r : runs_) {
      if (r.done || !r.order.initiator || endpoint_.opening_session_to(r.order.peer)) continue;
      if (endpoint_.find_session_by_peer_id(r.order.peer)) continue;
      ++stats_.gave_up;
      finish(now, r, std::nullopt);
    }
  } else if (const auto* closed = std::get_if<SessionClosed>(&event)) {
    std::erase_if(kept_, [&](const Kept& k) {
      if (k.session != closed->session) return false;
      if (pool_) pool_->close(k.interface);
      return true;
    });
  }
  sweep();
}

std::optional<TimePoint> BirthdayTraversal::next_deadline() const {
  std::optional<TimePoint> t;
  auto take = [&](std::optional<TimePoint> d) {
    if (d && (!t || *d < *t)) t = d;
  };
  for (const auto& r : runs_) {
    take(r.ends);
    if (r.waiting || (!r.order.initiator && r.tag.empty())) continue;  // waits for an event
    if (!r.sockets.empty()) take(r.next_opener);
    if (r.pacer) take(r.pacer->next_deadline());
  }
  return t;
}

void BirthdayTraversal::sweep() {
  std::erase_if(runs_, [](const Run& x) { return x.done; });
}

void BirthdayTraversal::on_deadline(TimePoint now) {
  for (auto& r : runs_) step(now, r);
  sweep();
}

}  // namespace rtmfp::rendezvous
