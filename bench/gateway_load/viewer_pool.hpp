// Many RTMFP viewers in one thread, for bench/gateway_load_bench: per viewer
// a UDP socket of its own, an Endpoint with a fresh identity (RFC 7425 §5.3:
// a certificate per connection, so the server sees N distinct peers) and a
// NetConnectionClient playing APP/STREAM (RFC 7425 §5.3: connect,
// createStream, play). All viewers are driven by one epoll loop on one
// thread (the cores are sans-I/O: datagrams and `now` in, datagrams out), so
// the load generator costs little next to the server it loads.
//
// Viewers bind 127.0.0.2, 127.0.0.3, ... with `per_address` viewers each:
// rtmfp-listen:// admits at most 64 sessions per source address.
//
// Each viewer counts what it plays (frames, media bytes, the UDP payload it
// received) and keeps the (type, timestamp) of every audio/video frame so
// the bench can check that it got every frame of a stretch of the stream.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::bench {

struct ViewerCounters {
  bool playing = false;  // Play.Start seen
  bool failed = false;   // the session or the NetConnection failed / ended
  std::string error;
  std::uint64_t frames = 0;          // audio + video messages played
  std::uint64_t media_bytes = 0;     // their payload bytes
  std::uint64_t received_bytes = 0;  // UDP payload received (the server's upload to this viewer)
  std::uint32_t last_ts = 0;         // timestamp of the latest audio/video frame
  bool any_frame = false;
};

class ViewerPool {
 public:
  struct Options {
    std::string url;  // rtmfp://127.0.0.1:PORT/APP/STREAM
    int viewers = 1;
    ProfileKind profile = ProfileKind::flash;
    int per_address = 60;        // viewers per local 127.0.0.x address
    int connects_per_tick = 50;  // handshakes started per 10 ms (a ramp, not a burst)
  };
  struct Snapshot {
    std::vector<ViewerCounters> viewers;
    int playing = 0, failed = 0;
    double cpu_seconds = 0;  // the pool thread's CPU time
  };

  static Result<std::unique_ptr<ViewerPool>> start(const Options& o);
  ~ViewerPool();  // stops the thread; sessions are dropped without Close
  ViewerPool(const ViewerPool&) = delete;
  ViewerPool& operator=(const ViewerPool&) = delete;

  Snapshot snapshot();
  // Frames (audio/video) of viewer i with timestamps in (from, to], counted
  // once per (type, timestamp).
  std::vector<std::uint64_t> frames_in(std::uint32_t from, std::uint32_t to);

 private:
  struct Viewer;
  ViewerPool() = default;
  void run();
  void pump(Viewer& v);

  Options o_;
  int epfd_ = -1;
  std::vector<std::unique_ptr<Viewer>> viewers_;
  std::mutex mu_;  // the loop holds it while it works; snapshot() takes it briefly
  std::atomic<bool> stop_{false};
  std::atomic<double> cpu_{0};
  std::thread thread_;
};

}  // namespace rtmfp::bench
