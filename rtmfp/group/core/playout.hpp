// A member's in-order playout: verified fragments (fragment_store.hpp) in,
// whole frames out in publishing order, starting at a join point. A hole
// that stays open GroupConfig::hole_timeout without progress (the fragment
// was lost everywhere, or came too late; a big frame still filling in is
// progress) is skipped: playout resumes at the next
// frame it holds completely, and the skip is counted. Configuration frames
// re-sent at join points are played only when they differ from the last
// one played of their type (a codec change), so a member plays each
// sequence header once.
//
// Live: playout never stays more than GroupConfig::max_behind (media time)
// behind the newest frame start verified (a slow 1 MB keyframe filling in
// counts as progress, so the hole rule alone let a member fall further
// behind at every keyframe): when it is, and a later join point is held
// complete, playout jumps there (catch_up; counted as a hole skipped).
//
// A new publisher run (restart()) starts again at a join point; the sink
// keeps monotonic timestamps across it, as the relay's TimestampRebaser
// does for a reconnected source: the new run's first audio/video frame is
// placed kRestartGap after the highest one played and later frames keep their
// spacing; configuration and data never get a timestamp below the highest
// audio/video one played (a join point repeats the configuration with its
// original timestamp, often 0: after a rebase it would go back in time).
// A sequence header that did not change is not played again; one that did
// (a new codec or resolution) is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "rtmfp/group/core/fragment_store.hpp"

namespace rtmfp::group {

struct PlayedFrame {
  MediaFrame frame;
  Seq seq = 0;  // its first fragment
  // The first frame played of a new publisher run (after restart()): a
  // run may start at a join point that is not decodable for a stream with
  // video (an audio join point before the run's first keyframe); the sink
  // side waits for a keyframe again (media/io GroupSource).
  bool run_start = false;
};

struct PlayoutCounters {
  std::uint64_t frames = 0;             // played
  std::uint64_t repeats_suppressed = 0;  // configuration re-sends not played
  std::uint64_t holes_skipped = 0;
  std::uint64_t fragments_skipped = 0;
  std::uint64_t restarts = 0;  // new publisher runs followed
  std::uint64_t catch_ups = 0;  // jumps to a later join point (max_behind)
};

class Playout {
 public:
  explicit Playout(const GroupConfig& config) : config_(config) {}

  // Starts (once) at the join point `s`.
  void start_at(Seq s);
  // A new publisher run: playout waits for a join point again (start_at).
  void restart();
  static constexpr std::uint32_t kRestartGap = 40;  // ms, one frame at 25 fps
  bool started() const { return next_ != 0; }
  // The next fragment playout needs (0 before the start).
  Seq next() const { return next_; }
  // The first fragment playout lacks (0: none yet).
  Seq waiting_at() const { return waiting_at_; }
  // Plays whatever became playable; `known_newest`: the newest fragment
  // number anyone advertised (a hole exists when playout waits below it).
  void poll(TimePoint now, const FragmentStore& store, Seq known_newest, std::vector<PlayedFrame>& out);
  // A verified data fragment that starts a frame, timestamp `ts` (input
  // time, before any rebasing): the live edge playout measures itself against.
  void note_frame_start(std::uint32_t ts);
  // Jumps to the join point `jp` (the newest known) when playout is more
  // than max_behind behind the live edge and the frame at `jp` is held
  // complete. Returns whether it jumped.
  bool catch_up(const FragmentStore& store, Seq jp);
  // When playout will skip the hole it waits at, if any.
  std::optional<TimePoint> next_deadline() const;
  const PlayoutCounters& counters() const { return counters_; }

 private:
  bool play_frame(const FragmentStore& store, std::vector<PlayedFrame>& out);
  std::uint32_t out_timestamp(const MediaFrame& f);

  GroupConfig config_;
  Seq next_ = 0;
  std::optional<TimePoint> stuck_since_;
  Seq waiting_at_ = 0;  // the first fragment playout lacks
  std::map<std::uint8_t, Bytes> last_config_;
  // Timestamps out: input + offset_ (mod 2^32); rebase_ at the next
  // audio/video frame after a restart.
  std::uint32_t offset_ = 0, last_out_ = 0;
  bool have_out_ = false, rebase_ = false, run_start_ = false;
  // Input timestamps: the newest frame start verified, and the A/V frame
  // playout is at (played, or waited for; valid with have_live_ /
  // have_played_; reset by restart()).
  std::uint32_t live_ts_ = 0, played_ts_ = 0;
  bool have_live_ = false, have_played_ = false;
  PlayoutCounters counters_;
};

}  // namespace rtmfp::group
