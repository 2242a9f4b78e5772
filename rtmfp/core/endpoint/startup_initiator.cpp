// Initiator side of session startup, RFC 7016 §3.5.1.1.1: IHello to every
// candidate on its own backoff, Redirect (§2.3.5), RHello selection and the
// duplicate-session rule, IIKeying with backoff, Cookie Change (§3.5.1.2),
// RIKeying and the ultimate open timeout.
#include <algorithm>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

Result<SessionHandle> Endpoint::connect(TimePoint now, const ConnectRequest& request) {
  CryptoProfile* p = profile(request.profile);
  if (!p) return fail(Errc::invalid_argument, std::string("crypto profile not enabled: ") + profile_name(request.profile));
  if (request.candidates.empty()) return fail(Errc::invalid_argument, "no candidate address");
  if (shutting_down_) return fail(Errc::bad_state, "endpoint shutting down");
  if (sessions_.size() >= config_.max_sessions) return fail(Errc::limit_exceeded, "too many sessions");
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
      send_startup(now, *s.profile, c.address, 0, static_cast<std::uint8_t>(wire::ChunkType::ihello),
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
  send_startup(now, *s.profile, s.dest, 0, static_cast<std::uint8_t>(wire::ChunkType::iikeying),
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
    drop(now, DropReason::unmatched_redirect, from);
    return;
  }
  auto& cands = s->opening->candidates;
  auto add = [&](const SocketAddress& a) {
    if (cands.size() >= params::kRedirectThreshold) return;
    for (auto& c : cands)
      if (c.address == a) return;
    Candidate c{a, {}};
    c.backoff.start(now);
    cands.push_back(c);
  };
  if (r->addresses.empty()) {
    add(from);  // Implied Redirect (§2.3.5): the packet's source
  } else {
    for (auto& a : r->addresses) add(a.address);
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
  // Step 1: a duplicate of an existing session to the same identity.
  if (auto canon = p.canonical_epd(rh->certificate)) {
    for (auto& [h, other] : sessions_) {
      if (h == s->handle || other->profile != &p) continue;
      bool keyed = other->state == SessionState::S_KEYING_SENT || other->is_open();
      if (!keyed || other->far_certificate.empty()) continue;
      auto other_canon = p.canonical_epd(other->far_certificate);
      if (other_canon && *other_canon == *canon && p.epd_selects_certificate(o.epd, other->far_certificate)) {
        fail_opening(now, *s, Error{Errc::bad_state, "duplicate: a session with this peer already exists"}, h);
        return;
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
  s->recv_session_id = allocate_session_id();
  by_recv_id_[s->recv_session_id] = s->handle;
  o.cookie.assign(rh->cookie.begin(), rh->cookie.end());
  o.responder_certificate.assign(rh->certificate.begin(), rh->certificate.end());
  s->far_certificate = o.responder_certificate;
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
  OpeningState& o = *s.opening;
  if (s.state != SessionState::S_KEYING_SENT || o.cookie != Bytes(cc->old_cookie.begin(), cc->old_cookie.end()) ||
      o.cookie_changes >= params::kMaxCookieChanges) {
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
  s.opening.reset();
  ++stats_.handshakes_completed;
  mark_open(now, s);
  SessionOpened ev;
  ev.session = s.handle;
  ev.initiator = true;
  ev.profile = s.profile->kind();
  ev.peer = s.dest;
  if (auto id = s.profile->peer_id(s.far_certificate)) ev.far_peer_id = *id;
  ev.handshake_time = took;
  emit(std::move(ev));
}

}  // namespace rtmfp
