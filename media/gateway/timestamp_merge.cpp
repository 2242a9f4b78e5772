// See timestamp_merge.hpp.
#include "media/gateway/timestamp_merge.hpp"

#include <algorithm>

namespace rtmfp::media::gateway {

namespace mt = rtmp::msg_type;

bool TimestampMerge::merged_type(std::uint8_t type) {
  return type == mt::audio || type == mt::video || type == mt::data_amf0 || type == mt::data_amf3;
}

std::size_t TimestampMerge::lane_of(std::uint8_t type) {
  return type == mt::audio ? kAudio : type == mt::video ? kVideo : kData;
}

void TimestampMerge::push(TimePoint now, rtmp::Message m, std::vector<rtmp::Message>& out) {
  if (!start_) start_ = now;
  Lane& l = lanes_[lane_of(m.type)];
  if (!l.seen || !before(m.timestamp, l.last_ts)) l.last_ts = m.timestamp;
  l.seen = true;
  l.last_arrival = now;
  held_bytes_ += m.payload.size();
  ++held_messages_;
  l.q.push_back(Held{std::move(m), now, next_seq_++});
  drain(now, out);
}

void TimestampMerge::poll(TimePoint now, std::vector<rtmp::Message>& out) { drain(now, out); }

void TimestampMerge::flush(std::vector<rtmp::Message>& out) {
  while (auto h = earliest_head()) release(*h, out);
}

void TimestampMerge::reset() {
  lanes_ = {};
  start_.reset();
  last_out_.reset();
  held_messages_ = held_bytes_ = 0;
  forced_ = late_ = 0;
}

std::optional<std::size_t> TimestampMerge::earliest_head() const {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    if (lanes_[i].q.empty()) continue;
    if (!best) {
      best = i;
      continue;
    }
    const Held& a = lanes_[i].q.front();
    const Held& b = lanes_[*best].q.front();
    if (before(a.m.timestamp, b.m.timestamp) || (a.m.timestamp == b.m.timestamp && a.seq < b.seq)) best = i;
  }
  return best;
}

// The earliest head (timestamp t) may leave when no media lane can still
// bring something before t (see the header).
bool TimestampMerge::may_leave(std::size_t lane, TimePoint now) const {
  const std::uint32_t t = lanes_[lane].q.front().m.timestamp;
  for (std::size_t i : {kAudio, kVideo}) {
    if (i == lane) continue;
    const Lane& l = lanes_[i];
    if (!l.q.empty()) continue;                               // its head is not before t
    if (l.seen && !before(l.last_ts, t)) continue;            // already at or past t
    if (now - idle_since(l) >= limits_.idle) continue;        // idle
    return false;
  }
  return true;
}

bool TimestampMerge::over_bounds(TimePoint now) const {
  if (held_bytes_ > limits_.max_bytes || held_messages_ > limits_.max_messages) return true;
  for (const Lane& l : lanes_)
    if (!l.q.empty() && now - l.q.front().arrival >= limits_.max_hold) return true;
  return false;
}

void TimestampMerge::release(std::size_t lane, std::vector<rtmp::Message>& out) {
  Lane& l = lanes_[lane];
  Held h = std::move(l.q.front());
  l.q.pop_front();
  held_bytes_ -= h.m.payload.size();
  --held_messages_;
  if (last_out_ && before(h.m.timestamp, *last_out_))
    ++late_;
  else
    last_out_ = h.m.timestamp;
  out.push_back(std::move(h.m));
}

void TimestampMerge::drain(TimePoint now, std::vector<rtmp::Message>& out) {
  while (auto h = earliest_head()) {
    if (!may_leave(*h, now)) {
      if (!over_bounds(now)) return;
      ++forced_;
    }
    release(*h, out);
  }
}

std::optional<TimePoint> TimestampMerge::next_deadline() const {
  auto h = earliest_head();
  if (!h) return std::nullopt;
  std::optional<TimePoint> oldest;
  for (const Lane& l : lanes_)
    if (!l.q.empty()) oldest = earliest(oldest, l.q.front().arrival + limits_.max_hold);
  // The head leaves once every lane that holds it back is idle.
  const std::uint32_t t = lanes_[*h].q.front().m.timestamp;
  std::optional<TimePoint> idle;
  for (std::size_t i : {kAudio, kVideo}) {
    const Lane& l = lanes_[i];
    if (i == *h || !l.q.empty() || (l.seen && !before(l.last_ts, t))) continue;
    const TimePoint d = idle_since(l) + limits_.idle;
    idle = idle ? std::max(*idle, d) : d;
  }
  return earliest(oldest, idle);
}

}  // namespace rtmfp::media::gateway
