// Tag payload helpers. See flv_media.hpp (Video File Format Specification
// v10.1 Annex E.4.2.1, E.4.3.1, E.4.4; Enhanced RTMP v1 ex-header).
#include "media/flv/flv_media.hpp"

#include <string>

#include "media/amf/amf0.hpp"

namespace rtmfp::media::flv {

namespace {

std::uint32_t fourcc_at(ByteView d, std::size_t p) {
  return (std::uint32_t{d[p]} << 24) | (std::uint32_t{d[p + 1]} << 16) | (std::uint32_t{d[p + 2]} << 8) | d[p + 3];
}

// Enhanced RTMP v2: skips ModEx prefixes (packet type 7: UI8 size-1, or
// 0xFF then UI16 size-1; the data; then ModExType(4) | PacketType(4)) and
// returns the packet type that follows them.
Result<std::uint8_t> skip_mod_ex(ByteView d, std::size_t& p, std::uint8_t type, std::uint8_t mod_ex) {
  for (int guard = 0; type == mod_ex; ++guard) {
    if (guard > 64) return fail(Errc::malformed, "too many ModEx prefixes");
    if (p >= d.size()) return fail(Errc::truncated, "ModEx size missing");
    std::size_t n = std::size_t{d[p++]} + 1;
    if (n == 256) {
      if (p + 2 > d.size()) return fail(Errc::truncated, "ModEx UI16 size missing");
      n = ((std::size_t{d[p]} << 8) | d[p + 1]) + 1;
      p += 2;
    }
    if (p + n + 1 > d.size()) return fail(Errc::truncated, "ModEx data truncated");
    p += n;
    type = d[p++] & 0x0F;
  }
  return type;
}

// Multitrack (AvMultitrackType(4) | PacketType(4), then a FourCC unless
// ManyTracksManyCodecs = 2) or a plain FourCC. Sets fourcc and multitrack.
Result<std::uint8_t> read_fourcc(ByteView d, std::size_t& p, std::uint8_t type, std::uint8_t multitrack,
                                 std::uint32_t& fourcc, bool& is_multitrack) {
  if (type == multitrack) {
    if (p >= d.size()) return fail(Errc::truncated, "multitrack type missing");
    is_multitrack = true;
    const std::uint8_t mt = d[p] >> 4;
    type = d[p++] & 0x0F;
    if (type == multitrack) return fail(Errc::malformed, "multitrack inside multitrack");
    if (mt == 2) return type;  // one FourCC per track
  }
  if (p + 4 > d.size()) return fail(Errc::truncated, "FourCC truncated");
  fourcc = fourcc_at(d, p);
  p += 4;
  return type;
}

}  // namespace

Result<VideoInfo> parse_video(ByteView d) {
  if (d.empty()) return fail(Errc::truncated, "empty video tag");
  VideoInfo v;
  std::uint8_t b0 = d[0];
  if (b0 & 0x80) {  // Enhanced RTMP: IsExHeader | FrameType(3) | PacketType(4) [ModEx…] FourCC
    v.enhanced = true;
    v.frame_type = (b0 >> 4) & 0x07;
    v.keyframe = v.frame_type == static_cast<std::uint8_t>(VideoFrameType::keyframe);
    std::size_t p = 1;
    auto type = skip_mod_ex(d, p, b0 & 0x0F, static_cast<std::uint8_t>(ExVideoPacket::mod_ex));
    if (!type) return std::unexpected(type.error());
    if (v.frame_type == static_cast<std::uint8_t>(VideoFrameType::command) &&
        *type != static_cast<std::uint8_t>(ExVideoPacket::metadata)) {
      // v2: a command frame carries a VideoCommand byte and no FourCC.
      if (p >= d.size()) return fail(Errc::truncated, "enhanced video command missing");
      v.packet_type = *type;
      v.payload_offset = p;
      return v;
    }
    type = read_fourcc(d, p, *type, static_cast<std::uint8_t>(ExVideoPacket::multitrack), v.fourcc, v.multitrack);
    if (!type) return std::unexpected(type.error());
    v.packet_type = *type;
    v.sequence_header = *type == static_cast<std::uint8_t>(ExVideoPacket::sequence_start) ||
                        *type == static_cast<std::uint8_t>(ExVideoPacket::mpeg2ts_sequence_start);
    v.payload_offset = p;
    return v;
  }
  v.frame_type = b0 >> 4;
  v.codec_id = b0 & 0x0F;
  if (v.frame_type < 1 || v.frame_type > 5)
    return fail(Errc::malformed, "video frame type " + std::to_string(v.frame_type) + " invalid");
  v.keyframe = v.frame_type == static_cast<std::uint8_t>(VideoFrameType::keyframe);
  v.payload_offset = 1;
  if ((v.codec_id == static_cast<std::uint8_t>(VideoCodec::avc) ||
       v.codec_id == static_cast<std::uint8_t>(VideoCodec::hevc)) &&
      v.frame_type != static_cast<std::uint8_t>(VideoFrameType::command)) {  // AVCVIDEOPACKET
    if (d.size() < 5) return fail(Errc::truncated, "AVC video packet header truncated");
    v.packet_type = d[1];
    if (*v.packet_type > 2) return fail(Errc::malformed, "AVC packet type " + std::to_string(d[1]) + " invalid");
    std::uint32_t cts = (std::uint32_t{d[2]} << 16) | (std::uint32_t{d[3]} << 8) | d[4];
    if (cts & 0x800000) cts |= 0xFF000000u;  // SI24
    v.composition_time = static_cast<std::int32_t>(cts);
    v.sequence_header = *v.packet_type == static_cast<std::uint8_t>(AvcPacketType::sequence_header);
    v.payload_offset = 5;
  }
  return v;
}

Result<AudioInfo> parse_audio(ByteView d) {
  if (d.empty()) return fail(Errc::truncated, "empty audio tag");
  AudioInfo a;
  a.sound_format = d[0] >> 4;
  if (a.sound_format == static_cast<std::uint8_t>(SoundFormat::ex_header)) {
    // Enhanced RTMP v2: AudioPacketType(4) [ModEx…] FourCC (or Multitrack).
    a.enhanced = true;
    std::size_t p = 1;
    auto type = skip_mod_ex(d, p, d[0] & 0x0F, static_cast<std::uint8_t>(ExAudioPacket::mod_ex));
    if (!type) return std::unexpected(type.error());
    type = read_fourcc(d, p, *type, static_cast<std::uint8_t>(ExAudioPacket::multitrack), a.fourcc, a.multitrack);
    if (!type) return std::unexpected(type.error());
    a.packet_type = *type;
    a.sequence_header = *type == static_cast<std::uint8_t>(ExAudioPacket::sequence_start);
    a.payload_offset = p;
    return a;
  }
  a.sound_rate = (d[0] >> 2) & 3;
  a.sound_size = (d[0] >> 1) & 1;
  a.sound_type = d[0] & 1;
  a.payload_offset = 1;
  if (a.sound_format == static_cast<std::uint8_t>(SoundFormat::aac)) {  // AACAUDIODATA
    if (d.size() < 2) return fail(Errc::truncated, "AAC audio packet type missing");
    a.aac_packet_type = d[1];
    if (d[1] > 1) return fail(Errc::malformed, "AAC packet type " + std::to_string(d[1]) + " invalid");
    a.sequence_header = d[1] == 0;
    a.payload_offset = 2;
  }
  return a;
}

const amf::Value& ScriptData::value() const {
  static const amf::Value undefined;
  return values.empty() ? undefined : values.front();
}

Result<ScriptData> parse_script(ByteView d, const amf::DecodeLimits& limits) {
  auto all = amf::amf0::decode_all(d, limits);
  if (!all) return std::unexpected(Error{all.error().code, "script data: " + all.error().detail});
  if (all->empty() || !(*all)[0].is_string())
    return fail(Errc::malformed, "script data does not start with a name string");
  ScriptData s;
  s.name = std::string(*(*all)[0].as_string());
  s.values.assign(std::make_move_iterator(all->begin() + 1), std::make_move_iterator(all->end()));
  return s;
}

Result<Bytes> make_script(std::string_view name, const amf::Value& value) {
  Bytes out;
  if (auto r = amf::amf0::encode_to(amf::Value(name), out); !r) return std::unexpected(r.error());
  if (auto r = amf::amf0::encode_to(value, out); !r) return std::unexpected(r.error());
  return out;
}

}  // namespace rtmfp::media::flv
