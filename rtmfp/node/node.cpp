#include "rtmfp/node/node.hpp"

#include <algorithm>
#include <variant>

namespace rtmfp::node {

Node::Node(Endpoint& endpoint) : endpoint_(&endpoint) {}

Node::Node(std::unique_ptr<Endpoint> endpoint) : owned_(std::move(endpoint)), endpoint_(owned_.get()) {}

Result<void> Node::add_service(Service& service) {
  if (services_.size() >= kMaxServices) return fail(Errc::limit_exceeded, "too many services on one node");
  auto sigs = service.signatures();
  for (const auto& s : sigs) {
    if (s.empty()) return fail(Errc::invalid_argument, std::string(service.name()) + ": empty flow signature");
    for (const auto& c : claims_)
      if (c.prefix == s)
        return fail(Errc::invalid_argument, std::string(service.name()) + ": flow signature already claimed by " +
                                                std::string(c.service->name()));
  }
  for (auto& s : sigs) claims_.push_back(Claim{std::move(s), &service});
  services_.push_back(&service);
  interests_.push_back(service.interests());
  return {};
}

void Node::start(TimePoint now) {
  for (auto* s : services_) s->on_start(now);
}

std::optional<TimePoint> Node::next_deadline() const {
  std::optional<TimePoint> next = endpoint_->next_deadline();
  for (const auto* s : services_) next = earliest(next, s->next_deadline());
  return next;
}

void Node::on_deadline(TimePoint now) {
  if (auto d = endpoint_->next_deadline(); d && *d <= now) endpoint_->on_deadline(now);
  for (auto* s : services_)
    if (auto d = s->next_deadline(); d && *d <= now) s->on_deadline(now);
}

void Node::poll_services(TimePoint now) {
  for (auto* s : services_) s->on_poll(now);
}

std::size_t Node::pump(TimePoint now) {
  poll_services(now);
  return route_events(now);
}

std::size_t Node::route_events(TimePoint now) {
  std::size_t n = 0;
  while (auto e = endpoint_->poll_event()) {
    ++n;
    ++stats_.events;
    route(now, *e);
  }
  return n;
}

void Node::shutdown(TimePoint now) {
  if (shutting_down_) return;
  shutting_down_ = true;
  for (auto* s : services_) s->on_shutdown(now);
  endpoint_->shutdown(now);
}

Service* Node::owner(SessionHandle session, FlowId flow) const {
  auto it = flows_.find({session, flow});
  return it == flows_.end() ? nullptr : it->second;
}

Service* Node::claimant(ByteView metadata) const {
  Service* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& c : claims_) {
    if (c.prefix.size() > metadata.size() || c.prefix.size() <= best_len) continue;
    if (std::equal(c.prefix.begin(), c.prefix.end(), metadata.begin())) {
      best = c.service;
      best_len = c.prefix.size();
    }
  }
  return best;
}

template <class Pred>
std::size_t Node::broadcast(TimePoint now, const EndpointEvent& e, Pred wants) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < services_.size(); ++i) {
    if (!wants(interests_[i])) continue;
    ++n;
    if (services_[i]->on_event(now, e)) break;
  }
  return n;
}

void Node::on_incoming(TimePoint now, const FlowIncoming& in, const EndpointEvent& e) {
  Service* s = claimant(in.metadata);
  if (!s) {
    ++stats_.flows_unclaimed;
    (void)endpoint_->reject_flow(now, in.session, in.flow, kUnclaimedFlowCode);
    return;
  }
  ++stats_.flows_claimed;
  flows_[{in.session, in.flow}] = s;
  (void)s->on_event(now, e);
}

void Node::to_flow_owner(TimePoint now, SessionHandle session, FlowId flow, const EndpointEvent& e, bool last) {
  auto it = flows_.find({session, flow});
  if (it == flows_.end()) {
    ++stats_.flow_events_orphaned;
    return;
  }
  Service* s = it->second;
  if (last) flows_.erase(it);
  (void)s->on_event(now, e);
}

void Node::route(TimePoint now, const EndpointEvent& e) {
  if (const auto* in = std::get_if<FlowIncoming>(&e)) return on_incoming(now, *in, e);
  if (const auto* m = std::get_if<FlowMessage>(&e)) return to_flow_owner(now, m->session, m->flow, e, false);
  if (const auto* f = std::get_if<FlowFinished>(&e)) return to_flow_owner(now, f->session, f->flow, e, true);
  if (std::holds_alternative<UnmatchedIHello>(e)) {
    if (!broadcast(now, e, [](const Interests& i) { return i.unmatched_ihellos; }))
      ++stats_.unmatched_ihellos_unwanted;
    return;
  }
  if (std::holds_alternative<ProbeRedirect>(e) || std::holds_alternative<ProbeLoopedBack>(e)) {
    broadcast(now, e, [](const Interests& i) { return i.probe_replies; });
    return;
  }
  if (std::holds_alternative<PingReplied>(e)) {
    broadcast(now, e, [](const Interests& i) { return i.pings; });
    return;
  }
  if (std::holds_alternative<FlowRejected>(e)) {
    broadcast(now, e, [](const Interests& i) { return i.rejected_flows; });
    return;
  }
  // Session events.
  broadcast(now, e, [](const Interests& i) { return i.sessions; });
  if (const auto* c = std::get_if<SessionClosed>(&e)) {
    auto first = flows_.lower_bound({c->session, 0});
    auto last = first;
    while (last != flows_.end() && last->first.first == c->session) ++last;
    flows_.erase(first, last);
  }
}

}  // namespace rtmfp::node
