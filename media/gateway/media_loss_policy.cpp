// See media_loss_policy.hpp.
#include "media/gateway/media_loss_policy.hpp"

#include <utility>

#include "media/gateway/rtmfp_mapping.hpp"
#include "media/rtmp/chunk_stream.hpp"
#include "media/rtmp/command.hpp"

namespace rtmfp::media::gateway {

bool MediaLossPolicy::gop_damaged() {
  if (!damaged_ && keyframe_ && keyframe_->status() == flow::ReceiptStatus::abandoned) damaged_ = true;
  // Inter frames: resolved receipts leave from the front; an abandoned one
  // damages the GOP. Their deadlines do not decrease, so neither does the
  // order in which they are abandoned.
  while (!damaged_ && !gop_.empty() && gop_.front()->status() != flow::ReceiptStatus::pending) {
    if (gop_.front()->status() == flow::ReceiptStatus::abandoned) damaged_ = true;
    gop_.pop_front();
  }
  return damaged_;
}

SendDecision MediaLossPolicy::decide(TimePoint now, std::uint8_t type, ByteView payload) {
  return decide_at(now, type, payload);
}
SendDecision MediaLossPolicy::decide(std::uint8_t type, ByteView payload) {
  return decide_at(std::nullopt, type, payload);
}

SendDecision MediaLossPolicy::decide_at(std::optional<TimePoint> now, std::uint8_t type, ByteView payload) {
  namespace mt = rtmp::msg_type;
  using K = rtmp::MediaKind;
  if (is_chunk_stream_control(type)) return {false, Lane::stream, std::nullopt};  // §5.1
  if (type == mt::audio) {
    if (rtmp::classify_audio(payload) != K::frame) return {true, Lane::audio, std::nullopt};
    return {true, Lane::audio, t_.audio};
  }
  if (type == mt::video) {
    track_next_ = next_is_keyframe_ = false;
    switch (rtmp::classify_video(payload)) {
      case K::keyframe:
        gop_.clear();
        keyframe_.reset();
        damaged_ = false;
        keyframe_deadline_.reset();
        track_next_ = next_is_keyframe_ = true;
        return {true, Lane::video, t_.keyframe};
      case K::frame:
      case K::disposable: {
        if (gop_damaged()) {
          ++skipped_;
          return {false, Lane::video, std::nullopt};
        }
        std::optional<Duration> within = t_.video;
        // R3: not before the keyframe's own deadline.
        if (within && now && keyframe_deadline_ && *keyframe_deadline_ - *now > *within)
          within = *keyframe_deadline_ - *now;
        // A lost disposable frame (H.263) leaves the GOP decodable.
        track_next_ = rtmp::classify_video(payload) == K::frame;
        return {true, Lane::video, within};
      }
      default:  // decoder configuration, command frames, sequence end
        return {true, Lane::video, std::nullopt};
    }
  }
  return {true, Lane::stream, std::nullopt};
}

void MediaLossPolicy::track_video(std::shared_ptr<flow::WriteReceipt> receipt) {
  const bool track = std::exchange(track_next_, false);
  const bool keyframe = std::exchange(next_is_keyframe_, false);
  if (!track || !receipt || !receipt->finish_by()) return;  // reliable: never abandoned
  if (keyframe) {
    keyframe_deadline_ = receipt->finish_by();
    keyframe_ = std::move(receipt);
    return;
  }
  if (gop_.size() >= kMaxTracked) gop_.pop_front();
  gop_.push_back(std::move(receipt));
}

}  // namespace rtmfp::media::gateway
