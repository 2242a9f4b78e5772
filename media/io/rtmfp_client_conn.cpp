// See rtmfp_client_conn.hpp.
#include "media/io/rtmfp_client_conn.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "rtmfp/io/resolve.hpp"

namespace rtmfp::media::io {

namespace {
gateway::NcClientConfig nc_config(const RtmfpClientConn::Options& o) {
  gateway::NcClientConfig c;
  c.app = o.url.app;
  c.tc_url = o.url.tc_url;
  c.stream = o.url.stream;
  c.publish = o.publish;
  return c;
}
std::string where(const gateway::RtmfpMediaUrl& u) {
  return (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port);
}
}  // namespace

RtmfpClientConn::RtmfpClientConn(const Options& o) : o_(o), nc_(nc_config(o)) {}

RtmfpClientConn::~RtmfpClientConn() {
  if (!closing_) close(milliseconds(2000));
  node_.reset();  // joins the node thread before the state it uses goes
}

void RtmfpClientConn::set_failed(Error e) {
  // Caller holds mu_.
  if (phase_ == Phase::failed) return;
  phase_ = Phase::failed;
  error_ = std::move(e);
  cv_.notify_all();
}

Result<std::unique_ptr<RtmfpClientConn>> RtmfpClientConn::open(const Options& o) {
  std::unique_ptr<RtmfpClientConn> c(new RtmfpClientConn(o));
  asio::io_context resolver_io;
  auto addrs = rtmfp::io::resolve(resolver_io, o.url.host, o.url.port);
  if (!addrs) return fail(Errc::io_error, addrs.error().detail);
  RtmfpNode::Options no;
  no.config.accept_sessions = false;  // initiator only
  no.config.open_timeout = std::chrono::duration_cast<Duration>(o.connect_timeout);
  no.config.max_datagram_limit = o.max_datagram_limit;
  no.config.receive_buffer = gateway::kStreamReceiveBuffer;  // whole keyframes (rtmfp_mapping.hpp)
  no.profiles = {o.profile};  // a fresh certificate per connection (RFC 7425 §5.3)
  no.bind.v6 = addrs->front().v6;
  RtmfpClientConn* self = c.get();
  no.on_event = [self](TimePoint now, Endpoint& e, const EndpointEvent& ev) { self->on_event(now, e, ev); };
  no.on_tick = [self](TimePoint now, Endpoint& e) { self->on_tick(now, e); };
  auto node = RtmfpNode::start(std::move(no));
  if (!node) return fail(Errc::io_error, node.error().detail);
  c->node_ = std::move(*node);
  // §5.3.3: interface addresses with our port (the node thread is idle until connect).
  gateway::NcClientConfig cfg = nc_config(o);
  cfg.peer_addresses = peer_info_addresses(c->node_->local_address().port, addrs->front().v6);
  c->nc_ = gateway::NetConnectionClient(std::move(cfg));

  std::vector<SocketAddress> candidates;
  for (const auto& a : *addrs)
    if (a.v6 == addrs->front().v6) candidates.push_back(a);
  c->node_->post([self, candidates](TimePoint now, Endpoint& e) {
    ConnectRequest req;
    req.profile = self->o_.profile;
    req.epd.uri = self->o_.url.tc_url;  // Ancillary Data (RFC 7425 §4.4.2.2, §5.3.1)
    req.candidates = candidates;
    auto s = e.connect(now, req);
    std::lock_guard lk(self->mu_);
    if (!s) self->set_failed(Error{Errc::io_error, "cannot start the RTMFP session: " + s.error().message()});
  });

  const auto start = std::chrono::steady_clock::now();
  // The session handshake is bounded by the endpoint's open timeout; the
  // NetConnection handshake after it by the same amount again.
  const auto deadline = start + 2 * o.connect_timeout + milliseconds(500);
  std::unique_lock lk(c->mu_);
  c->cv_.wait_until(lk, deadline, [&] { return c->phase_ != Phase::connecting; });
  if (c->phase_ == Phase::connecting)
    c->set_failed(Error{Errc::timeout, "rtmfp://" + where(o.url) + "/" + o.url.app + ": no " +
                                           (o.publish ? "Publish.Start" : "Play.Start") + " within " +
                                           std::to_string((2 * o.connect_timeout).count()) + " ms"});
  if (c->phase_ == Phase::failed) {
    Error e = c->error_;
    lk.unlock();
    return std::unexpected(e);
  }
  return c;
}

// ------------------------------------------------------------ node thread

void RtmfpClientConn::on_event(TimePoint now, Endpoint& e, const EndpointEvent& ev) {
  if (auto* op = std::get_if<SessionOpened>(&ev)) {
    if (!op->initiator || session_) return;
    session_ = op->session;
    port_ = std::make_unique<gateway::EndpointFlowPort>(e, op->session);
    if (auto r = nc_.start(now, *port_); !r) {
      std::lock_guard lk(mu_);
      set_failed(Error{Errc::io_error, "cannot open the NetConnection control flow: " + r.error().message()});
    }
  } else if (auto* f = std::get_if<SessionOpenFailed>(&ev)) {
    std::lock_guard lk(mu_);
    if (f->error.code == Errc::timeout || f->error.code == Errc::not_found)
      set_failed(Error{Errc::timeout, "no RTMFP answer from " + where(o_.url) + " within " +
                                          std::to_string(o_.connect_timeout.count()) +
                                          " ms (nothing listening, a firewall, or another crypto profile: this "
                                          "end uses '" +
                                          profile_name(o_.profile) + "')"});
    else
      set_failed(Error{Errc::io_error, "RTMFP session to " + where(o_.url) + " failed: " + f->error.message()});
    return;
  } else if (auto* cl = std::get_if<SessionClosed>(&ev)) {
    if (!session_ || cl->session != *session_) return;
    nc_.on_session_closed(close_reason_name(cl->reason));  // events follow in drain_events()
  } else if (port_) {
    if (auto* in = std::get_if<FlowIncoming>(&ev))
      nc_.on_flow_incoming(now, *port_, in->flow, in->metadata, in->association);
    else if (auto* m = std::get_if<FlowMessage>(&ev))
      nc_.on_flow_message(now, *port_, m->flow, m->data);
    else if (auto* fin = std::get_if<FlowFinished>(&ev))
      nc_.on_flow_finished(now, *port_, fin->flow);
    else if (auto* rej = std::get_if<FlowRejected>(&ev))
      nc_.on_flow_rejected(now, *port_, rej->flow, rej->code);
  }
  drain_events();
}

void RtmfpClientConn::drain_events() {
  auto events = nc_.take_events();
  std::lock_guard lk(mu_);
  for (auto& ev : events) {
    using K = gateway::NcClientEvent::Kind;
    switch (ev.kind) {
      case K::publishing:
      case K::playing:
        if (phase_ == Phase::connecting) phase_ = Phase::streaming;
        break;
      case K::media:
        media_bytes_ += ev.message.payload.size();
        media_.push_back(std::move(ev.message));
        if (media_bytes_ > kMaxPlayBacklog)
          set_failed(Error{Errc::io_error, "the relay destination is too slow (over " +
                                               std::to_string(kMaxPlayBacklog >> 20) + " MiB from rtmfp:// queued)"});
        break;
      case K::ended:
        if (phase_ != Phase::failed) phase_ = Phase::ended;
        break;
      case K::failed:
        set_failed(ev.error);
        break;
      case K::connected:
      case K::keepalive:
        break;
    }
  }
  if (port_) buffered_ = nc_.buffered(*port_);
  cv_.notify_all();
}

void RtmfpClientConn::on_tick(TimePoint now, Endpoint& e) {
  if (!port_ || !session_) return;
  // Media held by the timestamp merge that time now lets go (idle lane, bounds).
  nc_.poll(now);
  drain_events();
  // §5.3.4: the server's advised keepalive, clamped to >= 5 s by the
  // NetConnection; the endpoint already pings after its own period of
  // silence, so only a shorter advised period needs pings from here.
  if (auto ka = nc_.server_keepalive(); ka && *ka < e.config().keepalive_period && !closing_) {
    if (!last_ping_ || now - *last_ping_ >= *ka) {
      static const std::uint8_t kPing[1] = {0};
      (void)e.ping(now, *session_, ByteView(kPing, 1));
      last_ping_ = now;
    }
  }
  std::lock_guard lk(mu_);
  buffered_ = nc_.buffered(*port_);
  cv_.notify_all();
}

// ------------------------------------------------------------ relay thread

Result<std::optional<Message>> RtmfpClientConn::next() {
  std::unique_lock lk(mu_);
  const auto deadline = std::chrono::steady_clock::now() + o_.io_timeout;
  cv_.wait_until(lk, deadline, [&] {
    return interrupted_ || !media_.empty() || phase_ == Phase::ended || phase_ == Phase::failed;
  });
  if (interrupted_) return std::optional<Message>{};
  if (!media_.empty()) {
    Message m = std::move(media_.front());
    media_.pop_front();
    media_bytes_ -= m.payload.size();
    return m;
  }
  if (phase_ == Phase::failed) return std::unexpected(error_);
  if (phase_ == Phase::ended) return std::optional<Message>{};
  return fail(Errc::timeout, "no media from rtmfp://" + where(o_.url) + "/" + o_.url.app + "/" + o_.url.stream +
                                 " for " + std::to_string(o_.io_timeout.count()) + " ms");
}

void RtmfpClientConn::interrupt() {
  std::lock_guard lk(mu_);
  interrupted_ = true;
  cv_.notify_all();
}

Result<void> RtmfpClientConn::send(const Message& m) {
  const std::uint64_t n = m.payload.size() + 5;
  {
    std::unique_lock lk(mu_);
    const auto deadline = std::chrono::steady_clock::now() + o_.io_timeout;
    if (!cv_.wait_until(lk, deadline, [&] { return phase_ != Phase::streaming || posted_ + buffered_ <= kMaxBacklog; }))
      return fail(Errc::timeout, "rtmfp://" + where(o_.url) + " acknowledged nothing for " +
                                     std::to_string(o_.io_timeout.count()) + " ms");
    if (phase_ == Phase::failed) return std::unexpected(error_);
    if (phase_ == Phase::ended) return fail(Errc::closed, "the server ended the stream");
    posted_ += n;
  }
  node_->post([this, m, n](TimePoint now, Endpoint&) {
    auto r = nc_.send_media(now, *port_, m);
    {
      std::lock_guard lk(mu_);
      posted_ -= n;
      if (!r && r.error().code != Errc::bad_state) set_failed(r.error());
    }
    drain_events();
  });
  return {};
}

void RtmfpClientConn::close(milliseconds budget) {
  if (closing_.exchange(true)) return;
  if (!node_) return;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  auto left = [&] {
    return std::max(milliseconds(0),
                    std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now()));
  };
  // RFC 7425 §5.3.6: close our flows; the server closes its flows in answer.
  // Waited for on the node's thread after every event (no polling).
  (void)node_->call([this](TimePoint now, Endpoint&) {
    if (port_) nc_.finish(now, *port_);
    drain_events();
  }, budget);
  (void)node_->wait_until([this](Endpoint&) { return nc_.done() || !port_; }, left());
  // Then the session (RFC 7016 §3.5.5), orderly, bounded.
  // Watch the session go (the far end's Close Ack; its SessionClosed then
  // finds the NetConnection finishing: ended, not failed). Short: the far end may be gone already (e.g. an
  // rtmfp-listen:// relay that ended with our stream), and the NetConnection
  // itself is over.
  auto open = std::make_shared<bool>(false);
  (void)node_->call([this, open](TimePoint now, Endpoint& e) {
    if (session_) *open = e.close(now, *session_).has_value();
  }, left());
  if (*open)
    (void)node_->wait_until([this](Endpoint& e) { return !session_ || !e.session_info(*session_).has_value(); },
                            std::min(left(), milliseconds(500)));
}

Result<void> RtmfpClientConn::finish() {
  const milliseconds budget = std::min(o_.io_timeout, milliseconds(10000));
  Phase before;
  {
    std::lock_guard lk(mu_);
    before = phase_;
  }
  if (before == Phase::failed) {
    close(milliseconds(1000));
    std::lock_guard lk(mu_);
    return std::unexpected(error_);
  }
  // Wait (bounded) for what was sent to be acknowledged before closing.
  {
    std::unique_lock lk(mu_);
    cv_.wait_until(lk, std::chrono::steady_clock::now() + budget,
                   [&] { return phase_ == Phase::failed || posted_ + buffered_ == 0; });
    if (phase_ == Phase::failed) return std::unexpected(error_);
    if (posted_ + buffered_ != 0)
      return fail(Errc::timeout, "rtmfp://" + where(o_.url) + " did not acknowledge the last " +
                                     std::to_string(posted_ + buffered_) + " bytes");
  }
  close(budget);
  return {};
}

}  // namespace rtmfp::media::io
