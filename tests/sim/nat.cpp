#include "tests/sim/nat.hpp"

#include <algorithm>

namespace rtmfp::sim {

namespace {
constexpr std::size_t kMaxPermitted = 64;
bool same_ip(const SocketAddress& a, const SocketAddress& b) { return a.v6 == b.v6 && a.ip == b.ip; }
}  // namespace

const char* to_string(NatType t) {
  switch (t) {
    case NatType::FullCone: return "full-cone";
    case NatType::AddressRestricted: return "address-restricted";
    case NatType::PortRestricted: return "port-restricted";
    case NatType::Symmetric: return "symmetric";
  }
  return "?";
}

const char* to_string(PortAllocationMode m) {
  return m == PortAllocationMode::random ? "random" : "sequential";
}

Nat::Nat(NatConfig config)
    : config_(std::move(config)), next_port_(config_.first_port), random_state_(config_.seed * 0x2545F4914F6CDD1Dull + 1) {
  config_.public_ip.port = 0;
}

void Nat::expire(TimePoint now) {
  auto old = std::remove_if(mappings_.begin(), mappings_.end(), [&](const Mapping& m) {
    return now - m.last_out > config_.mapping_timeout;
  });
  stats_.mappings_expired += static_cast<std::uint64_t>(mappings_.end() - old);
  mappings_.erase(old, mappings_.end());
}

Nat::Mapping* Nat::find(const SocketAddress& private_src, const SocketAddress& remote) {
  for (auto& m : mappings_) {
    if (m.private_src != private_src) continue;
    if (config_.type == NatType::Symmetric && m.remote != remote) continue;
    return &m;
  }
  return nullptr;
}

std::uint16_t Nat::allocate_port() {
  if (config_.allocation == PortAllocationMode::random) {
    for (int tries = 0; tries < 65536; ++tries) {
      std::uint64_t z = (random_state_ += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      const auto p = static_cast<std::uint16_t>(1024 + z % (65536 - 1024));
      bool used = std::any_of(mappings_.begin(), mappings_.end(),
                              [&](const Mapping& m) { return m.public_port == p; });
      if (!used) return p;
    }
    return 0;
  }
  for (int tries = 0; tries < 65536; ++tries) {
    std::uint16_t p = next_port_;
    next_port_ = next_port_ == 65535 ? config_.first_port : static_cast<std::uint16_t>(next_port_ + 1);
    bool used = std::any_of(mappings_.begin(), mappings_.end(),
                            [&](const Mapping& m) { return m.public_port == p; });
    if (!used && p != 0) return p;
  }
  return 0;  // unreachable while max_mappings < port range
}

SocketAddress Nat::outbound(TimePoint now, const SocketAddress& private_src,
                            const SocketAddress& remote) {
  expire(now);
  Mapping* m = find(private_src, remote);
  if (!m) {
    if (mappings_.size() >= config_.max_mappings) {
      auto lru = std::min_element(mappings_.begin(), mappings_.end(),
                                  [](const Mapping& a, const Mapping& b) { return a.last_out < b.last_out; });
      mappings_.erase(lru);
    }
    Mapping fresh;
    fresh.private_src = private_src;
    if (config_.type == NatType::Symmetric) fresh.remote = remote;
    fresh.public_port = allocate_port();
    mappings_.push_back(std::move(fresh));
    m = &mappings_.back();
    ++stats_.mappings_created;
  }
  m->last_out = now;
  if (std::find(m->permitted.begin(), m->permitted.end(), remote) == m->permitted.end()) {
    if (m->permitted.size() >= kMaxPermitted) m->permitted.erase(m->permitted.begin());
    m->permitted.push_back(remote);
  }
  SocketAddress pub = config_.public_ip;
  pub.port = m->public_port;
  return pub;
}

bool Nat::permits(const Mapping& m, const SocketAddress& remote) const {
  switch (config_.type) {
    case NatType::FullCone: return true;
    case NatType::AddressRestricted:
      return std::any_of(m.permitted.begin(), m.permitted.end(),
                         [&](const SocketAddress& p) { return same_ip(p, remote); });
    case NatType::PortRestricted:
    case NatType::Symmetric:
      return std::find(m.permitted.begin(), m.permitted.end(), remote) != m.permitted.end();
  }
  return false;
}

std::optional<SocketAddress> Nat::inbound(TimePoint now, const SocketAddress& public_dst,
                                          const SocketAddress& remote) {
  expire(now);
  if (!same_ip(public_dst, config_.public_ip)) return std::nullopt;
  for (auto& m : mappings_) {
    if (m.public_port != public_dst.port) continue;
    if (!permits(m, remote)) break;
    return m.private_src;
  }
  ++stats_.filtered;
  return std::nullopt;
}

std::optional<SocketAddress> Nat::mapping(TimePoint now, const SocketAddress& private_src,
                                          const SocketAddress& remote) {
  expire(now);
  Mapping* m = find(private_src, remote);
  if (!m) return std::nullopt;
  SocketAddress pub = config_.public_ip;
  pub.port = m->public_port;
  return pub;
}

void Nat::rebind(const SocketAddress& private_src) {
  for (auto& m : mappings_) {
    if (m.private_src != private_src) continue;
    m.public_port = allocate_port();
    ++stats_.rebinds;
  }
}

void Nat::rebind_all() {
  for (auto& m : mappings_) {
    m.public_port = allocate_port();
    ++stats_.rebinds;
  }
}

std::size_t Nat::mapping_count(TimePoint now) {
  expire(now);
  return mappings_.size();
}

}  // namespace rtmfp::sim
