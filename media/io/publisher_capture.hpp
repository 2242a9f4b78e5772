// The queue between a built-in server's thread (which delivers a publisher's
// messages) and the relay thread (which reads them): the source side of
// rtmp-listen:// and rtmfp-listen://. Bounded: a relay destination more than
// kMaxBacklog behind is a failure, not unbounded memory.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "media/rtmp/stream_registry.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::io {

class PublisherCapture : public rtmp::StreamSink {
 public:
  static constexpr std::size_t kMaxBacklog = 64u << 20;

  // Called on the server's thread.
  void deliver(const rtmp::Message& m) override;
  void publisher_started() override;
  void publisher_stopped() override;

  // Relay thread: waits for a publisher without limit; once it started,
  // io_timeout without a message is a failure. nullopt when the publisher
  // stops. `scheme` and `key` name the endpoint in error messages.
  Result<std::optional<rtmp::Message>> next(std::chrono::milliseconds io_timeout, std::string_view scheme,
                                            const std::string& key);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<rtmp::Message> q_;
  std::size_t bytes_ = 0;
  bool started_ = false, stopped_ = false, overflow_ = false;
};

}  // namespace rtmfp::media::io
