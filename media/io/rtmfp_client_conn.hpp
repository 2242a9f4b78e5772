// rtmfp://HOST:PORT/APP/STREAM for the relay: an RTMFP initiator (flash
// profile by default, RFC 7425; or modern) whose EPD carries the URI
// (RFC 7425 §4.4.2.2, §5.3.1), running gateway::NetConnectionClient on an
// RtmfpNode thread. open() returns once publishing / playing (or with a
// clear error); next() yields played messages, send() publishes with
// back-pressure (at most kMaxBacklog bytes queued or unacknowledged),
// finish() closes per RFC 7425 §5.3.6 and then the session (RFC 7016 §3.5.5).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "media/gateway/net_connection_client.hpp"
#include "media/gateway/rtmfp_url.hpp"
#include "media/io/relay.hpp"
#include "media/io/rtmfp_node.hpp"

namespace rtmfp::media::io {

class RtmfpClientConn {
 public:
  static constexpr std::uint64_t kMaxBacklog = 1u << 20;       // publish: bytes queued + unacknowledged
  static constexpr std::uint64_t kMaxPlayBacklog = 64u << 20;  // play: bytes the relay has not taken

  struct Options {
    gateway::RtmfpMediaUrl url;
    bool publish = false;
    ProfileKind profile = ProfileKind::flash;
    milliseconds connect_timeout{5000};
    milliseconds io_timeout{15000};
    std::size_t max_datagram_limit = 0;  // EndpointConfig::max_datagram_limit
  };

  static Result<std::unique_ptr<RtmfpClientConn>> open(const Options& o);
  ~RtmfpClientConn();

  // Waits for a played message (io_timeout); nullopt at the end of the
  // stream or once interrupt() was called.
  Result<std::optional<Message>> next();
  // Any thread (the relay's stop request): a blocked next() returns at once.
  void interrupt();
  Result<void> send(const Message& m);
  Result<void> finish();

 private:
  enum class Phase { connecting, streaming, ended, failed };
  explicit RtmfpClientConn(const Options& o);
  // Node thread.
  void on_event(TimePoint now, Endpoint& e, const EndpointEvent& ev);
  void on_tick(TimePoint now, Endpoint& e);
  void drain_events();
  // Any thread.
  void set_failed(Error e);
  void close(milliseconds budget);

  Options o_;
  std::unique_ptr<RtmfpNode> node_;
  // Node thread only.
  gateway::NetConnectionClient nc_;
  std::optional<SessionHandle> session_;
  std::unique_ptr<gateway::EndpointFlowPort> port_;
  std::optional<TimePoint> last_ping_;
  // Shared, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  Phase phase_ = Phase::connecting;
  Error error_;
  std::deque<Message> media_;
  std::uint64_t media_bytes_ = 0;
  std::uint64_t posted_ = 0;    // send(): bytes handed to the node thread, not yet written
  std::uint64_t buffered_ = 0;  // unacknowledged bytes on our flows (node thread's last look)
  bool interrupted_ = false;     // interrupt() called
  std::atomic<bool> closing_{false};  // close() started (read by the node thread too)
};

}  // namespace rtmfp::media::io
