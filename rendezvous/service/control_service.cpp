#include "rendezvous/service/control_service.hpp"

#include "rendezvous/control/introduction_message.hpp"

namespace rtmfp::rendezvous {

namespace {
bool is_signature(const Bytes& metadata) {
  auto s = control::flow_signature();
  return std::equal(metadata.begin(), metadata.end(), s.begin(), s.end());
}
// RFC 7016 §3.6.3.7: application-defined exception code for a refused flow.
constexpr std::uint64_t kRefused = 1;
}  // namespace

ControlService::ControlService(Endpoint& endpoint, IntroducerService& introducer, Duration keepalive)
    : endpoint_(endpoint), introducer_(introducer), keepalive_(keepalive) {
  introducer_.set_notice_sink([this](TimePoint now, const IntroductionNotice& n) { tell(now, n); });
}

ControlService::~ControlService() { introducer_.set_notice_sink({}); }

void ControlService::tell(TimePoint now, const IntroductionNotice& n) {
  // Only a node with a control channel hears it (a Flash client or a bare
  // session just gets the RFC 7016 messages).
  auto it = channels_.find(n.session);
  if (it == channels_.end()) return;
  control::Introduction m = control::introduction_message(n);
  ++stats_.introductions_told;
  reply(now, n.session, it->second, m);
}

const control::NatReport* ControlService::nat_report(SessionHandle session) const {
  auto it = channels_.find(session);
  return it != channels_.end() && it->second.nat ? &*it->second.nat : nullptr;
}

bool ControlService::on_event(TimePoint now, const EndpointEvent& event) {
  if (const auto* in = std::get_if<FlowIncoming>(&event)) {
    if (!is_signature(in->metadata)) return false;
    if (channels_.count(in->session) || !introducer_.registry().find_session(in->session)) {
      ++stats_.rejected_flows;
      (void)endpoint_.reject_flow(now, in->session, in->flow, kRefused);
      return true;
    }
    auto& ch = channels_[in->session];
    ch.in = in->flow;
    ch.peer = introducer_.registry().find_session(in->session)->peer_id;
    return true;
  }
  if (const auto* m = std::get_if<FlowMessage>(&event)) {
    auto it = channels_.find(m->session);
    if (it == channels_.end() || it->second.in != m->flow) return false;
    auto msg = control::decode(m->data);
    if (!msg) {
      ++stats_.malformed;
      (void)endpoint_.reject_flow(now, m->session, m->flow, kRefused);
      return true;
    }
    handle(now, m->session, it->second, *msg);
    return true;
  }
  if (const auto* f = std::get_if<FlowFinished>(&event)) {
    auto it = channels_.find(f->session);
    if (it == channels_.end() || it->second.in != f->flow) return false;
    if (it->second.out) (void)endpoint_.close_flow(now, f->session, *it->second.out);
    if (groups_ && it->second.peer) groups_->leave_all(*it->second.peer);
    channels_.erase(it);
    return true;
  }
  if (const auto* c = std::get_if<SessionClosed>(&event)) {
    auto it = channels_.find(c->session);
    if (it != channels_.end()) {
      if (groups_ && it->second.peer) groups_->leave_all(*it->second.peer);
      channels_.erase(it);
    }
  }
  return false;
}

void ControlService::handle(TimePoint now, SessionHandle session, Channel& ch, const control::Message& m) {
  const PeerRecord* rec = introducer_.registry().find_session(session);
  if (!rec) return;
  if (const auto* r = std::get_if<control::Registration>(&m)) {
    ++stats_.registrations;
    (void)introducer_.registry().set_host_addresses(session, r->host_addresses);
    // A NatReport follows (its NAT check runs now): introductions of this
    // peer may wait for it, a bounded time (introducer_service.hpp).
    if (r->nat_report_follows) introducer_.registry().expect_nat(session, now + limits::kNatReportWait);
    control::Registered ok;
    ok.request_id = r->request_id;
    ok.reflexive = rec->reflexive;
    ok.keepalive_ms = static_cast<std::uint32_t>(std::chrono::duration_cast<milliseconds>(keepalive_).count());
    ok.peer_id = rec->peer_id;
    reply(now, session, ch, ok);
  } else if (const auto* l = std::get_if<control::Lookup>(&m)) {
    ++stats_.lookups;
    control::LookupResult res;
    res.request_id = l->request_id;
    if (const PeerRecord* t = introducer_.registry().find(l->peer_id)) {
      res.found = true;
      for (const auto& w : redirect_addresses(*t, rec->reflexive)) res.addresses.push_back(w.address);
    }
    reply(now, session, ch, res);
  } else if (const auto* n = std::get_if<control::NatReport>(&m)) {
    ++stats_.nat_reports;
    ch.nat = *n;
    // The introducer chooses paths by it (rendezvous/core/path_strategy.hpp).
    introducer_.nat_reported(now, session, control::profile_of(*n));
  } else if (std::get_if<control::GroupJoin>(&m) || std::get_if<control::GroupLeave>(&m)) {
    handle_group(now, session, ch, rec->peer_id, m);
  } else {
    ++stats_.malformed;  // a message only the rendezvous sends
  }
}

void ControlService::handle_group(TimePoint now, SessionHandle session, Channel& ch, const PeerId& peer,
                                  const control::Message& m) {
  if (const auto* l = std::get_if<control::GroupLeave>(&m)) {
    ++stats_.group_leaves;
    if (groups_) groups_->leave(peer, l->name, l->publisher_key);
    return;
  }
  const auto* j = std::get_if<control::GroupJoin>(&m);
  if (!j) return;
  ++stats_.group_joins;
  if (!groups_) {
    ++stats_.group_refused;
    reply(now, session, ch, control::Failure{j->request_id, "this rendezvous keeps no groups"});
    return;
  }
  auto r = groups_->join(now, peer, j->name, j->publisher_key, j->publisher);
  if (!r) {
    ++stats_.group_refused;
    reply(now, session, ch, control::Failure{j->request_id, r.error().detail});
    return;
  }
  control::GroupMembers out;
  out.request_id = j->request_id;
  out.name = j->name;
  out.publisher_key = r->key;
  out.members = std::move(r->sample);
  if (out.members.size() > control::kMaxGroupSample) out.members.resize(control::kMaxGroupSample);
  out.refresh_ms = static_cast<std::uint32_t>(to_ms(groups_->limits().refresh));
  out.publisher_peer_id = r->publisher;
  reply(now, session, ch, out);
}

void ControlService::reply(TimePoint now, SessionHandle session, Channel& ch, const control::Message& m) {
  if (!ch.out) {
    auto f = endpoint_.open_flow(now, session, control::flow_signature(), ch.in);
    if (!f) return;
    ch.out = *f;
  }
  auto bytes = control::encode(m);
  if (bytes) (void)endpoint_.write(now, session, *ch.out, *bytes);
}

}  // namespace rtmfp::rendezvous
