#include "rendezvous/core/introducer_service.hpp"

namespace rtmfp::rendezvous {

IntroducerService::IntroducerService(Endpoint& endpoint, const SipKey& hash_key, std::size_t max_peers)
    : endpoint_(endpoint), registry_(hash_key, max_peers) {}

bool IntroducerService::on_event(TimePoint now, const EndpointEvent& event) {
  if (const auto* o = std::get_if<SessionOpened>(&event)) {
    if (!o->initiator) {
      if (registry_.add(now, o->session, o->far_peer_id, o->profile, o->peer))
        ++stats_.registrations;
      else
        ++stats_.registrations_refused;
    }
    return false;
  }
  if (const auto* c = std::get_if<SessionClosed>(&event)) {
    registry_.remove_session(c->session);
    return false;
  }
  if (const auto* m = std::get_if<SessionAddressChanged>(&event)) {
    registry_.update_reflexive(m->session, m->to);
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
  if (!intro) return;  // refusals are counted by the Introducer; unknown peers stay silent
  // Redirect first, then the FIHello (§3.5.1.6): the initiator's IHellos to
  // the listed addresses then leave about when the FIHello does.
  auto r = endpoint_.send_redirect(now, u.profile, u.tag, u.from, intro->redirect, u.interface);
  auto f = endpoint_.forward_ihello(now, intro->forward_session, u.epd, u.tag, intro->reply_address);
  if (r && f)
    ++stats_.introductions;
  else
    ++stats_.introductions_failed;
}

}  // namespace rtmfp::rendezvous
