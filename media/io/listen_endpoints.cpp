// See listen_endpoints.hpp.
#include "media/io/listen_endpoints.hpp"

namespace rtmfp::media::io {

namespace {

// The shared server of so.bind:so.port with `key` claimed under `rule`.
Result<std::shared_ptr<SharedRtmpListener>> claim(RtmpListenServer::Options so, const std::string& key,
                                                  const ListenAccess& rule) {
  auto l = SharedRtmpListener::acquire(std::move(so));
  if (!l) return l;
  if (auto r = (*l)->claim(key, rule); !r) return std::unexpected(r.error());
  return l;
}

}  // namespace

// ------------------------------------------------------------ source

Result<std::unique_ptr<ListenSource>> ListenSource::open(RtmpListenServer::Options so, std::string key) {
  std::unique_ptr<ListenSource> s(new ListenSource());
  ListenAccess rule;
  auto k = parse_listen_key(key, rule);
  if (!k) return std::unexpected(k.error());
  s->key_ = std::move(*k);
  rule.allow_publish = true;  // S3: only the relay's key, published by one client
  s->io_timeout_ = so.io_timeout;
  auto l = claim(std::move(so), s->key_, rule);
  if (!l) return std::unexpected(l.error());
  s->listener_ = std::move(*l);
  s->claimed_ = true;
  auto result = std::make_shared<Result<void>>();
  if (!s->server().call([p = s.get(), result](rtmp::StreamRegistry& reg) { *result = reg.add_player(p->key_, &p->cap_); }))
    return fail(Errc::io_error, "rtmp-listen: server thread did not answer");
  if (!*result) return std::unexpected(result->error());
  return s;
}

ListenSource::~ListenSource() {
  if (!listener_) return;
  (void)server().call([this](rtmp::StreamRegistry& reg) { reg.remove_player(key_, &cap_); });
  if (claimed_) listener_->release(key_);
}

Result<std::optional<Message>> ListenSource::next() { return cap_.next(io_timeout_, "rtmp-listen", key_); }

// ------------------------------------------------------------ sink

Result<std::unique_ptr<ListenSink>> ListenSink::open(RtmpListenServer::Options so, std::string key) {
  std::unique_ptr<ListenSink> s(new ListenSink());
  ListenAccess rule;
  auto k = parse_listen_key(key, rule);
  if (!k) return std::unexpected(k.error());
  s->key_ = std::move(*k);
  rule.allow_publish = false;  // S3: players of the relay's key only; nobody else publishes
  s->io_timeout_ = so.io_timeout;
  auto l = claim(std::move(so), s->key_, rule);
  if (!l) return std::unexpected(l.error());
  s->listener_ = std::move(*l);
  s->claimed_ = true;
  auto result = std::make_shared<Result<void>>();
  if (!s->server().call([p = s.get(), result](rtmp::StreamRegistry& reg) { *result = reg.publish(p->key_, p); }))
    return fail(Errc::io_error, "rtmp-listen: server thread did not answer");
  if (!*result) return std::unexpected(result->error());
  s->published_ = true;
  return s;
}

ListenSink::~ListenSink() {
  if (!listener_) return;
  if (published_) (void)server().call([this](rtmp::StreamRegistry& reg) { reg.unpublish(key_, this); });
  if (claimed_) listener_->release(key_);
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
  // By value: on a shared server this may run after the sink is gone.
  server().post([key = key_, m, n, g = gate_](rtmp::StreamRegistry& reg) {
    reg.on_media(key, m);
    g->release(n);
  });
  return {};
}

Result<void> ListenSink::finish() {
  if (!published_) return {};
  published_ = false;
  if (!server().call([this](rtmp::StreamRegistry& reg) { reg.unpublish(key_, this); }))
    return fail(Errc::io_error, "rtmp-listen: server thread did not answer");
  // Best effort: a player that does not read is dropped by the server anyway.
  // Only this key's players: other endpoints on a shared server keep flowing.
  (void)server().drain(std::min<milliseconds>(io_timeout_, milliseconds(10000)), key_);
  return {};
}

}  // namespace rtmfp::media::io
