// RTMP command (types 20 / 17) and data (types 18 / 15) messages (R§7.1.1,
// R§7.1.2, R§7.2), built on the AMF codecs in media/amf. Type 17/15 payloads
// start with a format byte 0 and then AMF0 values that may switch to AMF3 via
// the avmplus marker 0x11 (E§7.2). Sans-I/O, no exceptions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "media/amf/amf_value.hpp"
#include "media/rtmp/chunk_stream.hpp"

namespace rtmfp::media::rtmp {

using amf::Value;

struct Command {
  std::string name;
  double transaction_id = 0;
  Value command_object = Value::null();  // connect properties, or null
  std::vector<Value> args;               // optional arguments after the command object
};

// Decodes a type 20 or 17 message. Clear errors for a wrong type, missing
// name/transaction id, a bad format byte, or malformed AMF.
Result<Command> decode_command(const Message& m);
// Encodes as type 20 (amf3 = false) or type 17 (format byte 0, objects and
// arguments through the avmplus switch) on message stream `stream_id`.
Result<Message> encode_command(const Command& c, std::uint32_t stream_id, bool amf3 = false);

// Data messages: a handler name followed by values (e.g. "onMetaData", {...}).
struct DataMessage {
  std::string handler;
  std::vector<Value> values;
};
Result<DataMessage> decode_data(const Message& m);
Result<Message> encode_data(const DataMessage& d, std::uint32_t stream_id, std::uint32_t timestamp, bool amf3 = false);

// "@setDataFrame" handling (interop-notes §2b): publishers send
// @setDataFrame("onMetaData", {...}); players must get onMetaData({...}).
// strip: @setDataFrame + X → X (unchanged otherwise). add: X → @setDataFrame + X
// (unchanged if already present).
DataMessage strip_set_data_frame(DataMessage d);
DataMessage add_set_data_frame(DataMessage d);

// A data message (type 18 / 15) from a publisher as players get it (review
// I4): "@setDataFrame" + X becomes X (onMetaData, or any other handler);
// every other handler passes unchanged (onCuePoint, onTextData,
// onCaptionInfo, |RtmpSampleAccess, …), re-encoded as AMF0 on `stream_id`;
// "@clearDataFrame" asks to forget the cached metadata; undecodable data is
// dropped.
struct PlayerData {
  enum class Kind { pass, clear_metadata, drop } kind = Kind::drop;
  Message message;  // pass only
};
PlayerData to_player_data(const Message& m, std::uint32_t stream_id);

// onStatus info object {level, code, description} (R§7.2.2).
Value status_info(std::string_view level, std::string_view code, std::string_view description);
// The "code" of an onStatus/_result/_error info object, if any.
std::optional<std::string> info_code(const Command& c);

// What an audio (8) / video (9) payload is to a relay: the GOP cache, the
// late-joiner prime and the RTMFP loss policy. Recognised through
// flv::parse_video / parse_audio: legacy FLV (AVC 7 and HEVC 12 with their
// packet type; AAC), and Enhanced RTMP v1/v2 by packet type whatever the
// FourCC (HEVC, AV1, VP9, VVC video; Opus, FLAC, AC-3, E-AC-3, MP3, AAC
// audio), after ModEx prefixes and in Multitrack.
enum class MediaKind : std::uint8_t {
  sequence_start,  // decoder configuration (AVC/AAC sequence header, SequenceStart): cached, reliable
  side_config,     // video Metadata (colorInfo), audio MultichannelConfig: cached, reliable
  keyframe,        // a seekable video frame: a GOP starts here
  frame,           // any other coded frame (inter video, audio)
  disposable,      // H.263 disposable inter frame: nothing depends on it
  other,           // command/info frames, sequence end, silence, undecodable: reliable, not in a GOP
};
MediaKind classify_video(ByteView video);
MediaKind classify_audio(ByteView audio);

// Shorthands. is_aac_/is_avc_sequence_header keep their legacy meaning (FLV
// v10.1 E.4.2.1 / E.4.3.1); the others use the classification above.
bool is_aac_sequence_header(ByteView audio);
bool is_avc_sequence_header(ByteView video);
bool is_video_sequence_header(ByteView video);
bool is_audio_sequence_header(ByteView audio);
bool is_video_keyframe(ByteView video);  // a keyframe that is not a sequence header

}  // namespace rtmfp::media::rtmp
