// Open-session processing: packets in and out under session keys, timestamp
// echo and RTT (RFC 7016 §3.5.2.2), Ping (§3.5.4), keepalive (§3.5.4.1),
// address checks (§3.5.3) and close (§3.5.5).
#include <algorithm>
#include <cstdlib>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

void Endpoint::mark_open(TimePoint now, Session& s) {
  s.state = SessionState::S_OPEN;
  s.close_unreported = true;
  s.opened_at = now;
  s.last_received = now;
  s.next_keepalive = now + config_.keepalive_period;
  ++stats_.sessions_open;
  // Indexes: the open session by DESTADDR (IIKeying retransmission, override
  // and stale tests, §3.5.1.1.2) and by far peer ID.
  unindex_addresses(s);
  index_address(s, s.dest);
  index_peer_id(s);
  arm_path_mtu(now, s);  // before the flows: they fragment to its size
  attach_flows(s);
  if (trace_)
    trace_->event(now, "connectivity", "session_state_updated",
                  {{"session", s.handle},
                   {"new", std::string("S_OPEN")},
                   {"initiator", s.initiator},
                   {"peer", s.dest.to_string()},
                   {"profile", std::string(profile_name(s.profile->kind()))}});
  if (!s.initiator) {
    SessionOpened ev;
    ev.session = s.handle;
    ev.initiator = false;
    ev.glare = glare_adopted_;
    ev.profile = s.profile->kind();
    ev.peer = s.dest;
    if (auto id = s.profile->peer_id(s.far_certificate)) ev.far_peer_id = *id;
    emit(std::move(ev));
  }
  reschedule(s);
}

std::optional<Duration> Endpoint::update_rtt(TimePoint now, Session& s, std::optional<std::uint16_t> echo) {
  // §3.5.2.2 steps 1-4: an RTT sample from each new timestamp echo; the
  // flow layer's estimator (rtmfp/core/recovery) does steps 5-8.
  if (!echo || (s.ts_echo_rx && *s.ts_echo_rx == *echo)) return std::nullopt;
  s.ts_echo_rx = echo;
  auto ticks = static_cast<std::uint16_t>(timestamp_at(now) - *echo);
  if (ticks > 32767) return std::nullopt;
  return params::kTimestampTick * ticks;
}

