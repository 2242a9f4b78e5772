// Endpoint: demultiplexing (RFC 7016 §2.2.2, §3.3), the transmit and event
// queues, timers and bookkeeping. Startup is in startup_*.cpp, open-session
// processing in session_io.cpp.
#include "rtmfp/core/endpoint/endpoint.hpp"

#include <algorithm>

#include "rtmfp/core/wire/chunk_types.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

const char* close_reason_name(CloseReason r) {
  switch (r) {
    case CloseReason::local_close: return "local_close";
    case CloseReason::remote_close: return "remote_close";
    case CloseReason::idle_timeout: return "idle_timeout";
    case CloseReason::overridden: return "overridden";
    case CloseReason::shutdown: return "shutdown";
    case CloseReason::aborted: return "aborted";
  }
  return "?";
}

const char* drop_reason_name(DropReason r) {
  switch (r) {
#define X(name, text) \
  case DropReason::name: return #name;
#include "rtmfp/core/endpoint/drop_reasons.def"
#undef X
    case DropReason::count_: break;
  }
  return "?";
}

const char* drop_reason_text(DropReason r) {
  switch (r) {
#define X(name, text) \
  case DropReason::name: return text;
#include "rtmfp/core/endpoint/drop_reasons.def"
#undef X
    case DropReason::count_: break;
  }
  return "?";
}

std::uint64_t EndpointStats::total_drops() const {
  std::uint64_t n = 0;
  for (auto d : drops) n += d;
  return n;
}

Endpoint::Endpoint(const EndpointConfig& config, RandomSource& rng)
    : config_(config), rng_(rng), cookies_(rng) {}

Endpoint::~Endpoint() = default;

void Endpoint::add_profile(CryptoProfile& p) {
  for (auto*& existing : profiles_) {
    if (existing->kind() == p.kind()) {
      existing = &p;
      return;
    }
  }
  profiles_.push_back(&p);
}

CryptoProfile* Endpoint::profile(ProfileKind kind) const {
  for (auto* p : profiles_)
    if (p->kind() == kind) return p;
  return nullptr;
}

void Endpoint::drop(TimePoint now, DropReason reason, const SocketAddress& from) {
  ++stats_.drops[static_cast<std::size_t>(reason)];
  if (trace_)
    trace_->event(now, "transport", "packet_dropped",
                  {{"trigger", std::string(drop_reason_name(reason))}, {"from", from.to_string()}});
}

void Endpoint::emit(EndpointEvent e) {
  if (events_.size() >= params::kMaxQueuedEvents) {  // caller not polling: shed the oldest, counted
    events_.pop_front();
    ++stats_.events_shed;
  }
  events_.push_back(std::move(e));
}

void Endpoint::send_datagram(const SocketAddress& to, Bytes datagram, InterfaceId interface) {
  if (transmit_.size() >= params::kMaxQueuedDatagrams) {  // caller not draining: shed, counted
    ++stats_.datagrams_shed;
    return;
  }
  ++stats_.packets_out;
  stats_.bytes_out += datagram.size();
  transmit_.push_back(Transmit{to, std::move(datagram), interface});
}

Session* Endpoint::find(SessionHandle h) {
  auto it = sessions_.find(h);
  return it == sessions_.end() ? nullptr : it->second.get();
}
const Session* Endpoint::find(SessionHandle h) const {
  auto it = sessions_.find(h);
  return it == sessions_.end() ? nullptr : it->second.get();
}

std::uint32_t Endpoint::allocate_session_id() {
  // Unique across all sessions and both profiles (§3.5.1.1: "not used by any
  // other session"); 0 is the startup pseudo-session (§2.2.2).
  for (;;) {
    std::uint32_t id = rng_.u32();
    if (id != 0 && !by_recv_id_.contains(id)) return id;
  }
}

