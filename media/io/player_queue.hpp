// Per-player send queue of the rtmp-listen:// server (review S1): messages
// the registry fans out wait here, as messages, until the player's socket
// has taken the previous batch, so the backlog can be measured and thinned
// in MEDIA time (timestamps) rather than in bytes.
//
// Thinning: when the queued video spans more than `thin_ms` of media time,
// whole GOPs of video that have not started to be sent are dropped, oldest
// first (the newest, still open one too: the rest of it is then skipped up
// to the next keyframe). Audio, sequence headers, data and the
// started/stopped markers are never dropped; a player never starts mid-GOP.
// Only when the GOP being sent alone spans more than `thin_ms` (a GOP longer
// than the bound) is its unsent tail dropped up to the next keyframe.
//
// The join prime (push_media(m, true): what a late player starts with, the
// sequence headers and the GOP since the last keyframe) is never thinned and
// its media time does not count towards `thin_ms`: a player joining 3 s into
// a 5 s GOP starts with decodable video instead of waiting for the next
// keyframe. Media pushed after the prime is thinned as above, measured from
// the end of the prime while the prime is still queued; the lag and byte
// bounds count everything.
//
// Disconnect (over_limit): the player is more than `lag_ms` of media time
// behind the live edge (newest pushed timestamp minus the timestamp of the
// last media it was handed; a player that takes nothing falls behind even
// while its queue is thinned), or more than `max_bytes` are queued.
//
// Sans-I/O: no clocks; timestamps are RTMP milliseconds (wrap-safe deltas).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "media/rtmp/chunk_stream.hpp"

namespace rtmfp::media::io {

struct PlayerQueueLimits {
  std::uint32_t thin_ms = 2000;   // 0: never thin
  std::uint32_t lag_ms = 10000;   // 0: no media-time disconnect
  std::size_t max_bytes = 16u << 20;
};

class PlayerQueue {
 public:
  enum class Kind { media, publisher_started, publisher_stopped };
  struct Item {
    Kind kind = Kind::media;
    rtmp::Message m;
    bool prime = false;  // part of the join prime: never thinned
  };

  explicit PlayerQueue(PlayerQueueLimits l = {}) : l_(l) {}

  void push_media(const rtmp::Message& m, bool prime = false);
  void push_marker(Kind k);
  bool empty() const { return q_.empty(); }
  // The next item to hand to the session.
  std::optional<Item> pop();

  std::size_t bytes() const { return bytes_; }
  // Media time spanned by the queued video past the join prime (what
  // thinning bounds).
  std::uint32_t video_span_ms() const;
  // Media time the player is behind the live edge (0 when nothing is queued).
  std::uint32_t lag_ms() const;
  bool over_limit() const;

  // Statistics.
  std::uint64_t dropped_video() const { return dropped_video_; }
  std::uint32_t max_video_span_ms() const { return max_span_; }  // largest video_span_ms() seen

 private:
  enum class Cls { other, header, key, inter };
  static Cls classify(const rtmp::Message& m);
  void thin();
  void erase_video(std::size_t from, std::size_t to);
  bool has_media() const { return media_items_ > 0; }

  PlayerQueueLimits l_;
  std::deque<Item> q_;
  std::size_t bytes_ = 0;
  std::size_t media_items_ = 0;
  bool skipping_ = false;  // dropping inter video until the next keyframe
  bool have_live_ = false;
  std::uint32_t live_ts_ = 0;     // newest media timestamp pushed
  std::uint32_t handed_ts_ = 0;   // timestamp the player is at (last media popped)
  std::uint64_t dropped_video_ = 0;
  std::uint32_t max_span_ = 0;
};

}  // namespace rtmfp::media::io
