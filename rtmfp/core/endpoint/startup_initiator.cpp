// Initiator side of session startup, RFC 7016 §3.5.1.1.1: IHello to every
// candidate on its own backoff, Redirect (§2.3.5), RHello selection and the
// duplicate-session rule, IIKeying with backoff, Cookie Change (§3.5.1.2),
// RIKeying and the ultimate open timeout.
#include <algorithm>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

namespace {
// A Redirect target worth an IHello stream: unicast, a real port, and the
// family of the Redirect's source (the path we know works).
bool usable_redirect_target(const SocketAddress& a, const SocketAddress& from) {
  if (a.port == 0 || a.v6 != from.v6 || a.is_unspecified()) return false;
  if (!a.v6) {
    if (a.ip[0] >= 224) return false;  // multicast 224/4, reserved 240/4, limited broadcast
    if (a.ip[0] == 0) return false;    // "this network" 0/8
    return true;
  }
  return a.ip[0] != 0xff;  // IPv6 multicast ff00::/8
}
}  // namespace

Result<SessionHandle> Endpoint::connect(TimePoint now, const ConnectRequest& request) {
  CryptoProfile* p = profile(request.profile);
  if (!p) return fail(Errc::invalid_argument, std::string("crypto profile not enabled: ") + profile_name(request.profile));
  if (request.candidates.empty()) return fail(Errc::invalid_argument, "no candidate address");
  if (shutting_down_) return fail(Errc::bad_state, "endpoint shutting down");
  if (sessions_.size() >= config_.max_sessions) return fail(Errc::limit_exceeded, "too many sessions");
  if (opening_ >= params::kMaxOpeningSessions) return fail(Errc::limit_exceeded, "too many sessions opening");
  auto epd = p->make_epd(request.epd);
  if (!epd) return std::unexpected(epd.error());
  if (!request.congestion_control.empty()) {
    cc::TcSentClock probe;
    if (!cc::make_congestion_controller(request.congestion_control, cc::CcConfig{}, probe))
      return fail(Errc::invalid_argument, "unknown congestion controller: " + request.congestion_control);
  }

  auto s = std::make_unique<Session>();
  s->fihello_mode = config_.fihello_on_initiated;
  s->handle = new_handle();
  s->initiator = true;
  s->profile = p;
  s->state = SessionState::S_IHELLO_SENT;
  s->cc_name = request.congestion_control;
  OpeningState o;
  o.epd = std::move(*epd);
  o.fingerprint_required = request.epd.peer_id.has_value();
  do {
    o.tag.assign(params::kTagSize, 0);
    rng_.fill(o.tag);
  } while (by_tag_.contains(o.tag));  // §3.5.1.1.1: unique among opening sessions
  for (const auto& a : request.candidates) {
    if (o.candidates.size() >= params::kRedirectThreshold) break;
    Candidate c{a, {}};
    c.backoff.start(now);
    o.candidates.push_back(c);
  }
  o.started = now;
  o.deadline = now + config_.open_timeout;
  s->opening = std::move(o);
  SessionHandle h = s->handle;
  by_tag_[s->opening->tag] = h;
  Session& ref = *s;
  sessions_[h] = std::move(s);
  ++opening_;
  for (const auto& c : ref.opening->candidates) index_address(ref, c.address);  // glare lookup (§3.5.1.3)
  ++stats_.handshakes_started;
  if (trace_)
    trace_->event(now, "connectivity", "session_state_updated",
                  {{"session", h}, {"new", std::string("S_IHELLO_SENT")}});
  opening_timers(now, ref);
  reschedule(ref);
  return h;
}

void Endpoint::opening_timers(TimePoint now, Session& s) {
  OpeningState& o = *s.opening;
  if (now >= o.deadline) {
    // §3.5.1.1.1: ultimate open timeout -> S_OPEN_FAILED. With a Fingerprint
    // EPD a responder that does not match never answers (§3.5.1.1.2), so say so.
    Error e{Errc::timeout, "no answer within the open timeout"};
    if (o.fingerprint_required && s.state == SessionState::S_IHELLO_SENT)
      e = Error{Errc::not_found, "no endpoint with that peer ID answered"};
    fail_opening(now, s, e);
    return;
  }
  if (s.state == SessionState::S_IHELLO_SENT) {
    wire::IHelloChunk ih{o.epd, o.tag};
    Bytes payload;
    ByteWriter w(payload);
    ih.encode(w);
    for (auto& c : o.candidates) {
      if (c.backoff.next_send > now) continue;
      send_startup(now, *s.profile, c.address, kAnyInterface, 0, static_cast<std::uint8_t>(wire::ChunkType::ihello),
                   payload, false, params::kMinIHelloPlainSize);
      c.backoff.sent(now);
    }
  } else if (s.state == SessionState::S_KEYING_SENT) {
    if (o.iikeying_backoff.next_send <= now) send_iikeying(now, s);
  }
}

