// See rtmfp_listen_endpoints.hpp.
#include "media/io/rtmfp_listen_endpoints.hpp"

namespace rtmfp::media::io {

namespace {
// "STREAM?publish_key=A&play_key=B" of the URL: the stream name alone in
// so.url, the tokens in so.access (listen_access.hpp).
Result<void> take_access_keys(RtmfpListenServer::Options& so) {
  auto k = parse_listen_key(so.url.stream, so.access);
  if (!k) return std::unexpected(k.error());
  if (k->empty()) return fail(Errc::invalid_argument, "rtmfp-listen: URL has no stream name before '?'");
  so.url.stream = std::move(*k);
  return {};
}
}  // namespace

// ------------------------------------------------------------ source

Result<std::unique_ptr<RtmfpListenSource>> RtmfpListenSource::open(RtmfpListenServer::Options so,
                                                                   milliseconds io_timeout) {
  if (auto r = take_access_keys(so); !r) return std::unexpected(r.error());
  std::unique_ptr<RtmfpListenSource> s(new RtmfpListenSource());
  s->io_timeout_ = io_timeout;
  s->key_ = so.url.app + "/" + so.url.stream;
  so.relay_publishes = false;
  so.io_timeout = io_timeout;
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

Result<std::optional<Message>> RtmfpListenSource::next() { return cap_.next(io_timeout_, "rtmfp-listen", key_); }

// ------------------------------------------------------------ sink

Result<std::unique_ptr<RtmfpListenSink>> RtmfpListenSink::open(RtmfpListenServer::Options so, milliseconds io_timeout) {
  if (auto r = take_access_keys(so); !r) return std::unexpected(r.error());
  std::unique_ptr<RtmfpListenSink> s(new RtmfpListenSink());
  s->io_timeout_ = io_timeout;
  so.relay_publishes = true;
  so.io_timeout = io_timeout;
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
  const std::size_t n = m.payload.size();
  if (!gate_->acquire(n, std::chrono::steady_clock::now() + io_timeout_))
    return fail(Errc::timeout, "rtmfp-listen: server thread stalled for " + std::to_string(io_timeout_.count()) + " ms");
  server_->post([m, n, g = gate_](TimePoint, gateway::MediaServer& srv) {
    srv.media(m);
    g->release(n);
  });
  return {};
}

std::uint64_t RtmfpListenSink::players() {
  auto n = std::make_shared<std::atomic<std::uint64_t>>(0);
  (void)server_->call([n](TimePoint, gateway::MediaServer& m) { *n = m.players(); }, milliseconds(1000));
  return n->load();
}

Result<void> RtmfpListenSink::finish() {
  if (!published_) return {};
  published_ = false;
  if (!server_->call([](TimePoint, gateway::MediaServer& m) { m.unpublish(); }))
    return fail(Errc::io_error, "rtmfp-listen: server thread did not answer");
  // Best effort, bounded: players that stopped reading are dropped anyway.
  (void)server_->wait_acknowledged(std::min<milliseconds>(io_timeout_, milliseconds(10000)));
  server_->shutdown(milliseconds(2000));
  return {};
}

}  // namespace rtmfp::media::io
