#include "tests/sim/network.hpp"

#include <algorithm>

namespace rtmfp::sim {

const char* to_string(TraceKind k) {
  switch (k) {
    case TraceKind::Send: return "send";
    case TraceKind::Deliver: return "deliver";
    case TraceKind::DropLoss: return "drop-loss";
    case TraceKind::DropQueue: return "drop-queue";
    case TraceKind::DropScript: return "drop-script";
    case TraceKind::DropMtu: return "drop-mtu";
    case TraceKind::DropFiltered: return "drop-filtered";
    case TraceKind::NoRoute: return "no-route";
    case TraceKind::Unreachable: return "unreachable";
    case TraceKind::Duplicate: return "duplicate";
  }
  return "?";
}

Network::Network(std::uint64_t seed) : seed_(seed) {}

HostId Network::add_host(Node& node, std::vector<SocketAddress> locals) {
  const HostId id = hosts_.size();
  for (auto& a : locals) by_address_[a] = id;
  Host h;
  h.node = &node;
  h.locals = std::move(locals);
  hosts_.push_back(std::move(h));
  schedule(now_, [this, id] { service(id, false); });
  return id;
}

Pipe& Network::add_pipe(std::string name, PipeConfig config) {
  const std::uint64_t pipe_seed = seed_ ^ (0x9E3779B97F4A7C15ull * ++pipe_seeds_);
  pipes_.push_back(std::make_unique<Pipe>(std::move(name), config, pipe_seed));
  return *pipes_.back();
}

void Network::route(const SocketAddress& from, const SocketAddress& to, std::vector<Pipe*> path) {
  routes_[{ip_of(from), ip_of(to)}] = std::make_shared<const std::vector<Pipe*>>(std::move(path));
}

Network::Link Network::connect(const SocketAddress& a, const SocketAddress& b, PipeConfig config,
                               std::string name) {
  if (name.empty()) name = a.ip_string() + "<->" + b.ip_string();
  Pipe& fwd = add_pipe(name + " >", config);
  Pipe& bwd = add_pipe(name + " <", config);
  route(a, b, {&fwd});
  route(b, a, {&bwd});
  return Link{fwd, bwd};
}

void Network::route_groups(const std::vector<SocketAddress>& group_a,
                           const std::vector<SocketAddress>& group_b, std::vector<Pipe*> a_to_b,
                           std::vector<Pipe*> b_to_a) {
  for (auto& x : group_a)
    for (auto& y : group_b) {
      route(x, y, a_to_b);
      route(y, x, b_to_a);
    }
}

Nat& Network::add_nat(NatConfig config) {
  nats_.push_back(std::make_unique<Nat>(std::move(config)));
  Nat& n = *nats_.back();
  nat_by_ip_[ip_of(n.config().public_ip)] = &n;
  return n;
}

void Network::put_behind(Nat& nat, const SocketAddress& private_ip) { behind_[ip_of(private_ip)] = &nat; }

void Network::schedule(TimePoint t, std::function<void()> fn) {
  events_.push(Event{std::max(t, now_), seq_++, std::move(fn)});
}

void Network::at(TimePoint t, std::function<void()> fn) { schedule(t, std::move(fn)); }

void Network::wake(HostId host) { service(host, false); }

std::optional<TimePoint> Network::next_event_time() const {
  if (events_.empty()) return std::nullopt;
  return events_.top().time;
}

bool Network::step() {
  if (events_.empty()) return false;
  Event ev = std::move(const_cast<Event&>(events_.top()));
  events_.pop();
  now_ = ev.time;
  ++stats_.events;
  ev.fn();
  return true;
}

void Network::run_until(TimePoint t) {
  while (!events_.empty() && events_.top().time <= t) step();
  now_ = std::max(now_, t);
}

bool Network::run_until(const std::function<bool()>& done, TimePoint deadline) {
  if (done()) return true;
  while (!events_.empty() && events_.top().time <= deadline) {
    step();
    if (done()) return true;
  }
  now_ = std::max(now_, deadline);
  return done();
}

void Network::service(HostId id, bool after_deadline) {
  Host& h = hosts_[id];
  std::size_t n = 0;
  for (; n < kMaxBurst; ++n) {
    auto t = h.node->poll_transmit(now_);
    if (!t) break;
    if (t->from.is_unspecified() && !h.locals.empty()) {
      const std::uint16_t port = t->from.port;
      t->from = h.locals.front();
      if (port != 0) t->from.port = port;
    }
    send(std::move(*t));
  }
  if (n == kMaxBurst) ++stats_.burst_cut;

  const auto d = h.node->next_deadline();
  if (!d) {
    ++h.deadline_gen;
    h.scheduled.reset();
    return;
  }
  TimePoint t = *d;
  if (t <= now_) {
    if (after_deadline) {
      ++stats_.stuck;
      if (++h.stuck > kMaxStuckPerHost) {
        ++h.deadline_gen;
        h.scheduled.reset();
        return;
      }
      t = now_ + Duration{1};
    } else {
      t = now_;
    }
  }
  // An earlier pending wake-up is kept: when it fires it finds nothing due
  // and reschedules, so each host has O(1) pending deadline events.
  if (h.scheduled && *h.scheduled <= t) return;
  const std::uint64_t gen = ++h.deadline_gen;
  h.scheduled = t;
  schedule(t, [this, id, gen] { fire_deadline(id, gen); });
}

void Network::fire_deadline(HostId id, std::uint64_t gen) {
  Host& h = hosts_[id];
  if (h.deadline_gen != gen) return;
  h.scheduled.reset();
  const auto d = h.node->next_deadline();
  if (d && *d <= now_) {
    h.node->on_deadline(now_);
    service(id, true);
  } else {
    service(id, false);
  }
}

void Network::send(Datagram d) {
  const IpKey src_ip = ip_of(d.from), dst_ip = ip_of(d.to);
  if (auto it = behind_.find(src_ip); it != behind_.end()) {
    auto dst_nat = behind_.find(dst_ip);
    if (dst_nat == behind_.end() || dst_nat->second != it->second)
      d.from = it->second->outbound(now_, d.from, d.to);
  }
  ++stats_.sent;
  trace(TraceKind::Send, {}, d);
  auto r = routes_.find({ip_of(d.from), dst_ip});
  if (r == routes_.end()) {
    ++stats_.no_route;
    trace(TraceKind::NoRoute, {}, d);
    return;
  }
  if (r->second->empty()) {
    schedule(now_, [this, d = std::move(d)]() mutable { arrive(std::move(d)); });
    return;
  }
  hop(std::move(d), r->second, 0);
}

void Network::hop(Datagram d, std::shared_ptr<const std::vector<Pipe*>> path, std::size_t index) {
  if (index == path->size()) {
    arrive(std::move(d));
    return;
  }
  Pipe* pipe = (*path)[index];
  const Pipe::Admission a = pipe->offer(now_, d);
  switch (a.fate) {
    case Pipe::Fate::Loss: trace(TraceKind::DropLoss, pipe->name(), d); return;
    case Pipe::Fate::Queue: trace(TraceKind::DropQueue, pipe->name(), d); return;
    case Pipe::Fate::Script: trace(TraceKind::DropScript, pipe->name(), d); return;
    case Pipe::Fate::Mtu: trace(TraceKind::DropMtu, pipe->name(), d); return;
    case Pipe::Fate::Admitted: break;
  }
  if (a.copies == 2) trace(TraceKind::Duplicate, pipe->name(), d);
  for (int c = a.copies - 1; c >= 0; --c) {
    Datagram copy = c == 0 ? std::move(d) : d;
    schedule(a.arrival[c], [this, pipe, path, index, dg = std::move(copy)]() mutable {
      pipe->note_delivered(dg.data.size());
      hop(std::move(dg), path, index + 1);
    });
  }
}

void Network::arrive(Datagram d) {
  auto it = by_address_.find(d.to);
  if (it == by_address_.end()) {
    if (auto n = nat_by_ip_.find(ip_of(d.to)); n != nat_by_ip_.end()) {
      auto inside = n->second->inbound(now_, d.to, d.from);
      if (!inside) {
        ++stats_.filtered;
        trace(TraceKind::DropFiltered, n->second->config().name, d);
        return;
      }
      d.to = *inside;
      it = by_address_.find(d.to);
    }
  }
  if (it == by_address_.end()) {
    ++stats_.unreachable;
    trace(TraceKind::Unreachable, {}, d);
    return;
  }
  ++stats_.delivered;
  trace(TraceKind::Deliver, {}, d);
  const HostId id = it->second;
  hosts_[id].node->on_datagram(now_, d.to, d.from, d.data);
  service(id, false);
}

}  // namespace rtmfp::sim
