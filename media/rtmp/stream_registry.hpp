// Stream registry for the built-in RTMP server: one publisher per key fans out
// to many players. A late player gets the metadata, the decoder
// configuration (sequence headers / SequenceStart, video Metadata, audio
// MultichannelConfig) and the GOP since the last keyframe (bounded cache),
// for legacy FLV codecs, legacy HEVC (12) and Enhanced RTMP FourCC codecs
// alike (rtmp::classify_video / classify_audio). Players that
// arrive before the publisher wait for it (like nginx-rtmp idle streams).
// Sans-I/O: delivery is a direct call into the player's sink.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "media/rtmp/chunk_stream.hpp"

namespace rtmfp::media::rtmp {

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Media or data message (stream_id to be set by the sink; timestamps as published).
  virtual void deliver(const Message& m) = 0;
  // The join prime of add_player (metadata, sequence headers and the GOP
  // since the last keyframe), which a sink may treat apart (e.g. never thin
  // it). Default: deliver().
  virtual void deliver_prime(const Message& m) { deliver(m); }
  virtual void publisher_started() = 0;
  virtual void publisher_stopped() = 0;
  // The publisher went away without an orderly end (connection reset, timed
  // out, session dropped: no FCUnpublish/deleteStream/closeStream). Players
  // that do not care treat it as a stop.
  virtual void publisher_lost() { publisher_stopped(); }
};

struct RegistryLimits {
  std::size_t max_gop_bytes = 16u << 20;  // older GOP data is dropped beyond this
  std::size_t max_players_per_stream = 1024;
  std::size_t max_streams = 4096;
};

class StreamRegistry {
 public:
  explicit StreamRegistry(RegistryLimits limits = {}) : limits_(limits) {}

  // Fails with Errc::bad_state if another publisher holds the key.
  Result<void> publish(const std::string& key, const void* publisher);
  // abrupt: the publisher's connection ended without an orderly unpublish
  // (players get publisher_lost instead of publisher_stopped).
  void unpublish(const std::string& key, const void* publisher, bool abrupt = false);
  // Metadata must already be without @setDataFrame (players get onMetaData).
  void on_media(const std::string& key, const Message& m);
  // @clearDataFrame: late players no longer get the metadata.
  void clear_metadata(const std::string& key);
  Result<void> add_player(const std::string& key, StreamSink* sink);
  void remove_player(const std::string& key, StreamSink* sink);

  bool has_publisher(const std::string& key) const;
  std::size_t gop_bytes(const std::string& key) const;

 private:
  struct Entry {
    const void* publisher = nullptr;
    std::optional<Message> metadata, video_header, video_side, audio_header, audio_side;
    std::vector<Message> gop;
    std::size_t gop_bytes = 0;
    std::vector<StreamSink*> players;
  };
  void prime(const Entry& e, StreamSink* s);
  void maybe_erase(const std::string& key);
  RegistryLimits limits_;
  std::map<std::string, Entry> streams_;
};

}  // namespace rtmfp::media::rtmp