void Endpoint::on_session_packet(TimePoint now, Session& s, const SocketAddress& from,
                                 const wire::ParsedPacket& pkt, bool reassembled) {
  // A packet that decrypted and verified is processed whatever its source;
  // DESTADDR only moves after the §3.5.4.2 check (below, after the chunks).
  if (trace_)
    trace_->event(now, "transport", "packet_received",
                  {{"session", s.handle}, {"chunks", static_cast<std::uint64_t>(pkt.chunks.size())},
                   {"from", from.to_string()}});
  s.last_received = now;
  if (s.is_open()) start_path_mtu(now, s);  // the responder's search waits for this (session_pmtu.cpp)
  s.next_keepalive = now + config_.keepalive_period;
  s.ts_echo.on_received(now, pkt.header.timestamp);
  const auto rtt_sample = update_rtt(now, s, pkt.header.timestamp_echo);
  if (pkt.header.time_critical) note_tc_received(now, s);
  flow::FlowSet* flows = s.is_open() ? s.flows.get() : nullptr;
  if (flows) flows->on_packet_received(now, rtt_sample, pkt.header.time_critical_reverse);

  std::vector<Bytes> inner_packets;  // §3.4: packets reassembled from this one's fragments
  for (const auto& chunk : pkt.chunks) {
    if (chunk.type == static_cast<std::uint8_t>(wire::ChunkType::packet_fragment)) {
      // §3.4 in an open session: the fragments carry a plain packet of this
      // session's mode, processed once complete (bounded reassembly; a
      // fragment inside a reassembled packet is not followed again).
      auto frag = wire::PacketFragmentChunk::decode(chunk.payload);
      if (reassembled || !frag) {
        drop(now, DropReason::malformed_chunk, from);
        continue;
      }
      reassembler_.expire(now);
      auto done = reassembler_.on_fragment(now, from, pkt.header.mode, *frag);
      if (!done) {
        drop(now, DropReason::malformed_chunk, from);
      } else if (*done) {
        inner_packets.push_back(std::move((*done)->plain));
      }
      continue;
    }
    auto info = wire::chunk_type_info(chunk.type);
    if (!info) {
      drop(now, DropReason::unknown_chunk, from);  // §2.3: MUST ignore
      continue;
    }
    if (info->startup_only) {
      drop(now, DropReason::wrong_mode_chunk, from);
      continue;
    }
    switch (info->type) {
      case wire::ChunkType::ping: {
        // §3.5.4: answer at once, message copied back uninterpreted.
        if (s.is_open() || s.state == SessionState::S_NEARCLOSE)
          queue_chunk(s, static_cast<std::uint8_t>(wire::ChunkType::ping_reply),
                      Bytes(chunk.payload.begin(), chunk.payload.end()));
        break;
      }
      case wire::ChunkType::ping_reply: {
        if (on_mtu_probe_reply(now, s, chunk.payload)) break;  // §3.5.4.3 probe, not the app's
        if (on_mobility_reply(now, s, from, chunk.payload)) break;
        if (chunk.payload.empty()) s.keepalive_outstanding = false;  // the keepalive's reply (§3.5.4.1)
        if (!chunk.payload.empty())
          emit(PingReplied{s.handle, Bytes(chunk.payload.begin(), chunk.payload.end())});
        break;
      }
      case wire::ChunkType::session_close: {
        // §3.5.5: Close Ack in reply; S_OPEN -> S_FARCLOSE_LINGER.
        queue_chunk(s, static_cast<std::uint8_t>(wire::ChunkType::session_close_ack), {});
        if (s.is_open()) {
          --stats_.sessions_open;
          s.state = SessionState::S_FARCLOSE_LINGER;
          s.close_deadline = now + params::kFarCloseLinger;
          report_closed(s, CloseReason::remote_close);
        }
        break;
      }
      case wire::ChunkType::session_close_ack: {
        // §3.5.5: -> S_CLOSED from S_OPEN, S_NEARCLOSE or S_FARCLOSE_LINGER.
        const CloseReason reason = s.is_open()                               ? CloseReason::remote_close
                                   : s.state == SessionState::S_NEARCLOSE ? s.near_close_reason
                                                                          : CloseReason::local_close;
        flush(now, s);
        enter_closed(now, s, reason);
        return;  // s is destroyed
      }
      case wire::ChunkType::fihello:
        // §3.5.1.5: a Forwarder relays an initiator's IHello to us.
        if (s.is_open()) on_fihello(now, s, chunk.payload);
        break;
      default:
        // Flow chunks (§2.3.11-2.3.16): the flow layer; after a Close they
        // are ignored (no new flow data in S_FARCLOSE_LINGER, §3.5.5).
        if (flows && s.is_open()) flows->on_chunk(now, chunk.type, chunk.payload);
        break;
    }
  }
  if (flows && s.is_open()) {
    flows->on_packet_end(now);
    pump_flow_events(s);
  }
  if (s.is_open() && from != s.dest) check_mobility(now, s, from);
  flush(now, s);
  const SessionHandle h = s.handle;
  for (const auto& plain : inner_packets) {
    Session* live = find(h);
    if (!live) return;  // closed by an earlier chunk
    auto inner = wire::parse_packet(plain);
    if (!inner || inner->header.mode != pkt.header.mode) {
      drop(now, DropReason::malformed_packet, from);
      continue;
    }
    on_session_packet(now, *live, from, *inner, true);
  }
}

