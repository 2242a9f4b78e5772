// Keeps the timestamps a relay destination sees monotonic across a source
// change (reconnected source, next publisher on a listen source): the first
// audio/video message of the new source is placed one frame gap after the
// last one sent, i.e. offset = last_out + gap - new_first; later messages
// keep their spacing. Data messages (onMetaData) that come before the new
// source's first frame get the last output timestamp. Pure.
#pragma once

#include <cstdint>
#include <optional>

#include "media/rtmp/chunk_stream.hpp"

namespace rtmfp::media::io {

class TimestampRebaser {
 public:
  // The next message comes from a new source.
  void source_changed() { pending_ = have_out_; }
  // The timestamp to send for `m` (32-bit RTMP time, wraps like the input).
  std::uint32_t map(const rtmp::Message& m);
  std::int64_t offset() const { return offset_; }

  static constexpr std::int64_t kDefaultGap = 40;  // ms, one frame at 25 fps
  static constexpr std::int64_t kMaxGap = 1000;

 private:
  std::int64_t offset_ = 0;
  bool pending_ = false;
  bool have_out_ = false;
  std::int64_t last_out_ = 0;  // latest audio/video output, unwrapped
  std::int64_t gap_ = kDefaultGap;
};

}  // namespace rtmfp::media::io
