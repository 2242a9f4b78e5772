// rtmp-listen:// relay endpoints on the built-in server (RtmpListenServer):
//  * ListenSource: waits for a publisher on APP/STREAM and yields its messages.
//  * ListenSink: the relay is the publisher of APP/STREAM; any number of
//    players connect concurrently, before or during the stream, and get
//    metadata, sequence headers and the GOP from the last keyframe (the
//    StreamRegistry cache), then live messages.
// Only APP/STREAM is served (review S3): a ListenSource accepts one publisher
// and players of that key, a ListenSink only players. The key may carry
// tokens, "live/s?publish_key=A&play_key=B": clients then send the stream
// name as "s?key=A" (publish) / "s?key=B" (play); see ListenAccess.
// Endpoints naming the same ADDR:PORT (not 0) share one server, each serving
// its own key (SharedRtmpListener).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "media/io/hand_over_gate.hpp"
#include "media/io/publisher_capture.hpp"
#include "media/io/relay.hpp"
#include "media/io/rtmp_listen_server.hpp"
#include "media/io/shared_rtmp_listener.hpp"

namespace rtmfp::media::io {

class ListenSource : public Source {
 public:
  static Result<std::unique_ptr<ListenSource>> open(RtmpListenServer::Options so, std::string key);
  ~ListenSource() override;
  // Waits for a publisher without limit; once it started, more than io_timeout
  // without a message is a failure. nullopt when the publisher stops.
  Result<std::optional<Message>> next() override;
  void interrupt() override { cap_.interrupt(); }
  std::uint16_t port() const { return listener_->server().port(); }
  RtmpListenServer& server() { return listener_->server(); }

 private:
  ListenSource() = default;
  std::string key_;
  bool claimed_ = false;
  milliseconds io_timeout_{15000};
  PublisherCapture cap_;  // filled on the server thread
  std::shared_ptr<SharedRtmpListener> listener_;  // last: a private server stops before the rest goes
};

class ListenSink : public Sink {
 public:
  static Result<std::unique_ptr<ListenSink>> open(RtmpListenServer::Options so, std::string key);
  ~ListenSink() override;
  Result<void> write(const Message& m) override;
  // Unpublishes (players get StreamEOF + Play.UnpublishNotify) and waits,
  // bounded, until the players were sent everything.
  Result<void> finish() override;
  std::uint64_t skipped() override { return server().stats(key_).thinned_video; }
  std::uint64_t players() override { return server().stats(key_).players; }
  std::uint16_t port() const { return listener_->server().port(); }
  RtmpListenServer& server() { return listener_->server(); }
  // Bytes written but not yet taken by the server thread.
  std::size_t handed_over() const { return gate_->outstanding(); }
  // The relay blocks while more than this is not yet taken by the server thread
  // (below max_player_backlog, so a burst alone never drops a player).
  static constexpr std::size_t kMaxHandOver = 4u << 20;

 private:
  ListenSink() = default;
  std::string key_;
  bool claimed_ = false;
  milliseconds io_timeout_{15000};
  bool published_ = false;
  std::shared_ptr<HandOverGate> gate_ = std::make_shared<HandOverGate>(kMaxHandOver);
  std::shared_ptr<SharedRtmpListener> listener_;  // last: a private server stops before the rest goes
};

}  // namespace rtmfp::media::io
