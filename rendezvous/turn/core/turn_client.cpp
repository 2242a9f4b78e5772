#include "rendezvous/turn/core/turn_client.hpp"

#include <algorithm>

#include "rendezvous/turn/core/channel_data.hpp"
#include "rendezvous/turn/core/stun_integrity.hpp"

namespace rtmfp::turn {

namespace {

// RFC 8656 §8: refresh before the lifetime ends; a minute ahead, or at half
// a lifetime shorter than two minutes.
Duration refresh_delay(std::uint32_t lifetime) {
  if (lifetime > 120) return seconds(lifetime - 60);
  return seconds(std::max<std::uint32_t>(lifetime / 2, 1));
}

std::string text_of(const StunAttribute* a, std::size_t limit) {
  if (!a) return {};
  return std::string(reinterpret_cast<const char*>(a->value.data()), std::min(a->value.size(), limit));
}

}  // namespace

TurnClient::TurnClient(TurnClientConfig config, RandomSource& rng) : config_(std::move(config)), rng_(rng) {}

SocketAddress TurnClient::ip_of(const SocketAddress& a) {
  SocketAddress k = a;
  k.port = 0;
  return k;
}

Result<void> TurnClient::start(TimePoint now) {
  if (state_ != TurnState::idle) return rtmfp::fail(Errc::bad_state, "TURN client already started");
  state_ = TurnState::allocating;
  Transaction t;
  t.kind = Kind::allocate;
  t.lifetime = config_.requested_lifetime;
  issue(now, std::move(t));
  return {};
}

Bytes TurnClient::build(Transaction& t) {
  rng_.fill(t.tid);
  StunMethod method = StunMethod::allocate;
  switch (t.kind) {
    case Kind::allocate: method = StunMethod::allocate; break;
    case Kind::refresh: method = StunMethod::refresh; break;
    case Kind::permission: method = StunMethod::create_permission; break;
    case Kind::channel_bind: method = StunMethod::channel_bind; break;
  }
  StunBuilder b(message_type(method, StunClass::request), t.tid);
  switch (t.kind) {
    case Kind::allocate:  // RFC 8656 §7.1
      b.add_requested_transport(kTransportUdp);
      b.add_u32(StunAttr::lifetime, t.lifetime);
      break;
    case Kind::refresh:  // §8.1
      b.add_u32(StunAttr::lifetime, t.lifetime);
      break;
    case Kind::permission:  // §10.1 (the port is ignored)
      b.add_xor_address(StunAttr::xor_peer_address, t.peer);
      break;
    case Kind::channel_bind:  // §12.1
      b.add_channel_number(t.channel);
      b.add_xor_address(StunAttr::xor_peer_address, t.peer);
      break;
  }
  t.authenticated = key_.has_value();
  if (key_) {  // RFC 8489 §9.2.4
    b.add(StunAttr::username, config_.username);
    b.add(StunAttr::realm, realm_);
    b.add(StunAttr::nonce, nonce_);
  }
  return std::move(b).finish(key_ ? ByteView(*key_) : ByteView(), config_.fingerprint);
}

void TurnClient::issue(TimePoint now, Transaction t) {
  if (pending_.size() >= kMaxPending) {
    ++stats_.dropped_overflow;
    return;
  }
  t.request = build(t);
  t.sent = 1;
  t.rto = config_.rto;
  t.deadline = now + t.rto;
  ++stats_.requests;
  push_out(t.request);
  pending_.push_back(std::move(t));
}

bool TurnClient::pending(Kind k) const {
  return std::any_of(pending_.begin(), pending_.end(), [k](const Transaction& t) { return t.kind == k; });
}

void TurnClient::push_out(Bytes b) {
  if (out_.size() >= kMaxQueued) {
    out_.pop_front();
    ++stats_.dropped_overflow;
  }
  out_.push_back(std::move(b));
}

void TurnClient::push_event(TurnEvent e) {
  if (events_.size() >= kMaxQueued) {
    events_.pop_front();
    ++stats_.dropped_overflow;
  }
  events_.push_back(std::move(e));
}

std::optional<Bytes> TurnClient::poll_transmit() {
  if (out_.empty()) return std::nullopt;
  Bytes b = std::move(out_.front());
  out_.pop_front();
  return b;
}

std::optional<TurnEvent> TurnClient::poll_event() {
  if (events_.empty()) return std::nullopt;
  TurnEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void TurnClient::on_datagram(TimePoint now, ByteView d) {
  if (looks_like_channel_data(d)) {
    auto cd = parse_channel_data(d);
    if (!cd) {
      ++stats_.dropped_malformed;
      return;
    }
    auto it = by_channel_.find(cd->channel);
    if (it == by_channel_.end()) {
      ++stats_.dropped_channel;
      return;
    }
    ++stats_.channel_in;
    push_event(TurnData{it->second, Bytes(cd->data.begin(), cd->data.end()), true});
    return;
  }
  auto m = parse_stun(d);
  if (!m) {
    ++stats_.dropped_malformed;
    return;
  }
  if (!fingerprint_ok(*m)) {
    ++stats_.dropped_integrity;
    return;
  }
  on_stun(now, *m);
}

void TurnClient::on_stun(TimePoint now, const StunMessage& m) {
  if (m.cls() == StunClass::indication) {
    // RFC 8656 §11.4: a Data indication carries XOR-PEER-ADDRESS and DATA.
    if (m.method() != StunMethod::data) {
      ++stats_.dropped_malformed;
      return;
    }
    const StunAttribute* pa = m.find(StunAttr::xor_peer_address);
    const StunAttribute* da = m.find(StunAttr::data);
    auto peer = pa ? decode_xor_address(pa->value, m.transaction) : std::nullopt;
    if (!peer || !da) {
      ++stats_.dropped_malformed;
      return;
    }
    ++stats_.data_in;
    push_event(TurnData{*peer, Bytes(da->value.begin(), da->value.end()), false});
    return;
  }
  if (m.cls() == StunClass::request) {  // a client is not asked anything
    ++stats_.dropped_malformed;
    return;
  }
  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](const Transaction& t) { return t.tid == m.transaction; });
  if (it == pending_.end()) {
    ++stats_.dropped_unmatched;
    return;
  }
  // An answer to an authenticated request: its MESSAGE-INTEGRITY must check
  // under our key (RFC 8489 §9.2.5); 401 and 438 come without one.
  const bool needs_mi = it->authenticated && (m.cls() == StunClass::success || m.integrity_at);
  if (needs_mi && !integrity_ok(m, *key_)) {
    ++stats_.dropped_integrity;
    return;
  }
  ++stats_.responses;
  Transaction t = std::move(*it);
  pending_.erase(it);
  if (m.cls() == StunClass::success)
    on_success(now, t, m);
  else
    on_error(now, t, m);
}

