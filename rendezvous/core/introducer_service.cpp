#include "rendezvous/core/introducer_service.hpp"

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
  // Which path (path_strategy.hpp): the initiator's class is known when it
  // is itself a registered node asking from its registered socket.
  const PeerRecord* target = registry_.find_session(intro->forward_session);
  const PeerRecord* initiator = registry_.find_reflexive(u.from);
  const auto strategy = choose_path(initiator ? initiator->nat : std::nullopt, target ? target->nat : std::nullopt,
                                    relay_.relay != nullptr);
  if (strategy == PathStrategy::relay && target) {
    if (introduce_relayed(now, u, target->session, target->reflexive)) return;
    // No relay ports: direct is all there is.
  }
  // Redirect first, then the FIHello (§3.5.1.6): the initiator's IHellos to
  // the listed addresses then leave about when the FIHello does.
  auto r = endpoint_.send_redirect(now, u.profile, u.tag, u.from, intro->redirect, u.interface);
  auto f = endpoint_.forward_ihello(now, intro->forward_session, u.epd, u.tag, intro->reply_address);
  if (r && f)
    ++stats_.introductions;
  else
    ++stats_.introductions_failed;
  if (strategy == PathStrategy::race && target) {
    ++stats_.races;
    if (pending_.size() >= limits::kMaxPendingRelays) pending_.pop_front();
    pending_.push_back({now + relay_.race_delay, u, target->session, target->reflexive});
  }
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
  if (!pending_.empty()) t = pending_.front().due;  // due times grow with insertion (one race delay)
  if (directory_)
    if (auto d = directory_->next_deadline(); d && (!t || *d < *t)) t = d;
  return t;
}

void IntroducerService::on_deadline(TimePoint now) {
  if (directory_) directory_->on_deadline(now, registry_);
  while (!pending_.empty() && pending_.front().due <= now) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    // The target may have gone meanwhile; then there is nobody to relay to.
    if (registry_.find_session(p.target)) (void)introduce_relayed(now, p.ihello, p.target, p.target_address);
  }
}

}  // namespace rtmfp::rendezvous
