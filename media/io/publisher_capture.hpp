// The queue between a built-in server's thread (which delivers a publisher's
// messages) and the relay thread (which reads them): the source side of
// rtmp-listen:// and rtmfp-listen://. Bounded: a relay destination more than
// kMaxBacklog behind is a failure, not unbounded memory.
//
// An orderly end of the publisher (FCUnpublish / deleteStream / closeStream)
// is the end of the stream; an abrupt loss (connection reset, silent, RTMFP
// session dropped) is an error (Errc::closed, retriable), after which the
// capture waits for the next publisher again.
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
  void publisher_lost() override;

  // Relay thread: waits for a publisher without limit; once it started,
  // io_timeout without a message is a failure (Errc::timeout). nullopt when
  // the publisher stops in order; Errc::closed when it is lost (the capture
  // then waits for the next publisher). Errc::io_error when the relay fell
  // kMaxBacklog behind (a local failure). `scheme` and `key` name the endpoint in error
  // messages. Wakes on events only (condition variable with a deadline).
  Result<std::optional<rtmp::Message>> next(std::chrono::milliseconds io_timeout, std::string_view scheme,
                                            const std::string& key);
  // Any thread: a blocked next() returns nullopt at once (shutdown).
  void interrupt();
  // Publishers seen so far (a new publisher is a source change for the relay).
  std::uint64_t publishers() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::optional<rtmp::Message>> q_;  // nullopt: the publisher before was lost here
  std::size_t bytes_ = 0;
  std::uint64_t publishers_ = 0;
  bool started_ = false, stopped_ = false, overflow_ = false, interrupted_ = false;
};

}  // namespace rtmfp::media::io
