// See stream_registry.hpp.
#include "media/rtmp/stream_registry.hpp"

#include <algorithm>

#include "media/rtmp/command.hpp"

namespace rtmfp::media::rtmp {

Result<void> StreamRegistry::publish(const std::string& key, const void* publisher) {
  auto it = streams_.find(key);
  if (it == streams_.end() && streams_.size() >= limits_.max_streams)
    return fail(Errc::limit_exceeded, "too many streams");
  Entry& e = streams_[key];
  if (e.publisher && e.publisher != publisher) return fail(Errc::bad_state, "stream '" + key + "' is already being published");
  e.publisher = publisher;
  e.metadata.reset();
  e.video_header.reset();
  e.video_side.reset();
  e.audio_header.reset();
  e.audio_side.reset();
  e.gop.clear();
  e.gop_bytes = 0;
  for (auto* p : e.players) p->publisher_started();
  return {};
}

void StreamRegistry::unpublish(const std::string& key, const void* publisher, bool abrupt) {
  auto it = streams_.find(key);
  if (it == streams_.end() || it->second.publisher != publisher) return;
  it->second.publisher = nullptr;
  it->second.gop.clear();
  it->second.gop_bytes = 0;
  for (auto* p : it->second.players) {
    if (abrupt)
      p->publisher_lost();
    else
      p->publisher_stopped();
  }
  maybe_erase(key);
}

void StreamRegistry::on_media(const std::string& key, const Message& m) {
  auto it = streams_.find(key);
  if (it == streams_.end() || !it->second.publisher) return;
  Entry& e = it->second;
  bool cache = false, keyframe = false;
  if (m.type == msg_type::data_amf0 || m.type == msg_type::data_amf3) {
    if (auto d = decode_data(m); d && d->handler == "onMetaData") e.metadata = m;
  } else if (m.type == msg_type::video || m.type == msg_type::audio) {
    const bool video = m.type == msg_type::video;
    switch (video ? classify_video(m.payload) : classify_audio(m.payload)) {
      case MediaKind::sequence_start:
        (video ? e.video_header : e.audio_header) = m;
        break;
      case MediaKind::side_config:
        (video ? e.video_side : e.audio_side) = m;
        break;
      case MediaKind::keyframe:
        e.gop.clear();  // a new GOP starts at each keyframe
        e.gop_bytes = 0;
        keyframe = cache = true;
        break;
      case MediaKind::frame:
      case MediaKind::disposable:
      case MediaKind::other:
        cache = true;
        break;
    }
  }
  if (cache) {
    if (e.gop_bytes + m.payload.size() > limits_.max_gop_bytes) {
      e.gop.clear();  // over budget: late players wait for the next keyframe
      e.gop_bytes = 0;
    } else if (!e.gop.empty() || keyframe) {
      e.gop.push_back(m);
      e.gop_bytes += m.payload.size();
    }
  }
  for (auto* p : e.players) p->deliver(m);
}

void StreamRegistry::prime(const Entry& e, StreamSink* s) {
  for (const auto* m : {&e.metadata, &e.video_header, &e.video_side, &e.audio_header, &e.audio_side})
    if (*m) s->deliver_prime(**m);
  for (const auto& m : e.gop) s->deliver_prime(m);
}

void StreamRegistry::clear_metadata(const std::string& key) {
  if (auto it = streams_.find(key); it != streams_.end()) it->second.metadata.reset();
}

Result<void> StreamRegistry::add_player(const std::string& key, StreamSink* sink) {
  auto it = streams_.find(key);
  if (it == streams_.end() && streams_.size() >= limits_.max_streams)
    return fail(Errc::limit_exceeded, "too many streams");
  Entry& e = streams_[key];
  if (e.players.size() >= limits_.max_players_per_stream)
    return fail(Errc::limit_exceeded, "too many players on stream '" + key + "'");
  e.players.push_back(sink);
  if (e.publisher) {
    sink->publisher_started();
    prime(e, sink);
  }
  return {};
}

void StreamRegistry::remove_player(const std::string& key, StreamSink* sink) {
  auto it = streams_.find(key);
  if (it == streams_.end()) return;
  auto& v = it->second.players;
  v.erase(std::remove(v.begin(), v.end(), sink), v.end());
  maybe_erase(key);
}

void StreamRegistry::maybe_erase(const std::string& key) {
  auto it = streams_.find(key);
  if (it != streams_.end() && !it->second.publisher && it->second.players.empty()) streams_.erase(it);
}

bool StreamRegistry::has_publisher(const std::string& key) const {
  auto it = streams_.find(key);
  return it != streams_.end() && it->second.publisher;
}

std::size_t StreamRegistry::gop_bytes(const std::string& key) const {
  auto it = streams_.find(key);
  return it == streams_.end() ? 0 : it->second.gop_bytes;
}

}  // namespace rtmfp::media::rtmp
