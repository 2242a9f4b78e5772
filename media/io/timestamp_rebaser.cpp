// See timestamp_rebaser.hpp.
#include "media/io/timestamp_rebaser.hpp"

namespace rtmfp::media::io {

std::uint32_t TimestampRebaser::map(const rtmp::Message& m) {
  const bool av = m.type == rtmp::msg_type::audio || m.type == rtmp::msg_type::video;
  const std::int64_t in = m.timestamp;
  if (pending_) {
    if (!av) return static_cast<std::uint32_t>(last_out_);
    offset_ = last_out_ + gap_ - in;
    pending_ = false;
  }
  std::int64_t out = in + offset_;
  if (!av) return static_cast<std::uint32_t>(out);
  if (have_out_) {
    const std::int64_t d = out - last_out_;
    if (d > 0 && d <= kMaxGap) gap_ = d;  // the spacing of frames, for the next change
  }
  if (!have_out_ || out > last_out_) last_out_ = out;  // the latest time sent (A/V may interleave)
  have_out_ = true;
  return static_cast<std::uint32_t>(out);
}

}  // namespace rtmfp::media::io
