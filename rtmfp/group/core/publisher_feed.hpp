// The publisher's side of a group stream: frames in, authenticated numbered
// fragments out (fragment_format.hpp). Frames wait at most
// GroupConfig::manifest_batch so that one signed manifest covers several
// fragments; a manifest always leaves before the data it covers.
//
// Join points (where a late member starts, issue: "the latest keyframe with
// the sequence headers and metadata"): at every video keyframe (or, for a
// stream without video, every audio_join_interval) the feed re-sends the
// latest configuration frames (sequence headers, metadata) flagged
// kRepeat, the first of them flagged kJoinPoint, then the frame itself.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "rtmfp/group/core/authenticator.hpp"
#include "rtmfp/group/core/fragment_format.hpp"
#include "rtmfp/group/core/group_config.hpp"
#include "rtmfp/group/core/group_messages.hpp"

namespace rtmfp::group {

struct OutFragment {
  Seq seq = 0;
  Bytes content;
  bool join_point = false;
};

class PublisherFeed {
 public:
  PublisherFeed(const GroupId& group, const Authenticator& auth, const GroupConfig& config);

  // Queues one frame. invalid_argument for a frame larger than kMaxFrameSize.
  Result<void> publish(TimePoint now, const MediaFrame& frame);
  // The fragments due at `now` (all queued ones when `flush_all`).
  std::vector<OutFragment> take(TimePoint now, bool flush_all = false);
  std::optional<TimePoint> next_deadline() const;

  Seq next_seq() const { return next_seq_; }
  std::uint64_t frames() const { return frames_; }
  std::uint64_t manifests() const { return manifests_; }

 private:
  struct Queued {
    MediaFrame frame;
    std::uint8_t flags = 0;  // kJoinPoint / kRepeat / kKeyframe / kConfig
  };
  void queue(const MediaFrame& f, std::uint8_t flags);

  GroupId group_;
  const Authenticator& auth_;
  GroupConfig config_;
  Seq next_seq_ = 1;  // GroupConfig::first_seq: a run starts above every earlier one
  std::vector<Queued> queued_;
  std::optional<TimePoint> first_queued_at_;
  std::map<std::uint8_t, MediaFrame> configs_;  // latest configuration frame per media type
  bool seen_video_ = false;
  std::optional<TimePoint> last_audio_join_;
  std::uint64_t frames_ = 0;
  std::uint64_t manifests_ = 0;
};

}  // namespace rtmfp::group
