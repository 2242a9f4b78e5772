// The content of a fragment (the authenticated part of a `fragment`
// message, group_messages.hpp). Two kinds share one number space:
//
//   data      00 | VLU back (1..kMaxManifestSpan): this fragment's manifest is number - back
//                | u8 flags | if flags & first: u8 media type | u32 timestamp | VLU frame size
//                | chunk of the frame's payload
//   manifest  01 | u8 count (1..kMaxManifestSpan) | count x 16-byte hash | 64-byte signature
//
// A manifest numbered m covers the data fragments m+1 .. m+count: hash i is
// the hash of fragment m+1+i (its number and whole content). Its signature
// is the publisher's over kManifestContext | group id | u64 m | u8 count |
// hashes. So one signature check per manifest (a few per second) and one
// hash per fragment authenticate the stream, a member verifies each
// fragment before it plays or forwards it, and nothing can be moved to
// another number or group (PPSPP, RFC 7574 §6.1, signs Merkle roots for the
// same reason: a signature per packet is too dear). Numbers are those of
// the publisher's run (group_types.hpp): the signature covers the number,
// so a later run's numbers, above every earlier run's, cannot be forged
// from an earlier run's fragments.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "rtmfp/core/error.hpp"
#include "rtmfp/group/core/authenticator.hpp"
#include "rtmfp/group/core/group_types.hpp"

namespace rtmfp::group {

inline constexpr std::size_t kMaxManifestSpan = 63;
inline constexpr std::uint32_t kMaxFrameSize = (1u << 24) - 1;  // RTMP message length (RTMP 1.0 §6.1.1)
inline constexpr char kManifestContext[] = "rtmfp-group-manifest/1";

enum DataFlags : std::uint8_t {
  kFirst = 0x01,      // first fragment of a frame (carries its header)
  kLast = 0x02,       // last fragment of a frame
  kJoinPoint = 0x04,  // a member may start playing at this frame
  kRepeat = 0x08,     // a configuration frame re-sent at a join point
  kKeyframe = 0x10,
  kConfig = 0x20,     // sequence header or metadata
};

struct DataContent {
  std::uint8_t back = 0;  // manifest number = seq - back
  std::uint8_t flags = 0;
  MediaType type = MediaType::video;  // valid with kFirst
  std::uint32_t timestamp = 0;        // valid with kFirst
  std::uint32_t frame_size = 0;       // valid with kFirst
  ByteView chunk;                     // views the content
};

struct ManifestContent {
  std::vector<FragmentHash> hashes;
  Signature signature{};
};

using FragmentContent = std::variant<DataContent, ManifestContent>;

// Parses a fragment's content (views into `content` stay valid while it lives).
Result<FragmentContent> parse_content(ByteView content);

Bytes encode_data(const DataContent& d);
Bytes encode_manifest(const GroupId& group, Seq seq, const std::vector<FragmentHash>& hashes,
                      const Authenticator& auth);
// The bytes a manifest's signature covers.
Bytes manifest_signed_bytes(const GroupId& group, Seq seq, const std::vector<FragmentHash>& hashes);

}  // namespace rtmfp::group
