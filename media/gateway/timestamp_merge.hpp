// Merges the media of one RTMP stream received on several RTMFP flows back
// into timestamp order, within stated bounds (RFC 7425 §5.1.1, §5.2).
//
// Why: a sender may put the audio and the video of a stream on separate
// flows (§5.1.1, as our StreamSender and Flash Player do), and "RTMFP flows
// are independent and have no inter-flow ordering guarantee" (§5.2). A
// publisher that writes faster than the path (a file relayed without
// --realtime, a burst after a stall) sees its higher-priority audio flow
// drained before its video flow: the receiver gets seconds of audio, then
// the matching video. RTMP and FLV downstream are one ordered stream in
// which players expect audio and video interleaved by timestamp (FLV
// v10.1 §E.3: tags in time order); nginx-rtmp and ffmpeg drop or stall on
// video that is seconds behind the audio already sent.
//
// Lanes, by message type: audio (8), video (9) and data (18/15). Within a
// lane, order is kept as received (each lane comes from flows delivered in
// original queuing order). Across lanes the head with the earliest
// timestamp leaves first (ties: arrival order). A message with timestamp t
// is held until every media lane (audio, video) either
//   * holds a message (its head is then >= t), or
//   * has already carried a message with timestamp >= t, or
//   * is idle: nothing arrived on it for `idle` (a lane never seen counts
//     from the first message after reset(): an audio-only stream is held
//     `idle` once, at its start);
// data never holds anything back. Bounds (MergeLimits): a message is never
// held longer than `max_hold`, and at most `max_bytes` payload bytes /
// `max_messages` messages are held; beyond, the earliest head leaves at once.
// A message arriving after later ones already left (beyond the bounds) goes
// out at once, counted in late(). Timestamps compare modulo 2^32 (RTMP
// timestamps wrap, §5.1). Commands and other control messages are not
// merged: the owner calls flush() before handling them, so they stay behind
// the media that arrived before them (e.g. deleteStream behind its barrier).
// Sans-I/O: `now` in, messages out; next_deadline() says when to poll().
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "media/rtmp/chunk_stream.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::media::gateway {

struct MergeLimits {
  Duration idle = milliseconds(2000);      // a media lane silent this long holds nothing back
  Duration max_hold = milliseconds(4000);  // no message is held longer than this
  std::size_t max_bytes = 8u << 20;        // payload bytes held at most
  std::size_t max_messages = 16384;        // messages held at most
};

class TimestampMerge {
 public:
  explicit TimestampMerge(MergeLimits limits = {}) : limits_(limits) {}

  // True for the message types merged here (audio, video, data).
  static bool merged_type(std::uint8_t type);

  // One message of the stream (a merged type). Appends what may leave now.
  void push(TimePoint now, rtmp::Message m, std::vector<rtmp::Message>& out);
  // Time passed: appends what the idle and age bounds let leave.
  void poll(TimePoint now, std::vector<rtmp::Message>& out);
  // Appends everything held, in timestamp order (before a command, at the
  // end of the stream).
  void flush(std::vector<rtmp::Message>& out);
  // Drops what is held, forgets the lanes and zeroes the counters (a new publisher).
  void reset();

  // When poll() may release something that is held now.
  std::optional<TimePoint> next_deadline() const;
  std::size_t held_messages() const { return held_messages_; }
  std::size_t held_bytes() const { return held_bytes_; }
  std::uint64_t forced() const { return forced_; }  // released early by a bound
  std::uint64_t late() const { return late_; }      // left after a later timestamp

  // a is before b modulo 2^32 (serial number arithmetic, RFC 1982 style).
  static bool before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

 private:
  struct Held {
    rtmp::Message m;
    TimePoint arrival;
    std::uint64_t seq;
  };
  struct Lane {
    std::deque<Held> q;
    bool seen = false;
    TimePoint last_arrival{};
    std::uint32_t last_ts = 0;  // latest timestamp this lane carried
  };
  static constexpr std::size_t kAudio = 0, kVideo = 1, kData = 2;
  static std::size_t lane_of(std::uint8_t type);

  std::optional<std::size_t> earliest_head() const;
  bool may_leave(std::size_t lane, TimePoint now) const;
  bool over_bounds(TimePoint now) const;
  void release(std::size_t lane, std::vector<rtmp::Message>& out);
  void drain(TimePoint now, std::vector<rtmp::Message>& out);
  TimePoint idle_since(const Lane& l) const { return l.seen ? l.last_arrival : *start_; }

  MergeLimits limits_;
  std::array<Lane, 3> lanes_{};
  std::optional<TimePoint> start_;  // first message since reset()
  std::optional<std::uint32_t> last_out_;
  std::uint64_t next_seq_ = 0;
  std::size_t held_messages_ = 0, held_bytes_ = 0;
  std::uint64_t forced_ = 0, late_ = 0;
};

}  // namespace rtmfp::media::gateway
