// Relay pipeline: open_source / open_sink by URL and the copy loop with
// stats, reconnects and exit codes. See relay.hpp.
#include "media/io/relay.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "media/io/flv_endpoints.hpp"
#include "media/io/group_endpoints.hpp"
#include "media/io/listen_endpoints.hpp"
#include "media/io/rtmp_client_conn.hpp"
#include "media/io/reconnect_backoff.hpp"
#include "media/io/relay_stats.hpp"
#include "media/io/rtmfp_endpoints.hpp"
#include "media/io/sink_primer.hpp"
#include "media/io/timestamp_rebaser.hpp"
#include "media/rtmp/url.hpp"

namespace rtmfp::media::io {

namespace {

class RtmpPlaySource : public Source {
 public:
  explicit RtmpPlaySource(std::unique_ptr<RtmpClientConn> c) : c_(std::move(c)) {}
  ~RtmpPlaySource() override { c_->close(); }
  Result<std::optional<Message>> next() override { return c_->next(); }
  void interrupt() override { c_->interrupt(); }

 private:
  std::unique_ptr<RtmpClientConn> c_;
};

class RtmpPublishSink : public Sink {
 public:
  explicit RtmpPublishSink(std::unique_ptr<RtmpClientConn> c) : c_(std::move(c)) {}
  ~RtmpPublishSink() override { c_->close(); }
  Result<void> write(const Message& m) override { return c_->send(m); }
  Result<void> finish() override {
    c_->close();
    return {};
  }

 private:
  std::unique_ptr<RtmpClientConn> c_;
};

bool is_url(const std::string& s) { return s.find("://") != std::string::npos; }

Result<rtmp::RtmpUrl> parse(const std::string& url) {
  auto u = rtmp::parse_rtmp_url(url);
  if (!u) return u;
  if (u->stream.empty()) return fail(Errc::invalid_argument, "URL '" + url + "' has no stream name (…/app/stream)");
  return u;
}

RtmpListenServer::Options listen_options(const rtmp::RtmpUrl& u, const RelayOptions& o) {
  RtmpListenServer::Options so;
  so.bind = u.host;
  so.port = u.port;
  so.io_timeout = o.io_timeout;
  so.max_connections = o.max_clients;
  so.max_connections_per_address = o.max_clients_per_address;
  if (o.log_clients) so.log = [](const std::string& line) { std::fprintf(stderr, "relay: %s\n", line.c_str()); };
  return so;
}

void announce(const rtmp::RtmpUrl& u, std::uint16_t port, const RelayOptions& o) {
  // The URL's query holds the access keys (publish_key / play_key): never printed.
  const auto query = u.stream.find('?');
  const std::string where = "rtmp://" + u.host + ":" + std::to_string(port) + "/" + u.app + "/" + u.stream.substr(0, query);
  std::fprintf(stderr, "relay: listening %s%s\n", where.c_str(),
               query == std::string::npos ? "" : " (access keys required)");
  std::fflush(stderr);
  if (o.on_listening) o.on_listening(where);
}

Result<std::unique_ptr<RtmpClientConn>> open_client(const rtmp::RtmpUrl& u, bool publish, const RelayOptions& o) {
  if (o.object_encoding != 0 && o.object_encoding != 3)
    return fail(Errc::invalid_argument, "object encoding must be 0 or 3, not " + std::to_string(o.object_encoding));
  rtmp::ClientOptions co;
  co.url = u;
  co.publish = publish;
  co.object_encoding = o.object_encoding;
  TlsOptions tls;
  tls.ca_file = o.ca_file;
  auto c = std::make_unique<RtmpClientConn>(co, tls, o.connect_timeout, o.io_timeout);
  if (auto r = c->open(); !r) return std::unexpected(r.error());
  return c;
}

bool is_listen_url(const std::string& s) {
  return s.rfind("rtmp-listen://", 0) == 0 || s.rfind("rtmfp-listen://", 0) == 0;
}

// --realtime: holds each message until its timestamp is due on the wall
// clock, measured from the first one. A timestamp going back or jumping more
// than 10 s ahead restarts the reference instead of stalling.
class Pacer {
 public:
  void wait(std::uint32_t ts) {
    const auto now = std::chrono::steady_clock::now();
    const auto due = start_ + std::chrono::milliseconds(std::int64_t(ts) - std::int64_t(first_));
    if (!started_ || ts < first_ || due - now > std::chrono::seconds(10)) {
      started_ = true;
      first_ = ts;
      start_ = now;
      return;
    }
    std::this_thread::sleep_until(due);
  }

