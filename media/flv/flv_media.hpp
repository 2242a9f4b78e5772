// Helpers that look inside FLV tag payloads (also the payloads of RTMP audio
// 8 / video 9 / data 18 messages): Adobe "Video File Format Specification"
// v10.1 Annex E.4.2.1 AUDIODATA + AACAUDIODATA, E.4.3.1 VIDEODATA +
// AVCVIDEOPACKET, E.4.4 SCRIPTDATA (AMF0: a name string, then a value,
// usually an ECMA array for onMetaData). Enhanced RTMP v1/v2 (veovera)
// headers are recognised, not interpreted: video IsExHeader (bit 0x80) and
// audio SoundFormat 9 (ExHeader), with their PacketType, FourCC, ModEx
// prefixes and Multitrack. Legacy codec 12 (HEVC, a widespread extension of
// the FLV table) has the AVCVIDEOPACKET layout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/amf/amf_value.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::flv {

enum class VideoFrameType : std::uint8_t {
  keyframe = 1, inter = 2, disposable_inter = 3, generated_keyframe = 4, command = 5 };
enum class VideoCodec : std::uint8_t {
  jpeg = 1, sorenson_h263 = 2, screen_video = 3, vp6 = 4, vp6_alpha = 5, screen_video_v2 = 6, avc = 7,
  hevc = 12 };  // 12: not in FLV v10.1; used by CDNs and forks before Enhanced RTMP
// Enhanced RTMP VideoPacketType / AudioPacketType values (v2 §ExVideoTagHeader, §ExAudioTagHeader).
enum class ExVideoPacket : std::uint8_t {
  sequence_start = 0, coded_frames = 1, sequence_end = 2, coded_frames_x = 3, metadata = 4,
  mpeg2ts_sequence_start = 5, multitrack = 6, mod_ex = 7 };
enum class ExAudioPacket : std::uint8_t {
  sequence_start = 0, coded_frames = 1, sequence_end = 2, multichannel_config = 4, multitrack = 5, mod_ex = 7 };
enum class AvcPacketType : std::uint8_t { sequence_header = 0, nalu = 1, end_of_sequence = 2 };

struct VideoInfo {
  std::uint8_t frame_type = 0;   // VideoFrameType
  std::uint8_t codec_id = 0;     // VideoCodec (legacy header)
  bool keyframe = false;
  bool enhanced = false;         // Enhanced RTMP ex-header
  std::uint32_t fourcc = 0;      // enhanced only, e.g. 'hvc1' (0: command frame, or one codec per track)
  bool multitrack = false;       // enhanced Multitrack (packet_type is then the tracks' type)
  std::optional<std::uint8_t> packet_type;  // AVC/HEVC packet type, or the enhanced PacketType after ModEx
  std::int32_t composition_time = 0;        // AVC only (SI24)
  bool sequence_header = false;  // AVC/enhanced sequence start (decoder configuration)
  std::size_t payload_offset = 0;  // where the codec payload starts in the tag data
};
Result<VideoInfo> parse_video(ByteView tag_data);

enum class SoundFormat : std::uint8_t {
  pcm_platform = 0, adpcm = 1, mp3 = 2, pcm_le = 3, nellymoser_16k = 4, nellymoser_8k = 5,
  nellymoser = 6, g711_alaw = 7, g711_mulaw = 8, ex_header = 9, aac = 10, speex = 11, mp3_8k = 14, device_specific = 15 };

struct AudioInfo {
  std::uint8_t sound_format = 0;  // SoundFormat
  std::uint8_t sound_rate = 0;    // 0 5.5k, 1 11k, 2 22k, 3 44k
  std::uint8_t sound_size = 0;    // 0 8-bit, 1 16-bit
  std::uint8_t sound_type = 0;    // 0 mono, 1 stereo
  std::optional<std::uint8_t> aac_packet_type;  // 0 sequence header, 1 raw
  bool enhanced = false;          // SoundFormat 9 (ExHeader): the rate/size/type bits are not used
  std::uint32_t fourcc = 0;       // enhanced only, e.g. 'Opus', 'fLaC', 'ac-3', 'mp4a'
  bool multitrack = false;
  std::optional<std::uint8_t> packet_type;  // enhanced AudioPacketType after ModEx
  bool sequence_header = false;   // AAC sequence header or enhanced SequenceStart
  std::size_t payload_offset = 0;
};
Result<AudioInfo> parse_audio(ByteView tag_data);

// SCRIPTDATA: name (e.g. "onMetaData") and its value(s).
struct ScriptData {
  std::string name;
  std::vector<amf::Value> values;  // normally one (the metadata ECMA array)
  const amf::Value& value() const;  // first value or undefined
};
Result<ScriptData> parse_script(ByteView tag_data, const amf::DecodeLimits& limits = {});
Result<Bytes> make_script(std::string_view name, const amf::Value& value);

}  // namespace rtmfp::media::flv
