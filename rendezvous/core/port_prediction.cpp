#include "rendezvous/core/port_prediction.hpp"

#include <cmath>

namespace rtmfp::rendezvous {

std::vector<std::uint16_t> predicted_ports(const NatProfile& hard, std::uint16_t seen, std::size_t window) {
  std::vector<std::uint16_t> out;
  if (hard.port_delta == 0) return out;
  const std::int32_t base = hard.last_port != 0 ? hard.last_port : seen;
  for (std::size_t i = 1; i <= window; ++i) {
    const std::int32_t p = base + hard.port_delta * static_cast<std::int32_t>(i);
    if (p >= 1024 && p <= 65535) out.push_back(static_cast<std::uint16_t>(p));
  }
  return out;
}

double birthday_hit_probability(const BirthdayPlan& plan) {
  const double range = static_cast<double>(plan.last_port) - plan.first_port + 1;
  if (range <= 0) return 0;
  const double miss = 1.0 - std::min(1.0, plan.hard_sockets / range);
  return 1.0 - std::pow(miss, static_cast<double>(plan.max_probes));
}

BirthdayPacer::BirthdayPacer(const BirthdayPlan& plan, TimePoint start, std::uint64_t seed)
    : plan_(plan), start_(start), state_(seed ^ 0x9E3779B97F4A7C15ull) {
  if (plan_.probes_per_second == 0 || plan_.last_port < plan_.first_port) done_ = true;
  // Never ask for more distinct ports than the range has.
  const std::uint32_t range = static_cast<std::uint32_t>(plan_.last_port) - plan_.first_port + 1;
  if (plan_.max_probes > range) plan_.max_probes = range;
}

std::uint16_t BirthdayPacer::random_port() {
  // splitmix64: deterministic for a seed; the ports need only be spread,
  // not secret.
  const std::uint32_t range = static_cast<std::uint32_t>(plan_.last_port) - plan_.first_port + 1;
  for (;;) {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const auto port = static_cast<std::uint16_t>(plan_.first_port + z % range);
    if (used_.insert(port).second) return port;
  }
}

std::optional<TimePoint> BirthdayPacer::next_deadline() const {
  if (done_ || sent_ >= plan_.max_probes) return std::nullopt;
  // Probe i is due at start + i / rate.
  const auto due = start_ + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                                static_cast<double>(sent_) / plan_.probes_per_second));
  if (due >= start_ + plan_.max_time) return std::nullopt;
  return due;
}

std::optional<std::uint16_t> BirthdayPacer::next_probe(TimePoint now) {
  auto due = next_deadline();
  if (!due || *due > now) return std::nullopt;
  ++sent_;
  return random_port();
}

}  // namespace rtmfp::rendezvous