void Endpoint::on_datagram(TimePoint now, const SocketAddress& from, ByteView datagram, InterfaceId interface) {
  // Answers made while handling this datagram leave by its interface.
  struct RxScope {
    InterfaceId& slot;
    ~RxScope() { slot = kAnyInterface; }
  } scope{rx_iface_};
  rx_iface_ = interface;
  ++stats_.packets_in;
  stats_.bytes_in += datagram.size();
  auto sid = wire::unscramble_session_id(datagram);
  if (!sid || datagram.size() < params::kSessionIdSize + 8) {
    drop(now, DropReason::too_short, from);
    return;
  }
  ByteView encrypted = datagram.subspan(params::kSessionIdSize);

  if (*sid == 0) {
    // Startup packets: pick the profile by its deterministic framing.
    CryptoProfile* p = nullptr;
    for (auto* candidate : profiles_) {
      if (candidate->claims_startup_packet(encrypted)) {
        p = candidate;
        break;
      }
    }
    if (!p) {
      drop(now, DropReason::no_profile, from);
      return;
    }
    amplification_.on_received(from, datagram.size());
    on_default_key_packet(now, *p, from, encrypted, 0, datagram.size());
    return;
  }

  auto it = by_recv_id_.find(*sid);
  Session* s = it == by_recv_id_.end() ? nullptr : find(it->second);
  if (!s) {
    drop(now, DropReason::unknown_session, from);
    return;
  }
  if (s->state == SessionState::S_KEYING_SENT) {
    // RIKeying and Cookie Change use the Default Session Key (§2.2.3).
    on_default_key_packet(now, *s->profile, from, encrypted, *sid, datagram.size());
    return;
  }
  if (!s->cipher) {
    drop(now, DropReason::session_not_open, from);
    return;
  }
  auto plain = s->cipher->open(encrypted);
  if (!plain) {
    // A retransmitted RIKeying (default key) after we opened is harmless.
    // A sequence number seen before (RFC 7425 §4.7.3.3; the modern
    // profile's packet number) is a duplicate or a replay: counted apart.
    drop(now, plain.error().code == Errc::replayed ? DropReason::replayed : DropReason::decrypt_failed, from);
    return;
  }
  auto pkt = wire::parse_packet(*plain);
  if (!pkt) {
    drop(now, DropReason::malformed_packet, from);
    return;
  }
  // §2.2.4: the initiator marks its packets mode 1, the responder mode 2;
  // each ignores packets carrying its own mark, and startup mode is not
  // valid under session keys.
  auto expected = s->initiator ? wire::PacketMode::responder : wire::PacketMode::initiator;
  if (pkt->header.mode != expected) {
    drop(now, DropReason::bad_mode, from);
    return;
  }
  SessionHandle h = s->handle;
  // An authentic packet from DESTADDR: answer by the interface it came in on.
  // (From another address the interface follows the address, once the
  // §3.5.4.2 mobility check passes.)
  if (from == s->dest) s->iface = interface;
  on_session_packet(now, *s, from, *pkt);
  if ((s = find(h))) reschedule(*s);  // the packet may have closed it
}

void Endpoint::on_default_key_packet(TimePoint now, CryptoProfile& p, const SocketAddress& from,
                                     ByteView encrypted, std::uint32_t session_id, std::size_t datagram_size) {
  auto plain = p.default_cipher().open(encrypted);
  if (!plain) {
    drop(now, DropReason::decrypt_failed, from);
    return;
  }
  auto pkt = wire::parse_packet(*plain);
  if (!pkt) {
    drop(now, DropReason::malformed_packet, from);
    return;
  }
  // Default-key packets are startup packets (§2.2.4 mode 3).
  if (pkt->header.mode != wire::PacketMode::startup) {
    drop(now, DropReason::bad_mode, from);
    return;
  }
  on_startup_packet(now, p, from, *pkt, session_id, datagram_size);
}