namespace {
constexpr std::uint8_t kMobilityMark = 'M';
constexpr std::size_t kMobilityPingSize = 1 + 8 + 8;

Bytes mobility_body(std::uint64_t ts_us, const SocketAddress& a) {
  Bytes m;
  m.push_back(kMobilityMark);
  for (int sh = 56; sh >= 0; sh -= 8) m.push_back(static_cast<std::uint8_t>(ts_us >> sh));
  m.push_back(a.v6 ? 6 : 4);
  m.insert(m.end(), a.ip.begin(), a.ip.end());
  m.push_back(static_cast<std::uint8_t>(a.port >> 8));
  m.push_back(static_cast<std::uint8_t>(a.port));
  return m;
}
}  // namespace

void Endpoint::check_mobility(TimePoint now, Session& s, const SocketAddress& from) {
  // §3.5.4.2: at most one check per second; a Ping to the new address whose
  // reply proves the far end (holding the session keys) is really there.
  if (s.mob_tx_ts && now - *s.mob_tx_ts < seconds(1)) return;
  if (s.mob_secret == SipKey{}) rng_.fill(s.mob_secret);
  s.mob_tx_ts = now;
  auto ts = static_cast<std::uint64_t>(now.time_since_epoch().count());
  Bytes body = mobility_body(ts, from);
  std::uint64_t mac = siphash24(s.mob_secret, body);
  Bytes msg(body.begin(), body.begin() + 9);
  for (int sh = 56; sh >= 0; sh -= 8) msg.push_back(static_cast<std::uint8_t>(mac >> sh));
  // Sent to the new address instead of DESTADDR.
  wire::PacketHeader h;
  h.mode = s.initiator ? wire::PacketMode::initiator : wire::PacketMode::responder;
  h.timestamp = timestamp_at(now);
  wire::PacketBuilder b(h, s.cipher->max_plain_size(config_.max_datagram - params::kSessionIdSize));
  if (!b.add_chunk(static_cast<std::uint8_t>(wire::ChunkType::ping), msg)) return;
  send_datagram(from, wire::scramble_datagram(s.send_session_id, s.cipher->seal(std::move(b).finish())), rx_iface_);
  if (trace_)
    trace_->event(now, "connectivity", "mobility_check_sent", {{"session", s.handle}, {"to", from.to_string()}});
}

bool Endpoint::on_mobility_reply(TimePoint now, Session& s, const SocketAddress& from, ByteView message) {
  if (message.size() != kMobilityPingSize || message[0] != kMobilityMark) return false;
  std::uint64_t ts = 0;
  for (int i = 1; i <= 8; ++i) ts = ts << 8 | message[static_cast<std::size_t>(i)];
  std::uint64_t mac = 0;
  for (int i = 9; i < 17; ++i) mac = mac << 8 | message[static_cast<std::size_t>(i)];
  TimePoint sent{Duration(static_cast<Duration::rep>(ts))};
  bool fresh = sent <= now && now - sent <= seconds(120) && (!s.mob_rx_ts || sent > *s.mob_rx_ts);
  if (!fresh || s.mob_secret == SipKey{} || siphash24(s.mob_secret, mobility_body(ts, from)) != mac) return true;
  s.mob_rx_ts = sent;
  if (s.dest != from) {
    if (trace_)
      trace_->event(now, "connectivity", "address_changed",
                    {{"session", s.handle}, {"old", s.dest.to_string()}, {"new", from.to_string()}});
    emit(SessionAddressChanged{s.handle, s.dest, from});
    s.dest = from;
    s.iface = rx_iface_;  // the new path's interface (the reply arrived by it)
    unindex_addresses(s);
    index_address(s, s.dest);
    path_changed(now, s);  // the new path may carry less (§3.5.4.3)
  }
  return true;
}

void Endpoint::queue_chunk(Session& s, std::uint8_t type, Bytes payload) {
  if (s.pending.size() >= 1024) s.pending.pop_front();  // hostile ping floods stay bounded
  s.pending.push_back(PendingChunk{type, std::move(payload)});
}

