#include "rtmfp/core/session/path_mtu.hpp"

#include <algorithm>

namespace rtmfp {

PathMtu::PathMtu(const PathMtuConfig& config) : cfg_(config) {
  cfg_.granularity = std::max<std::size_t>(cfg_.granularity, 1);
  cfg_.max_probes = std::max(cfg_.max_probes, 1);
  cfg_.limit = std::max(cfg_.limit, cfg_.base);
  low_ = high_ = cfg_.base;
}

void PathMtu::start(TimePoint now) {
  low_ = cfg_.base;
  high_ = cfg_.limit;
  high_failed_ = false;
  probe_count_ = 0;
  outstanding_.reset();
  if (cfg_.limit <= cfg_.base) {
    state_ = State::disabled;
    return;
  }
  state_ = State::searching;
  next_probe_ = now;
}

bool PathMtu::reset(TimePoint now) {
  const bool changed = low_ != cfg_.base;
  if (state_ == State::disabled) {
    low_ = high_ = cfg_.base;
    return changed;
  }
  start(now);
  return changed;
}

std::optional<std::size_t> PathMtu::candidate() const {
  // RFC 4821 §7.3: probe between search_low and search_high; the first try
  // is search_high itself, later ones bisect. Done when the range is below
  // the granularity (or empty).
  if (high_ <= low_) return std::nullopt;
  if (!high_failed_) return high_;
  if (high_ - low_ < cfg_.granularity) return std::nullopt;
  return low_ + (high_ - low_ + 1) / 2;
}

void PathMtu::finish(TimePoint now) {
  state_ = State::search_complete;
  outstanding_.reset();
  probe_count_ = 0;
  raise_at_ = now + cfg_.raise_interval;
}

std::optional<std::size_t> PathMtu::probe_due(TimePoint now) const {
  if (state_ != State::searching || outstanding_ || now < next_probe_) return std::nullopt;
  return candidate();
}

void PathMtu::on_probe_sent(TimePoint now, std::size_t size, Duration timeout) {
  if (state_ != State::searching) return;
  outstanding_ = size;
  probe_expiry_ = now + timeout;
}

bool PathMtu::on_probe_acked(TimePoint now, std::size_t size) {
  // RFC 4821 §7.6.1: a probe that arrived confirms its size.
  if (state_ == State::disabled || size > cfg_.limit) return false;
  if (outstanding_ && *outstanding_ <= std::max(size, low_)) outstanding_.reset();
  if (size <= low_) return false;
  low_ = size;
  high_ = std::max(high_, size);
  probe_count_ = 0;
  next_probe_ = now;
  state_ = State::searching;
  if (!outstanding_ && !candidate()) finish(now);
  return true;
}

void PathMtu::on_deadline(TimePoint now) {
  if (state_ == State::searching && outstanding_ && now >= probe_expiry_) {
    // RFC 4821 §7.6.3: a probe not answered in time failed; MAX_PROBES
    // consecutive failures mean the size does not fit the path.
    const std::size_t size = *outstanding_;
    outstanding_.reset();
    next_probe_ = now;
    if (++probe_count_ >= cfg_.max_probes) {
      probe_count_ = 0;
      high_ = std::min(high_, size - 1);
      high_failed_ = true;
    }
    if (!candidate()) finish(now);
    return;
  }
  if (state_ == State::search_complete && low_ < cfg_.limit && now >= raise_at_) {
    // Periodic re-probe upward from the confirmed size.
    state_ = State::searching;
    high_ = cfg_.limit;
    high_failed_ = false;
    probe_count_ = 0;
    next_probe_ = now;
  }
}

std::optional<TimePoint> PathMtu::next_deadline() const {
  switch (state_) {
    case State::searching:
      if (outstanding_) return probe_expiry_;
      return candidate() ? std::optional<TimePoint>(next_probe_) : std::nullopt;
    case State::search_complete:
      if (low_ < cfg_.limit) return raise_at_;
      return std::nullopt;
    case State::disabled:
      break;
  }
  return std::nullopt;
}

const char* path_mtu_state_name(PathMtu::State s) {
  switch (s) {
    case PathMtu::State::disabled: return "disabled";
    case PathMtu::State::searching: return "searching";
    case PathMtu::State::search_complete: return "search_complete";
  }
  return "?";
}

}  // namespace rtmfp
