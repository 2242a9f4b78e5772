#include "tests/sim/pipe.hpp"

#include <algorithm>

namespace rtmfp::sim {

namespace {
std::int64_t ns_of(TimePoint t) { return t.time_since_epoch().count() * 1000; }
// Rounds up to the microsecond clock so a datagram never leaves early.
TimePoint from_ns(std::int64_t ns) { return TimePoint{Duration{(ns + 999) / 1000}}; }
}  // namespace

Pipe::Pipe(std::string name, PipeConfig config, std::uint64_t seed)
    : name_(std::move(name)), config_(config), rng_(seed) {}

void Pipe::drain(std::int64_t now_ns) {
  while (!queue_.empty() && queue_.front().done_ns <= now_ns) {
    queue_bytes_ -= queue_.front().bytes;
    queue_.pop_front();
  }
}

std::size_t Pipe::queued_bytes(TimePoint now) {
  drain(ns_of(now));
  return queue_bytes_;
}

Pipe::Admission Pipe::offer(TimePoint now, const Datagram& d) {
  Admission a;
  const std::uint64_t index = ++stats_.offered;
  const std::size_t size = d.data.size();
  stats_.offered_bytes += size;

  bool scripted = drop_nth_.erase(index) > 0;
  for (auto& w : blackholes_)
    if (now >= w.from && now < w.until) scripted = true;
  if (!scripted && drop_if_ && drop_if_(d, index)) scripted = true;
  if (scripted) {
    ++stats_.dropped_script;
    a.fate = Fate::Script;
    return a;
  }
  // Draw every random decision for every datagram so that one parameter's
  // setting does not shift the random stream seen by the others.
  const double r_loss = rng_.unit(), r_reorder = rng_.unit(), r_dup = rng_.unit();
  const std::uint64_t r_jitter = rng_.u64();
  // A link MTU drops what is too large (a don't-fragment datagram on a
  // narrower hop), after the random draws so the stream does not depend on it.
  if (config_.mtu > 0 && size > config_.mtu) {
    ++stats_.dropped_mtu;
    a.fate = Fate::Mtu;
    return a;
  }
  stats_.largest_admitted = std::max(stats_.largest_admitted, size);
  if (config_.loss > 0 && r_loss < config_.loss) {
    ++stats_.dropped_loss;
    a.fate = Fate::Loss;
    return a;
  }

  const std::int64_t now_ns = ns_of(now);
  std::int64_t done_ns = now_ns;
  if (config_.rate_bps > 0) {
    drain(now_ns);
    if (queue_bytes_ + size > config_.queue_bytes) {
      ++stats_.dropped_queue;
      a.fate = Fate::Queue;
      return a;
    }
    const std::int64_t start = std::max(now_ns, busy_until_ns_);
    const auto ser = static_cast<std::int64_t>(static_cast<unsigned __int128>(size) * 8 *
                                               1'000'000'000 / config_.rate_bps);
    done_ns = start + ser;
    busy_until_ns_ = done_ns;
    queue_.push_back({done_ns, size});
    queue_bytes_ += size;
    stats_.queue_bytes_max = std::max(stats_.queue_bytes_max, queue_bytes_);
    a.queue_delay = Duration{(start - now_ns) / 1000};
  }
  ++stats_.admitted;
  stats_.queue_delay_total += a.queue_delay;
  stats_.queue_delay_max = std::max(stats_.queue_delay_max, a.queue_delay);

  std::int64_t arrive_ns = done_ns + config_.delay.count() * 1000;
  if (config_.jitter.count() > 0)
    arrive_ns += static_cast<std::int64_t>(r_jitter % static_cast<std::uint64_t>(
                                                          config_.jitter.count() + 1)) * 1000;
  if (config_.reorder > 0 && r_reorder < config_.reorder) {
    ++stats_.reordered;
    arrive_ns += config_.reorder_delay.count() * 1000;
  }
  a.copies = 1;
  a.arrival[0] = from_ns(arrive_ns);
  if (config_.duplicate > 0 && r_dup < config_.duplicate) {
    ++stats_.duplicated;
    a.copies = 2;
    a.arrival[1] = a.arrival[0];
  }
  return a;
}

}  // namespace rtmfp::sim
