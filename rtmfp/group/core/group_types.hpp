// P2P broadcast groups: the vocabulary shared by the group core's files.
// A group carries one publisher's live stream to every member through the
// members themselves (push-pull over a mesh, see group_member.hpp). The
// stream is cut into numbered fragments; every fragment is authenticated by
// the publisher (manifests, fragment_format.hpp) before a member plays or
// forwards it. Sans-I/O: no sockets, clocks, threads or exceptions.
#pragma once

#include <array>
#include <cstdint>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::group {

// A member is named by its RTMFP peer ID (RFC 7016 §3.2, RFC 7425 §4.3: the
// SHA-256 of its certificate), so a member ID is what the introducer resolves.
using MemberId = PeerId;
// The group's ID: SHA-256 of its specifier (computed by the caller).
using GroupId = std::array<std::uint8_t, 32>;
// Fragment sequence number; the first fragment is 1 (0 means "none").
using Seq = std::uint64_t;

// Publisher runs. A publisher that comes back with the same key (a
// restarted `rtmfp publish --key`, a gateway route whose RTMP ingest
// reconnected) continues the same group, so its numbers must go on upward:
// a run starts at run_first_seq(wall-clock ms) = ms << kRunShift | 1 (the io
// layer reads the clock; a process that publishes a group again also starts
// above its previous run's last number). A run publishes far fewer than
// 2^kRunShift fragments per millisecond, so a run started later numbers above
// everything an earlier one has published by then, and two publishers with
// one key at once: the later started is the higher, the older loses.
// Members never move down: a verified fragment more than kMaxAhead above
// everything held starts a new run (group_member.hpp: playout restarts at
// the run's first join point); anything below the window is stale, so
// replayed old signed fragments cannot rewind a member.
inline constexpr unsigned kRunShift = 22;
inline constexpr Seq run_first_seq(std::uint64_t unix_ms) { return (Seq(unix_ms) << kRunShift) | 1u; }
// A neighbour may claim fragments at most this far beyond what we hold (a
// liar cannot make us chase an unbounded range); a verified fragment beyond
// it is a new publisher run.
inline constexpr Seq kMaxAhead = 4096;

// Push classes: a fragment's class is its number mod 8 (as Flash NetGroup's
// push masks, design/netgroup-wire.md §6.2); each class has its own push
// tree, so the stream reaches members over eight mostly disjoint paths.
inline constexpr unsigned kPushClasses = 8;
inline unsigned push_class(Seq s) { return static_cast<unsigned>(s % kPushClasses); }

// The push class in which a member is an interior node of the push tree
// (group_config.hpp home_push_limit): from its peer ID, so every member
// knows every other member's.
inline unsigned home_class(const PeerId& id) { return id[31] % kPushClasses; }

// A member's ring position: the first 8 bytes of its peer ID, big-endian.
// Peer IDs are SHA-256 outputs, so positions are uniform on the ring.
std::uint64_t ring_position(const MemberId& id);

// FLV/RTMP message types the group carries (RTMP 1.0 §7.1).
enum class MediaType : std::uint8_t { audio = 8, video = 9, data = 18 };
bool is_media_type(std::uint8_t v);

// One media message as the publisher hands it in and a member plays it out.
struct MediaFrame {
  MediaType type = MediaType::video;
  std::uint32_t timestamp = 0;  // ms, as in RTMP
  bool keyframe = false;        // a video keyframe: a member may start here
  bool config = false;          // sequence header or metadata: re-sent at each join point
  Bytes payload;
};

}  // namespace rtmfp::group
