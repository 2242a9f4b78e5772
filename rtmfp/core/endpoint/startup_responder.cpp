// Responder side of session startup: IHello -> RHello (stateless, with a
// cookie), IIKeying -> RIKeying, Cookie Change and Glare.
// RFC 7016 §3.5.1.1.2, §3.5.1.2, §3.5.1.3.
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

void Endpoint::on_ihello(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView payload) {
  auto ihello = wire::IHelloChunk::decode(payload);
  if (!ihello) {
    drop(now, DropReason::malformed_chunk, from);
    return;
  }
  // §3.5.1.1.2: answer only an EPD that selects our identity, keep no state.
  // An EPD that selects someone else is for the redirect hook or the host's
  // introducer (§3.5.1.4-3.5.1.5), whether or not we accept sessions.
  const bool selects_local = p.epd_selects_local(ihello->epd);
  if (selects_local && !config_.accept_sessions) {
    drop(now, DropReason::responder_disabled, from);
    return;
  }
  if (!selects_local) {
    if (redirect_hook_) {
      if (auto targets = redirect_hook_(p, ihello->epd, from)) {
        wire::RedirectChunk r;
        r.tag_echo = ihello->tag;
        for (const auto& a : *targets) {
          if (r.addresses.size() >= params::kRedirectThreshold) break;
          r.addresses.push_back(wire::WireAddress{a, wire::AddressOrigin::relay});
        }
        Bytes out;
        ByteWriter w(out);
        r.encode(w);
        send_startup(now, p, from, 0, static_cast<std::uint8_t>(wire::ChunkType::redirect), out, true);
        return;
      }
    }
    if (config_.report_unmatched_ihellos) {
      report_unmatched_ihello(now, p, from, ihello->epd, ihello->tag);
      return;
    }
    drop(now, DropReason::epd_not_selected, from);
    return;
  }
  Bytes cookie = cookies_.issue(now, from);
  wire::RHelloChunk rhello{ihello->tag, cookie, p.local_certificate()};
  Bytes out;
  ByteWriter w(out);
  rhello.encode(w);
  if (send_startup(now, p, from, 0, static_cast<std::uint8_t>(wire::ChunkType::rhello), out, true))
    ++stats_.rhellos_sent;
}

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
      if (send_startup(now, p, from, ik->initiator_session_id,
                       static_cast<std::uint8_t>(wire::ChunkType::rhello_cookie_change), out, true))
        ++stats_.cookie_changes_sent;
      return;
    }
    case CookieCheck::valid:
      break;
  }

  // §3.5.1.1.2 step 2: an S_OPEN session with this address.
  for (auto& [h, sp] : sessions_) {
    Session& s = *sp;
    if (s.dest != from || s.profile != &p) continue;
    if (s.is_open() && s.responder && s.responder->initiator_session_id == ik->initiator_session_id &&
        s.far_certificate == Bytes(ik->certificate.begin(), ik->certificate.end()) &&
        s.responder->skic == Bytes(ik->skic.begin(), ik->skic.end())) {
      // Retransmission: resend the stored RIKeying with the default key.
      send_startup(now, p, from, ik->initiator_session_id,
                   static_cast<std::uint8_t>(wire::ChunkType::rikeying), s.responder->rikeying_payload, false);
      return;
    }
  }

  if (!p.certificate_authentic(ik->certificate)) {
    drop(now, DropReason::keying_rejected, from);
    return;
  }
  auto hs = p.begin_responder(ik->signed_part, ik->certificate, ik->skic, ik->signature, rng_);
  if (!hs) {
    drop(now, DropReason::keying_rejected, from);
    return;
  }

  // §3.5.1.3 Glare: an opening session of ours is aimed at this address.
  for (auto h : sessions()) {
    Session* s = find(h);
    if (!s || !s->is_opening() || s->profile != &p || !s->opening) continue;
    bool aimed = s->dest == from;
    for (auto& c : s->opening->candidates) aimed = aimed || c.address == from;
    if (!aimed) continue;
    ByteView near = s->opening->handshake ? s->opening->handshake->certificate() : p.local_certificate();
    if (p.near_prevails(near, ik->certificate)) {
      drop(now, DropReason::glare_near_prevails, from);
      return;
    }
    if (!s->opening->responder_certificate.empty() &&
        p.overrides(s->opening->responder_certificate, ik->certificate)) {
      fail_opening(now, *s, Error{Errc::refused, "glare: far end prevailed"});
    }
  }

  // §3.5.1.1.2 step 2.2/2.3: an open session at this address from the same identity.
  for (auto h : sessions()) {
    Session* s = find(h);
    if (!s || !s->is_open() || s->dest != from || s->profile != &p) continue;
    if (!p.overrides(s->far_certificate, ik->certificate)) {
      drop(now, DropReason::stale_iikeying, from);
      return;
    }
    enter_closed(now, *s, CloseReason::overridden, true);
  }

  if (sessions_.size() >= config_.max_sessions) {
    drop(now, DropReason::session_limit, from);
    return;
  }

  // §3.5.1.1.2 step 3: new session in S_OPEN; RIKeying with the default key.
  auto s = std::make_unique<Session>();
  s->fihello_mode = config_.fihello_on_accepted;
  s->handle = new_handle();
  s->initiator = false;
  s->profile = &p;
  s->recv_session_id = allocate_session_id();
  s->send_session_id = ik->initiator_session_id;
  s->dest = from;
  s->far_certificate.assign(ik->certificate.begin(), ik->certificate.end());
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

  by_recv_id_[s->recv_session_id] = s->handle;
  Session& ref = *s;
  sessions_[s->handle] = std::move(s);
  amplification_.forget(from);  // cookie round trip done
  send_startup(now, p, from, ref.send_session_id, static_cast<std::uint8_t>(wire::ChunkType::rikeying),
               rik_payload, false);
  ++stats_.sessions_accepted;
  mark_open(now, ref);
}

}  // namespace rtmfp
