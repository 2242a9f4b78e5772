// Relay pipeline: open_source / open_sink by URL and the copy loop with
// stats, reconnects and exit codes. See relay.hpp.
#include "media/io/relay.hpp"

#include <cstdio>
#include <thread>

#include "media/flv/flv_reader.hpp"
#include "media/flv/flv_writer.hpp"
#include "media/io/rtmp_tcp.hpp"
#include "media/rtmp/command.hpp"
#include "media/rtmp/url.hpp"

namespace rtmfp::media::io {

namespace {

class FlvSource : public Source {
 public:
  explicit FlvSource(std::FILE* f, bool owned) : f_(f), owned_(owned) {}
  ~FlvSource() override {
    if (owned_ && f_) std::fclose(f_);
  }
  Result<std::optional<Message>> next() override {
    for (;;) {
      auto t = reader_.next();
      if (!t) return std::unexpected(t.error());
      if (*t) {
        Message m;
        m.type = static_cast<std::uint8_t>((*t)->type);
        m.timestamp = (*t)->timestamp;
        m.payload = std::move((*t)->data);
        if (m.type == rtmp::msg_type::data_amf0) {
          // Files hold onMetaData; normalise @setDataFrame away (sinks add it when publishing).
          if (auto d = rtmp::decode_data(m)) {
            auto s = rtmp::strip_set_data_frame(std::move(*d));
            if (auto enc = rtmp::encode_data(s, 0, m.timestamp)) m = std::move(*enc);
          }
        }
        return m;
      }
      if (eof_) {
        if (auto r = reader_.finish(); !r) return std::unexpected(r.error());
        return std::optional<Message>{};
      }
      Bytes buf(64 * 1024);
      std::size_t n = std::fread(buf.data(), 1, buf.size(), f_);
      if (n == 0) {
        if (std::ferror(f_)) return fail(Errc::io_error, "read error on FLV input");
        eof_ = true;
      }
      buf.resize(n);
      reader_.feed(buf);
    }
  }

 private:
  std::FILE* f_;
  bool owned_;
  bool eof_ = false;
  flv::Reader reader_;
};

class FlvSink : public Sink {
 public:
  FlvSink(std::FILE* f, bool owned) : f_(f), owned_(owned) {}
  ~FlvSink() override {
    if (owned_ && f_) std::fclose(f_);
  }
  Result<void> write(const Message& m) override {
    if (m.type != 8 && m.type != 9 && m.type != 18) return {};
    Bytes out;
    if (!header_done_) {
      flv::write_header(flv::Header{}, out);
      header_done_ = true;
    }
    flv::Tag t;
    t.type = static_cast<flv::TagType>(m.type);
    t.timestamp = m.timestamp;
    t.data = m.payload;
    if (auto r = flv::write_tag(t, out); !r) return r;
    if (std::fwrite(out.data(), 1, out.size(), f_) != out.size()) return fail(Errc::io_error, "write error on FLV output");
    return {};
  }
  Result<void> finish() override {
    if (!header_done_) {
      Bytes out;
      flv::write_header(flv::Header{}, out);
      header_done_ = true;
      (void)std::fwrite(out.data(), 1, out.size(), f_);
    }
    if (std::fflush(f_) != 0) return fail(Errc::io_error, "flush failed on FLV output");
    return {};
  }

 private:
  std::FILE* f_;
  bool owned_;
  bool header_done_ = false;
};

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

class ListenSource : public Source {
 public:
  explicit ListenSource(std::unique_ptr<RtmpListenSource> l) : l_(std::move(l)) {}
  Result<std::optional<Message>> next() override { return l_->next(); }

 private:
  std::unique_ptr<RtmpListenSource> l_;
};

bool is_url(const std::string& s) { return s.find("://") != std::string::npos; }

Result<rtmp::RtmpUrl> parse(const std::string& url) {
  auto u = rtmp::parse_rtmp_url(url);
  if (!u) return u;
  if (u->stream.empty()) return fail(Errc::invalid_argument, "URL '" + url + "' has no stream name (…/app/stream)");
  if (u->tls()) return fail(Errc::unsupported, "rtmps:// is not implemented yet");
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
    default: return relay_io_error;
  }
}

}  // namespace

