#include "rendezvous/core/introducer_service.hpp"

#include "rtmfp/core/params.hpp"

namespace rtmfp::rendezvous {

IntroducerService::IntroducerService(Endpoint& endpoint, const SipKey& hash_key, std::size_t max_peers)
    : endpoint_(endpoint), registry_(hash_key, max_peers) {}

bool IntroducerService::on_event(TimePoint now, const EndpointEvent& event) {
  if (const auto* o = std::get_if<SessionOpened>(&event)) {
    if (!o->initiator) {
      if (registry_.add(now, o->session, o->far_peer_id, o->profile, o->peer)) {
        ++stats_.registrations;
        if (directory_)
          if (const PeerRecord* r = registry_.find_session(o->session)) directory_->local_registered(now, *r);
      } else {
        ++stats_.registrations_refused;
      }
    }
    return false;
  }
  if (const auto* c = std::get_if<SessionClosed>(&event)) {
    std::optional<PeerId> peer;
    if (const PeerRecord* r = registry_.find_session(c->session)) peer = r->peer_id;
    registry_.remove_session(c->session);
    // Only when no other session of this instance holds the peer ID (a node
    // that re-registered here keeps its entry).
    if (directory_ && peer && !registry_.find(*peer)) directory_->local_removed(now, *peer);
    return false;
  }
  if (const auto* m = std::get_if<SessionAddressChanged>(&event)) {
    registry_.update_reflexive(m->session, m->to);
    if (directory_)
      if (const PeerRecord* r = registry_.find_session(m->session)) directory_->local_registered(now, *r);
    return false;
  }
  if (const auto* u = std::get_if<UnmatchedIHello>(&event)) {
    introduce(now, *u);
    return true;
  }
  return false;
}

void IntroducerService::introduce(TimePoint now, const UnmatchedIHello& u) {
  // The initiator's retransmission of an IHello that waits for a class:
  // it goes when the first does.
  for (const auto& h : held_)
    if (h.ihello.from == u.from && h.ihello.tag == u.tag) {
      ++stats_.held_repeats;
      return;
    }
  IntroductionRequest q;
  q.profile = u.profile;
  q.epd = u.epd;
  q.tag = u.tag;
  q.from = u.from;
  if (CryptoProfile* p = endpoint_.profile(u.profile)) {
    if (auto info = p->describe_epd(u.epd)) q.target = info->peer_id;
  }
  auto intro = introducer_.introduce(now, q, registry_);
  if (!intro) {
    // Not registered here: another instance may hold it (issue 12 §4).
    if (intro.error() == Refusal::unknown_peer && directory_ && q.target)
      if (auto to = directory_->resolve(now, u, *q.target)) send_directory_redirect(now, u, *to);
    return;  // refusals are counted by the Introducer; unknown peers stay silent
  }
  // A class still on its way (a node that has just registered): wait for it.
  if (auto until = class_due(now, registry_.find_reflexive(u.from), registry_.find_session(intro->forward_session))) {
    if (held_.size() < limits::kMaxHeldIntroductions) {
      ++stats_.held;
      held_.push_back({*until, u, std::move(*intro)});
      return;
    }
    ++stats_.held_overflow;
  }
  carry_out(now, u, *intro);
}

std::optional<TimePoint> IntroducerService::class_due(TimePoint now, const PeerRecord* initiator,
                                                      const PeerRecord* target) const {
  // Only when the wait can change the plan: each side known or announced
  // (an unregistered initiator, a probe, stays unknown: the race anyway).
  std::optional<TimePoint> until;
  for (const PeerRecord* r : {initiator, target}) {
    if (!r) return std::nullopt;
    if (r->nat) continue;
    if (!r->nat_pending(now)) return std::nullopt;
    if (!until || *r->nat_due > *until) until = r->nat_due;
  }
  return until;
}

void IntroducerService::nat_reported(TimePoint now, SessionHandle session, const NatProfile& nat) {
  registry_.set_nat(session, nat);
  if (!held_.empty()) release_held(now);
}

void IntroducerService::release_held(TimePoint now) {
  // Those whose classes are all in, or whose wait is over; in arrival order.
  // One pass (held_ is bounded by limits::kMaxHeldIntroductions).
  std::vector<Held> go, keep;
  for (auto& h : held_) {
    const PeerRecord* target = registry_.find_session(h.intro.forward_session);
    if (!target) continue;  // the target left: nobody to introduce to
    const bool expired = now >= h.until;
    if (expired || !class_due(now, registry_.find_reflexive(h.ihello.from), target)) {
      if (expired) ++stats_.held_expired;
      go.push_back(std::move(h));
    } else {
      keep.push_back(std::move(h));
    }
  }
  held_ = std::move(keep);
  for (const auto& h : go) carry_out(now, h.ihello, h.intro);
}

void IntroducerService::carry_out(TimePoint now, const UnmatchedIHello& u, const Introduction& introduction) {
  const Introduction* intro = &introduction;
  // Which path (path_strategy.hpp): the initiator's class is known when it
  // is itself a registered node asking from its registered socket.
  const PeerRecord* target = registry_.find_session(intro->forward_session);
  const PeerRecord* initiator = registry_.find_reflexive(u.from);
  const auto plan = plan_traversal(initiator ? initiator->nat : std::nullopt, target ? target->nat : std::nullopt,
                                   relay_.relay != nullptr);
  // Port prediction (port_prediction.hpp): the hard side's next ports.
  std::vector<std::uint16_t> predicted;
  if (plan.strategy == PathStrategy::predict && target && prediction_) {
    const PeerRecord* hard = plan.hard == HardSide::initiator ? initiator : target;
    const SocketAddress seen = plan.hard == HardSide::initiator ? u.from : target->reflexive;
    if (hard && hard->nat) predicted = predicted_ports(*hard->nat, seen.port);
  }
  if (target) tell(now, u, initiator, *target, plan, predicted);
  if (plan.relay_now && target) {
    if (introduce_relayed(now, u, target->session, target->reflexive)) return;
    // No relay ports: direct is all there is.
  }
  // Direct asked for again, late: punching has not opened (or lost its
  // packets); it is introduced again below, and the relay joins beside it.
  const bool fallback =
      plan.strategy == PathStrategy::direct && relay_.relay && target && direct_repeat(now, u, target->session);
  // Redirect first, then the FIHello (§3.5.1.6): the initiator's IHellos to
  // the listed addresses then leave about when the FIHello does.
  std::vector<wire::WireAddress> redirect = intro->redirect;
  std::vector<wire::WireAddress> replies{intro->reply_address};
  if (!predicted.empty()) {
    ++stats_.predicted;
    if (plan.hard == HardSide::target) {
      // The initiator opens its filter toward each predicted port of the
      // target: its IHellos go there too (unknown origin: a guess, §2.1.5).
      for (auto port : predicted) {
        if (redirect.size() >= params::kRedirectThreshold) break;
        SocketAddress a = target->reflexive;
        a.port = port;
        redirect.push_back({a, wire::AddressOrigin::unknown});
      }
    } else {
      // The target opens its filter toward each predicted port of the
      // initiator: one Forwarded IHello per guess (its RHello goes to each).
      for (auto port : predicted) {
        SocketAddress a = u.from;
        a.port = port;
        replies.push_back({a, wire::AddressOrigin::unknown});
      }
    }
  }
  if (plan.strategy == PathStrategy::birthday) ++stats_.birthday;
  auto r = endpoint_.send_redirect(now, u.profile, u.tag, u.from, redirect, u.interface);
  bool f = true;
  for (const auto& reply : replies)
    f = endpoint_.forward_ihello(now, intro->forward_session, u.epd, u.tag, reply).has_value() && f;
  if (r && f)
    ++stats_.introductions;
  else
    ++stats_.introductions_failed;
  if (fallback) {
    ++stats_.direct_fallbacks;
    (void)introduce_relayed(now, u, target->session, target->reflexive);
  }
  if (plan.relay_later && target) {
    ++stats_.races;
    const bool birthday = plan.strategy == PathStrategy::birthday;
    auto& queue = pending_[birthday ? 1 : 0];
    if (queue.size() >= limits::kMaxPendingRelays) queue.pop_front();
    queue.push_back({now + (birthday ? relay_.birthday_race_delay : relay_.race_delay), u, target->session,
                     target->reflexive});
  }
}

bool IntroducerService::direct_repeat(TimePoint now, const UnmatchedIHello& u, SessionHandle target) {
  std::string key = u.from.to_string();
  key.push_back('/');
  key.append(u.tag.begin(), u.tag.end());
  key.push_back('/');
  key += std::to_string(target);
  while (!direct_order_.empty() && (direct_order_.front().second + limits::kDirectMemory <= now ||
                                    direct_order_.size() >= limits::kMaxPendingRelays)) {
    auto it = directs_.find(direct_order_.front().first);
    if (it != directs_.end() && it->second == direct_order_.front().second) directs_.erase(it);
    direct_order_.pop_front();
  }
  if (auto it = directs_.find(key); it != directs_.end()) {
    if (now - it->second < limits::kDirectFallbackAfter) return false;  // a copy, not a retry
    directs_.erase(it);  // once: the relay is in
    return true;
  }
  directs_[key] = now;
  direct_order_.emplace_back(std::move(key), now);
  return false;
}

void IntroducerService::tell(TimePoint now, const UnmatchedIHello& u, const PeerRecord* initiator,
                             const PeerRecord& target, const TraversalPlan& plan,
                             const std::vector<std::uint16_t>& predicted) {
  if (!notice_sink_) return;
  IntroductionNotice n;
  n.plan = plan;
  n.predicted_ports = predicted;
  if (plan.strategy == PathStrategy::birthday) n.birthday = BirthdayPlan{};
  // The target: the initiator is at u.from.
  n.session = target.session;
  n.initiator = false;
  if (initiator) n.peer = initiator->peer_id;
  n.peer_address = u.from;
  n.own_nat = target.nat;
  n.peer_nat = initiator ? initiator->nat : std::nullopt;
  n.hard_side = plan.hard == HardSide::target;
  ++stats_.notices;
  notice_sink_(now, n);
  if (!initiator || initiator->session == target.session) return;
  // The initiator, when it is a registered node.
  n.session = initiator->session;
  n.initiator = true;
  n.peer = target.peer_id;
  n.peer_address = target.reflexive;
  n.own_nat = initiator->nat;
  n.peer_nat = target.nat;
  n.hard_side = plan.hard == HardSide::initiator;
  ++stats_.notices;
  notice_sink_(now, n);
}

bool IntroducerService::introduce_relayed(TimePoint now, const UnmatchedIHello& u, SessionHandle target,
                                          const SocketAddress& target_address) {
  const auto& ip = u.from.v6 ? relay_.ipv6 : relay_.ipv4;
  if (!relay_.relay || !ip || target_address.v6 != u.from.v6) {
    ++stats_.relay_refused;
    return false;
  }
  auto pair = relay_.relay->allocate(now, u.from, target_address);
  if (!pair) {
    ++stats_.relay_refused;
    return false;
  }
  // To the initiator the target is at (relay, port_a); to the target the
  // initiator is at (relay, port_b) (relay.hpp). Origin "relay" (§2.1.5).
  SocketAddress to_target = *ip, to_initiator = *ip;
  to_target.port = pair->port_a;
  to_initiator.port = pair->port_b;
  const wire::WireAddress redirect{to_target, wire::AddressOrigin::relay};
  auto r = endpoint_.send_redirect(now, u.profile, u.tag, u.from, std::span(&redirect, 1), u.interface);
  auto f = endpoint_.forward_ihello(now, target, u.epd, u.tag, {to_initiator, wire::AddressOrigin::relay});
  if (r && f) {
    ++stats_.introductions;
    ++stats_.relayed;
  } else {
    ++stats_.introductions_failed;
  }
  return true;
}

void IntroducerService::send_directory_redirect(TimePoint now, const UnmatchedIHello& u,
                                               const std::vector<wire::WireAddress>& to) {
  // §3.5.1.4: a Redirector answers with addresses where the target may be
  // found; the initiator adds them to its candidates and sends its IHello
  // there, where the owning instance introduces it (§3.5.1.6).
  if (endpoint_.send_redirect(now, u.profile, u.tag, u.from, to, u.interface))
    ++stats_.directory_redirects;
  else
    ++stats_.introductions_failed;
}

void IntroducerService::on_directory_result(TimePoint now, const DirectoryLookupResult& result) {
  if (!directory_) return;
  for (const auto& r : directory_->on_lookup_result(now, result)) send_directory_redirect(now, r.ihello, r.addresses);
}

std::optional<TimePoint> IntroducerService::next_deadline() const {
  std::optional<TimePoint> t;
  for (const auto& h : held_)
    if (!t || h.until < *t) t = h.until;
  for (const auto& queue : pending_)  // due times grow with insertion (one delay per queue)
    if (!queue.empty() && (!t || queue.front().due < *t)) t = queue.front().due;
  if (directory_)
    if (auto d = directory_->next_deadline(); d && (!t || *d < *t)) t = d;
  return t;
}

void IntroducerService::on_deadline(TimePoint now) {
  if (directory_) directory_->on_deadline(now, registry_);
  if (!held_.empty()) release_held(now);
  for (auto& queue : pending_) {
    while (!queue.empty() && queue.front().due <= now) {
      Pending p = std::move(queue.front());
      queue.pop_front();
      // The target may have gone meanwhile; then there is nobody to relay to.
      if (registry_.find_session(p.target)) (void)introduce_relayed(now, p.ihello, p.target, p.target_address);
    }
  }
}

}  // namespace rtmfp::rendezvous
