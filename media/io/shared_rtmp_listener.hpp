// One built-in RTMP server (RtmpListenServer) per listening address in the
// process, shared by every rtmp-listen:// endpoint naming that ADDR:PORT and
// routed by APP/STREAM: `rtmp-listen://0.0.0.0:1935/live/cam1` and
// `.../live/cam2` (two gateway routes, or a relay's source and destination)
// share one port. Each endpoint claims its key with its own access rule
// (ListenAccess: publish or play, ?key= tokens); a key is held by one
// endpoint at a time; a connection asking for a key nobody claimed is
// refused (BadName / StreamNotFound). The server stops when the last
// endpoint releases it.
//
// Port 0 ("any free port") always gets a private server, never shared.
// The first endpoint's server options (io_timeout, bounds, log) are the
// server's; later endpoints on the same address only add keys.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "media/io/listen_access.hpp"
#include "media/io/rtmp_listen_server.hpp"

namespace rtmfp::media::io {

class SharedRtmpListener {
 public:
  // The server on so.bind:so.port, started with `so` if there is none yet
  // (so.access and so.session.authorize are replaced by the key table).
  static Result<std::shared_ptr<SharedRtmpListener>> acquire(RtmpListenServer::Options so);
  ~SharedRtmpListener();
  SharedRtmpListener(const SharedRtmpListener&) = delete;
  SharedRtmpListener& operator=(const SharedRtmpListener&) = delete;

  // Serves `key` (APP/STREAM, no query) under `rule` (its streams list is
  // ignored). Errc::io_error naming the address if the key is taken here.
  Result<void> claim(const std::string& key, const ListenAccess& rule);
  void release(const std::string& key);
  RtmpListenServer& server() { return *server_; }
  std::size_t keys() const;

 private:
  struct Rules {
    mutable std::mutex mu;
    std::map<std::string, ListenAccess> by_key;
  };
  SharedRtmpListener() = default;
  std::string where_;
  std::shared_ptr<Rules> rules_ = std::make_shared<Rules>();
  std::unique_ptr<RtmpListenServer> server_;  // last: stopped before the rules go
};

}  // namespace rtmfp::media::io