void TurnClient::on_success(TimePoint now, Transaction& t, const StunMessage& m) {
  switch (t.kind) {
    case Kind::allocate: {
      const StunAttribute* ra = m.find(StunAttr::xor_relayed_address);
      auto relayed = ra ? decode_xor_address(ra->value, m.transaction) : std::nullopt;
      const StunAttribute* la = m.find(StunAttr::lifetime);
      auto lifetime = la ? decode_u32(la->value) : std::nullopt;
      if (!relayed || !lifetime) return fail("Allocate success without XOR-RELAYED-ADDRESS or LIFETIME", 0);
      const StunAttribute* ma = m.find(StunAttr::xor_mapped_address);
      mapped_ = ma ? decode_xor_address(ma->value, m.transaction) : std::nullopt;
      relayed_ = relayed;
      state_ = TurnState::allocated;
      refresh_at_ = now + refresh_delay(*lifetime);
      push_event(TurnAllocated{*relayed_, mapped_, *lifetime});
      return;
    }
    case Kind::refresh: {
      if (t.lifetime == 0) {
        state_ = TurnState::closed;
        refresh_at_.reset();
        return;
      }
      const StunAttribute* la = m.find(StunAttr::lifetime);
      auto lifetime = la ? decode_u32(la->value) : std::nullopt;
      refresh_at_ = now + refresh_delay(lifetime.value_or(t.lifetime));
      return;
    }
    case Kind::permission: {
      auto p = permissions_.find(ip_of(t.peer));
      if (p == permissions_.end()) return;
      const bool first = !p->second.installed;
      p->second.installed = true;
      p->second.pending = false;
      p->second.refresh_at = now + kPermissionRefresh;
      if (first) push_event(TurnPermission{ip_of(t.peer), true, 0});
      return;
    }
    case Kind::channel_bind: {
      auto c = channels_.find(t.peer);
      if (c == channels_.end()) return;
      const bool first = !c->second.bound;
      c->second.bound = true;
      c->second.pending = false;
      c->second.refresh_at = now + kChannelRefresh;
      if (first) push_event(TurnChannel{t.peer, c->second.number, true, 0});
      return;
    }
  }
}

