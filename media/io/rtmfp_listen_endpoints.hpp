// rtmfp-listen:// relay endpoints on RtmfpListenServer:
//  * RtmfpListenSource: waits for an RTMFP client publishing APP/STREAM
//    (others get NetStream.Publish.BadName) and yields its messages.
//  * RtmfpListenSink: the relay publishes APP/STREAM; any number of RTMFP
//    clients play it, before or during the stream (late ones get metadata,
//    sequence headers and the GOP since the last keyframe); others get
//    NetStream.Play.StreamNotFound.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "media/io/hand_over_gate.hpp"
#include "media/io/publisher_capture.hpp"
#include "media/io/relay.hpp"
#include "media/io/rtmfp_listen_server.hpp"

namespace rtmfp::media::io {

class RtmfpListenSource : public Source {
 public:
  static Result<std::unique_ptr<RtmfpListenSource>> open(RtmfpListenServer::Options so, milliseconds io_timeout);
  ~RtmfpListenSource() override;
  // Waits for a publisher without limit; once it started, io_timeout without
  // a message is a failure. nullopt when the publisher stops.
  Result<std::optional<Message>> next() override;
  void interrupt() override { cap_.interrupt(); }
  SocketAddress local_address() const { return server_->local_address(); }

 private:
  RtmfpListenSource() = default;
  milliseconds io_timeout_{15000};
  std::string key_;
  PublisherCapture cap_;  // filled on the server thread
  std::unique_ptr<RtmfpListenServer> server_;  // last: stopped before the rest goes
};

class RtmfpListenSink : public Sink {
 public:
  static Result<std::unique_ptr<RtmfpListenSink>> open(RtmfpListenServer::Options so, milliseconds io_timeout);
  ~RtmfpListenSink() override;
  Result<void> write(const Message& m) override;
  // Unpublishes (players get StreamEOF + Play.UnpublishNotify after the
  // media, RFC 7425 §5.2) and waits, bounded, until the players have
  // acknowledged everything.
  Result<void> finish() override;
  std::uint64_t players() override;  // RTMFP clients playing now
  SocketAddress local_address() const { return server_->local_address(); }

 private:
  RtmfpListenSink() = default;
  milliseconds io_timeout_{15000};
  bool published_ = false;
  std::shared_ptr<HandOverGate> gate_ = std::make_shared<HandOverGate>(4u << 20);  // relay ahead of the node thread
  std::unique_ptr<RtmfpListenServer> server_;  // last
};

}  // namespace rtmfp::media::io
