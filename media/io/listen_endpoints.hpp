// rtmp-listen:// relay endpoints on the built-in server (RtmpListenServer):
//  * ListenSource: waits for a publisher on APP/STREAM and yields its messages.
//  * ListenSink: the relay is the publisher of APP/STREAM; any number of
//    players connect concurrently, before or during the stream, and get
//    metadata, sequence headers and the GOP from the last keyframe (the
//    StreamRegistry cache), then live messages.
// Other clients may publish or play other keys on the same port.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "media/io/publisher_capture.hpp"
#include "media/io/relay.hpp"
#include "media/io/rtmp_listen_server.hpp"

namespace rtmfp::media::io {

class ListenSource : public Source {
 public:
  static Result<std::unique_ptr<ListenSource>> open(RtmpListenServer::Options so, std::string key);
  ~ListenSource() override;
  // Waits for a publisher without limit; once it started, more than io_timeout
  // without a message is a failure. nullopt when the publisher stops.
  Result<std::optional<Message>> next() override;
  void interrupt() override { cap_.interrupt(); }
  std::uint16_t port() const { return server_->port(); }

 private:
  ListenSource() = default;
  std::string key_;
  milliseconds io_timeout_{15000};
  PublisherCapture cap_;  // filled on the server thread
  std::unique_ptr<RtmpListenServer> server_;  // last: stopped before the rest goes
};

class ListenSink : public Sink {
 public:
  static Result<std::unique_ptr<ListenSink>> open(RtmpListenServer::Options so, std::string key);
  ~ListenSink() override;
  Result<void> write(const Message& m) override;
  // Unpublishes (players get StreamEOF + Play.UnpublishNotify) and waits,
  // bounded, until the players were sent everything.
  Result<void> finish() override;
  std::uint16_t port() const { return server_->port(); }

 private:
  ListenSink() = default;
  std::string key_;
  milliseconds io_timeout_{15000};
  bool published_ = false;
  std::shared_ptr<std::atomic<std::size_t>> queued_ = std::make_shared<std::atomic<std::size_t>>(0);
  std::unique_ptr<RtmpListenServer> server_;  // last: stopped before the rest goes
};

}  // namespace rtmfp::media::io
