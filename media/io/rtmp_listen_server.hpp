// The built-in RTMP server behind rtmp-listen://: one Asio thread accepts and
// serves any number of connections concurrently (async reads and writes),
// each driving a sans-I/O rtmp::ServerSession over one shared StreamRegistry
// (publish / play fan-out with the GOP cache). The relay reaches the registry
// only through post() / call(), so all protocol state lives on that thread.
//
// Bounds (review S1, S3):
//  * connections: at most max_connections, max_connections_per_address from
//    one source address; when full, the oldest idle connection (not yet
//    publishing or playing, or playing a key that has no publisher) is
//    closed to make room, so idle clients cannot lock out a publisher;
//  * a connection that has not published or played within io_timeout, a
//    player that was handed no media for io_timeout (e.g. a play on a key
//    with no publisher) and a publisher silent for io_timeout are closed;
//  * players: media waits in a PlayerQueue until the socket took the
//    previous batch; it is thinned by whole GOPs past max_player_latency of
//    queued media time and the player is closed past max_player_lag behind
//    the live edge, past max_player_backlog queued bytes, or when its socket
//    made no write progress for io_timeout;
//  * access: `access` (ListenAccess) decides which keys may be published or
//    played, with optional ?key= tokens.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "media/io/listen_access.hpp"
#include "media/io/player_queue.hpp"
#include "media/rtmp/server_session.hpp"
#include "media/rtmp/stream_registry.hpp"

namespace rtmfp::media::io {

using std::chrono::milliseconds;

class RtmpListenServer {
 public:
  struct Options {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port (see port())
    milliseconds io_timeout{15000};
    std::size_t max_connections = 256;
    std::size_t max_connections_per_address = 64;
    std::size_t max_player_backlog = 16u << 20;      // bytes queued for one player
    milliseconds max_player_latency{2000};           // thin past this much queued media time (0: never)
    milliseconds max_player_lag{10000};              // close a player this far behind the live edge (0: never)
    std::size_t send_buffer = 0;  // SO_SNDBUF per connection (0: kernel default); media queued in the
                                  // kernel is out of reach of thinning, so small values bound latency tighter
    ListenAccess access;  // used unless session.authorize is set (SharedRtmpListener sets it)
    rtmp::ServerOptions session;
    std::function<void(const std::string&)> log;  // one line per event (optional; called on the server thread)
  };

  static Result<std::unique_ptr<RtmpListenServer>> start(Options o);
  ~RtmpListenServer();  // closes every connection and joins the thread
  RtmpListenServer(const RtmpListenServer&) = delete;
  RtmpListenServer& operator=(const RtmpListenServer&) = delete;

  std::uint16_t port() const { return port_; }
  // Runs f on the server thread, then sends the output it caused. Returns at once.
  void post(std::function<void(rtmp::StreamRegistry&)> f);
  // Same, and waits for it; false if it did not run within `timeout`.
  bool call(std::function<void(rtmp::StreamRegistry&)> f, milliseconds timeout = milliseconds(5000));
  // Waits until every connection (with `play_key`: every player of that
  // key) has sent all its output; false on timeout.
  bool drain(milliseconds timeout, std::optional<std::string> play_key = std::nullopt);
  // Open connections (read on the server thread).
  std::size_t connections();

  struct Stats {
    std::uint64_t refused = 0;        // connections refused (caps)
    std::uint64_t evicted = 0;        // idle connections closed to make room
    std::uint64_t dropped_slow = 0;   // players closed as too slow / stuck
    std::uint64_t thinned_video = 0;  // video messages dropped by thinning (all players)
    std::uint32_t max_video_span_ms = 0;  // largest queued video span any player had
    std::uint64_t players = 0;        // connections playing now
  };
  Stats stats();
  // thinned_video, max_video_span_ms and players of the players of `play_key` only.
  Stats stats(const std::string& play_key);

 private:
  struct Conn;
  class Session;
  explicit RtmpListenServer(Options o);
  void accept();
  void read(const std::shared_ptr<Conn>& c);
  void on_data(const std::shared_ptr<Conn>& c, std::size_t n);
  void kick(const std::shared_ptr<Conn>& c);
  void write_some(const std::shared_ptr<Conn>& c);
  bool evict_idle();
  bool busy(const std::optional<std::string>& play_key) const;
  void check_drained();
  void kick_all();
  void drop(const std::shared_ptr<Conn>& c, const std::string& why);
  void sweep();
  void log(const std::string& line);

  Options o_;
  std::uint16_t port_ = 0;
  rtmp::StreamRegistry registry_;  // outlives the connections (declared before io_)
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer sweep_timer_;
  std::set<std::shared_ptr<Conn>> conns_;
  std::map<std::string, std::size_t> per_address_;
  // drain() waiters (optionally for one key), run when nothing is left to send
  std::vector<std::pair<std::optional<std::string>, std::function<void()>>> drained_;
  Stats stats_;
  std::thread thread_;
};

}  // namespace rtmfp::media::io
