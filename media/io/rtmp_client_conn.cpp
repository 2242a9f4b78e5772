// See rtmp_client_conn.hpp.
#include "media/io/rtmp_client_conn.hpp"

namespace rtmfp::media::io {

namespace {
rtmfp::TimePoint now() {
  return rtmfp::TimePoint(std::chrono::duration_cast<rtmfp::Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}
}  // namespace

RtmpClientConn::RtmpClientConn(rtmp::ClientOptions o, TlsOptions tls, milliseconds ct, milliseconds it)
    : sess_(o), host_(o.url.host), port_(o.url.port), tls_(std::move(tls)), connect_timeout_(ct), io_timeout_(it) {
  tls_.enabled = o.url.tls();
}

Result<void> RtmpClientConn::flush() { return net_.write_all(sess_.take_output(), io_timeout_); }

Result<void> RtmpClientConn::step(milliseconds timeout) {
  auto data = net_.read_some(timeout);
  if (!data) return std::unexpected(data.error());
  if (!data->empty())
    if (auto r = sess_.receive(*data, now()); !r) return r;
  for (auto& e : sess_.take_events()) {
    if (e.kind == rtmp::ClientEvent::Kind::media) media_.push_back(std::move(e.message));
    if (e.kind == rtmp::ClientEvent::Kind::ended) ended_ = true;
  }
  return flush();
}

Result<void> RtmpClientConn::open() {
  if (auto r = net_.connect(host_, port_, tls_, connect_timeout_); !r) return r;
  if (auto r = net_.write_all(sess_.start(now()), io_timeout_); !r) return r;
  const auto deadline = std::chrono::steady_clock::now() + io_timeout_;
  while (!sess_.ready()) {
    if (std::chrono::steady_clock::now() > deadline)
      return fail(Errc::timeout, "RTMP server did not start the stream in time");
    if (auto r = step(milliseconds(200)); !r) {
      if (r.error().code == Errc::closed)
        return fail(Errc::refused, "RTMP server " + host_ + ":" + std::to_string(port_) +
                                       " closed the connection before the stream started");
      return r;
    }
  }
  return {};
}

Result<std::optional<rtmp::Message>> RtmpClientConn::next() {
  auto last = std::chrono::steady_clock::now();
  while (media_.empty()) {
    if (ended_ || interrupted_) return std::optional<rtmp::Message>{};
    auto r = step(milliseconds(200));
    if (!r) {
      // A clean end is announced (StreamEOF / UnpublishNotify / Play.Stop);
      // a connection that just drops mid-stream is a failure (--reconnect).
      if (r.error().code == Errc::closed && ended_) return std::optional<rtmp::Message>{};
      if (r.error().code == Errc::closed)
        return fail(Errc::closed, "RTMP server " + host_ + ":" + std::to_string(port_) +
                                      " closed the connection without ending the stream");
      return std::unexpected(r.error());
    }
    if (!media_.empty()) break;
    if (std::chrono::steady_clock::now() - last > io_timeout_)
      return fail(Errc::timeout, "no media from the RTMP server for " + std::to_string(io_timeout_.count()) + " ms");
  }
  rtmp::Message m = std::move(media_.front());
  media_.pop_front();
  return m;
}

Result<void> RtmpClientConn::send(const rtmp::Message& m) {
  if (auto r = sess_.send_media(m); !r) return r;
  if (auto r = flush(); !r) return r;
  // Service incoming control traffic (acks, pings, errors) without blocking.
  return step(milliseconds(0));
}

void RtmpClientConn::close() {
  if (closed_) return;
  closed_ = true;
  sess_.finish();
  (void)flush();
  net_.close();
}

}  // namespace rtmfp::media::io
