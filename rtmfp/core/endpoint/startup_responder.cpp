// Responder side of session startup: IHello -> RHello (stateless, with a
// cookie), IIKeying -> RIKeying, Cookie Change and Glare.
// RFC 7016 §3.5.1.1.2, §3.5.1.2, §3.5.1.3.
#include <algorithm>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

void Endpoint::on_ihello(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView payload) {
  auto ihello = wire::IHelloChunk::decode(payload);
  if (!ihello) {
    drop(now, DropReason::malformed_chunk, from);
    return;
  }
  if (probe_tag_live(now, ihello->tag)) {  // our own probe IHello, hairpinned back (probe_ihello.cpp)
    ++stats_.probe_replies;
    emit(ProbeLoopedBack{Bytes(ihello->tag.begin(), ihello->tag.end()), from});
    return;
  }
  // §3.5.1.1.2: answer only an EPD that selects our identity, keep no state.
  // An EPD that selects someone else is for the redirect hook or the host's
  // introducer (§3.5.1.4-3.5.1.5), whether or not we accept sessions.
  const bool selects_local = p.epd_selects_local(ihello->epd);
  if (!config_.accept_sessions || !selects_local) {
    // §3.5.1.4: a Redirector answers IHellos for others, whether or not it
    // accepts sessions itself.
    if (redirect_hook_) {
      if (auto targets = redirect_hook_(p, ihello->epd, from)) {
        wire::RedirectChunk r;
        r.tag_echo = ihello->tag;
        for (const auto& a : *targets) {
          if (r.addresses.size() >= params::kRedirectThreshold) break;
          r.addresses.push_back(a);
        }
        Bytes out;
        ByteWriter w(out);
        r.encode(w);
        send_startup(now, p, from, rx_iface_, 0, static_cast<std::uint8_t>(wire::ChunkType::redirect), out, true);
        return;
      }
    }
    if (!selects_local && config_.report_unmatched_ihellos) {
      report_unmatched_ihello(now, p, from, ihello->epd, ihello->tag);
      return;
    }
    drop(now, config_.accept_sessions ? DropReason::epd_not_selected : DropReason::responder_disabled, from);
    return;
  }
  Bytes cookie = cookies_.issue(now, from);
  wire::RHelloChunk rhello{ihello->tag, cookie, p.local_certificate()};
  Bytes out;
  ByteWriter w(out);
  rhello.encode(w);
  if (send_startup(now, p, from, rx_iface_, 0, static_cast<std::uint8_t>(wire::ChunkType::rhello), out, true))
    ++stats_.rhellos_sent;
}