void Endpoint::flush(TimePoint now, Session& s) {
  // Control chunks first, then the flow layer's acks and data (within its
  // congestion window, pacing and burst limit) in as few packets as fit.
  if (!s.cipher) return;
  s.dirty = false;  // its entry in dirty_ is skipped
  flow::FlowSet* flows = s.is_open() ? s.flows.get() : nullptr;
  // Packets are filled to the session's datagram size (path MTU discovery,
  // §3.5.4.3). A fragment cut for a larger size before the size went down
  // (path_changed) fits only a packet of that larger size: such a packet is
  // sent when nothing else fits, since the fragment cannot be re-cut
  // (§3.6.2 numbers each fragment).
  const std::size_t max_plain = s.cipher->max_plain_size(s.pmtu.current() - params::kSessionIdSize);
  const std::size_t cut_plain =
      s.cipher->max_plain_size(std::max(s.cut_datagram, s.pmtu.current()) - params::kSessionIdSize);
  bool oversize = false;
  for (int guard = 0; guard < 4096; ++guard) {
    const bool flow_wants = flows && flows->wants_to_send(now);
    if (s.pending.empty() && !flow_wants) break;
    wire::PacketHeader h;
    h.mode = s.initiator ? wire::PacketMode::initiator : wire::PacketMode::responder;
    h.timestamp = timestamp_at(now);
    h.timestamp_echo = s.ts_echo.echo_to_send(now);
    h.time_critical_reverse = tcr_to_send(now, s);
    wire::PacketBuilder b(h, oversize ? cut_plain : max_plain, std::move(packet_buffer_));
    bool dropped_one = false;
    while (!s.pending.empty()) {
      auto& c = s.pending.front();
      if (!b.add_chunk(c.type, c.payload)) {
        if (b.empty()) {
          s.pending.pop_front();  // can never fit: drop it
          dropped_one = true;
        }
        break;
      }
      s.pending.pop_front();
    }
    if (flow_wants) flows->fill_packet(now, b);
    if (b.empty()) {
      packet_buffer_ = std::move(b).finish();
      if (dropped_one) continue;
      if (flow_wants && !oversize && cut_plain > max_plain) {
        oversize = true;  // retry once with room for an older, larger fragment
        continue;
      }
      break;
    }
    oversize = false;
    std::size_t chunks = b.chunk_count();
    // The plain packet's buffer is kept for the next one (seal copies it);
    // the sealed one becomes the datagram, the session ID prepended in place.
    packet_buffer_ = std::move(b).finish();
    Bytes sealed = s.cipher->seal(packet_buffer_);
    if (trace_)
      trace_->event(now, "transport", "packet_sent",
                    {{"session", s.handle}, {"chunks", static_cast<std::uint64_t>(chunks)},
                     {"size", static_cast<std::uint64_t>(sealed.size() + params::kSessionIdSize)}});
    wire::scramble_datagram_in_place(s.send_session_id, sealed);
    send_datagram(s.dest, std::move(sealed), s.iface);
  }
  if (flows) pump_flow_events(s);
}

