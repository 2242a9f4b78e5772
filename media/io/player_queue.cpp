// See player_queue.hpp.
#include "media/io/player_queue.hpp"

#include <algorithm>

#include "media/rtmp/command.hpp"

namespace rtmfp::media::io {

namespace {
// Wrap-safe a - b for RTMP timestamps (a timestamp going back counts as 0).
std::uint32_t after(std::uint32_t a, std::uint32_t b) {
  const auto d = static_cast<std::int32_t>(a - b);
  return d > 0 ? static_cast<std::uint32_t>(d) : 0;
}
// Steps between consecutive media timestamps beyond which the timeline is
// taken to have restarted (interleaved audio/video go back by far less).
constexpr std::uint32_t kMaxBack = 1000, kMaxJump = 5000;
bool is_media(const rtmp::Message& m) { return m.type == rtmp::msg_type::audio || m.type == rtmp::msg_type::video; }
}  // namespace

PlayerQueue::Cls PlayerQueue::classify(const rtmp::Message& m) {
  if (m.type != rtmp::msg_type::video) return Cls::other;
  if (rtmp::is_avc_sequence_header(m.payload)) return Cls::header;
  return rtmp::is_video_keyframe(m.payload) ? Cls::key : Cls::inter;
}

void PlayerQueue::push_media(const rtmp::Message& m, bool prime) {
  const Cls c = classify(m);
  if (is_media(m) && c != Cls::header) {
    if (!have_live_) {
      live_ts_ = handed_ts_ = m.timestamp;
    } else if (after(live_ts_, m.timestamp) > kMaxBack || after(m.timestamp, live_ts_) > kMaxJump) {
      // A discontinuity (a new publisher restarting at 0, a jump): the lag
      // is carried over unchanged instead of turning into the jump.
      handed_ts_ += m.timestamp - live_ts_;
      live_ts_ = m.timestamp;
    } else if (after(m.timestamp, live_ts_) > 0) {
      live_ts_ = m.timestamp;
    }
    have_live_ = true;
  }
  if (c == Cls::key) skipping_ = false;
  if (c == Cls::inter && skipping_) {
    ++dropped_video_;
    return;
  }
  if (is_media(m) && c != Cls::header) {
    // The player was idle (caught up): it is at this message now.
    if (media_items_ == 0) handed_ts_ = m.timestamp;
    ++media_items_;
  }
  bytes_ += m.payload.size();
  q_.push_back({Kind::media, m, prime});
  if (c == Cls::key || c == Cls::inter) thin();
}

void PlayerQueue::push_marker(Kind k) { q_.push_back({k, {}}); }

std::optional<PlayerQueue::Item> PlayerQueue::pop() {
  if (q_.empty()) return std::nullopt;
  Item it = std::move(q_.front());
  q_.pop_front();
  if (it.kind == Kind::media) {
    bytes_ -= it.m.payload.size();
    if (is_media(it.m) && classify(it.m) != Cls::header) {
      --media_items_;
      handed_ts_ = it.m.timestamp;
    }
  }
  return it;
}

std::uint32_t PlayerQueue::video_span_ms() const {
  // From the first queued video, or from the end of the join prime while
  // some of it is queued (the prime's own span is not backlog to thin).
  std::optional<std::uint32_t> first, last;
  for (const auto& it : q_) {
    if (it.kind != Kind::media) continue;
    const Cls c = classify(it.m);
    if (c != Cls::key && c != Cls::inter) continue;
    if (it.prime)
      first = it.m.timestamp;  // the last prime video wins
    else if (!first)
      first = it.m.timestamp;
    if (!it.prime) break;
  }
  for (auto i = q_.rbegin(); i != q_.rend(); ++i) {
    if (i->kind != Kind::media) continue;
    const Cls c = classify(i->m);
    if (c == Cls::key || c == Cls::inter) {
      last = i->m.timestamp;
      break;
    }
  }
  return first && last ? after(*last, *first) : 0;
}

std::uint32_t PlayerQueue::lag_ms() const { return has_media() ? after(live_ts_, handed_ts_) : 0; }

bool PlayerQueue::over_limit() const {
  return bytes_ > l_.max_bytes || (l_.lag_ms != 0 && lag_ms() > l_.lag_ms);
}

void PlayerQueue::erase_video(std::size_t from, std::size_t to) {
  // Removes the key/inter video in [from, to), keeping everything else in order.
  std::deque<Item> kept;
  for (std::size_t i = 0; i < q_.size(); ++i) {
    Item& it = q_[i];
    const Cls c = it.kind == Kind::media ? classify(it.m) : Cls::other;
    if (i >= from && i < to && !it.prime && (c == Cls::key || c == Cls::inter)) {
      bytes_ -= it.m.payload.size();
      --media_items_;
      ++dropped_video_;
      continue;
    }
    kept.push_back(std::move(it));
  }
  q_ = std::move(kept);
}

void PlayerQueue::thin() {
  if (l_.thin_ms == 0) {
    max_span_ = std::max(max_span_, video_span_ms());
    return;
  }
  while (video_span_ms() > l_.thin_ms) {
    // The oldest GOP that has not started: from the first queued keyframe
    // (not of the join prime) to the next one.
    std::size_t k = q_.size(), end = q_.size(), first_video = q_.size();
    for (std::size_t i = 0; i < q_.size(); ++i) {
      if (q_[i].kind != Kind::media || q_[i].prime) continue;
      const Cls c = classify(q_[i].m);
      if (first_video == q_.size() && (c == Cls::key || c == Cls::inter)) first_video = i;
      if (c != Cls::key) continue;
      if (k == q_.size()) {
        k = i;
      } else {
        end = i;
        break;
      }
    }
    // Only the tail of the GOP being sent (or of the prime's GOP): a GOP
    // longer than the bound.
    if (k == q_.size()) k = first_video;
    if (k == q_.size()) break;  // nothing but the prime: never thinned
    if (end == q_.size()) skipping_ = true;  // the open GOP goes: skip the rest of it
    erase_video(k, end);
  }
  max_span_ = std::max(max_span_, video_span_ms());
}

}  // namespace rtmfp::media::io
