#include "rtmfp/group/service/group_service.hpp"

#include <algorithm>
#include <cstring>

namespace rtmfp::group {

namespace {
// RFC 7016 §3.6.3.7: application-defined exception code for a refused flow.
constexpr std::uint64_t kRefused = 1;

int priority(SendKind k) {
  switch (k) {
    case SendKind::control: return 3;
    case SendKind::signal: return 2;
    case SendKind::push: return 1;
    case SendKind::pull_answer: return 0;
  }
  return 0;
}

// Start-by / finish-by deadlines of a lossy message (RFC 7016 §3.6.2:
// abandoned when missed). Maps and requests are worth little once late; a
// fragment is still useful to playout for its 2 s budget.
struct Deadlines {
  std::optional<Duration> start, finish;
};
Deadlines deadlines(SendKind k) {
  switch (k) {
    case SendKind::control: return {};
    case SendKind::signal: return {milliseconds(300), milliseconds(600)};
    case SendKind::push: return {milliseconds(800), milliseconds(1500)};
    case SendKind::pull_answer: return {milliseconds(600), milliseconds(1200)};
  }
  return {};
}
}  // namespace

Bytes group_flow_metadata(const GroupId& group, SendKind kind) {
  Bytes m(kGroupSignature.begin(), kGroupSignature.end());
  m.insert(m.end(), group.begin(), group.end());
  m.push_back(static_cast<std::uint8_t>(kind));
  return m;
}

std::optional<GroupFlowTag> parse_group_flow_metadata(ByteView metadata) {
  const std::size_t n = kGroupSignature.size();
  if (metadata.size() != n + 32 + 1) return std::nullopt;
  if (std::memcmp(metadata.data(), kGroupSignature.data(), n) != 0) return std::nullopt;
  GroupFlowTag t;
  std::memcpy(t.group.data(), metadata.data() + n, 32);
  const std::uint8_t k = metadata[n + 32];
  if (k > static_cast<std::uint8_t>(SendKind::pull_answer)) return std::nullopt;
  t.kind = static_cast<SendKind>(k);
  return t;
}

flow::ReceiveOrder group_receive_order(ByteView metadata) {
  auto t = parse_group_flow_metadata(metadata);
  return t && t->kind != SendKind::control ? flow::ReceiveOrder::network_arrival
                                           : flow::ReceiveOrder::original_queuing;
}

GroupService::GroupService(Endpoint& endpoint, RandomSource& random, ProfileKind profile,
                           std::vector<SocketAddress> introducer)
    : endpoint_(endpoint), random_(random), profile_(profile), introducer_(std::move(introducer)) {}

GroupService::~GroupService() = default;

std::vector<Bytes> GroupService::signatures() const { return {Bytes(kGroupSignature.begin(), kGroupSignature.end())}; }

Result<GroupMember*> GroupService::add_group(TimePoint now, const GroupId& group, Role role, const Authenticator& auth,
                                             const GroupConfig& config) {
  if (groups_.count(group)) return fail(Errc::bad_state, "group already joined");
  if (groups_.size() >= kMaxGroups) return fail(Errc::limit_exceeded, "too many groups on one node");
  PeerId self{};
  if (auto* p = endpoint_.profile(profile_)) self = p->local_peer_id();
  Hosted h;
  h.member = std::make_unique<GroupMember>(self, group, role, auth, random_, config);
  h.member->tick(now);
  auto* m = h.member.get();
  groups_.emplace(group, std::move(h));
  return m;
}

void GroupService::remove_group(TimePoint now, const GroupId& group) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return;
  it->second.member->leave(now);
  run_actions(now, group, it->second);
  std::vector<MemberId> peers;
  for (const auto& [p, l] : it->second.links) peers.push_back(p);
  for (const auto& p : peers) disconnect(now, group, it->second, p, false);
  groups_.erase(it);
}

GroupPaths GroupService::paths(const GroupId& group) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? GroupPaths{} : it->second.paths;
}

GroupMember* GroupService::member(const GroupId& group) {
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : it->second.member.get();
}