// IIKeying (§3.5.1.1.2). Everything that can refuse it cheaply (cookie,
// retransmission, glare where the near end prevails, the stale test, the
// session limits) runs BEFORE the profile's key agreement (begin_responder:
// a Diffie-Hellman or X25519 operation and a signature check), so a flood of
// IIKeyings reusing one valid cookie costs no DH. Sessions are found through
// the address and peer-ID indexes, never by scanning all of them.
void Endpoint::on_iikeying(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView payload) {
  auto ik = wire::IIKeyingChunk::decode(payload);
  if (!ik) {
    drop(now, DropReason::malformed_chunk, from);
    return;
  }
  if (!config_.accept_sessions) {
    drop(now, DropReason::responder_disabled, from);
    return;
  }
  if (ik->initiator_session_id == 0) {
    drop(now, DropReason::malformed_chunk, from);  // §3.3: 0 is never a session's ID
    return;
  }
  switch (cookies_.check(now, ik->cookie_echo, from)) {
    case CookieCheck::invalid:
      drop(now, DropReason::cookie_invalid, from);
      return;
    case CookieCheck::address_mismatch: {
      // §3.5.1.2: our cookie, another address: Cookie Change to the source,
      // with the IIKeying's session ID and the default key.
      Bytes fresh = cookies_.issue(now, from);
      wire::CookieChangeChunk cc{ik->cookie_echo, fresh};
      Bytes out;
      ByteWriter w(out);
      cc.encode(w);
      if (send_startup(now, p, from, rx_iface_, ik->initiator_session_id,
                       static_cast<std::uint8_t>(wire::ChunkType::rhello_cookie_change), out, true))
        ++stats_.cookie_changes_sent;
      return;
    }
    case CookieCheck::valid:
      break;
  }

  const ByteView cert = ik->certificate;
  const auto here = sessions_at(from);  // sessions aimed at or talking to this address
  std::vector<SessionHandle> opening_here, open_here;
  for (auto h : here) {
    Session* s = find(h);
    if (!s || s->profile != &p) continue;
    if (s->is_opening() && s->opening) opening_here.push_back(h);
    if (s->is_open() && s->dest == from) open_here.push_back(h);
  }

  // §3.5.1.1.2 step 2.1: a retransmission of the IIKeying of an S_OPEN session.
  for (auto h : open_here) {
    Session& s = *find(h);
    if (s.responder && s.responder->initiator_session_id == ik->initiator_session_id &&
        std::ranges::equal(s.far_certificate, cert) && std::ranges::equal(s.responder->skic, ik->skic)) {
      send_startup(now, p, from, rx_iface_, ik->initiator_session_id,
                   static_cast<std::uint8_t>(wire::ChunkType::rikeying), s.responder->rikeying_payload, false);
      return;
    }
  }

  if (!p.certificate_authentic(cert)) {
    drop(now, DropReason::keying_rejected, from);
    return;
  }

  // §3.5.1.3 Glare, first half: an opening session of ours aimed at this
  // address whose IIKeying is out. Compare the certificate that IIKeying
  // carries (per session by default) with the far one, F§4.3.6: both ends
  // hold the same pair, so they decide alike. If the near end prevails the
  // far end yields on our IIKeying: drop theirs, before any key agreement.
  for (auto h : opening_here) {
    Session& s = *find(h);
    if (s.state == SessionState::S_KEYING_SENT && s.opening->handshake &&
        p.near_prevails(s.opening->handshake->certificate(), cert)) {
      drop(now, DropReason::glare_near_prevails, from);
      return;
    }
  }

  // §3.5.1.1.2 step 2.2 (stale test), cheap, also before any key agreement:
  // an S_OPEN session at this address whose certificate this one does not
  // override makes the IIKeying stale.
  std::size_t overridden_from_ip = 0;
  for (auto h : open_here) {
    Session& s = *find(h);
    if (!p.overrides(s.far_certificate, cert)) {
      drop(now, DropReason::stale_iikeying, from);
      return;
    }
    if (s.counted_ip) ++overridden_from_ip;
  }

  // Limits (the sessions this one replaces do not count).
  if (sessions_.size() - open_here.size() - opening_here.size() >= config_.max_sessions) {
    drop(now, DropReason::session_limit, from);
    return;
  }
  if (sessions_from_ip(from) - overridden_from_ip >= config_.max_sessions_per_address) {
    drop(now, DropReason::address_session_limit, from);
    return;
  }

  // §3.5.1.1.2 step 3: certificate signature and SKIC; the key agreement.
  auto hs = p.begin_responder(ik->signed_part, cert, ik->skic, ik->signature, rng_);
  if (!hs) {
    drop(now, DropReason::keying_rejected, from);
    return;
  }

  // §3.5.1.3 Glare, second half: the far end prevails. Our opening sessions
  // aimed here are aborted (step 1; with a stable initiator identity the
  // certificate overrides the one our RHello came with). With per-session
  // certificates it cannot, and the opening session would retransmit its
  // IIKeying for the whole open timeout into a session that already exists;
  // so it is aborted too, and the new session carries the first one's handle:
  // the application's connect() completes with it (SessionOpened, glare).
  std::optional<SessionHandle> adopted;
  for (auto h : opening_here) {
    Session* s = find(h);
    if (!s) continue;
    if (!adopted) {
      adopted = h;
      ++stats_.glare_yielded;
      if (trace_)
        trace_->event(now, "connectivity", "session_state_updated",
                      {{"session", h}, {"new", std::string("S_OPEN_FAILED")}, {"reason", std::string("glare: far end prevails")}});
      destroy(*s);
    } else {
      fail_opening(now, *s, Error{Errc::bad_state, "glare: a session with this peer already exists"}, h);
    }
  }
  // §3.5.1.1.2 step 2.3: the new session overrides the S_OPEN one.
  for (auto h : open_here)
    if (Session* s = find(h)) enter_closed(now, *s, CloseReason::overridden);

  // §3.5.1.1.2 step 3: new session in S_OPEN; RIKeying with the default key.
  auto s = std::make_unique<Session>();
  s->handle = adopted.value_or(new_handle());
  // A session adopted in glare answers a connect() of ours: trusted as one we initiated.
  s->fihello_mode = adopted ? config_.fihello_on_initiated : config_.fihello_on_accepted;
  s->initiator = false;
  s->profile = &p;
  s->recv_session_id = allocate_session_id();
  s->send_session_id = ik->initiator_session_id;
  s->dest = from;
  s->iface = rx_iface_;  // the IIKeying's: RIKeying and the session leave by it
  s->far_certificate.assign(cert.begin(), cert.end());
  s->near_certificate.assign(p.local_certificate().begin(), p.local_certificate().end());

  wire::RIKeyingChunk rik;
  rik.responder_session_id = s->recv_session_id;
  rik.skrc = (*hs)->skrc();
  Bytes portion;
  {
    ByteWriter w(portion);
    rik.encode_portion(w);
  }
  Bytes signature = (*hs)->sign(portion);
  rik.signature = signature;
  auto keys = (*hs)->keys();
  if (!keys) {
    drop(now, DropReason::keying_rejected, from);
    if (adopted) emit(SessionOpenFailed{*adopted, Error{Errc::crypto_failure, "glare: keying failed"}, {}});
    return;
  }
  Bytes rik_payload;
  {
    ByteWriter w(rik_payload);
    rik.encode(w);
  }
  s->cipher = std::move(keys->cipher);
  s->near_nonce = std::move(keys->near_nonce);
  s->far_nonce = std::move(keys->far_nonce);
  s->responder = ResponderMemory{ik->initiator_session_id, Bytes(ik->skic.begin(), ik->skic.end()), rik_payload};
  SocketAddress ip = from;
  ip.port = 0;
  s->counted_ip = ip;
  ++per_ip_[ip];

  by_recv_id_[s->recv_session_id] = s->handle;
  Session& ref = *s;
  sessions_[s->handle] = std::move(s);
  amplification_.forget(from);  // cookie round trip done
  send_startup(now, p, from, rx_iface_, ref.send_session_id, static_cast<std::uint8_t>(wire::ChunkType::rikeying),
               rik_payload, false);
  ++stats_.sessions_accepted;
  glare_adopted_ = adopted.has_value();
  mark_open(now, ref);
  glare_adopted_ = false;
}

}  // namespace rtmfp