void Endpoint::on_startup_packet(TimePoint now, CryptoProfile& p, const SocketAddress& from,
                                 const wire::ParsedPacket& pkt, std::uint32_t session_id,
                                 std::size_t datagram_size, bool reassembled) {
  for (const auto& chunk : pkt.chunks) {
    if (chunk.type == static_cast<std::uint8_t>(wire::ChunkType::packet_fragment)) {
      // §3.4: a startup packet too large for the path arrives in fragments
      // (also a default-key RIKeying or Cookie Change to SID = ISID);
      // reassemble (bounded: 64 KiB per buffer, 64 buffers, 60 s) and process
      // the original packet once. Fragments inside a reassembled packet are not
      // followed again.
      if (reassembled) {
        drop(now, DropReason::malformed_chunk, from);
        continue;
      }
      auto frag = wire::PacketFragmentChunk::decode(chunk.payload);
      if (!frag) {
        drop(now, DropReason::malformed_chunk, from);
        continue;
      }
      reassembler_.expire(now);
      auto done = reassembler_.on_fragment(now, from, pkt.header.mode, *frag);
      if (!done) {
        drop(now, DropReason::malformed_chunk, from);
      } else if (*done) {
        auto inner = wire::parse_packet((*done)->plain);
        if (!inner || inner->header.mode != wire::PacketMode::startup) {
          drop(now, DropReason::malformed_packet, from);
        } else {
          on_startup_packet(now, p, from, *inner, session_id, datagram_size, true);
        }
      }
      continue;
    }
    auto info = wire::chunk_type_info(chunk.type);
    if (!info) {
      drop(now, DropReason::unknown_chunk, from);
      continue;
    }
    if (!info->startup_only) {
      drop(now, DropReason::wrong_mode_chunk, from);
      continue;
    }
    if (session_id == 0) {
      switch (info->type) {
        case wire::ChunkType::ihello: on_ihello(now, p, from, chunk.payload); break;
        case wire::ChunkType::rhello: on_rhello(now, p, from, chunk.payload); break;
        case wire::ChunkType::redirect: on_redirect(now, from, chunk.payload); break;
        case wire::ChunkType::iikeying: on_iikeying(now, p, from, chunk.payload); break;
        default: drop(now, DropReason::wrong_mode_chunk, from); break;
      }
    } else {
      auto it = by_recv_id_.find(session_id);
      Session* s = it == by_recv_id_.end() ? nullptr : find(it->second);
      if (!s) return;  // destroyed by an earlier chunk
      const SessionHandle h = s->handle;
      switch (info->type) {
        case wire::ChunkType::rikeying: on_rikeying(now, *s, from, chunk.payload); break;
        case wire::ChunkType::rhello_cookie_change: on_cookie_change(now, *s, from, chunk.payload); break;
        default: drop(now, DropReason::wrong_mode_chunk, from); break;
      }
      if ((s = find(h))) reschedule(*s);
    }
  }
}

bool Endpoint::send_startup(TimePoint now, CryptoProfile& p, const SocketAddress& to, InterfaceId iface,
                            std::uint32_t session_id, std::uint8_t chunk_type, ByteView payload,
                            bool limit_amplification, std::size_t min_plain_size) {
  wire::PacketHeader h;
  h.mode = wire::PacketMode::startup;
  h.timestamp = timestamp_at(now);
  std::size_t max_plain = p.default_cipher().max_plain_size(config_.max_datagram - params::kSessionIdSize);
  // Built without the datagram bound: a packet larger than max_datagram (a
  // big certificate in RHello or IIKeying) is sent in Packet Fragments (§3.4).
  wire::PacketBuilder b(h, wire::ReassemblyLimits{}.max_buffer_bytes);
  if (!b.add_chunk(chunk_type, payload)) return false;
  Bytes plain = std::move(b).finish();
  // Padding with 0xff is packet padding (§2.2.4) - used to make our IHello
  // large enough for the responder's amplification budget.
  if (plain.size() < min_plain_size && min_plain_size <= max_plain) plain.resize(min_plain_size, 0xff);
  std::vector<Bytes> datagrams;
  std::size_t total = 0;
  if (plain.size() <= max_plain) {
    datagrams.push_back(wire::scramble_datagram(session_id, p.default_cipher().seal(plain)));
  } else {
    auto pieces = wire::fragment_packet(plain, next_fragment_id_++, h, max_plain);
    if (!pieces) return false;
    for (auto& piece : *pieces) datagrams.push_back(wire::scramble_datagram(session_id, p.default_cipher().seal(piece)));
  }
  for (auto& d : datagrams) total += d.size();
  if (limit_amplification && !amplification_.try_send(to, total)) {
    drop(now, DropReason::amplification_limited, to);
    return false;
  }
  if (trace_)
    trace_->event(now, "transport", "packet_sent",
                  {{"chunk", std::string(wire::chunk_type_name(chunk_type))},
                   {"to", to.to_string()},
                   {"size", static_cast<std::uint64_t>(total)},
                   {"fragments", static_cast<std::uint64_t>(datagrams.size() > 1 ? datagrams.size() : 0)}});
  for (auto& d : datagrams) send_datagram(to, std::move(d), iface);
  return true;
}

std::optional<Transmit> Endpoint::poll_transmit(TimePoint now) {
  if (transmit_.empty() && !dirty_.empty()) {
    // Sessions written to since the last flush (writes are batched so that
    // many small messages share packets).
    // In handle order, each session once.
    auto dirty = std::move(dirty_);
    dirty_.clear();
    std::sort(dirty.begin(), dirty.end());
    for (auto h : dirty) {
      if (Session* s = find(h); s && s->dirty) {
        flush(now, *s);
        reschedule(*s);
      }
    }
  }
  if (transmit_.empty()) return std::nullopt;
  Transmit t = std::move(transmit_.front());
  transmit_.pop_front();
  return t;
}