void GroupService::add_members(TimePoint now, const GroupId& group, const std::vector<MemberId>& ids) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return;
  it->second.member->add_members(now, ids);
  run_actions(now, group, it->second);
}

Result<void> GroupService::publish(TimePoint now, const GroupId& group, const MediaFrame& frame) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return fail(Errc::bad_state, "group not joined");
  auto r = it->second.member->publish(now, frame);
  run_actions(now, group, it->second);
  return r;
}

void GroupService::flush(TimePoint now) {
  for (auto& [gid, h] : groups_) run_actions(now, gid, h);
}

std::optional<TimePoint> GroupService::next_deadline() const {
  std::optional<TimePoint> d;
  for (const auto& [gid, h] : groups_) d = earliest(d, h.member->next_deadline());
  return d;
}

// The member's upload wait (GroupMember::set_upload_wait): what its links'
// sending flows hold ahead of a new push (control, signal, push) and of a
// new pull answer (all four), at the rate the sessions drain them (each
// session's congestion window per smoothed round trip), summed over the
// links: the node's uplink is what they share.
void GroupService::report_upload(TimePoint now, Hosted& h) {
  std::uint64_t ahead_of_push = 0, answers = 0;
  double rate = 0;  // bytes/s
  for (const auto& [peer, link] : h.links) {
    if (!link.up || !link.session) continue;
    const flow::FlowSet* fs = endpoint_.flows(*link.session);
    if (!fs) continue;
    const double rtt_s = std::chrono::duration<double>(fs->rtt().srtt().value_or(milliseconds(100))).count();
    rate += double(fs->congestion().congestion_window()) / std::max(rtt_s, 0.001);
    for (std::size_t k = 0; k < link.out.size(); ++k) {
      if (!link.out[k]) continue;
      const std::uint64_t b = endpoint_.buffered(*link.session, *link.out[k]).value_or(0);
      (k == static_cast<std::size_t>(SendKind::pull_answer) ? answers : ahead_of_push) += b;
    }
  }
  if (rate <= 0) {
    h.member->set_upload_wait(now, Duration{}, Duration{});
    return;
  }
  const auto wait = [&](std::uint64_t bytes) {
    return Duration(static_cast<std::int64_t>(double(bytes) / rate * 1e6));
  };
  h.member->set_upload_wait(now, wait(ahead_of_push), wait(ahead_of_push + answers));
}

void GroupService::on_deadline(TimePoint now) {
  for (auto& [gid, h] : groups_) {
    auto d = h.member->next_deadline();
    if (d && *d <= now) {
      report_upload(now, h);
      h.member->tick(now);
      run_actions(now, gid, h);
    }
  }
}

void GroupService::on_shutdown(TimePoint now) {
  shutting_down_ = true;
  for (auto& [gid, h] : groups_) {
    h.member->leave(now);
    run_actions(now, gid, h);
  }
}

void GroupService::set_frames_handler(FramesHandler handler) { on_frames_ = std::move(handler); }

void GroupService::run_actions(TimePoint now, const GroupId& gid, Hosted& h) {
  // Actions can cause actions (a link that is already up answers at once);
  // bounded rounds, the rest at the next call.
  for (int round = 0; round < 8; ++round) {
    auto actions = h.member->take_actions();
    if (actions.empty()) break;
    for (auto& a : actions) {
      if (auto* s = std::get_if<SendAction>(&a)) {
        send(now, gid, h, *s);
      } else if (auto* c = std::get_if<ConnectAction>(&a)) {
        if (!shutting_down_) connect(now, gid, h, c->to);
      } else if (auto* d = std::get_if<DisconnectAction>(&a)) {
        disconnect(now, gid, h, d->to, false);
      }
    }
  }
  auto frames = h.member->take_frames();
  if (!frames.empty() && on_frames_) on_frames_(gid, std::move(frames));
}

std::optional<SessionHandle> GroupService::session_of(const MemberId& peer) const {
  std::optional<SessionHandle> best;
  for (const auto& [s, info] : sessions_)
    if (info.peer == peer) best = s;  // the newest (handles grow)
  return best;
}

