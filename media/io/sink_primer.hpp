// What a relay destination needs when it (re)starts mid-stream: the last
// onMetaData, the audio/video sequence headers and the GOP since the last
// keyframe, from the same cache the built-in servers give late players
// (rtmp::StreamRegistry). After a destination reconnect the relay writes
// these first, so the new connection starts decodable, then goes on with
// the live messages.
#pragma once

#include <vector>

#include "media/io/relay.hpp"
#include "media/rtmp/stream_registry.hpp"

namespace rtmfp::media::io {

class SinkPrimer {
 public:
  SinkPrimer();
  // Every message the relay sends (timestamps as sent).
  void on_message(const Message& m);
  // A new source: the cache starts again.
  void reset();
  // The messages that prime a new destination, in order.
  std::vector<Message> prime();

 private:
  class Collector : public rtmp::StreamSink {
   public:
    void deliver(const Message& m) override { out.push_back(m); }
    void publisher_started() override {}
    void publisher_stopped() override {}
    std::vector<Message> out;
  };
  static constexpr const char* kKey = "relay/primer";
  rtmp::StreamRegistry registry_;
};

}  // namespace rtmfp::media::io
