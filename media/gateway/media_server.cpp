// See media_server.hpp.
#include "media/gateway/media_server.hpp"

namespace rtmfp::media::gateway {

MediaServer::MediaServer(Endpoint& endpoint, ServerPolicy policy, rtmp::RegistryLimits limits)
    : endpoint_(endpoint), policy_(std::move(policy)), registry_(limits) {}

MediaServer::~MediaServer() {
  conns_.clear();  // NetConnectionServers leave the registry first
  if (publishing_) registry_.unpublish(policy_.key(), this);
}

MediaServer::Conn* MediaServer::find(SessionHandle s) {
  auto it = conns_.find(s);
  return it == conns_.end() ? nullptr : &it->second;
}

void MediaServer::collect_log(Conn& c) {
  for (auto& line : c.nc->take_log()) log_.push_back(c.peer + ": " + line);
}

void MediaServer::on_event(TimePoint now, const EndpointEvent& e) {
  if (auto* o = std::get_if<SessionOpened>(&e)) {
    if (o->initiator) return;
    admit(now, *o);
  } else if (auto* cl = std::get_if<SessionClosed>(&e)) {
    if (Conn* c = find(cl->session)) {
      c->nc->on_session_closed(cl->reason == CloseReason::remote_close);
      collect_log(*c);
      log_.push_back(c->peer + ": session closed (" + close_reason_name(cl->reason) + ")");
      drop(now, cl->session, {});
    }
  } else if (auto* in = std::get_if<FlowIncoming>(&e)) {
    if (Conn* c = find(in->session)) {
      c->nc->on_flow_incoming(now, in->flow, in->metadata, in->association);
      collect_log(*c);
    } else {
      (void)endpoint_.reject_flow(now, in->session, in->flow, 0);
    }
  } else if (auto* m = std::get_if<rtmfp::FlowMessage>(&e)) {
    if (Conn* c = find(m->session)) {
      c->nc->on_flow_message(now, m->flow, m->data);
      collect_log(*c);
    }
  } else if (auto* f = std::get_if<FlowFinished>(&e)) {
    if (Conn* c = find(f->session)) {
      c->nc->on_flow_finished(now, f->flow);
      collect_log(*c);
    }
  } else if (auto* r = std::get_if<FlowRejected>(&e)) {
    if (Conn* c = find(r->session)) {
      c->nc->on_flow_rejected(now, r->flow, r->code);
      collect_log(*c);
    }
  }
}

void MediaServer::admit(TimePoint now, const SessionOpened& o) {
  const std::string address = o.peer.ip_string();
  std::string refuse;
  if (auto it = per_address_.find(address);
      it != per_address_.end() && it->second >= policy_.max_connections_per_address)
    refuse = std::to_string(policy_.max_connections_per_address) + " connections open from " + address;
  else if (conns_.size() >= policy_.max_connections && !evict_idle(now))
    refuse = std::to_string(policy_.max_connections) + " connections open";
  if (!refuse.empty()) {
    ++stats_.refused;
    log_.push_back(o.peer.to_string() + ": session refused (" + refuse + ")");
    (void)endpoint_.close(now, o.session);  // its SessionClosed finds no Conn: ignored
    return;
  }
  Conn c;
  c.peer = o.peer.to_string();
  c.address = address;
  c.opened = now;
  c.port = std::make_unique<EndpointFlowPort>(endpoint_, o.session);
  c.nc = std::make_unique<NetConnectionServer>(registry_, policy_, *c.port, c.peer, &encoder_);
  log_.push_back(c.peer + ": session open (" + profile_name(o.profile) + " profile)");
  ++per_address_[address];
  next_sweep_ = earliest(next_sweep_, expiry(c));
  conns_.emplace(o.session, std::move(c));
}

bool MediaServer::idle(const Conn& c) const {
  const auto& nc = *c.nc;
  if (nc.publishing()) return false;
  return !nc.playing() || !registry_.has_publisher(policy_.key());
}

bool MediaServer::evict_idle(TimePoint now) {
  std::optional<SessionHandle> oldest;
  TimePoint at{};
  for (const auto& [s, c] : conns_)
    if (idle(c) && (!oldest || c.opened < at)) {
      oldest = s;
      at = c.opened;
    }
  if (!oldest) return false;
  ++stats_.evicted;
  drop(now, *oldest, "closed to make room (idle while the server is full)");
  return true;
}

TimePoint MediaServer::expiry(const Conn& c) const {
  // Never active: from the session's start; a publisher: from its last media;
  // a player (or a connection that stopped, or is ending per §5.3.6): from
  // the last thing it was handed.
  return c.nc->last_media().value_or(c.opened) + policy_.io_timeout;
}

void MediaServer::sweep(TimePoint now) {
  // Every connection is looked at only when the earliest expiry may have
  // come (flush runs at every pump: a walk each time would cost O(N) per
  // received batch with N players).
  if (!next_sweep_ || now < *next_sweep_) return;
  next_sweep_.reset();
  std::vector<std::pair<SessionHandle, std::string>> expired;
  const std::string t = std::to_string(policy_.io_timeout.count()) + " ms";
  for (const auto& [s, c] : conns_) {
    if (const TimePoint e = expiry(c); now < e) {
      next_sweep_ = earliest(next_sweep_, e);
      continue;
    }
    const auto& nc = *c.nc;
    expired.emplace_back(s, nc.publishing() ? "publisher silent for " + t
                            : nc.playing()  ? "playing " + policy_.key() + " with no media for " + t
                                            : "did not publish or play within " + t);
  }
  for (auto& [s, why] : expired) {
    ++stats_.timed_out;
    drop(now, s, why);
  }
}

void MediaServer::drop(TimePoint now, SessionHandle s, const std::string& why) {
  auto it = conns_.find(s);
  if (it == conns_.end()) return;
  if (auto a = per_address_.find(it->second.address); a != per_address_.end() && --a->second == 0)
    per_address_.erase(a);
  if (why.empty()) {  // the session is already closed
    conns_.erase(it);
    return;
  }
  log_.push_back(it->second.peer + ": disconnected: " + why);
  conns_.erase(it);  // the SessionClosed of our close() finds no Conn: ignored
  (void)endpoint_.close(now, s);
}

void MediaServer::flush(TimePoint now) {
  std::vector<SessionHandle> dropped;
  for (auto& [session, c] : conns_) {
    if (!c.nc->has_work()) continue;  // nothing delivered to it since the last flush
    c.nc->flush(now);
    collect_log(c);
    if (c.nc->overloaded()) dropped.push_back(session);
  }
  for (SessionHandle s : dropped)
    drop(now, s, "player over " + std::to_string(policy_.max_player_backlog >> 20) + " MiB behind");
  sweep(now);
}

std::optional<TimePoint> MediaServer::next_deadline() const {
  std::optional<TimePoint> d;
  for (const auto& [s, c] : conns_) d = earliest(earliest(d, c.nc->next_deadline()), expiry(c));
  return d;
}

Result<void> MediaServer::publish() {
  auto r = registry_.publish(policy_.key(), this);
  if (r) publishing_ = true;
  return r;
}

void MediaServer::media(const rtmp::Message& m) {
  if (!publishing_) return;
  if (m.type == rtmp::msg_type::audio || m.type == rtmp::msg_type::video) {
    rtmp::Message copy = m;
    copy.stream_id = 0;
    registry_.on_media(policy_.key(), copy);
  } else if (m.type == rtmp::msg_type::data_amf0 || m.type == rtmp::msg_type::data_amf3) {
    auto d = rtmp::to_player_data(m, 0);  // every data message but @setDataFrame/@clearDataFrame
    if (d.kind == rtmp::PlayerData::Kind::clear_metadata) registry_.clear_metadata(policy_.key());
    if (d.kind == rtmp::PlayerData::Kind::pass) registry_.on_media(policy_.key(), d.message);
  }
}

void MediaServer::unpublish() {
  if (!publishing_) return;
  publishing_ = false;
  registry_.unpublish(policy_.key(), this);
}

Result<void> MediaServer::add_player(rtmp::StreamSink* sink) { return registry_.add_player(policy_.key(), sink); }
void MediaServer::remove_player(rtmp::StreamSink* sink) { registry_.remove_player(policy_.key(), sink); }

std::size_t MediaServer::players() const {
  std::size_t n = 0;
  for (const auto& [s, c] : conns_) n += c.nc->playing();
  return n;
}

std::uint64_t MediaServer::buffered() const {
  std::uint64_t n = 0;
  for (const auto& [s, c] : conns_) n += c.nc->buffered();
  return n;
}

}  // namespace rtmfp::media::gateway