void TurnClient::on_error(TimePoint now, Transaction& t, const StunMessage& m) {
  const StunAttribute* ea = m.find(StunAttr::error_code);
  auto err = ea ? decode_error_code(ea->value) : std::nullopt;
  if (!err) {
    ++stats_.dropped_malformed;
    return give_up(now, t, 0, "error response without ERROR-CODE");
  }
  const StunAttribute* realm = m.find(StunAttr::realm);
  const StunAttribute* nonce = m.find(StunAttr::nonce);
  // RFC 8489 §9.2.5: 401 with REALM and NONCE: (re)try with credentials,
  // once (a second 401 under our key means wrong credentials); 438: the
  // nonce went stale, retry with the new one.
  const bool unauthorized = err->code == kErrUnauthorized && !t.authenticated;
  const bool stale = err->code == kErrStaleNonce && t.auth_retries < 3;
  if ((unauthorized || stale) && nonce && (realm || key_)) {
    if (realm) realm_ = text_of(realm, 763);
    nonce_ = text_of(nonce, 763);
    key_ = long_term_key(config_.username, realm_, config_.password);
    Transaction retry;
    retry.kind = t.kind;
    retry.peer = t.peer;
    retry.channel = t.channel;
    retry.lifetime = t.lifetime;
    retry.auth_retries = t.auth_retries + 1;
    issue(now, std::move(retry));
    return;
  }
  give_up(now, t, err->code, err->reason);
}

void TurnClient::give_up(TimePoint now, Transaction& t, int code, std::string reason) {
  (void)now;
  switch (t.kind) {
    case Kind::allocate:
      return fail("Allocate failed: " + (code ? std::to_string(code) + " " : std::string()) + reason, code);
    case Kind::refresh:
      if (t.lifetime == 0) {
        state_ = TurnState::closed;
        return;
      }
      return fail("Refresh failed: " + (code ? std::to_string(code) + " " : std::string()) + reason, code);
    case Kind::permission: {
      permissions_.erase(ip_of(t.peer));
      push_event(TurnPermission{ip_of(t.peer), false, code});
      return;
    }
    case Kind::channel_bind: {
      auto c = channels_.find(t.peer);
      if (c != channels_.end()) {
        by_channel_.erase(c->second.number);
        channels_.erase(c);
      }
      push_event(TurnChannel{t.peer, t.channel, false, code});
      return;
    }
  }
}

void TurnClient::fail(std::string reason, int code) {
  if (state_ == TurnState::failed || state_ == TurnState::closed) return;
  state_ = TurnState::failed;
  refresh_at_.reset();
  pending_.clear();
  permissions_.clear();
  channels_.clear();
  by_channel_.clear();
  push_event(TurnFailed{code, std::move(reason)});
}

void TurnClient::on_deadline(TimePoint now) {
  // Retransmissions and timeouts (RFC 8489 §6.2.1).
  for (std::size_t i = 0; i < pending_.size();) {
    Transaction& t = pending_[i];
    if (t.deadline > now) {
      ++i;
      continue;
    }
    if (t.sent < config_.max_transmissions) {
      ++t.sent;
      t.rto *= 2;
      ++stats_.retransmissions;
      push_out(t.request);
      t.deadline = now + (t.sent == config_.max_transmissions ? config_.rto * config_.final_wait_rtos : t.rto);
      ++i;
      continue;
    }
    Transaction dead = std::move(t);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    give_up(now, dead, 0, "no answer from the TURN server");
    if (state_ == TurnState::failed) return;
  }
  if (state_ != TurnState::allocated) return;
  if (refresh_at_ && *refresh_at_ <= now && !pending(Kind::refresh)) {
    refresh_at_.reset();
    Transaction t;
    t.kind = Kind::refresh;
    t.lifetime = config_.requested_lifetime;
    issue(now, std::move(t));
  }
  for (auto& [ip, p] : permissions_) {
    if (p.installed && !p.pending && p.refresh_at <= now) {
      p.pending = true;
      Transaction t;
      t.kind = Kind::permission;
      t.peer = ip;
      issue(now, std::move(t));
    }
  }
  for (auto& [peer, c] : channels_) {
    if (c.bound && !c.pending && c.refresh_at <= now) {
      c.pending = true;
      Transaction t;
      t.kind = Kind::channel_bind;
      t.peer = peer;
      t.channel = c.number;
      issue(now, std::move(t));
    }
  }
}

