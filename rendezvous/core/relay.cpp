#include "rendezvous/core/relay.hpp"

#include <algorithm>

namespace rtmfp::rendezvous {
namespace {

bool same_ip(const SocketAddress& a, const SocketAddress& b) {
  SocketAddress x = a, y = b;
  x.port = y.port = 0;
  return x == y;
}

}  // namespace

Relay::Relay(RelayConfig config) : config_(config) {
  if (config_.first_port && config_.last_port >= config_.first_port)
    for (std::uint32_t p = config_.last_port + 1u; p-- > config_.first_port;) free_ports_.push_back(static_cast<std::uint16_t>(p));
}

Result<RelayPair> Relay::allocate(TimePoint now, const SocketAddress& a, const SocketAddress& b) {
  if (allocations_.size() >= config_.max_allocations || free_ports_.size() < 2) {
    ++stats_.refused_full;
    return fail(Errc::limit_exceeded, "relay: no ports left");
  }
  Allocation x;
  x.id = next_id_++;
  x.a.expected = a;
  x.b.expected = b;
  x.a.port = free_ports_.back();
  free_ports_.pop_back();
  x.b.port = free_ports_.back();
  free_ports_.pop_back();
  x.created = x.last_active = x.refilled = now;
  x.tokens = static_cast<double>(config_.burst_bytes);
  by_port_[x.a.port] = x.id;
  by_port_[x.b.port] = x.id;
  const RelayPair pair{x.id, x.a.port, x.b.port};
  allocations_.emplace(x.id, std::move(x));
  ++stats_.allocations;
  stats_.active = allocations_.size();
  return pair;
}

RelayResult Relay::on_datagram(TimePoint now, std::uint16_t port, const SocketAddress& from, ByteView datagram) {
  const std::size_t size = datagram.size();
  RelayResult res;
  auto p = by_port_.find(port);
  if (p == by_port_.end()) {
    ++stats_.dropped_unknown_port;
    return res;
  }
  Allocation& x = allocations_.at(p->second);
  if (now >= expiry(x)) {  // due for release; the deadline has not run yet
    ++stats_.dropped_unknown_port;
    return res;
  }
  Side& in = port == x.a.port ? x.a : x.b;
  Side& out = port == x.a.port ? x.b : x.a;
  if (in.latched ? *in.latched != from : !same_ip(in.expected, from)) {
    ++stats_.dropped_stranger;
    return res;
  }
  if (x.bytes + size > config_.max_bytes) {
    ++stats_.dropped_cap;
    return res;
  }
  // Token bucket (rate cap).
  const double elapsed = std::chrono::duration<double>(now - x.refilled).count();
  x.tokens = std::min(static_cast<double>(config_.burst_bytes),
                      x.tokens + elapsed * static_cast<double>(config_.rate_bytes_per_second));
  x.refilled = now;
  if (x.tokens < static_cast<double>(size)) {
    ++stats_.dropped_rate;
    return res;
  }
  x.tokens -= static_cast<double>(size);
  if (!in.latched) {
    in.latched = from;
    if (!in.held.empty()) {  // what the other side sent before we knew where this one is
      res.release = RelayForward{in.port, from};
      res.held = std::move(in.held);
      in.held.clear();
    }
  }
  if (!out.latched && size <= kMaxHeld) out.held.assign(datagram.begin(), datagram.end());
  x.used = true;
  x.last_active = now;
  x.bytes += size;
  ++stats_.datagrams;
  stats_.bytes += size;
  res.forward = RelayForward{out.port, out.latched ? *out.latched : out.expected};
  return res;
}

TimePoint Relay::expiry(const Allocation& x) const {
  TimePoint t = x.created + config_.max_lifetime;
  t = std::min(t, x.used ? x.last_active + config_.idle_lifetime : x.created + config_.unused_lifetime);
  return t;
}

std::optional<TimePoint> Relay::next_deadline() const {
  std::optional<TimePoint> t;
  for (const auto& [id, x] : allocations_) t = t ? std::min(*t, expiry(x)) : expiry(x);
  return t;
}

void Relay::on_deadline(TimePoint now) {
  std::vector<std::uint32_t> due;
  for (const auto& [id, x] : allocations_)
    if (now >= expiry(x)) due.push_back(id);
  for (auto id : due) release(id);
}

void Relay::release(std::uint32_t id) {
  auto it = allocations_.find(id);
  if (it == allocations_.end()) return;
  for (std::uint16_t port : {it->second.a.port, it->second.b.port}) {
    by_port_.erase(port);
    free_ports_.push_back(port);
    released_.push_back(port);
  }
  allocations_.erase(it);
  ++stats_.released;
  stats_.active = allocations_.size();
}

std::optional<std::uint16_t> Relay::poll_released() {
  if (released_.empty()) return std::nullopt;
  const auto p = released_.front();
  released_.pop_front();
  return p;
}

}  // namespace rtmfp::rendezvous