Result<std::unique_ptr<Source>> open_source(const std::string& url, const RelayOptions& o) {
  if (!is_url(url)) {
    std::FILE* f = url == "-" ? stdin : std::fopen(url.c_str(), "rb");
    if (!f) return fail(Errc::not_found, "cannot open FLV input '" + url + "'");
    return std::unique_ptr<Source>(new FlvSource(f, url != "-"));
  }
  auto u = parse(url);
  if (!u) return std::unexpected(u.error());
  if (u->scheme == "rtmp-listen") {
    auto l = std::make_unique<RtmpListenSource>(u->host, u->port, u->app + "/" + u->stream, o.io_timeout);
    if (auto r = l->open(); !r) return std::unexpected(r.error());
    return std::unique_ptr<Source>(new ListenSource(std::move(l)));
  }
  rtmp::ClientOptions co;
  co.url = *u;
  co.publish = false;
  auto c = std::make_unique<RtmpClientConn>(co, o.connect_timeout, o.io_timeout);
  if (auto r = c->open(); !r) return std::unexpected(r.error());
  return std::unique_ptr<Source>(new RtmpPlaySource(std::move(c)));
}

Result<std::unique_ptr<Sink>> open_sink(const std::string& url, const RelayOptions& o) {
  if (!is_url(url)) {
    std::FILE* f = url == "-" ? stdout : std::fopen(url.c_str(), "wb");
    if (!f) return fail(Errc::io_error, "cannot create FLV output '" + url + "'");
    return std::unique_ptr<Sink>(new FlvSink(f, url != "-"));
  }
  auto u = parse(url);
  if (!u) return std::unexpected(u.error());
  if (u->scheme == "rtmp-listen") return fail(Errc::unsupported, "rtmp-listen:// as a destination is not implemented yet");
  rtmp::ClientOptions co;
  co.url = *u;
  co.publish = true;
  auto c = std::make_unique<RtmpClientConn>(co, o.connect_timeout, o.io_timeout);
  if (auto r = c->open(); !r) return std::unexpected(r.error());
  return std::unique_ptr<Sink>(new RtmpPublishSink(std::move(c)));
}

int run_relay(const RelayOptions& o) {
  using clock = std::chrono::steady_clock;
  int attempts = 0;
  std::uint64_t frames = 0, bytes = 0;
  for (;;) {
    auto report = [&](const Error& e, const char* where) {
      std::fprintf(stderr, "relay: %s: %s\n", where, e.detail.empty() ? errc_text(e.code) : e.detail.c_str());
      return exit_code_for(e);
    };
    auto src = open_source(o.from, o);
    if (!src) {
      int rc = report(src.error(), "source");
      if (o.reconnect && rc == relay_connect_failed && ++attempts < o.max_reconnects) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      return rc;
    }
    auto sink = open_sink(o.to, o);
    if (!sink) {
      int rc = report(sink.error(), "destination");
      if (o.reconnect && rc == relay_connect_failed && ++attempts < o.max_reconnects) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      return rc;
    }
    auto last_stats = clock::now();
    std::uint64_t window_bytes = 0;
    std::uint32_t last_ts = 0;
    auto start = clock::now();
    std::uint32_t first_ts = 0;
    bool have_first = false;
    for (;;) {
      auto m = (*src)->next();
      if (!m) {
        int rc = report(m.error(), "source");
        if (o.reconnect && rc != relay_bad_input && ++attempts < o.max_reconnects) break;
        (void)(*sink)->finish();
        return rc;
      }
      if (!*m) {
        if (auto r = (*sink)->finish(); !r) return report(r.error(), "destination");
        std::fprintf(stderr, "relay: done, %llu frames, %llu bytes\n", static_cast<unsigned long long>(frames),
                     static_cast<unsigned long long>(bytes));
        return relay_ok;
      }
      if (auto r = (*sink)->write(**m); !r) {
        int rc = report(r.error(), "destination");
        if (o.reconnect && rc != relay_bad_input && ++attempts < o.max_reconnects) break;
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
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace rtmfp::media::io