std::optional<TimePoint> TurnClient::next_deadline() const {
  std::optional<TimePoint> d;
  auto take = [&](TimePoint t) {
    if (!d || t < *d) d = t;
  };
  for (const auto& t : pending_) take(t.deadline);
  if (state_ != TurnState::allocated) return d;
  if (refresh_at_) take(*refresh_at_);
  for (const auto& [ip, p] : permissions_)
    if (p.installed && !p.pending) take(p.refresh_at);
  for (const auto& [peer, c] : channels_)
    if (c.bound && !c.pending) take(c.refresh_at);
  return d;
}

Result<void> TurnClient::permit(TimePoint now, const SocketAddress& peer) {
  if (state_ != TurnState::allocated) return rtmfp::fail(Errc::bad_state, "no TURN allocation");
  const SocketAddress ip = ip_of(peer);
  if (permissions_.contains(ip)) return {};
  if (permissions_.size() >= config_.max_permissions)
    return rtmfp::fail(Errc::limit_exceeded, "TURN permission table full");
  permissions_[ip].pending = true;
  Transaction t;
  t.kind = Kind::permission;
  t.peer = ip;
  issue(now, std::move(t));
  return {};
}

Result<void> TurnClient::bind_channel(TimePoint now, const SocketAddress& peer) {
  if (state_ != TurnState::allocated) return rtmfp::fail(Errc::bad_state, "no TURN allocation");
  if (channels_.contains(peer)) return {};
  if (channels_.size() >= config_.max_channels || next_channel_ > kLastChannel)
    return rtmfp::fail(Errc::limit_exceeded, "TURN channel table full");
  Channel c;
  c.number = next_channel_++;
  c.pending = true;
  channels_[peer] = c;
  by_channel_[c.number] = peer;
  Transaction t;
  t.kind = Kind::channel_bind;
  t.peer = peer;
  t.channel = c.number;
  issue(now, std::move(t));
  return {};
}

Result<void> TurnClient::send(TimePoint now, const SocketAddress& peer, ByteView data) {
  if (state_ != TurnState::allocated) return rtmfp::fail(Errc::bad_state, "no TURN allocation");
  if (data.size() > kMaxTurnData) return rtmfp::fail(Errc::invalid_argument, "datagram too large for TURN");
  if (auto c = channels_.find(peer); c != channels_.end() && c->second.bound) {
    ++stats_.channel_out;
    push_out(frame_channel_data(c->second.number, data));
    return {};
  }
  // First contact: a permission (RFC 8656 §9) so the peer's answers pass,
  // and a channel for what follows.
  if (!permissions_.contains(ip_of(peer))) {
    if (auto p = permit(now, peer); !p) return p;
  }
  if (config_.auto_channels && !channels_.contains(peer)) (void)bind_channel(now, peer);
  TransactionId tid{};
  rng_.fill(tid);
  StunBuilder b(message_type(StunMethod::send, StunClass::indication), tid);  // §11.1
  b.add_xor_address(StunAttr::xor_peer_address, peer);
  b.add(StunAttr::data, data);
  ++stats_.data_out;
  push_out(std::move(b).finish({}, false));
  return {};
}

void TurnClient::close(TimePoint now) {
  if (state_ != TurnState::allocated) return;
  state_ = TurnState::closing;
  pending_.clear();
  Transaction t;
  t.kind = Kind::refresh;
  t.lifetime = 0;
  issue(now, std::move(t));
}

bool TurnClient::permitted(const SocketAddress& peer) const {
  auto p = permissions_.find(ip_of(peer));
  return p != permissions_.end() && p->second.installed;
}

std::optional<std::uint16_t> TurnClient::channel(const SocketAddress& peer) const {
  auto c = channels_.find(peer);
  if (c == channels_.end() || !c->second.bound) return std::nullopt;
  return c->second.number;
}

}  // namespace rtmfp::turn
