// The relay's stats line (stderr, every stats_interval; --json for JSON):
// frames, bytes, kbit/s over the last interval, lag, reconnects, frames the
// destination skipped, players, the last error. A timer thread prints it, so
// a stalled source still gets a line. Lag = wall time since the first
// audio/video message minus the media time since then (signed 32-bit
// timestamp deltas, so a wrap or a reset does not explode it); it restarts
// at each source change. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "media/rtmp/chunk_stream.hpp"

namespace rtmfp::media::io {

class RelayStats {
 public:
  using clock = std::chrono::steady_clock;
  struct Snapshot {
    std::uint64_t frames = 0, bytes = 0, reconnects = 0;
    std::uint64_t skipped = 0, players = 0;  // from the Probe; 0 without one
    double kbps = 0;
    std::optional<double> lag_s;  // none before the first audio/video message
    std::string last_error;
  };
  // Extra figures read from the destination when a line is printed.
  struct Probe {
    std::function<std::uint64_t()> skipped, players;
  };

  // interval <= 0: no timer thread (format() still works).
  RelayStats(std::chrono::milliseconds interval, bool json,
             std::function<void(const std::string&)> on_line = nullptr);  // each line, besides stderr
  ~RelayStats();
  RelayStats(const RelayStats&) = delete;
  RelayStats& operator=(const RelayStats&) = delete;

  void on_message(const rtmp::Message& m, clock::time_point now);  // as sent
  void source_changed();
  void on_reconnect();
  void on_error(const std::string& what);
  void set_probe(Probe p);

  Snapshot snapshot(clock::time_point now, bool reset_window);
  // `route` (RelayOptions::route): the text line starts "relay ROUTE:", the
  // JSON object gets "route":ROUTE first. Empty: "relay:", no route field.
  static std::string format(const Snapshot& s, bool json, const std::string& route = {});
  void set_route(std::string route);
  std::uint64_t frames() const;
  std::uint64_t bytes() const;

 private:
  void run();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::chrono::milliseconds interval_;
  bool json_;
  std::uint64_t frames_ = 0, bytes_ = 0, window_bytes_ = 0, reconnects_ = 0;
  clock::time_point window_start_ = clock::now();
  std::optional<clock::time_point> media_start_;
  std::uint32_t prev_ts_ = 0;
  std::int64_t media_ms_ = 0;
  std::string last_error_;
  Probe probe_;
  std::string route_;
  std::function<void(const std::string&)> on_line_;
  std::thread thread_;  // last
};

}  // namespace rtmfp::media::io
