// The server behind rtmfp-listen://ADDR:PORT/APP/STREAM: an RTMFP responder
// accepting both crypto profiles (flash, RFC 7425, and modern) on one UDP
// port, running gateway::MediaServer (RFC 7425 §5.3 NetConnections sharing
// one stream registry) on an RtmfpNode thread. The relay reaches the
// MediaServer only through post() / call().
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "media/gateway/media_server.hpp"
#include "media/gateway/rtmfp_url.hpp"
#include "media/io/listen_access.hpp"
#include "media/io/rtmfp_node.hpp"

namespace rtmfp::media::io {

class RtmfpListenServer {
 public:
  struct Options {
    gateway::RtmfpMediaUrl url;  // rtmfp-listen://ADDR:PORT/APP/STREAM (stream without its ?query)
    // Optional ?key= tokens for publishers / players (as rtmp-listen://;
    // set from the URL's ?publish_key=&play_key= by the endpoints' open()).
    ListenAccess access;
    bool relay_publishes = false;  // true: players may play (destination); false: one publisher (source)
    std::function<void(const std::string&)> log;  // a line per client event (node thread), optional
    std::size_t max_datagram_limit = 0;           // EndpointConfig::max_datagram_limit
    // Review R5 (gateway::ServerPolicy): sessions in all and per source
    // address (the oldest idle one evicted when full), and io_timeout for
    // sessions that never publish or play, silent publishers and players
    // handed nothing.
    milliseconds io_timeout{15000};
    std::size_t max_connections = 256;
    std::size_t max_connections_per_address = 64;
  };

  static Result<std::unique_ptr<RtmfpListenServer>> start(Options o);
  ~RtmfpListenServer();  // orderly close of the sessions (bounded), then the thread stops

  SocketAddress local_address() const { return node_->local_address(); }
  void post(std::function<void(TimePoint, gateway::MediaServer&)> f);
  bool call(std::function<void(TimePoint, gateway::MediaServer&)> f, milliseconds timeout = milliseconds(5000));
  // Unacknowledged bytes towards all clients (refreshed at most every
  // kBufferedRefresh: the sum walks every client's flows).
  std::uint64_t buffered() const { return buffered_.load(); }
  void shutdown(milliseconds timeout);
  // Waits (on an event from the node's thread, no polling) until nothing is
  // left unacknowledged towards the clients; false on timeout.
  bool wait_acknowledged(milliseconds timeout);

 private:
  explicit RtmfpListenServer(Options o);
  void flush(TimePoint now);

  Options o_;
  std::unique_ptr<gateway::MediaServer> server_;  // node thread only
  std::atomic<std::uint64_t> buffered_{0};
  static constexpr milliseconds kBufferedRefresh{100};  // local choice
  std::optional<TimePoint> buffered_at_;               // node thread only
  std::unique_ptr<RtmfpNode> node_;  // last: stopped before the rest goes
};

}  // namespace rtmfp::media::io
