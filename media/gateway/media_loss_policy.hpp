// Loss tolerance for RTMP media sent on RTMFP flows (RFC 7425 §5.1.1: "The
// sender can choose to abandon a message that it has queued in a flow before
// the message has been delivered"; RFC 7016 §3.6.2.7 finish-by deadlines).
//
// The choice, per message (frames classified by rtmp::classify_video /
// classify_audio: legacy FLV, legacy HEVC 12, Enhanced RTMP by FourCC):
//   * commands, data, user control, decoder configuration (sequence
//     headers / SequenceStart, video Metadata, audio MultichannelConfig),
//     command frames and sequence ends: reliable (no deadline); a decoder
//     cannot start without them;
//   * audio frames: finish-by `audio` from the time they are queued;
//   * video keyframes: finish-by `keyframe` (longer: a lost keyframe costs
//     the whole GOP);
//   * video inter frames: finish-by `video`, and never before their
//     keyframe's deadline (decide() with `now`): frames queued behind a slow
//     keyframe are not abandoned while it may still arrive (review R3);
//     once a video frame of the current GOP was abandoned (or skipped), the
//     later inter frames of that GOP are not sent at all (they cannot be
//     decoded) until the next keyframe; a disposable inter frame (H.263)
//     that is abandoned damages nothing;
//   * RTMP chunk-stream control (types 1, 2, 3, 5, 6) is never sent (§5.1).
// Receipts are checked from the oldest: the inter frames' deadlines do not
// decrease within a GOP, so they are abandoned oldest first and each frame
// costs O(1) amortised instead of a scan of the GOP (review R3).
// The defaults suit a relay feeding players with a few seconds of buffer;
// on a loss-free path nothing is ever abandoned. Sans-I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/flow/write_receipt.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::media::gateway {

struct LossTolerance {
  std::optional<Duration> audio = milliseconds(3000);
  std::optional<Duration> video = milliseconds(3000);
  std::optional<Duration> keyframe = milliseconds(6000);
  static LossTolerance reliable() { return {std::nullopt, std::nullopt, std::nullopt}; }
};

// Which flow of a stream carries a message (see StreamSender).
enum class Lane : std::uint8_t { stream = 0, audio = 1, video = 2 };

struct SendDecision {
  bool send = true;                          // false: drop (control type, or undecodable after a loss)
  Lane lane = Lane::stream;
  std::optional<Duration> finish_within;     // nullopt: reliable
};

class MediaLossPolicy {
 public:
  static constexpr std::size_t kMaxTracked = 4096;  // receipts kept for one GOP

  explicit MediaLossPolicy(LossTolerance t = {}) : t_(t) {}
  // `now`: when the message is queued (inter frames then get at least their
  // keyframe's deadline). Without it, every frame gets its own tolerance.
  SendDecision decide(TimePoint now, std::uint8_t type, ByteView payload);
  SendDecision decide(std::uint8_t type, ByteView payload);
  // The receipt of a video frame that was sent (after decide()).
  void track_video(std::shared_ptr<flow::WriteReceipt> receipt);
  std::uint64_t skipped() const { return skipped_; }

 private:
  SendDecision decide_at(std::optional<TimePoint> now, std::uint8_t type, ByteView payload);
  bool gop_damaged();
  LossTolerance t_;
  std::shared_ptr<flow::WriteReceipt> keyframe_;         // the current GOP's keyframe
  std::deque<std::shared_ptr<flow::WriteReceipt>> gop_;  // its inter frames not yet resolved
  bool damaged_ = false;
  bool track_next_ = false;                   // the last video decide() wants its receipt tracked
  bool next_is_keyframe_ = false;             // … and it is the GOP's keyframe
  std::optional<TimePoint> keyframe_deadline_;  // finish-by of the current GOP's keyframe
  std::uint64_t skipped_ = 0;
};

}  // namespace rtmfp::media::gateway
