// Relay pipeline: open_source / open_sink by URL and the copy loop with
// stats, reconnects and exit codes. See relay.hpp.
#include "media/io/relay.hpp"

#include <cstdio>
#include <thread>

#include "media/io/flv_endpoints.hpp"
#include "media/io/listen_endpoints.hpp"
#include "media/io/rtmp_client_conn.hpp"
#include "media/io/rtmfp_endpoints.hpp"
#include "media/rtmp/url.hpp"

namespace rtmfp::media::io {

namespace {

class RtmpPlaySource : public Source {
 public:
  explicit RtmpPlaySource(std::unique_ptr<RtmpClientConn> c) : c_(std::move(c)) {}
  ~RtmpPlaySource() override { c_->close(); }
  Result<std::optional<Message>> next() override { return c_->next(); }

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

int exit_code_for(const Error& e) {
  switch (e.code) {
    case Errc::invalid_argument: return relay_bad_url;
    case Errc::unsupported: return relay_bad_url;
    case Errc::refused: return relay_refused;
    case Errc::truncated:
    case Errc::malformed: return relay_bad_input;
    case Errc::timeout: return relay_connect_failed;
    case Errc::io_error: return relay_connect_failed;
    case Errc::closed: return relay_connect_failed;
    case Errc::crypto_failure: return relay_tls_failed;
    default: return relay_io_error;
  }
}

RtmpListenServer::Options listen_options(const rtmp::RtmpUrl& u, const RelayOptions& o) {
  RtmpListenServer::Options so;
  so.bind = u.host;
  so.port = u.port;
  so.io_timeout = o.io_timeout;
  if (o.log_clients) so.log = [](const std::string& line) { std::fprintf(stderr, "relay: %s\n", line.c_str()); };
  return so;
}

void announce(const rtmp::RtmpUrl& u, std::uint16_t port) {
  std::fprintf(stderr, "relay: listening rtmp://%s:%u/%s/%s\n", u.host.c_str(), unsigned(port), u.app.c_str(),
               u.stream.c_str());
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
    if (!f) return fail(Errc::not_found, "cannot open FLV input '" + url + "'");
    return std::unique_ptr<Source>(new FlvSource(f, url != "-"));
  }
  if (is_rtmfp_url(url)) return open_rtmfp_source(url, o);
  auto u = parse(url);
  if (!u) return std::unexpected(u.error());
  if (u->scheme == "rtmp-listen") {
    auto l = ListenSource::open(listen_options(*u, o), u->app + "/" + u->stream);
    if (!l) return std::unexpected(l.error());
    announce(*u, (*l)->port());
    return std::unique_ptr<Source>(std::move(*l));
  }
  auto c = open_client(*u, false, o);
  if (!c) return std::unexpected(c.error());
  return std::unique_ptr<Source>(new RtmpPlaySource(std::move(*c)));
}

Result<std::unique_ptr<Sink>> open_sink(const std::string& url, const RelayOptions& o) {
  if (!is_url(url)) {
    std::FILE* f = url == "-" ? stdout : std::fopen(url.c_str(), "wb");
    if (!f) return fail(Errc::io_error, "cannot create FLV output '" + url + "'");
    return std::unique_ptr<Sink>(new FlvSink(f, url != "-"));
  }
  if (is_rtmfp_url(url)) return open_rtmfp_sink(url, o);
  auto u = parse(url);
  if (!u) return std::unexpected(u.error());
  if (u->scheme == "rtmp-listen") {
    auto l = ListenSink::open(listen_options(*u, o), u->app + "/" + u->stream);
    if (!l) return std::unexpected(l.error());
    announce(*u, (*l)->port());
    return std::unique_ptr<Sink>(std::move(*l));
  }
  auto c = open_client(*u, true, o);
  if (!c) return std::unexpected(c.error());
  return std::unique_ptr<Sink>(new RtmpPublishSink(std::move(*c)));
}

int run_relay(const RelayOptions& o) {
  using clock = std::chrono::steady_clock;
  int attempts = 0;
  std::uint64_t frames = 0, bytes = 0;
  auto report = [](const Error& e, const char* where) {
    std::fprintf(stderr, "relay: %s: %s\n", where, e.detail.empty() ? errc_text(e.code) : e.detail.c_str());
    return exit_code_for(e);
  };
  auto retry = [&](int rc, bool connect_only) {
    const bool retriable = connect_only ? rc == relay_connect_failed : (rc != relay_bad_input && rc != relay_tls_failed);
    if (!o.reconnect || !retriable || ++attempts >= o.max_reconnects) return false;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    return true;
  };
  if (o.object_encoding != 0 && o.object_encoding != 3)
    return report(Error{Errc::invalid_argument, "--object-encoding must be 0 or 3"}, "options");
  if (!o.ca_file.empty()) {
    std::FILE* f = std::fopen(o.ca_file.c_str(), "rb");
    if (!f) return report(Error{Errc::invalid_argument, "cannot read CA file '" + o.ca_file + "'"}, "options");
    std::fclose(f);
  }
  // A listening destination opens first, so players can subscribe before the
  // data flows, and stays open across source reconnects. Otherwise the source
  // opens first (a publish connection is not left idle while it connects).
  std::unique_ptr<Sink> sink;
  const bool keep_sink = is_listen_url(o.to);
  if (keep_sink) {
    auto s = open_sink(o.to, o);
    if (!s) return report(s.error(), "destination");
    sink = std::move(*s);
  }
  for (;;) {
    auto src = open_source(o.from, o);
    if (!src) {
      int rc = report(src.error(), "source");
      if (retry(rc, true)) continue;
      if (sink) (void)sink->finish();
      return rc;
    }
    if (!sink) {
      auto s = open_sink(o.to, o);
      if (!s) {
        int rc = report(s.error(), "destination");
        if (retry(rc, true)) continue;
        return rc;
      }
      sink = std::move(*s);
    }
    auto last_stats = clock::now();
    Pacer pacer;
    std::uint64_t window_bytes = 0;
    std::uint32_t last_ts = 0;
    auto start = clock::now();
    std::uint32_t first_ts = 0;
    bool have_first = false;
    for (;;) {
      auto m = (*src)->next();
      if (!m) {
        int rc = report(m.error(), "source");
        if (retry(rc, false)) break;
        (void)sink->finish();
        return rc;
      }
      if (!*m) {
        if (auto r = sink->finish(); !r) return report(r.error(), "destination");
        std::fprintf(stderr, "relay: done, %llu frames, %llu bytes\n", static_cast<unsigned long long>(frames),
                     static_cast<unsigned long long>(bytes));
        return relay_ok;
      }
      if (o.realtime) pacer.wait((*m)->timestamp);
      if (auto r = sink->write(**m); !r) {
        int rc = report(r.error(), "destination");
        if (retry(rc, false)) {
          if (!keep_sink) sink.reset();
          break;
        }
        return rc;
      }
      ++frames;
      bytes += (*m)->payload.size();
      window_bytes += (*m)->payload.size();
      last_ts = (*m)->timestamp;
      if (!have_first) {
        first_ts = last_ts;
        have_first = true;
      }
      const auto t = clock::now();
      if (t - last_stats >= o.stats_interval) {
        const double secs = std::chrono::duration<double>(t - last_stats).count();
        const double media_s = (last_ts - first_ts) / 1000.0;
        const double wall_s = std::chrono::duration<double>(t - start).count();
        const double lag = wall_s - media_s;
        if (o.json)
          std::fprintf(stderr, "{\"frames\":%llu,\"kbps\":%.1f,\"lag_s\":%.2f}\n", static_cast<unsigned long long>(frames),
                       window_bytes * 8 / secs / 1000, lag);
        else
          std::fprintf(stderr, "relay: %llu frames, %.1f kbit/s, lag %.2f s\n", static_cast<unsigned long long>(frames),
                       window_bytes * 8 / secs / 1000, lag);
        last_stats = t;
        window_bytes = 0;
      }
    }
  }
}

}  // namespace rtmfp::media::io