std::optional<EndpointEvent> Endpoint::poll_event() {
  if (events_.empty()) return std::nullopt;
  EndpointEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void Endpoint::reschedule(Session& s) {
  // The session's earliest timer.
  std::optional<TimePoint> t;
  if (s.is_opening() && s.opening) {
    t = s.opening->deadline;
    if (s.state == SessionState::S_IHELLO_SENT) {
      for (auto& c : s.opening->candidates) t = earliest(t, c.backoff.next_send);
    } else {
      t = earliest(t, s.opening->iikeying_backoff.next_send);
    }
  } else if (s.state == SessionState::S_OPEN) {
    t = earliest(s.next_keepalive, s.last_received + config_.idle_timeout);
    if (s.keepalive_outstanding) t = earliest(t, s.keepalive_check);
    if (s.flows) t = earliest(t, s.flows->next_deadline());
    t = earliest(t, s.pmtu.next_deadline());
  } else if (s.state == SessionState::S_NEARCLOSE) {
    t = earliest(s.close_deadline, s.next_close_send);
  } else if (s.state == SessionState::S_FARCLOSE_LINGER) {
    t = s.close_deadline;
  }
  auto old = timer_of_.find(s.handle);
  // Unchanged (the common case: a write to a busy session): keep the entry
  // rather than erase and insert the same one (two tree updates).
  if (t && old != timer_of_.end() && old->second == *t) return;
  if (old != timer_of_.end()) {
    auto node = timers_.extract({old->second, s.handle});
    if (t && node) {
      // Moved (every packet sent moves the retransmission and pacing
      // times): the same tree node and map entry, re-keyed, no allocation.
      node.value().first = *t;
      timers_.insert(std::move(node));
      old->second = *t;
      return;
    }
    timer_of_.erase(old);
  }
  if (t) {
    timers_.insert({*t, s.handle});
    timer_of_[s.handle] = *t;
  }
}

std::optional<TimePoint> Endpoint::next_deadline() const {
  std::optional<TimePoint> t;
  if (!timers_.empty()) t = timers_.begin()->first;
  if (shutting_down_ && !sessions_.empty()) t = earliest(t, shutdown_deadline_);
  return t;
}

void Endpoint::on_deadline(TimePoint now) {
  if (shutting_down_ && now >= shutdown_deadline_) {
    // Bounded shutdown: whatever is still closing is dropped now.
    std::vector<SessionHandle> all = sessions();
    for (auto h : all)
      if (Session* s = find(h)) enter_closed(now, *s, CloseReason::shutdown);
  }
  // Fire every due timer; a session may reschedule itself while we iterate.
  for (int guard = 0; guard < 1 << 20 && !timers_.empty(); ++guard) {
    auto [t, h] = *timers_.begin();
    if (t > now) break;
    // The entry stays while the session's timers run: reschedule re-keys it
    // (or destroy removes it) without allocating a new one.
    Session* s = find(h);
    if (!s) {
      timers_.erase(timers_.begin());
      timer_of_.erase(h);
      continue;
    }
    if (s->is_opening()) {
      opening_timers(now, *s);
    } else {
      session_timers(now, *s);
    }
    if ((s = find(h))) {
      reschedule(*s);
      // A timer that did not move forward would spin; push it past now.
      auto it = timer_of_.find(h);
      if (it != timer_of_.end() && it->second <= now) {
        auto node = timers_.extract({it->second, h});
        it->second = now + milliseconds(1);
        node.value().first = it->second;
        timers_.insert(std::move(node));
      }
    }
  }
}

void Endpoint::destroy(Session& s) {
  SessionHandle h = s.handle;
  if (s.recv_session_id) by_recv_id_.erase(s.recv_session_id);
  if (s.opening) {
    by_tag_.erase(s.opening->tag);
    --opening_;
  }
  unindex_addresses(s);
  unindex_peer_id(s);
  if (s.counted_ip) {
    auto it = per_ip_.find(*s.counted_ip);
    if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  }
  auto old = timer_of_.find(h);
  if (old != timer_of_.end()) {
    timers_.erase({old->second, h});
    timer_of_.erase(old);
  }
  sessions_.erase(h);  // a handle left in dirty_ finds nothing  // s is gone after this
}

std::vector<SessionHandle> Endpoint::sessions() const {
  std::vector<SessionHandle> out;
  out.reserve(sessions_.size());
  for (const auto& [h, s] : sessions_) out.push_back(h);
  std::sort(out.begin(), out.end());
  return out;
}

void Endpoint::index_address(Session& s, const SocketAddress& a) {
  for (const auto& x : s.indexed_addresses)
    if (x == a) return;
  s.indexed_addresses.push_back(a);
  by_address_[a].insert(s.handle);
}

void Endpoint::unindex_addresses(Session& s) {
  for (const auto& a : s.indexed_addresses) {
    auto it = by_address_.find(a);
    if (it == by_address_.end()) continue;
    it->second.erase(s.handle);
    if (it->second.empty()) by_address_.erase(it);
  }
  s.indexed_addresses.clear();
}

void Endpoint::index_peer_id(Session& s) {
  unindex_peer_id(s);
  if (s.far_certificate.empty()) return;
  auto id = s.profile->peer_id(s.far_certificate);
  if (!id) return;
  s.indexed_peer_id = *id;
  by_peer_id_[*id].insert(s.handle);
}

void Endpoint::unindex_peer_id(Session& s) {
  if (!s.indexed_peer_id) return;
  auto it = by_peer_id_.find(*s.indexed_peer_id);
  if (it != by_peer_id_.end()) {
    it->second.erase(s.handle);
    if (it->second.empty()) by_peer_id_.erase(it);
  }
  s.indexed_peer_id.reset();
}

std::vector<SessionHandle> Endpoint::sessions_at(const SocketAddress& a) const {
  auto it = by_address_.find(a);
  if (it == by_address_.end()) return {};
  return std::vector<SessionHandle>(it->second.begin(), it->second.end());
}

std::size_t Endpoint::sessions_from_ip(const SocketAddress& a) const {
  SocketAddress key = a;
  key.port = 0;
  auto it = per_ip_.find(key);
  return it == per_ip_.end() ? 0 : it->second;
}

std::optional<SessionHandle> Endpoint::find_session_by_peer_id(const PeerId& peer_id,
                                                               std::optional<ProfileKind> profile) const {
  auto it = by_peer_id_.find(peer_id);
  if (it == by_peer_id_.end()) return std::nullopt;
  for (auto h = it->second.rbegin(); h != it->second.rend(); ++h) {  // newest first
    const Session* s = find(*h);
    if (s && s->is_open() && (!profile || s->profile->kind() == *profile)) return *h;
  }
  return std::nullopt;
}

std::optional<SessionInfo> Endpoint::session_info(SessionHandle h) const {
  const Session* s = find(h);
  if (!s) return std::nullopt;
  SessionInfo info;
  info.handle = h;
  info.state = s->state;
  info.initiator = s->initiator;
  info.profile = s->profile->kind();
  info.peer = s->dest;
  info.interface = s->iface;
  if (!s->far_certificate.empty()) {
    if (auto id = s->profile->peer_id(s->far_certificate)) info.far_peer_id = *id;
  }
  info.recv_session_id = s->recv_session_id;
  info.send_session_id = s->send_session_id;
  if (s->flows) {
    const auto& fs = *s->flows;
    if (auto srtt = fs.rtt().srtt()) {
      info.srtt = *srtt;
      info.has_rtt = true;
    }
    info.erto = fs.erto();
    info.congestion_control = std::string(fs.congestion().name());
    info.cwnd = fs.congestion().congestion_window();
    info.bytes_in_flight = fs.outstanding_bytes();
    info.bytes_sent = fs.stats().bytes_sent;
    info.bytes_retransmitted = fs.stats().bytes_retransmitted;
    info.timeouts = fs.stats().timeouts;
    info.flows_rejected = fs.stats().flows_rejected();
  }
  info.max_datagram = *session_max_datagram(h);
  info.path_mtu_state = s->pmtu_armed ? "pending" : path_mtu_state_name(s->pmtu.state());
  return info;
}

void Endpoint::shutdown(TimePoint now) {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_deadline_ = now + config_.shutdown_grace;
  config_.accept_sessions = false;
  for (auto h : sessions()) {
    Session* s = find(h);
    if (!s) continue;
    if (s->is_open()) {
      (void)close(now, h, false);
    } else if (s->state == SessionState::S_FARCLOSE_LINGER) {
      enter_closed(now, *s, CloseReason::shutdown);  // already acked and reported; nothing to wait for
    } else if (s->is_opening()) {
      fail_opening(now, *s, Error{Errc::closed, "endpoint shutting down"});
    }
  }
}

bool Endpoint::drained() const { return shutting_down_ && sessions_.empty(); }

}  // namespace rtmfp