bool GroupService::session_in_use(const MemberId& peer) const {
  for (const auto& [gid, h] : groups_)
    if (h.links.count(peer) || h.connecting.count(peer)) return true;
  return false;
}

void GroupService::send(TimePoint now, const GroupId& gid, Hosted& h, const SendAction& a) {
  auto s = session_of(a.to);
  auto l = h.links.find(a.to);
  if (!s || l == h.links.end()) {
    ++stats_.send_dropped;
    return;
  }
  PeerLink& link = l->second;
  if (link.session != *s) {  // a new session to the peer: its flows are new too
    link.out = {};
    link.session = *s;
  }
  const auto k = static_cast<std::size_t>(a.kind);
  if (!link.out[k]) {
    flow::FlowOptions fo;
    fo.priority = priority(a.kind);
    fo.time_critical = a.kind == SendKind::push || a.kind == SendKind::pull_answer;
    const Bytes md = group_flow_metadata(gid, a.kind);
    auto f = endpoint_.open_flow(now, *s, md, std::nullopt, fo);
    if (!f) {
      ++stats_.send_dropped;
      return;
    }
    link.out[k] = *f;
  }
  const std::uint64_t bound = a.kind == SendKind::control ? kMaxControlQueue : kMaxMediaQueue;
  auto queued = endpoint_.buffered(*s, *link.out[k]);
  if (!queued || *queued + a.message.size() > bound) {
    ++stats_.send_dropped;
    return;
  }
  const Deadlines d = deadlines(a.kind);
  if (!endpoint_.write(now, *s, *link.out[k], a.message, d.start, d.finish)) {
    ++stats_.send_dropped;
    return;
  }
  ++stats_.messages_sent;
}

void GroupService::connect(TimePoint now, const GroupId& gid, Hosted& h, const MemberId& peer) {
  if (h.links.count(peer) && h.links[peer].up) return;
  if (session_of(peer)) {
    link_up(now, gid, h, peer);
    return;
  }
  h.connecting.insert(peer);
  for (const auto& [s, p] : opening_)
    if (p == peer) return;  // already on its way
  if (introducer_.empty()) return;
  ConnectRequest req;
  req.profile = profile_;
  req.epd.peer_id = peer;  // an introduction: the EPD names the peer only
  req.candidates = introducer_;
  auto s = endpoint_.connect(now, req);
  ++stats_.connects;
  if (!s) {
    ++stats_.connect_failures;
    h.connecting.erase(peer);
    return;
  }
  opening_[*s] = peer;
}

void GroupService::disconnect(TimePoint now, const GroupId&, Hosted& h, const MemberId& peer, bool) {
  h.connecting.erase(peer);
  auto l = h.links.find(peer);
  if (l != h.links.end()) {
    if (l->second.session)
      for (auto& f : l->second.out)
        if (f) (void)endpoint_.close_flow(now, *l->second.session, *f);
    h.links.erase(l);
  }
  if (!session_in_use(peer))
    if (auto s = session_of(peer)) (void)endpoint_.close(now, *s);
}

void GroupService::link_up(TimePoint now, const GroupId& gid, Hosted& h, const MemberId& peer) {
  h.connecting.erase(peer);
  PeerLink& l = h.links[peer];
  if (l.up) return;
  l.up = true;
  if (auto sh = session_of(peer); sh && sessions_.at(*sh).relayed)
    ++h.paths.relayed;
  else
    ++h.paths.direct;
  h.member->on_link_up(now, peer);
  run_actions(now, gid, h);
}

void GroupService::session_closed(TimePoint now, SessionHandle s) {
  auto it = sessions_.find(s);
  if (it == sessions_.end()) return;
  const MemberId peer = it->second.peer;
  sessions_.erase(it);
  if (session_of(peer)) return;  // another session to the peer carries on
  for (auto& [gid, h] : groups_) {
    h.connecting.erase(peer);
    auto l = h.links.find(peer);
    if (l == h.links.end()) continue;
    const bool was_up = l->second.up;
    h.links.erase(l);
    if (was_up) {
      h.member->on_link_down(now, peer);
      run_actions(now, gid, h);
    }
  }
}

