// The RTMFP side of the relay's rtmfp-listen:// endpoint: every responder
// session of an Endpoint gets a NetConnectionServer (RFC 7425 §5.3); all
// share one rtmp::StreamRegistry for ServerPolicy::key() (one publisher,
// any number of players, late players primed with metadata, sequence
// headers and the GOP since the last keyframe). The relay itself is either
// the publisher (publish/media/unpublish: rtmfp-listen as destination) or a
// player (add_player: rtmfp-listen as source). Sans-I/O: the owner feeds
// endpoint events with `now` and calls flush() after each batch.
//
// Bounds (review R5, as rtmp-listen:// has them; values in ServerPolicy):
// connections in all and per source IP address, the oldest idle one closed
// to make room when full, and io_timeout for a connection that never
// publishes or plays, a silent publisher and a player handed nothing. They
// are checked on every flush(now); next_deadline() names the next one.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "media/gateway/flow_port.hpp"
#include "media/gateway/net_connection_server.hpp"
#include "media/gateway/shared_message.hpp"
#include "media/rtmp/stream_registry.hpp"

namespace rtmfp::media::gateway {

class MediaServer {
 public:
  MediaServer(Endpoint& endpoint, ServerPolicy policy, rtmp::RegistryLimits limits = {});
  ~MediaServer();
  MediaServer(const MediaServer&) = delete;
  MediaServer& operator=(const MediaServer&) = delete;

  const ServerPolicy& policy() const { return policy_; }
  void on_event(TimePoint now, const EndpointEvent& e);
  // Sends what players were handed, hands the registry what publishers'
  // timestamp merges release by now, and drops players that fell too far behind.
  void flush(TimePoint now);
  // When flush() should run again for a publisher's merge (nullopt: none held).
  std::optional<TimePoint> next_deadline() const;

  // The relay as publisher of policy().key().
  Result<void> publish();
  void media(const rtmp::Message& m);  // audio, video, onMetaData (other types ignored)
  void unpublish();
  // The relay as a player of policy().key().
  Result<void> add_player(rtmp::StreamSink* sink);
  void remove_player(rtmp::StreamSink* sink);
  bool has_publisher() const { return registry_.has_publisher(policy_.key()); }

  std::size_t connections() const { return conns_.size(); }
  std::size_t players() const;  // connections playing policy().key()
  struct Stats {
    std::uint64_t refused = 0;    // sessions closed at once: a cap was reached
    std::uint64_t evicted = 0;    // idle connections closed to make room
    std::uint64_t timed_out = 0;  // closed by io_timeout (never active, silent publisher, idle player)
  };
  const Stats& stats() const { return stats_; }
  std::uint64_t buffered() const;  // unacknowledged bytes towards all clients
  std::vector<std::string> take_log() { return std::exchange(log_, {}); }

 private:
  struct Conn {
    std::unique_ptr<EndpointFlowPort> port;
    std::unique_ptr<NetConnectionServer> nc;
    std::string peer;
    std::string address;  // IP without the port (per-address cap)
    TimePoint opened{};
  };
  Conn* find(SessionHandle s);
  void collect_log(Conn& c);
  void admit(TimePoint now, const SessionOpened& o);
  bool idle(const Conn& c) const;
  bool evict_idle(TimePoint now);
  TimePoint expiry(const Conn& c) const;  // when io_timeout closes it
  void sweep(TimePoint now);
  void drop(TimePoint now, SessionHandle s, const std::string& why);

  Endpoint& endpoint_;
  ServerPolicy policy_;
  rtmp::StreamRegistry registry_;  // before conns_: connections unregister on destruction
  SharedMessageEncoder encoder_;   // one framing of each message for all players
  std::map<SessionHandle, Conn> conns_;
  std::map<std::string, std::size_t> per_address_;
  Stats stats_;
  bool publishing_ = false;
  // No connection's io_timeout expires before this (a lower bound: expiries
  // only move later, and admit() lowers it); nullopt: no connection.
  std::optional<TimePoint> next_sweep_;
  std::vector<std::string> log_;
};

}  // namespace rtmfp::media::gateway
