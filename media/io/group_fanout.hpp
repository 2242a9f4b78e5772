// The local players of one group a node holds: one stream in (what the
// node's publisher publishes, or what its membership plays out), many
// players out, with no second membership and no network hop. A player that
// comes in mid-stream starts at the latest join point: the last onMetaData,
// the sequence headers and the GOP since the last keyframe, the late-join
// rule of the built-in servers (rtmp::StreamRegistry, whose cache this is).
// Runs on the node's thread (media/io/group_node.cpp); no I/O.
//
// A new source (source_started: a publisher run here, a membership joined,
// a new publisher run played out) starts the cache again, and each player's
// next frame is marked run_start (GroupSource then waits for a keyframe).
// A new run of a group played out (on_frame's run_start) starts with the
// configuration of the run before (group playout does not play an unchanged
// configuration again); a stopped source forgets it.
//
// Bounds: the cache is RegistryLimits::max_gop_bytes; players per group
// RegistryLimits::max_players_per_stream (add_player fails past it).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "media/io/relay.hpp"
#include "media/rtmp/stream_registry.hpp"
#include "rtmfp/group/core/playout.hpp"

namespace rtmfp::media::io {

class GroupFanout {
 public:
  using Play = std::function<void(group::PlayedFrame)>;

  explicit GroupFanout(rtmp::RegistryLimits limits = {});
  ~GroupFanout();
  GroupFanout(const GroupFanout&) = delete;
  GroupFanout& operator=(const GroupFanout&) = delete;

  // A stream starts (its frames follow) or ends.
  void source_started();
  void source_stopped();
  bool has_source() const;
  // One frame of the stream; run_start: the first of a new publisher run
  // (a new source, as source_started()).
  void on_frame(const group::MediaFrame& f, bool run_start = false);

  // `id` names the player for remove_player; `play` gets its frames (at
  // once the latest join point when a stream runs).
  Result<void> add_player(const void* id, Play play);
  void remove_player(const void* id);
  std::size_t players() const { return players_.size(); }

 private:
  class Player;
  static constexpr const char* kKey = "group";
  rtmp::StreamRegistry registry_;
  std::map<const void*, std::unique_ptr<Player>> players_;
  bool started_ = false;
  std::optional<group::MediaFrame> metadata_, video_config_, audio_config_;  // the last of each
};

}  // namespace rtmfp::media::io