 private:
  bool started_ = false;
  std::uint32_t first_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

Result<std::unique_ptr<Source>> open_source(const std::string& url, const RelayOptions& o) {
  if (!is_url(url)) {
    std::FILE* f = url == "-" ? stdin : std::fopen(url.c_str(), "rb");
    if (!f) return fail(Errc::not_found, "cannot open FLV input '" + url + "': " + std::strerror(errno));
    return std::unique_ptr<Source>(new FlvSource(f, url != "-"));
  }
  if (is_rtmfp_url(url)) return open_rtmfp_source(url, o);
  if (is_group_url(url)) return open_group_source(url, o);
  auto u = parse(url);
  if (!u) return std::unexpected(u.error());
  if (u->scheme == "rtmp-listen") {
    auto l = ListenSource::open(listen_options(*u, o), u->app + "/" + u->stream);
    if (!l) return std::unexpected(l.error());
    announce(*u, (*l)->port(), o);
    return std::unique_ptr<Source>(std::move(*l));
  }
  auto c = open_client(*u, false, o);
  if (!c) return std::unexpected(c.error());
  return std::unique_ptr<Source>(new RtmpPlaySource(std::move(*c)));
}

Result<std::unique_ptr<Sink>> open_sink(const std::string& url, const RelayOptions& o) {
  if (!is_url(url)) {
    std::FILE* f = url == "-" ? stdout : std::fopen(url.c_str(), "wb");
    if (!f) return fail(Errc::io_error, "cannot create FLV output '" + url + "': " + std::strerror(errno));
    return std::unique_ptr<Sink>(new FlvSink(f, url != "-"));
  }
  if (is_rtmfp_url(url)) return open_rtmfp_sink(url, o);
  if (is_group_url(url)) return open_group_sink(url, o);
  auto u = parse(url);
  if (!u) return std::unexpected(u.error());
  if (u->scheme == "rtmp-listen") {
    auto l = ListenSink::open(listen_options(*u, o), u->app + "/" + u->stream);
    if (!l) return std::unexpected(l.error());
    announce(*u, (*l)->port(), o);
    return std::unique_ptr<Sink>(std::move(*l));
  }
  auto c = open_client(*u, true, o);
  if (!c) return std::unexpected(c.error());
  return std::unique_ptr<Sink>(new RtmpPublishSink(std::move(*c)));
}


EndpointKind endpoint_kind(const std::string& url) {
  if (!is_url(url)) return EndpointKind::file;
  if (is_listen_url(url)) return EndpointKind::listen;
  return EndpointKind::client;
}

// The README's exit codes (relay section): 3 = the network failed (retriable),
// 4 = the far end said no, 5 = the far end (or the input) sent something
// malformed or over a limit, 6 = local I/O, 7 = TLS.
int exit_code_for(const Error& e, EndpointKind kind) {
  switch (e.code) {
    case Errc::invalid_argument:
    case Errc::unsupported: return relay_bad_url;
    case Errc::refused: return relay_refused;
    case Errc::truncated:
    case Errc::malformed:
    case Errc::limit_exceeded: return relay_bad_input;
    case Errc::crypto_failure: return relay_tls_failed;
    case Errc::timeout:
    case Errc::closed: return relay_connect_failed;
    case Errc::io_error: return kind == EndpointKind::client ? relay_connect_failed : relay_io_error;
    case Errc::not_found: return kind == EndpointKind::client ? relay_connect_failed : relay_io_error;
    case Errc::bad_state: return kind == EndpointKind::client ? relay_bad_input : relay_io_error;
    default: return relay_io_error;
  }
}

void RelayControl::request_stop() {
  std::lock_guard lk(mu_);
  stop_ = true;
  if (source_) source_->interrupt();
  cv_.notify_all();
}

void RelayControl::attach(Source* s) {
  std::lock_guard lk(mu_);
  source_ = s;
  if (s && stop_) s->interrupt();
}

bool RelayControl::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lk(mu_);
  return !cv_.wait_for(lk, d, [&] { return stop_.load(); });
}

int run_relay(const RelayOptions& o, RelayControl* control) {
  using clock = std::chrono::steady_clock;
  RelayControl own_control;
  RelayControl& ctl = control ? *control : own_control;
  const EndpointKind src_kind = endpoint_kind(o.from), dst_kind = endpoint_kind(o.to);
  const std::string prefix = o.route.empty() ? std::string("relay") : "relay " + o.route;
  const char* px = prefix.c_str();
  RelayStats stats(o.stats_interval, o.json, o.on_stats);
  stats.set_route(o.route);
  struct OnFinish {  // declared after `stats`: runs before it goes
    const RelayOptions& o;
    RelayStats& stats;
    ~OnFinish() {
      if (o.on_finish) o.on_finish(stats.snapshot(std::chrono::steady_clock::now(), false));
    }
  } on_finish{o, stats};
  auto report = [&](const Error& e, const char* where, EndpointKind kind) {
    const std::string text = e.detail.empty() ? errc_text(e.code) : e.detail;
    std::fprintf(stderr, "%s: %s: %s\n", px, where, text.c_str());
    stats.on_error(std::string(where) + ": " + text);
    return exit_code_for(e, kind);
  };
  if (o.object_encoding != 0 && o.object_encoding != 3)
    return report(Error{Errc::invalid_argument, "--object-encoding must be 0 or 3"}, "options", EndpointKind::file);
  if (!o.ca_file.empty()) {
    std::FILE* f = std::fopen(o.ca_file.c_str(), "rb");
    if (!f) return report(Error{Errc::invalid_argument, "cannot read CA file '" + o.ca_file + "'"}, "options", EndpointKind::file);
    std::fclose(f);
  }
  ReconnectBackoff::Params bp;
  bp.initial = o.reconnect_delay;
  bp.max = std::max(o.reconnect_delay, o.reconnect_max_delay);
  bp.max_attempts = o.max_reconnects;
  ReconnectBackoff backoff(bp);
  std::minstd_rand rng(std::random_device{}());
  // Only a network failure (exit class 3) is retried: local I/O, refusals,
  // malformed input and TLS would fail the same way again.
  auto retry = [&](int rc) {
    if (!o.reconnect || rc != relay_connect_failed) return false;
    auto delay = backoff.on_failure(clock::now(), std::uniform_real_distribution<double>(0, 1)(rng));
    if (!delay) {
      std::fprintf(stderr, "%s: giving up after %d reconnect attempts\n", px, o.max_reconnects);
      return false;
    }
    std::fprintf(stderr, "%s: reconnecting in %.1f s\n", px, static_cast<double>(delay->count()) / 1000);
    stats.on_reconnect();
    return ctl.wait_for(*delay);
  };

  std::unique_ptr<Source> src;
  std::unique_ptr<Sink> sink;
  // The stats thread reads the destination's figures (skipped, players)
  // through `current`, which follows `sink` under its mutex.
  struct CurrentSink {
    std::mutex mu;
    Sink* sink = nullptr;
  };
  auto current = std::make_shared<CurrentSink>();
  auto set_sink = [&](std::unique_ptr<Sink> s) {
    {
      std::lock_guard lk(current->mu);
      current->sink = s.get();
    }
    sink = std::move(s);  // the old one goes with no probe running on it
  };
  auto figure = [current](std::uint64_t (Sink::*f)()) {
    return [current, f]() -> std::uint64_t {
      std::lock_guard lk(current->mu);
      return current->sink ? (current->sink->*f)() : 0;
    };
  };
  stats.set_probe({figure(&Sink::skipped), figure(&Sink::players)});
  struct DetachProbe {
    std::shared_ptr<CurrentSink> c;
    ~DetachProbe() {
      std::lock_guard lk(c->mu);
      c->sink = nullptr;
    }
  } detach_probe{current};  // after `sink`: runs before the sink goes
  TimestampRebaser rebaser;
  SinkPrimer primer;
  Pacer pacer;
  bool sink_opened_before = false;
  auto finish_sink = [&] {
    if (sink) (void)sink->finish();
  };
  auto stopped = [&] {
    finish_sink();
    std::fprintf(stderr, "%s: stopped, %llu frames, %llu bytes\n", px, static_cast<unsigned long long>(stats.frames()),
                 static_cast<unsigned long long>(stats.bytes()));
    return relay_ok;
  };
  auto open_the_sink = [&]() -> std::optional<int> {
    auto s = open_sink(o.to, o);
    if (!s) return report(s.error(), "destination", dst_kind);
    set_sink(std::move(*s));
    if (sink_opened_before) {
      // A reconnected destination starts decodable: metadata, sequence
      // headers and the GOP since the last keyframe first.
      for (const auto& m : primer.prime())
        if (auto r = sink->write(m); !r) return report(r.error(), "destination", dst_kind);
    }
    sink_opened_before = true;
    return std::nullopt;
  };
  // A listening destination opens first, so players can subscribe before the
  // data flows. Otherwise the source opens first (a publish connection is
  // not left idle while the source connects).
  if (dst_kind == EndpointKind::listen) {
    if (auto rc = open_the_sink()) return *rc;
  }
  struct Detach {
    RelayControl& c;
    ~Detach() { c.attach(nullptr); }
  } detach{ctl};
  for (;;) {
    if (ctl.stop_requested()) return stopped();
    if (!src) {
      auto s = open_source(o.from, o);
      if (!s) {
        const int rc = report(s.error(), "source", src_kind);
        if (retry(rc)) continue;
        if (ctl.stop_requested()) return stopped();
        finish_sink();
        return rc;
      }
      src = std::move(*s);
      ctl.attach(src.get());
      rebaser.source_changed();
      stats.source_changed();
      primer.reset();
    }
    if (!sink) {
      if (auto rc = open_the_sink()) {
        set_sink(nullptr);
        if (retry(*rc)) continue;
        if (ctl.stop_requested()) return stopped();
        return *rc;
      }
    }
    auto m = src->next();
    if (!m) {
      const int rc = report(m.error(), "source", src_kind);
      if (ctl.stop_requested()) return stopped();
      // A listen source keeps its server (and the destination's players):
      // it waits for the next publisher. Other sources are reopened.
      const bool keep_source = src_kind == EndpointKind::listen;
      if (o.reconnect && rc == relay_connect_failed && keep_source) {
        stats.on_reconnect();
        rebaser.source_changed();
        stats.source_changed();
        primer.reset();
        std::fprintf(stderr, "%s: waiting for the next publisher\n", px);
        continue;
      }
      if (!keep_source) {
        ctl.attach(nullptr);
        src.reset();
      }
      if (retry(rc)) continue;
      if (ctl.stop_requested()) return stopped();
      finish_sink();
      return rc;
    }
    if (!*m) {
      if (ctl.stop_requested()) return stopped();
      if (auto r = sink->finish(); !r) return report(r.error(), "destination", dst_kind);
      std::fprintf(stderr, "%s: done, %llu frames, %llu bytes\n", px, static_cast<unsigned long long>(stats.frames()),
                   static_cast<unsigned long long>(stats.bytes()));
      return relay_ok;
    }
    Message& msg = **m;
    if (o.realtime) pacer.wait(msg.timestamp);
    msg.timestamp = rebaser.map(msg);
    primer.on_message(msg);
    if (auto r = sink->write(msg); !r) {
      const int rc = report(r.error(), "destination", dst_kind);
      // Only the destination is reopened; the source goes on where it was.
      set_sink(nullptr);
      if (retry(rc)) continue;
      if (ctl.stop_requested()) return stopped();
      return rc;
    }
    const auto now = clock::now();
    stats.on_message(msg, now);
    backoff.on_progress(now);
  }
}
}  // namespace rtmfp::media::io
