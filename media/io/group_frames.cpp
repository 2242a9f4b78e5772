// See group_frames.hpp.
#include "media/io/group_frames.hpp"

#include <cstring>

#include "media/rtmp/command.hpp"

namespace rtmfp::media::io {

namespace {
bool is_metadata(const Message& m) {
  // onMetaData as its AMF0 string (type 2, length 10) at the start.
  static constexpr std::uint8_t kOnMetaData[] = {2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'};
  return m.payload.size() >= sizeof kOnMetaData && std::memcmp(m.payload.data(), kOnMetaData, sizeof kOnMetaData) == 0;
}
}  // namespace

group::MediaFrame group_frame_of(const Message& m) {
  group::MediaFrame f;
  f.type = static_cast<group::MediaType>(m.type);
  f.timestamp = m.timestamp;
  if (f.type == group::MediaType::video) {
    f.config = rtmp::is_video_sequence_header(m.payload);
    f.keyframe = !f.config && rtmp::is_video_keyframe(m.payload);
  } else if (f.type == group::MediaType::audio) {
    f.config = rtmp::is_audio_sequence_header(m.payload);
  } else {
    f.config = is_metadata(m);
  }
  f.payload = m.payload;
  return f;
}

Message message_of(group::MediaFrame f) {
  Message m;
  m.timestamp = f.timestamp;
  m.type = static_cast<std::uint8_t>(f.type);
  m.stream_id = 1;
  m.csid = rtmp::default_csid(m.type);
  m.payload = std::move(f.payload);
  return m;
}

}  // namespace rtmfp::media::io