// Builds and signs the IIKeying (§2.3.7) for the current cookie.
void Endpoint::build_iikeying(Session& s) {
  OpeningState& o = *s.opening;
  wire::IIKeyingChunk ik;
  ik.initiator_session_id = s.recv_session_id;
  ik.cookie_echo = o.cookie;
  ik.certificate = o.handshake->certificate();
  ik.skic = o.handshake->skic();
  Bytes signed_part;
  {
    ByteWriter w(signed_part);
    ik.encode_signed_part(w);
  }
  Bytes signature = o.handshake->sign(signed_part);
  ik.signature = signature;
  o.iikeying_payload.clear();
  {
    ByteWriter w(o.iikeying_payload);
    ik.encode(w);
  }
}

void Endpoint::send_iikeying(TimePoint now, Session& s) {
  OpeningState& o = *s.opening;
  send_startup(now, *s.profile, s.dest, s.iface, 0, static_cast<std::uint8_t>(wire::ChunkType::iikeying),
               o.iikeying_payload, false);
  o.iikeying_backoff.sent(now);
}

void Endpoint::fail_opening(TimePoint now, Session& s, Error error, std::optional<SessionHandle> existing) {
  ++stats_.handshakes_failed;
  if (trace_)
    trace_->event(now, "connectivity", "session_state_updated",
                  {{"session", s.handle}, {"new", std::string("S_OPEN_FAILED")}, {"reason", error.message()}});
  emit(SessionOpenFailed{s.handle, std::move(error), existing});
  destroy(s);
}

void Endpoint::on_redirect(TimePoint now, const SocketAddress& from, ByteView payload) {
  auto r = wire::RedirectChunk::decode(payload);
  if (!r) {
    drop(now, DropReason::malformed_chunk, from);
    return;
  }
  auto it = by_tag_.find(Bytes(r->tag_echo.begin(), r->tag_echo.end()));
  Session* s = it == by_tag_.end() ? nullptr : find(it->second);
  if (!s || s->state != SessionState::S_IHELLO_SENT) {
    if (!s && probe_tag_live(now, r->tag_echo)) {  // a probe IHello's answer (probe_ihello.cpp)
      ++stats_.probe_replies;
      emit(ProbeRedirect{Bytes(r->tag_echo.begin(), r->tag_echo.end()), from, rx_iface_,
                         std::vector<wire::WireAddress>(r->addresses.begin(), r->addresses.end())});
      return;
    }
    drop(now, DropReason::unmatched_redirect, from);
    return;
  }
  auto& cands = s->opening->candidates;
  Session& ref = *s;
  auto add = [&](const SocketAddress& a, wire::AddressOrigin origin) {
    if (cands.size() >= params::kRedirectThreshold) return;
    for (auto& c : cands)
      if (c.address == a) return;
    Candidate c{a, {}, origin};
    c.backoff.start(now);
    cands.push_back(c);
    index_address(ref, a);
  };
  if (r->addresses.empty()) {
    add(from, wire::AddressOrigin::unknown);  // Implied Redirect (§2.3.5): the packet's source
  } else {
    // §2.3.5: addresses to send IHello to. Anyone who saw the tag can send a
    // Redirect, so only plausible unicast peers of the source's family are
    // followed; the rest are dropped and counted.
    for (auto& a : r->addresses) {
      if (usable_redirect_target(a.address, from)) {
        add(a.address, a.origin);
      } else {
        drop(now, DropReason::bad_redirect_address, from);
      }
    }
  }
  const SessionHandle h = s->handle;
  opening_timers(now, *s);
  if ((s = find(h))) reschedule(*s);  // the open timeout may have ended it
}

