// Command and data message codec. See command.hpp.
#include "media/rtmp/command.hpp"

#include "media/flv/flv_media.hpp"

#include "media/amf/amf0.hpp"

namespace rtmfp::media::rtmp {

namespace {
Result<std::vector<Value>> decode_values(const Message& m, std::uint8_t t0, std::uint8_t t3, const char* what) {
  ByteView body = m.payload;
  if (m.type == t3) {
    // E§7.2: the payload starts with a format selector byte, which is 0.
    if (body.empty()) return fail(Errc::truncated, std::string("empty AMF3 ") + what + " message");
    if (body[0] != 0)
      return fail(Errc::malformed, std::string("AMF3 ") + what + " message with format byte " + std::to_string(body[0]) +
                                       " (expected 0, E§7.2)");
    body = body.subspan(1);
  } else if (m.type != t0) {
    return fail(Errc::invalid_argument, std::string("message type ") + std::to_string(m.type) + " is not a " + what);
  }
  auto vals = amf::amf0::decode_all(body);
  if (!vals) return fail(vals.error().code, std::string("bad AMF in ") + what + ": " + vals.error().detail);
  return vals;
}

Result<void> put(const Value& v, Bytes& out, bool amf3) {
  // Strings and numbers stay AMF0 (readable by every peer); complex values go
  // through the avmplus switch in AMF3 mode (E§7.2).
  if (amf3 && !(v.is_string() || v.is_number() || v.is_nullish() || v.is_boolean()))
    return amf::amf0::encode_avmplus_to(v, out);
  return amf::amf0::encode_to(v, out);
}
}  // namespace

Result<Command> decode_command(const Message& m) {
  auto vals = decode_values(m, msg_type::command_amf0, msg_type::command_amf3, "command");
  if (!vals) return std::unexpected(vals.error());
  auto& v = *vals;
  if (v.empty() || !v[0].as_string()) return fail(Errc::malformed, "command without a name string");
  Command c;
  c.name = std::string(*v[0].as_string());
  if (v.size() < 2 || !v[1].as_number())
    return fail(Errc::malformed, "command '" + c.name + "' without a transaction ID number");
  c.transaction_id = *v[1].as_number();
  if (v.size() >= 3) c.command_object = std::move(v[2]);
  for (std::size_t i = 3; i < v.size(); ++i) c.args.push_back(std::move(v[i]));
  return c;
}

Result<Message> encode_command(const Command& c, std::uint32_t stream_id, bool amf3) {
  Message m;
  m.type = amf3 ? msg_type::command_amf3 : msg_type::command_amf0;
  m.stream_id = stream_id;
  m.csid = 3;
  if (amf3) m.payload.push_back(0);
  if (auto r = amf::amf0::encode_to(Value::string(c.name), m.payload); !r) return std::unexpected(r.error());
  if (auto r = amf::amf0::encode_to(Value::number(c.transaction_id), m.payload); !r) return std::unexpected(r.error());
  if (auto r = put(c.command_object, m.payload, amf3); !r) return std::unexpected(r.error());
  for (const auto& a : c.args)
    if (auto r = put(a, m.payload, amf3); !r) return std::unexpected(r.error());
  return m;
}

Result<DataMessage> decode_data(const Message& m) {
  auto vals = decode_values(m, msg_type::data_amf0, msg_type::data_amf3, "data message");
  if (!vals) return std::unexpected(vals.error());
  auto& v = *vals;
  if (v.empty() || !v[0].as_string()) return fail(Errc::malformed, "data message without a handler name string");
  DataMessage d;
  d.handler = std::string(*v[0].as_string());
  for (std::size_t i = 1; i < v.size(); ++i) d.values.push_back(std::move(v[i]));
  return d;
}

Result<Message> encode_data(const DataMessage& d, std::uint32_t stream_id, std::uint32_t timestamp, bool amf3) {
  Message m;
  m.type = amf3 ? msg_type::data_amf3 : msg_type::data_amf0;
  m.stream_id = stream_id;
  m.timestamp = timestamp;
  m.csid = 5;
  if (amf3) m.payload.push_back(0);
  if (auto r = amf::amf0::encode_to(Value::string(d.handler), m.payload); !r) return std::unexpected(r.error());
  for (const auto& a : d.values)
    if (auto r = put(a, m.payload, amf3); !r) return std::unexpected(r.error());
  return m;
}

DataMessage strip_set_data_frame(DataMessage d) {
  if (d.handler != "@setDataFrame" || d.values.empty() || !d.values[0].as_string()) return d;
  DataMessage r;
  r.handler = std::string(*d.values[0].as_string());
  r.values.assign(std::make_move_iterator(d.values.begin() + 1), std::make_move_iterator(d.values.end()));
  return r;
}

DataMessage add_set_data_frame(DataMessage d) {
  if (d.handler == "@setDataFrame") return d;
  DataMessage r;
  r.handler = "@setDataFrame";
  r.values.push_back(Value::string(std::move(d.handler)));
  for (auto& v : d.values) r.values.push_back(std::move(v));
  return r;
}

PlayerData to_player_data(const Message& m, std::uint32_t stream_id) {
  PlayerData r;
  auto d = decode_data(m);
  if (!d) return r;
  DataMessage s = strip_set_data_frame(std::move(*d));
  if (s.handler == "@clearDataFrame") {
    r.kind = PlayerData::Kind::clear_metadata;
    return r;
  }
  auto enc = encode_data(s, stream_id, m.timestamp, false);
  if (!enc) return r;
  r.kind = PlayerData::Kind::pass;
  r.message = std::move(*enc);
  return r;
}

Value status_info(std::string_view level, std::string_view code, std::string_view description) {
  return Value::object({{"level", Value::string(std::string(level))},
                        {"code", Value::string(std::string(code))},
                        {"description", Value::string(std::string(description))}});
}

std::optional<std::string> info_code(const Command& c) {
  auto from = [](const Value& v) -> std::optional<std::string> {
    if (const Value* code = v.get("code"); code && code->as_string()) return std::string(*code->as_string());
    return std::nullopt;
  };
  for (const auto& a : c.args)
    if (auto s = from(a)) return s;
  return from(c.command_object);
}

namespace {
// A legacy header whose packet is shorter than FLV v10.1 requires (e.g. an
// AVC frame without its composition time): classified by its first bytes,
// as before the FLV parser was used here.
MediaKind classify_short_legacy_video(ByteView v) {
  const std::uint8_t codec = v[0] & 0x0f;
  if ((codec == 7 || codec == 12) && v.size() >= 2 && v[1] == 0 && (v[0] >> 4) != 5) return MediaKind::sequence_start;
  switch (v[0] >> 4) {
    case 1:
    case 4:
      return MediaKind::keyframe;
    case 2:
      return MediaKind::frame;
    case 3:
      return MediaKind::disposable;
    default:
      return MediaKind::other;
  }
}
}  // namespace

MediaKind classify_video(ByteView v) {
  auto info = flv::parse_video(v);
  if (!info) return !v.empty() && !(v[0] & 0x80) ? classify_short_legacy_video(v) : MediaKind::other;
  using FT = flv::VideoFrameType;
  if (info->enhanced) {
    using P = flv::ExVideoPacket;
    const auto type = static_cast<P>(info->packet_type.value_or(0xff));
    if (type == P::metadata) return MediaKind::side_config;  // FrameType ignored (v2)
    if (info->frame_type == static_cast<std::uint8_t>(FT::command)) return MediaKind::other;
    if (info->sequence_header) return MediaKind::sequence_start;
    if (type != P::coded_frames && type != P::coded_frames_x) return MediaKind::other;  // SequenceEnd, reserved
  } else {
    if (info->frame_type == static_cast<std::uint8_t>(FT::command)) return MediaKind::other;
    if (info->sequence_header) return MediaKind::sequence_start;
    if (info->packet_type == static_cast<std::uint8_t>(flv::AvcPacketType::end_of_sequence)) return MediaKind::other;
  }
  switch (static_cast<FT>(info->frame_type)) {
    case FT::keyframe:
    case FT::generated_keyframe:
      return MediaKind::keyframe;
    case FT::disposable_inter:
      return MediaKind::disposable;
    case FT::inter:
      return MediaKind::frame;
    default:
      return MediaKind::other;
  }
}

MediaKind classify_audio(ByteView a) {
  if (a.empty()) return MediaKind::other;  // the "audio silence" message (E-RTMP v2)
  auto info = flv::parse_audio(a);
  if (!info) return MediaKind::other;
  if (info->sequence_header) return MediaKind::sequence_start;
  if (info->enhanced) {
    using P = flv::ExAudioPacket;
    const auto type = static_cast<P>(info->packet_type.value_or(0xff));
    if (type == P::multichannel_config) return MediaKind::side_config;
    if (type != P::coded_frames) return MediaKind::other;
  }
  return MediaKind::frame;
}

// FLV AUDIODATA: SoundFormat 10 (AAC) in the top nibble, then AACPacketType.
bool is_aac_sequence_header(ByteView a) { return a.size() >= 2 && (a[0] >> 4) == 10 && a[1] == 0; }
// FLV VIDEODATA: FrameType<<4 | CodecID 7 (AVC), then AVCPacketType.
bool is_avc_sequence_header(ByteView v) { return v.size() >= 2 && (v[0] & 0x0f) == 7 && v[1] == 0; }
bool is_video_sequence_header(ByteView v) { return classify_video(v) == MediaKind::sequence_start; }
bool is_audio_sequence_header(ByteView a) { return classify_audio(a) == MediaKind::sequence_start; }
bool is_video_keyframe(ByteView v) { return classify_video(v) == MediaKind::keyframe; }

}  // namespace rtmfp::media::rtmp
