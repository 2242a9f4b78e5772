// See relay_stats.hpp.
#include "media/io/relay_stats.hpp"

#include <cstdio>

namespace rtmfp::media::io {

RelayStats::RelayStats(std::chrono::milliseconds interval, bool json, std::function<void(const std::string&)> on_line)
    : interval_(interval), json_(json), on_line_(std::move(on_line)) {
  if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
}

RelayStats::~RelayStats() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RelayStats::run() {
  std::unique_lock lk(mu_);
  auto next = clock::now() + interval_;
  for (;;) {
    if (cv_.wait_until(lk, next, [&] { return stop_; })) return;
    next += interval_;
    const std::string route = route_;
    lk.unlock();
    const std::string line = format(snapshot(clock::now(), true), json_, route);
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
    if (on_line_) on_line_(line);
    lk.lock();
  }
}

void RelayStats::on_message(const rtmp::Message& m, clock::time_point now) {
  std::lock_guard lk(mu_);
  ++frames_;
  bytes_ += m.payload.size();
  window_bytes_ += m.payload.size();
  if (m.type != rtmp::msg_type::audio && m.type != rtmp::msg_type::video) return;
  if (!media_start_) {
    media_start_ = now;  // the clock starts at the first media message
    media_ms_ = 0;
  } else {
    media_ms_ += static_cast<std::int32_t>(m.timestamp - prev_ts_);
  }
  prev_ts_ = m.timestamp;
}

void RelayStats::source_changed() {
  std::lock_guard lk(mu_);
  media_start_.reset();
}

void RelayStats::on_reconnect() {
  std::lock_guard lk(mu_);
  ++reconnects_;
}

void RelayStats::on_error(const std::string& what) {
  std::lock_guard lk(mu_);
  last_error_ = what;
}

void RelayStats::set_route(std::string route) {
  std::lock_guard lk(mu_);
  route_ = std::move(route);
}

void RelayStats::set_probe(Probe p) {
  std::lock_guard lk(mu_);
  probe_ = std::move(p);
}

std::uint64_t RelayStats::frames() const {
  std::lock_guard lk(mu_);
  return frames_;
}

std::uint64_t RelayStats::bytes() const {
  std::lock_guard lk(mu_);
  return bytes_;
}

RelayStats::Snapshot RelayStats::snapshot(clock::time_point now, bool reset_window) {
  Snapshot s;
  Probe probe;
  {
    std::lock_guard lk(mu_);
    s.frames = frames_;
    s.bytes = bytes_;
    s.reconnects = reconnects_;
    s.last_error = last_error_;
    const double secs = std::chrono::duration<double>(now - window_start_).count();
    s.kbps = secs > 0 ? static_cast<double>(window_bytes_) * 8 / secs / 1000 : 0;
    if (media_start_)
      s.lag_s = std::chrono::duration<double>(now - *media_start_).count() - static_cast<double>(media_ms_) / 1000;
    if (reset_window) {
      window_bytes_ = 0;
      window_start_ = now;
    }
    probe = probe_;
  }
  if (probe.skipped) s.skipped = probe.skipped();
  if (probe.players) s.players = probe.players();
  return s;
}

namespace {
std::string json_string(const std::string& v) {
  std::string r = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      r += '\\';
      r += static_cast<char>(c);
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      r += b;
    } else {
      r += static_cast<char>(c);
    }
  }
  return r + "\"";
}
}  // namespace

std::string RelayStats::format(const Snapshot& s, bool json, const std::string& route) {
  char buf[256];
  if (json) {
    std::snprintf(buf, sizeof buf, "\"frames\":%llu,\"bytes\":%llu,\"kbps\":%.1f,\"lag_s\":",
                  static_cast<unsigned long long>(s.frames), static_cast<unsigned long long>(s.bytes), s.kbps);
    std::string r = route.empty() ? std::string("{") : "{\"route\":" + json_string(route) + ",";
    r += buf;
    if (s.lag_s) {
      std::snprintf(buf, sizeof buf, "%.2f", *s.lag_s);
      r += buf;
    } else {
      r += "null";
    }
    r += ",\"reconnects\":" + std::to_string(s.reconnects) + ",\"skipped\":" + std::to_string(s.skipped) +
         ",\"players\":" + std::to_string(s.players) + ",\"last_error\":" + (s.last_error.empty() ? "null" : json_string(s.last_error)) + "}";
    return r;
  }
  std::snprintf(buf, sizeof buf, ": %llu frames, %llu bytes, %.1f kbit/s", static_cast<unsigned long long>(s.frames),
                static_cast<unsigned long long>(s.bytes), s.kbps);
  std::string r = (route.empty() ? std::string("relay") : "relay " + route) + buf;
  if (s.lag_s) {
    std::snprintf(buf, sizeof buf, ", lag %.2f s", *s.lag_s);
    r += buf;
  } else {
    r += ", waiting for media";
  }
  if (s.reconnects) r += ", " + std::to_string(s.reconnects) + " reconnects";
  if (s.skipped) r += ", " + std::to_string(s.skipped) + " skipped";
  if (s.players) r += ", " + std::to_string(s.players) + " players";
  if (!s.last_error.empty()) r += ", last error: " + s.last_error;
  return r;
}

}  // namespace rtmfp::media::io
