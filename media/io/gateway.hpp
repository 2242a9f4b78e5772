// The gateway (rtmfp gateway): many relay routes in one process, each an
// independent run_relay pipeline on a thread of its own (its endpoints bring
// their own Asio threads; rtmp-listen:// routes on one ADDR:PORT share one
// server, SharedRtmpListener). Every route runs with reconnect on: a lost
// RTMP server is reopened with backoff and rebased timestamps while the
// other routes flow. A route whose relay ends by itself is started again
// after `restart_delay` when both its ends are network endpoints and it
// ended in order (0: a listen source's publisher unpublished) or gave up
// reconnecting (3); otherwise it stays ended with its exit code (2, 4-7: a
// bad URL, a refusal, bad input, local I/O, TLS; or a route with a file at
// an end, never replayed nor overwritten) until apply() names it again
// (file routes excepted: they are done).
//
// apply() makes the set of routes exactly the given one: routes not named
// are stopped in order (as SIGINT stops a relay), new ones started, routes
// named again and still running are not touched at all.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "media/io/relay.hpp"
#include "media/io/route_config.hpp"

namespace rtmfp::media::io {

class Gateway {
 public:
  // What one route did over its lifetime (all its runs added up).
  struct RouteReport {
    RouteSpec spec;
    std::uint64_t frames = 0, bytes = 0, reconnects = 0, restarts = 0;
    std::string last_error;
    bool running = false;
    int exit_code = 0;  // of the last run that ended (0 while the first runs)
  };
  struct Change {
    std::size_t added = 0, removed = 0, kept = 0, restarted = 0;
  };

  // `base`: the options of every route's relay (from, to, route, reconnect
  // and on_finish are set per route). `on_route_ended`: called (on the
  // route's thread) when a route ended for good.
  explicit Gateway(RelayOptions base, std::function<void()> on_route_ended = nullptr,
                   std::chrono::milliseconds restart_delay = std::chrono::milliseconds(1000));
  ~Gateway();  // stop(); removes a private key directory
  // Where routes publishing into a group (rtmfp-group:// destinations) keep
  // their publisher key, one file per destination URL, so a route that
  // restarts (its RTMP publisher came back) resumes the same group stream.
  // Unset: a private directory for the process's lifetime.
  void set_key_dir(std::string dir) { key_dir_ = std::move(dir); }
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  Change apply(const std::vector<RouteSpec>& routes);
  // Stops every route in order and waits for them.
  void stop();
  std::size_t running() const;
  std::vector<RouteReport> report() const;
  // 0, or the exit code of the first route (in route order) that ended for
  // good with a failure.
  int exit_code() const;
  // The exit summary: one line per route (text or JSON, "summary":true).
  static std::string format(const RouteReport& r, bool json);

 private:
  struct Route;
  void start(Route& r);
  void run(Route& r);

  std::string group_key_file(const std::string& dst);

  RelayOptions base_;
  std::mutex key_mu_;
  std::string key_dir_;
  bool own_key_dir_ = false;
  std::function<void()> on_ended_;
  std::chrono::milliseconds restart_delay_;
  mutable std::mutex mu_;  // routes_ (the list; each Route guards its own figures)
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace rtmfp::media::io
