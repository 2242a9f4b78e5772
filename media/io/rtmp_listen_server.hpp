// The built-in RTMP server behind rtmp-listen://: one Asio thread accepts and
// serves any number of connections concurrently (async reads and writes),
// each driving a sans-I/O rtmp::ServerSession over one shared StreamRegistry
// (publish / play fan-out with the GOP cache). The relay reaches the registry
// only through post() / call(), so all protocol state lives on that thread.
//
// Bounds: a connection that has not published or played within io_timeout,
// a player whose write has been stuck for io_timeout or whose unsent backlog
// passes max_player_backlog, and a publisher silent for io_timeout are
// disconnected; at most max_connections at once.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>

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
    std::size_t max_player_backlog = 16u << 20;
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
  // Waits until every connection has sent all its output; false on timeout.
  bool drain(milliseconds timeout);
  // Open connections (read on the server thread).
  std::size_t connections();

 private:
  struct Conn;
  explicit RtmpListenServer(Options o);
  void accept();
  void read(const std::shared_ptr<Conn>& c);
  void on_data(const std::shared_ptr<Conn>& c, std::size_t n);
  void kick(const std::shared_ptr<Conn>& c);
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
  std::thread thread_;
};

}  // namespace rtmfp::media::io
