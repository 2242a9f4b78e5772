// Tag payload helpers. See flv_media.hpp (Video File Format Specification
// v10.1 Annex E.4.2.1, E.4.3.1, E.4.4; Enhanced RTMP v1 ex-header).
#include "media/flv/flv_media.hpp"

#include <string>

#include "media/amf/amf0.hpp"

namespace rtmfp::media::flv {

Result<VideoInfo> parse_video(ByteView d) {
  if (d.empty()) return fail(Errc::truncated, "empty video tag");
  VideoInfo v;
  std::uint8_t b0 = d[0];
  if (b0 & 0x80) {  // Enhanced RTMP: IsExHeader | FrameType(3) | PacketType(4) | FourCC
    if (d.size() < 5) return fail(Errc::truncated, "enhanced video header truncated");
    v.enhanced = true;
    v.frame_type = (b0 >> 4) & 0x07;
    v.packet_type = b0 & 0x0F;
    v.fourcc = (std::uint32_t{d[1]} << 24) | (std::uint32_t{d[2]} << 16) | (std::uint32_t{d[3]} << 8) | d[4];
    v.keyframe = v.frame_type == static_cast<std::uint8_t>(VideoFrameType::keyframe);
    v.sequence_header = *v.packet_type == 0;  // PacketTypeSequenceStart
    v.payload_offset = 5;
    return v;
  }
  v.frame_type = b0 >> 4;
  v.codec_id = b0 & 0x0F;
  if (v.frame_type < 1 || v.frame_type > 5)
    return fail(Errc::malformed, "video frame type " + std::to_string(v.frame_type) + " invalid");
  v.keyframe = v.frame_type == static_cast<std::uint8_t>(VideoFrameType::keyframe);
  v.payload_offset = 1;
  if (v.codec_id == static_cast<std::uint8_t>(VideoCodec::avc) &&
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
