// FLV file structures (Adobe "Video File Format Specification" v10.1, Annex
// E.2 FLV header, E.3 FLV file body, E.4.1 FLV tag; not in shared/specs — the
// layout below is that annex's). RTMP message types 8/9/18 carry the same tag
// payloads (rtmp_specification_1.0 §7.1.4/§7.1.5, §7.1.2).
//
//   header: 'F' 'L' 'V', version U8 (1), flags U8 (0x04 audio, 0x01 video,
//           other bits reserved 0), DataOffset U32 (9 for version 1)
//   body:   PreviousTagSize0 U32 (0), then { tag, PreviousTagSize U32 (11 + DataSize) }*
//   tag:    U8 (2 reserved bits 0, Filter bit 0x20, TagType 5 bits: 8/9/18),
//           DataSize U24, Timestamp U24, TimestampExtended U8 (bits 31..24),
//           StreamID U24 (always 0), Data
#pragma once

#include <cstdint>

#include "rtmfp/core/bytes.hpp"

namespace rtmfp::media::flv {

enum class TagType : std::uint8_t { audio = 8, video = 9, script = 18 };

inline constexpr std::size_t kHeaderSize = 9;
inline constexpr std::size_t kTagHeaderSize = 11;
inline constexpr std::uint32_t kMaxDataSize = 0xFFFFFF;

struct Header {
  std::uint8_t version = 1;
  bool has_audio = true;
  bool has_video = true;
  std::uint32_t data_offset = kHeaderSize;
  friend bool operator==(const Header&, const Header&) = default;
};

struct Tag {
  TagType type = TagType::script;
  std::uint32_t timestamp = 0;   // milliseconds, TimestampExtended already merged in
  std::uint32_t stream_id = 0;   // always 0 in valid files
  bool filtered = false;         // Filter bit: payload is encrypted/pre-processed
  Bytes data;
  std::uint64_t offset = 0;      // absolute file offset of the tag (reader only)

  friend bool operator==(const Tag& a, const Tag& b) {
    return a.type == b.type && a.timestamp == b.timestamp && a.stream_id == b.stream_id &&
           a.filtered == b.filtered && a.data == b.data;
  }
};

}  // namespace rtmfp::media::flv