void Endpoint::on_rhello(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView payload) {
  auto rh = wire::RHelloChunk::decode(payload);
  if (!rh) {
    drop(now, DropReason::malformed_chunk, from);
    return;
  }
  auto it = by_tag_.find(Bytes(rh->tag_echo.begin(), rh->tag_echo.end()));
  Session* s = it == by_tag_.end() ? nullptr : find(it->second);
  if (!s || s->state != SessionState::S_IHELLO_SENT || s->profile != &p) {
    drop(now, DropReason::unmatched_rhello, from);
    return;
  }
  OpeningState& o = *s->opening;
  if (!p.certificate_authentic(rh->certificate) || !p.epd_selects_certificate(o.epd, rh->certificate)) {
    drop(now, DropReason::rhello_not_selected, from);
    return;
  }
  // Step 1: a duplicate of an existing session to the same identity (the
  // peer ID index: the fingerprint the canonical EPD is made of).
  if (auto rid = p.peer_id(rh->certificate)) {
    auto same = by_peer_id_.find(*rid);
    if (same != by_peer_id_.end()) {
      for (auto h : same->second) {
        const Session* other = find(h);
        if (!other || h == s->handle || other->profile != &p) continue;
        bool keyed = other->state == SessionState::S_KEYING_SENT || other->is_open();
        if (keyed && p.epd_selects_certificate(o.epd, other->far_certificate)) {
          fail_opening(now, *s, Error{Errc::bad_state, "duplicate: a session with this peer already exists"}, h);
          return;
        }
      }
    }
  }
  auto hs = p.begin_initiator(rh->certificate, rng_);
  if (!hs) {
    drop(now, DropReason::rhello_not_selected, from);
    return;
  }
  // Step 2: S_KEYING_SENT.
  by_tag_.erase(o.tag);
  s->state = SessionState::S_KEYING_SENT;
  s->dest = from;
  s->iface = rx_iface_;  // the RHello's: IIKeying and the session leave by it
  s->recv_session_id = allocate_session_id();
  by_recv_id_[s->recv_session_id] = s->handle;
  o.cookie.assign(rh->cookie.begin(), rh->cookie.end());
  o.responder_certificate.assign(rh->certificate.begin(), rh->certificate.end());
  s->far_certificate = o.responder_certificate;
  index_address(*s, from);
  index_peer_id(*s);
  o.handshake = std::move(*hs);
  s->near_certificate.assign(o.handshake->certificate().begin(), o.handshake->certificate().end());

  build_iikeying(*s);
  if (trace_)
    trace_->event(now, "connectivity", "session_state_updated",
                  {{"session", s->handle}, {"new", std::string("S_KEYING_SENT")}, {"dest", from.to_string()}});
  o.iikeying_backoff.start(now);
  send_iikeying(now, *s);
  reschedule(*s);
}

void Endpoint::on_cookie_change(TimePoint now, Session& s, const SocketAddress& from, ByteView payload) {
  auto cc = wire::CookieChangeChunk::decode(payload);
  if (!cc) {
    drop(now, DropReason::malformed_chunk, from);
    return;
  }
  // The state first: an RIKeying earlier in the same packet may have opened
  // the session and released its OpeningState.
  if (s.state != SessionState::S_KEYING_SENT || !s.opening) {
    drop(now, DropReason::cookie_change_ignored, from);
    return;
  }
  OpeningState& o = *s.opening;
  if (o.cookie != Bytes(cc->old_cookie.begin(), cc->old_cookie.end()) || o.cookie_changes >= params::kMaxCookieChanges) {
    drop(now, DropReason::cookie_change_ignored, from);
    return;
  }
  ++o.cookie_changes;
  o.cookie.assign(cc->new_cookie.begin(), cc->new_cookie.end());
  // Re-sign a new IIKeying with the new cookie (§3.5.1.2).
  build_iikeying(s);
  o.iikeying_backoff.start(now);
  send_iikeying(now, s);
}

void Endpoint::on_rikeying(TimePoint now, Session& s, const SocketAddress& from, ByteView payload) {
  auto rik = wire::RIKeyingChunk::decode(payload);
  if (!rik) {
    drop(now, DropReason::malformed_chunk, from);
    return;
  }
  if (s.state != SessionState::S_KEYING_SENT || !s.opening || rik->responder_session_id == 0) {
    drop(now, DropReason::unmatched_rikeying, from);
    return;
  }
  auto keys = s.opening->handshake->complete(rik->signed_portion, rik->skrc, rik->signature);
  if (!keys) {
    drop(now, DropReason::rikeying_rejected, from);
    return;
  }
  s.send_session_id = rik->responder_session_id;
  s.cipher = std::move(keys->cipher);
  s.near_nonce = std::move(keys->near_nonce);
  s.far_nonce = std::move(keys->far_nonce);
  Duration took = now - s.opening->started;
  wire::AddressOrigin origin = wire::AddressOrigin::unknown;
  for (const auto& c : s.opening->candidates)
    if (c.address == s.dest) origin = c.origin;
  s.opening.reset();
  --opening_;
  ++stats_.handshakes_completed;
  mark_open(now, s);
  SessionOpened ev;
  ev.session = s.handle;
  ev.initiator = true;
  ev.profile = s.profile->kind();
  ev.peer = s.dest;
  if (auto id = s.profile->peer_id(s.far_certificate)) ev.far_peer_id = *id;
  ev.handshake_time = took;
  ev.peer_origin = origin;
  emit(std::move(ev));
}

}  // namespace rtmfp