bool GroupService::on_event(TimePoint now, const EndpointEvent& event) {
  if (const auto* o = std::get_if<SessionOpened>(&event)) {
    MemberId peer = o->far_peer_id;
    auto op = opening_.find(o->session);
    if (op != opening_.end()) {
      if (!o->glare) peer = op->second;
      opening_.erase(op);
    }
    Session& s = sessions_[o->session];
    s.peer = peer;
    s.relayed = o->peer_origin == wire::AddressOrigin::relay ||
                std::find(relayed_replies_.begin(), relayed_replies_.end(), o->peer) != relayed_replies_.end();
    ++stats_.sessions_opened;
    for (auto& [gid, h] : groups_)
      if (h.connecting.count(peer)) link_up(now, gid, h, peer);
    return false;
  }
  if (const auto* a = std::get_if<ForwardedIHelloAnswered>(&event)) {
    if (a->origin == wire::AddressOrigin::relay &&
        std::find(relayed_replies_.begin(), relayed_replies_.end(), a->initiator) == relayed_replies_.end()) {
      if (relayed_replies_.size() >= kMaxRelayedReplies) relayed_replies_.pop_front();
      relayed_replies_.push_back(a->initiator);
    }
    return false;  // (other services want it too)
  }
  if (const auto* f = std::get_if<SessionOpenFailed>(&event)) {
    auto op = opening_.find(f->session);
    if (op == opening_.end()) return false;
    const MemberId peer = op->second;
    opening_.erase(op);
    if (f->existing && sessions_.count(*f->existing)) {
      for (auto& [gid, h] : groups_)
        if (h.connecting.count(peer)) link_up(now, gid, h, peer);
      return true;
    }
    ++stats_.connect_failures;
    for (auto& [gid, h] : groups_) h.connecting.erase(peer);
    return true;
  }
  if (const auto* c = std::get_if<SessionClosed>(&event)) {
    session_closed(now, c->session);
    return false;
  }
  if (const auto* in = std::get_if<FlowIncoming>(&event)) {
    auto tag = parse_group_flow_metadata(in->metadata);
    auto s = sessions_.find(in->session);
    auto g = tag ? groups_.find(tag->group) : groups_.end();
    if (!tag || s == sessions_.end() || g == groups_.end() || shutting_down_) {
      ++stats_.malformed;
      (void)endpoint_.reject_flow(now, in->session, in->flow, kRefused);
      return true;
    }
    s->second.in[in->flow] = tag->group;
    // A member that connected to us: the link is up once it speaks.
    link_up(now, tag->group, g->second, s->second.peer);
    return true;
  }
  if (const auto* m = std::get_if<FlowMessage>(&event)) {
    auto s = sessions_.find(m->session);
    if (s == sessions_.end()) return true;
    auto f = s->second.in.find(m->flow);
    if (f == s->second.in.end()) return true;
    auto g = groups_.find(f->second);
    if (g == groups_.end()) return true;
    ++stats_.messages_received;
    const MemberId peer = s->second.peer;
    g->second.member->on_message(now, peer, m->data);
    run_actions(now, g->first, g->second);
    return true;
  }
  if (const auto* fin = std::get_if<FlowFinished>(&event)) {
    auto s = sessions_.find(fin->session);
    if (s != sessions_.end()) s->second.in.erase(fin->flow);
    return true;
  }
  if (const auto* r = std::get_if<FlowRejected>(&event)) {
    auto s = sessions_.find(r->session);
    if (s == sessions_.end()) return false;
    for (auto& [gid, h] : groups_) {
      auto l = h.links.find(s->second.peer);
      if (l == h.links.end() || l->second.session != r->session) continue;
      for (auto& f : l->second.out)
        if (f && *f == r->flow) {
          f.reset();
          return true;
        }
    }
    return false;
  }
  return false;
}

}  // namespace rtmfp::group
