#include "rtmfp/group/core/playout.hpp"

#include <utility>

namespace rtmfp::group {

void Playout::start_at(Seq s) {
  if (next_ == 0 && s != 0) next_ = s;
}

void Playout::restart() {
  next_ = 0;
  stuck_since_.reset();
  waiting_at_ = 0;
  rebase_ = have_out_;
  run_start_ = have_out_;
  have_live_ = have_played_ = false;
  ++counters_.restarts;
}

void Playout::note_frame_start(std::uint32_t ts) {
  if (!have_live_ || std::int32_t(ts - live_ts_) > 0) live_ts_ = ts;
  have_live_ = true;
}

// Whether the frame starting at `s` is held complete (bounded by the
// store's own bound: a frame never spans more fragments than it holds).
static bool frame_complete(const FragmentStore& store, Seq s) {
  const Bytes* head = store.get(s);
  if (!head) return false;
  auto first = parse_content(*head);
  const auto* d0 = first ? std::get_if<DataContent>(&*first) : nullptr;
  if (!d0 || !(d0->flags & kFirst)) return false;
  std::size_t got = 0;
  for (Seq q = s; q < s + store.size() + 1; ++q) {
    const Bytes* c = store.get(q);
    if (!c) return false;
    auto p = parse_content(*c);
    const auto* d = p ? std::get_if<DataContent>(&*p) : nullptr;
    if (!d) continue;  // a manifest between the frame's fragments
    if (q != s && (d->flags & kFirst)) return false;
    got += d->chunk.size();
    if (d->flags & kLast) return got == d0->frame_size;
  }
  return false;
}

bool Playout::catch_up(const FragmentStore& store, Seq jp) {
  if (next_ == 0 || jp <= next_ || !have_live_ || !have_played_) return false;
  const auto behind = std::int64_t(std::int32_t(live_ts_ - played_ts_));
  if (behind <= std::chrono::duration_cast<milliseconds>(config_.max_behind).count()) return false;
  if (!frame_complete(store, jp)) return false;
  counters_.fragments_skipped += jp - next_;
  ++counters_.holes_skipped;
  ++counters_.catch_ups;
  next_ = jp;
  stuck_since_.reset();
  waiting_at_ = 0;
  return true;
}

std::uint32_t Playout::out_timestamp(const MediaFrame& f) {
  const bool av = f.type != MediaType::data && !f.config;
  if (rebase_) {
    if (!av) return last_out_;
    offset_ = last_out_ + kRestartGap - f.timestamp;
    rebase_ = false;
  }
  const std::uint32_t t = f.timestamp + offset_;
  if (!av) return have_out_ && std::int32_t(t - last_out_) < 0 ? last_out_ : t;
  // The highest played (audio and video interleave a few ms apart).
  last_out_ = have_out_ && std::int32_t(t - last_out_) < 0 ? last_out_ : t;
  have_out_ = true;
  return t;
}

std::optional<TimePoint> Playout::next_deadline() const {
  if (!stuck_since_) return std::nullopt;
  return *stuck_since_ + config_.hole_timeout;
}

// Plays the frame starting at next_ if every fragment of it is held.
// Returns false when it must wait.
bool Playout::play_frame(const FragmentStore& store, std::vector<PlayedFrame>& out) {
  const Bytes* head = store.get(next_);
  if (!head) {
    waiting_at_ = next_;
    return false;
  }
  auto first = parse_content(*head);
  if (!first) {  // cannot happen for stored fragments; step over defensively
    ++next_;
    return true;
  }
  if (std::holds_alternative<ManifestContent>(*first)) {
    ++next_;
    return true;
  }
  const auto& d0 = (*std::get_if<DataContent>(&*first));
  if (!(d0.flags & kFirst)) {  // the middle of a frame whose start is gone
    ++next_;
    ++counters_.fragments_skipped;
    return true;
  }
  if (d0.type != MediaType::data && !(d0.flags & kConfig)) {  // where playout is, in media time
    played_ts_ = d0.timestamp;
    have_played_ = true;
  }
  // Find the frame's end; manifests may sit between its fragments.
  Bytes payload;
  payload.reserve(d0.frame_size);
  Seq s = next_;
  for (;;) {
    const Bytes* c = store.get(s);
    if (!c) {
      waiting_at_ = s;
      return false;
    }
    auto p = parse_content(*c);
    if (p && std::holds_alternative<DataContent>(*p)) {
      const auto& d = (*std::get_if<DataContent>(&*p));
      if (s != next_ && (d.flags & kFirst)) {  // a new frame before this one ended: broken
        counters_.fragments_skipped += s - next_;
        next_ = s;
        return true;
      }
      payload.insert(payload.end(), d.chunk.begin(), d.chunk.end());
      if (payload.size() > d0.frame_size) break;
      if (d.flags & kLast) break;
    }
    ++s;
  }
  const Seq first_seq = next_;
  next_ = s + 1;
  if (payload.size() != d0.frame_size) {
    ++counters_.fragments_skipped;
    return true;
  }
  MediaFrame f;
  f.type = d0.type;
  f.timestamp = d0.timestamp;
  f.keyframe = (d0.flags & kKeyframe) != 0;
  f.config = (d0.flags & kConfig) != 0;
  f.payload = std::move(payload);
  if (f.config) {
    auto& last = last_config_[static_cast<std::uint8_t>(f.type)];
    if ((d0.flags & kRepeat) && last == f.payload) {
      ++counters_.repeats_suppressed;
      return true;
    }
    last = f.payload;
  }
  f.timestamp = out_timestamp(f);
  ++counters_.frames;
  out.push_back(PlayedFrame{std::move(f), first_seq, std::exchange(run_start_, false)});
  return true;
}

void Playout::poll(TimePoint now, const FragmentStore& store, Seq known_newest, std::vector<PlayedFrame>& out) {
  if (next_ == 0) return;
  if (next_ < store.floor()) {  // fell out of the window
    counters_.fragments_skipped += store.floor() - next_;
    ++counters_.holes_skipped;
    next_ = store.floor();
  }
  bool progressed = false;
  const Seq waited_at = waiting_at_;
  while (play_frame(store, out)) progressed = true;
  // A big frame still filling in (its first missing fragment moved on) is
  // progress too: a 1 MB keyframe is not a hole.
  if (waiting_at_ > waited_at) progressed = true;
  if (progressed) stuck_since_.reset();
  const bool waiting = known_newest >= next_ || store.newest() >= next_;
  if (!waiting) {
    stuck_since_.reset();
    return;
  }
  if (!stuck_since_) stuck_since_ = now;
  if (now - *stuck_since_ < config_.hole_timeout) return;
  // Skip to the next frame start held after the hole.
  const Seq from = next_;
  Seq s = store.next_held(next_ + 1);
  for (; s != 0; s = store.next_held(s + 1)) {
    auto p = parse_content(*store.get(s));
    if (p && std::holds_alternative<DataContent>(*p) && ((*std::get_if<DataContent>(&*p)).flags & kFirst)) break;
  }
  if (s == 0) return;  // nothing to resume at yet: keep waiting
  counters_.fragments_skipped += s - from;
  ++counters_.holes_skipped;
  next_ = s;
  stuck_since_.reset();
  while (play_frame(store, out)) {
  }
}

}  // namespace rtmfp::group
