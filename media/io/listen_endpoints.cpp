// See listen_endpoints.hpp.
#include "media/io/listen_endpoints.hpp"

namespace rtmfp::media::io {

// ------------------------------------------------------------ source

Result<std::unique_ptr<ListenSource>> ListenSource::open(RtmpListenServer::Options so, std::string key) {
  std::unique_ptr<ListenSource> s(new ListenSource());
  auto k = parse_listen_key(key, so.access);
  if (!k) return std::unexpected(k.error());
  s->key_ = std::move(*k);
  so.access.streams = {s->key_};  // S3: only the relay's key, published by one client
  so.access.allow_publish = true;
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
  auto k = parse_listen_key(key, so.access);
  if (!k) return std::unexpected(k.error());
  s->key_ = std::move(*k);
  so.access.streams = {s->key_};  // S3: players of the relay's key only; nobody else publishes
  so.access.allow_publish = false;
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
  // Back-pressure: the server thread hands messages to the players' queues;
  // do not run ahead of it by more than kMaxHandOver bytes (waits on a
  // condition variable the server thread signals).
  const std::size_t n = m.payload.size();
  if (!gate_->acquire(n, std::chrono::steady_clock::now() + io_timeout_))
    return fail(Errc::timeout, "rtmp-listen: server thread stalled for " + std::to_string(io_timeout_.count()) + " ms");
  server_->post([this, m, n, g = gate_](rtmp::StreamRegistry& reg) {
    reg.on_media(key_, m);
    g->release(n);
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