void Endpoint::session_timers(TimePoint now, Session& s) {
  switch (s.state) {
    case SessionState::S_OPEN:
      if (s.flows) {
        auto due = s.flows->next_deadline();
        if (due && *due <= now) s.flows->on_deadline(now);  // ERTO, deadlines, delayed acks, pacing
        pump_flow_events(s);
        flush(now, s);
      }
      if (now - s.last_received >= config_.idle_timeout) {
        // §3.5.4.1: the far end is dead; close abruptly.
        queue_chunk(s, static_cast<std::uint8_t>(wire::ChunkType::session_close_ack), {});
        flush(now, s);
        enter_closed(now, s, CloseReason::idle_timeout);
        return;
      }
      path_mtu_step(now, s);  // §3.5.4.3 probe timeouts and new probes
      if (s.keepalive_outstanding && now >= s.keepalive_check) {
        // §3.5.4.1: no Ping Reply within ERTO of the keepalive: ERTO SHOULD
        // be increased (§3.5.2.2), once per unanswered keepalive.
        s.keepalive_outstanding = false;
        if (s.flows) s.flows->on_keepalive_timeout();
      }
      if (now >= s.next_keepalive) {
        // §3.5.4.1: keepalive Ping with an empty message, at most once per
        // period and never more often than once per ERTO.
        const Duration erto = s.flows ? s.flows->erto() : params::kInitialErto;
        queue_chunk(s, static_cast<std::uint8_t>(wire::ChunkType::ping), {});
        s.keepalive_outstanding = true;
        s.keepalive_check = now + erto;
        s.next_keepalive = now + std::max(config_.keepalive_period, erto);
        flush(now, s);
      }
      break;
    case SessionState::S_NEARCLOSE:
      if (now >= s.close_deadline) {
        enter_closed(now, s, s.near_close_reason);
        return;
      }
      if (now >= s.next_close_send) {
        queue_chunk(s, static_cast<std::uint8_t>(wire::ChunkType::session_close), {});
        s.next_close_send = now + params::kCloseResendInterval;
        flush(now, s);
      }
      break;
    case SessionState::S_FARCLOSE_LINGER:
      if (now >= s.close_deadline) enter_closed(now, s, CloseReason::remote_close);
      break;
    default:
      break;
  }
}

void Endpoint::enter_closed(TimePoint now, Session& s, CloseReason reason) {
  if (s.is_open()) --stats_.sessions_open;
  if (trace_)
    trace_->event(now, "connectivity", "session_state_updated",
                  {{"session", s.handle}, {"new", std::string("S_CLOSED")},
                   {"reason", std::string(close_reason_name(reason))}});
  report_closed(s, reason);
  destroy(s);
}

void Endpoint::report_closed(Session& s, CloseReason reason) {
  // Once per session that opened: a remote Close reports at S_FARCLOSE_LINGER,
  // everything else (our close(), abrupt close, shutdown, idle timeout,
  // override) when the session reaches S_CLOSED.
  if (!s.close_unreported) return;
  s.close_unreported = false;
  emit(SessionClosed{s.handle, reason});
}

Result<void> Endpoint::ping(TimePoint now, SessionHandle h, ByteView message) {
  Session* s = find(h);
  if (!s) return fail(Errc::not_found, "no such session");
  if (!s->is_open()) return fail(Errc::bad_state, "session not open");
  if (message.empty()) return fail(Errc::invalid_argument, "ping message must not be empty");
  queue_chunk(*s, static_cast<std::uint8_t>(wire::ChunkType::ping), Bytes(message.begin(), message.end()));
  flush(now, *s);
  return {};
}

Result<void> Endpoint::close(TimePoint now, SessionHandle h, bool abrupt) {
  Session* s = find(h);
  if (!s) return fail(Errc::not_found, "no such session");
  if (s->is_opening()) {
    fail_opening(now, *s, Error{Errc::closed, "closed before it opened"});
    return {};
  }
  if (abrupt) {
    // §3.5.5 abrupt close: Close Ack, then S_CLOSED.
    queue_chunk(*s, static_cast<std::uint8_t>(wire::ChunkType::session_close_ack), {});
    flush(now, *s);
    enter_closed(now, *s, CloseReason::aborted);
    return {};
  }
  if (!s->is_open()) return {};  // already closing
  --stats_.sessions_open;
  s->state = SessionState::S_NEARCLOSE;
  s->near_close_reason = shutting_down_ ? CloseReason::shutdown : CloseReason::local_close;
  s->close_deadline = now + params::kNearCloseTimeout;
  s->next_close_send = now + params::kCloseResendInterval;
  queue_chunk(*s, static_cast<std::uint8_t>(wire::ChunkType::session_close), {});
  flush(now, *s);
  reschedule(*s);
  return {};
}

}  // namespace rtmfp
