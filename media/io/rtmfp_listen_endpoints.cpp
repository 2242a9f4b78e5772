// See rtmfp_listen_endpoints.hpp.
#include "media/io/rtmfp_listen_endpoints.hpp"

#include <thread>

namespace rtmfp::media::io {

namespace {
constexpr std::size_t kMaxSourceBacklog = 64u << 20;  // relay destination this far behind = failure
constexpr std::size_t kMaxSinkQueue = 4u << 20;       // relay runs at most this far ahead of the server thread
}  // namespace

// ------------------------------------------------------------ source

void RtmfpListenSource::Capture::deliver(const Message& m) {
  std::lock_guard lk(mu);
  if (overflow) return;
  bytes += m.payload.size();
  if (bytes > kMaxSourceBacklog) overflow = true;
  q.push_back(m);
  cv.notify_all();
}

void RtmfpListenSource::Capture::publisher_started() {
  std::lock_guard lk(mu);
  started = true;
  cv.notify_all();
}

void RtmfpListenSource::Capture::publisher_stopped() {
  std::lock_guard lk(mu);
  if (started) stopped = true;
  cv.notify_all();
}

Result<std::unique_ptr<RtmfpListenSource>> RtmfpListenSource::open(RtmfpListenServer::Options so,
                                                                   milliseconds io_timeout) {
  std::unique_ptr<RtmfpListenSource> s(new RtmfpListenSource());
  s->io_timeout_ = io_timeout;
  s->key_ = so.url.app + "/" + so.url.stream;
  so.relay_publishes = false;
  auto srv = RtmfpListenServer::start(std::move(so));
  if (!srv) return std::unexpected(srv.error());
  s->server_ = std::move(*srv);
  auto result = std::make_shared<Result<void>>();
  if (!s->server_->call([p = s.get(), result](TimePoint, gateway::MediaServer& m) { *result = m.add_player(&p->cap_); }))
    return fail(Errc::io_error, "rtmfp-listen: server thread did not answer");
  if (!*result) return std::unexpected(result->error());
  return s;
}

RtmfpListenSource::~RtmfpListenSource() {
  if (server_) (void)server_->call([this](TimePoint, gateway::MediaServer& m) { m.remove_player(&cap_); });
}

Result<std::optional<Message>> RtmfpListenSource::next() {
  std::unique_lock lk(cap_.mu);
  auto last = std::chrono::steady_clock::now();
  for (;;) {
    if (cap_.overflow)
      return fail(Errc::io_error, "rtmfp-listen: the relay destination is too slow (over " +
                                      std::to_string(kMaxSourceBacklog >> 20) + " MiB queued)");
    if (!cap_.q.empty()) {
      Message m = std::move(cap_.q.front());
      cap_.q.pop_front();
      cap_.bytes -= m.payload.size();
      return m;
    }
    if (cap_.stopped) return std::optional<Message>{};
    cap_.cv.wait_for(lk, milliseconds(200));
    if (!cap_.started) {
      last = std::chrono::steady_clock::now();  // waiting for a publisher has no limit
    } else if (cap_.q.empty() && !cap_.stopped && std::chrono::steady_clock::now() - last > io_timeout_) {
      return fail(Errc::timeout, "rtmfp-listen: no media from the publisher of '" + key_ + "' for " +
                                     std::to_string(io_timeout_.count()) + " ms");
    }
  }
}

// ------------------------------------------------------------ sink

Result<std::unique_ptr<RtmfpListenSink>> RtmfpListenSink::open(RtmfpListenServer::Options so, milliseconds io_timeout) {
  std::unique_ptr<RtmfpListenSink> s(new RtmfpListenSink());
  s->io_timeout_ = io_timeout;
  so.relay_publishes = true;
  auto srv = RtmfpListenServer::start(std::move(so));
  if (!srv) return std::unexpected(srv.error());
  s->server_ = std::move(*srv);
  auto result = std::make_shared<Result<void>>();
  if (!s->server_->call([result](TimePoint, gateway::MediaServer& m) { *result = m.publish(); }))
    return fail(Errc::io_error, "rtmfp-listen: server thread did not answer");
  if (!*result) return std::unexpected(result->error());
  s->published_ = true;
  return s;
}

RtmfpListenSink::~RtmfpListenSink() {
  if (server_ && published_) (void)server_->call([](TimePoint, gateway::MediaServer& m) { m.unpublish(); });
}

Result<void> RtmfpListenSink::write(const Message& m) {
  if (!published_) return fail(Errc::bad_state, "rtmfp-listen: stream already finished");
  if (m.type != rtmp::msg_type::audio && m.type != rtmp::msg_type::video && m.type != rtmp::msg_type::data_amf0 &&
      m.type != rtmp::msg_type::data_amf3)
    return {};
  // Back-pressure towards the server thread only: players that fall behind
  // lose late frames to their deadlines (MediaLossPolicy) or are dropped.
  const auto deadline = std::chrono::steady_clock::now() + io_timeout_;
  while (queued_->load() > kMaxSinkQueue) {
    if (std::chrono::steady_clock::now() > deadline)
      return fail(Errc::timeout, "rtmfp-listen: server thread stalled for " + std::to_string(io_timeout_.count()) + " ms");
    std::this_thread::sleep_for(milliseconds(1));
  }
  const std::size_t n = m.payload.size();
  *queued_ += n;
  server_->post([m, n, q = queued_](TimePoint, gateway::MediaServer& srv) {
    srv.media(m);
    *q -= n;
  });
  return {};
}

Result<void> RtmfpListenSink::finish() {
  if (!published_) return {};
  published_ = false;
  if (!server_->call([](TimePoint, gateway::MediaServer& m) { m.unpublish(); }))
    return fail(Errc::io_error, "rtmfp-listen: server thread did not answer");
  // Best effort, bounded: players that stopped reading are dropped anyway.
  const auto deadline = std::chrono::steady_clock::now() + std::min<milliseconds>(io_timeout_, milliseconds(10000));
  while (server_->buffered() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  server_->shutdown(milliseconds(2000));
  return {};
}

}  // namespace rtmfp::media::io
