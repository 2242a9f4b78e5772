// See listen_endpoints.hpp.
#include "media/io/listen_endpoints.hpp"

#include <thread>

namespace rtmfp::media::io {

namespace {
constexpr std::size_t kMaxSourceBacklog = 64u << 20;  // relay destination this far behind = failure
// The relay waits while this much is not yet handed to the server thread;
// below RtmpListenServer's max_player_backlog so a burst alone never drops a player.
constexpr std::size_t kMaxSinkQueue = 4u << 20;
}  // namespace

// ------------------------------------------------------------ source

void ListenSource::Capture::deliver(const Message& m) {
  std::lock_guard lk(mu);
  if (overflow) return;
  bytes += m.payload.size();
  if (bytes > kMaxSourceBacklog) overflow = true;
  q.push_back(m);
  cv.notify_all();
}

void ListenSource::Capture::publisher_started() {
  std::lock_guard lk(mu);
  started = true;
  cv.notify_all();
}

void ListenSource::Capture::publisher_stopped() {
  std::lock_guard lk(mu);
  if (started) stopped = true;
  cv.notify_all();
}

Result<std::unique_ptr<ListenSource>> ListenSource::open(RtmpListenServer::Options so, std::string key) {
  std::unique_ptr<ListenSource> s(new ListenSource());
  s->key_ = std::move(key);
  s->io_timeout_ = so.io_timeout;
  auto srv = RtmpListenServer::start(std::move(so));
  if (!srv) return std::unexpected(srv.error());
  s->server_ = std::move(*srv);
  auto result = std::make_shared<Result<void>>();
  if (!s->server_->call([p = s.get(), result](rtmp::StreamRegistry& reg) { *result = reg.add_player(p->key_, &p->cap_); }))
    return fail(Errc::io_error, "rtmp-listen: server thread did not answer");
  if (!*result) return std::unexpected(result->error());
  return s;
}

ListenSource::~ListenSource() {
  if (server_) (void)server_->call([this](rtmp::StreamRegistry& reg) { reg.remove_player(key_, &cap_); });
}

Result<std::optional<Message>> ListenSource::next() {
  std::unique_lock lk(cap_.mu);
  auto last = std::chrono::steady_clock::now();
  for (;;) {
    if (cap_.overflow)
      return fail(Errc::io_error, "rtmp-listen: the relay destination is too slow (over " +
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
      return fail(Errc::timeout, "rtmp-listen: no media from the publisher of '" + key_ + "' for " +
                                     std::to_string(io_timeout_.count()) + " ms");
    }
  }
}

// ------------------------------------------------------------ sink

Result<std::unique_ptr<ListenSink>> ListenSink::open(RtmpListenServer::Options so, std::string key) {
  std::unique_ptr<ListenSink> s(new ListenSink());
  s->key_ = std::move(key);
  s->io_timeout_ = so.io_timeout;
  auto srv = RtmpListenServer::start(std::move(so));
  if (!srv) return std::unexpected(srv.error());
  s->server_ = std::move(*srv);
  auto result = std::make_shared<Result<void>>();
  if (!s->server_->call([p = s.get(), result](rtmp::StreamRegistry& reg) { *result = reg.publish(p->key_, p); }))
    return fail(Errc::io_error, "rtmp-listen: server thread did not answer");
  if (!*result) return std::unexpected(result->error());
  s->published_ = true;
  return s;
}

ListenSink::~ListenSink() {
  if (server_ && published_) (void)server_->call([this](rtmp::StreamRegistry& reg) { reg.unpublish(key_, this); });
}

Result<void> ListenSink::write(const Message& m) {
  if (!published_) return fail(Errc::bad_state, "rtmp-listen: stream already finished");
  if (m.type != rtmp::msg_type::audio && m.type != rtmp::msg_type::video && m.type != rtmp::msg_type::data_amf0 &&
      m.type != rtmp::msg_type::data_amf3)
    return {};
  // Back-pressure: the server thread hands messages to the players' sessions;
  // do not run ahead of it by more than kMaxSinkQueue bytes.
  const auto deadline = std::chrono::steady_clock::now() + io_timeout_;
  while (queued_->load() > kMaxSinkQueue) {
    if (std::chrono::steady_clock::now() > deadline)
      return fail(Errc::timeout, "rtmp-listen: server thread stalled for " + std::to_string(io_timeout_.count()) + " ms");
    std::this_thread::sleep_for(milliseconds(1));
  }
  const std::size_t n = m.payload.size();
  *queued_ += n;
  server_->post([this, m, n, q = queued_](rtmp::StreamRegistry& reg) {
    reg.on_media(key_, m);
    *q -= n;
  });
  return {};
}

Result<void> ListenSink::finish() {
  if (!published_) return {};
  published_ = false;
  if (!server_->call([this](rtmp::StreamRegistry& reg) { reg.unpublish(key_, this); }))
    return fail(Errc::io_error, "rtmp-listen: server thread did not answer");
  // Best effort: a player that does not read is dropped by the server anyway.
  (void)server_->drain(std::min<milliseconds>(io_timeout_, milliseconds(10000)));
  return {};
}

}  // namespace rtmfp::media::io
