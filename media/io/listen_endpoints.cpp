// See listen_endpoints.hpp.
#include "media/io/listen_endpoints.hpp"

#include <thread>

namespace rtmfp::media::io {

namespace {
// The relay waits while this much is not yet handed to the server thread;
// below RtmpListenServer's max_player_backlog so a burst alone never drops a player.
constexpr std::size_t kMaxSinkQueue = 4u << 20;
}  // namespace

// ------------------------------------------------------------ source

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

Result<std::optional<Message>> ListenSource::next() { return cap_.next(io_timeout_, "rtmp-listen", key_); }

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
