// See rtmfp_listen_server.hpp.
#include "media/io/rtmfp_listen_server.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "rtmfp/io/resolve.hpp"

namespace rtmfp::media::io {

RtmfpListenServer::RtmfpListenServer(Options o) : o_(std::move(o)) {}

Result<std::unique_ptr<RtmfpListenServer>> RtmfpListenServer::start(Options o) {
  std::unique_ptr<RtmfpListenServer> s(new RtmfpListenServer(std::move(o)));
  asio::io_context resolver_io;
  auto addrs = rtmfp::io::resolve(resolver_io, s->o_.url.host, s->o_.url.port);
  if (!addrs) return fail(Errc::invalid_argument, "rtmfp-listen: " + addrs.error().detail);
  gateway::ServerPolicy policy;
  policy.app = s->o_.url.app;
  policy.stream = s->o_.url.stream;
  policy.allow_play = s->o_.relay_publishes;
  policy.allow_publish = !s->o_.relay_publishes;
  policy.io_timeout = s->o_.io_timeout;
  policy.max_connections = s->o_.max_connections;
  policy.max_connections_per_address = s->o_.max_connections_per_address;
  ListenAccess access = s->o_.access;
  access.streams = {policy.key()};  // S3: only the relay's key
  access.allow_publish = policy.allow_publish;
  access.allow_play = policy.allow_play;
  policy.authorize = [access](bool publish, const std::string& app, const std::string& name) {
    return access.authorize(publish, app, name);
  };

  RtmfpNode::Options no;
  no.config.accept_sessions = true;
  no.config.max_datagram_limit = s->o_.max_datagram_limit;
  no.config.receive_buffer = gateway::kStreamReceiveBuffer;  // whole keyframes (rtmfp_mapping.hpp)
  no.profiles = {ProfileKind::flash, ProfileKind::modern};  // one port, both profiles
  no.bind = addrs->front();
  RtmfpListenServer* self = s.get();
  no.on_start = [self, policy](Endpoint& e) { self->server_ = std::make_unique<gateway::MediaServer>(e, policy); };
  no.on_event = [self](TimePoint now, Endpoint&, const EndpointEvent& ev) {
    if (!self->server_) return;
    self->server_->on_event(now, ev);
    self->flush(now);
  };
  no.on_tick = [self](TimePoint now, Endpoint&) { self->flush(now); };
  auto node = RtmfpNode::start(std::move(no));
  if (!node) return fail(Errc::io_error, "rtmfp-listen: " + node.error().detail);
  s->node_ = std::move(*node);
  return s;
}

RtmfpListenServer::~RtmfpListenServer() {
  if (node_) {
    shutdown(milliseconds(1000));
    (void)node_->call([this](TimePoint, Endpoint&) { server_.reset(); });
  }
  node_.reset();
}

void RtmfpListenServer::flush(TimePoint now) {
  if (!server_) return;
  server_->flush(now);
  if (!buffered_at_ || now >= *buffered_at_ + kBufferedRefresh) {
    buffered_ = server_->buffered();
    buffered_at_ = now;
  }
  for (auto& line : server_->take_log())
    if (o_.log) o_.log(line);
}

void RtmfpListenServer::post(std::function<void(TimePoint, gateway::MediaServer&)> f) {
  node_->post([this, f = std::move(f)](TimePoint now, Endpoint&) {
    if (!server_) return;
    f(now, *server_);
    flush(now);
  });
}

bool RtmfpListenServer::call(std::function<void(TimePoint, gateway::MediaServer&)> f, milliseconds timeout) {
  return node_->call(
      [this, f = std::move(f)](TimePoint now, Endpoint&) {
        if (!server_) return;
        f(now, *server_);
        flush(now);
      },
      timeout);
}

void RtmfpListenServer::shutdown(milliseconds timeout) { node_->shutdown(timeout); }

bool RtmfpListenServer::wait_acknowledged(milliseconds timeout) {
  return node_->wait_until([this](Endpoint&) { return !server_ || server_->buffered() == 0; }, timeout);
}

}  // namespace rtmfp::media::io
