// See media_loss_policy.hpp.
#include "media/gateway/media_loss_policy.hpp"

#include "media/gateway/rtmfp_mapping.hpp"
#include "media/rtmp/chunk_stream.hpp"
#include "media/rtmp/command.hpp"

namespace rtmfp::media::gateway {

bool MediaLossPolicy::gop_damaged() {
  if (damaged_) return true;
  for (const auto& r : gop_)
    if (r->status() == flow::ReceiptStatus::abandoned) return damaged_ = true;
  // Delivered receipts at the front no longer matter.
  while (!gop_.empty() && gop_.front()->status() == flow::ReceiptStatus::delivered) gop_.pop_front();
  return false;
}

SendDecision MediaLossPolicy::decide(std::uint8_t type, ByteView payload) {
  namespace mt = rtmp::msg_type;
  if (is_chunk_stream_control(type)) return {false, Lane::stream, std::nullopt};  // §5.1
  if (type == mt::audio) {
    if (rtmp::is_aac_sequence_header(payload)) return {true, Lane::audio, std::nullopt};
    return {true, Lane::audio, t_.audio};
  }
  if (type == mt::video) {
    if (rtmp::is_avc_sequence_header(payload)) return {true, Lane::video, std::nullopt};
    if (rtmp::is_video_keyframe(payload)) {
      gop_.clear();
      damaged_ = false;
      return {true, Lane::video, t_.keyframe};
    }
    if (gop_damaged()) {
      ++skipped_;
      return {false, Lane::video, std::nullopt};
    }
    return {true, Lane::video, t_.video};
  }
  return {true, Lane::stream, std::nullopt};
}

void MediaLossPolicy::track_video(std::shared_ptr<flow::WriteReceipt> receipt) {
  if (!receipt || !receipt->finish_by()) return;  // reliable: never abandoned
  if (gop_.size() >= kMaxTracked) gop_.pop_front();
  gop_.push_back(std::move(receipt));
}

}  // namespace rtmfp::media::gateway
