// Guessed paths (issue 12 §2, birthday probing through an endpoint-dependent
// NAT; rendezvous/core/birthday_traversal.hpp drives these): more copies of
// the packets an RFC 7016 introduction already sends, to guessed addresses
// and from extra local sockets.
//  - An initiator's IHello (§2.3.2, §3.5.1.1.1) to a guessed port of the
//    responder, or from an extra socket toward the responder's address: the
//    same EPD and tag as the opening session's, so whatever RHello comes back
//    (from whichever address, by whichever socket) is matched by its tag
//    echo, and the session then uses the address and socket it came by
//    (startup_initiator.cpp on_rhello: dest = source, iface = the RHello's).
//  - A responder's RHello for a Forwarded IHello (§3.5.1.5: "a responder
//    might send an RHello ... to the original source of the IHello"; here
//    to guesses of that source's NAT port, or from extra sockets toward it):
//    a cookie bound to the address it goes to, so the IIKeying must come
//    from there - which it does when the guess was right.
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

std::optional<SessionHandle> Endpoint::opening_session_to(const PeerId& peer) const {
  std::optional<SessionHandle> best;
  for (const auto& [h, s] : sessions_) {
    if (!s->initiator || s->state != SessionState::S_IHELLO_SENT || !s->opening || !s->opening->fingerprint_required)
      continue;
    auto info = s->profile->describe_epd(s->opening->epd);
    if (!info || !info->peer_id || *info->peer_id != peer) continue;
    if (!best || h > *best) best = h;
  }
  return best;
}

Result<void> Endpoint::send_opening_ihello(TimePoint now, SessionHandle session, const SocketAddress& to,
                                           InterfaceId interface) {
  Session* s = find(session);
  if (!s) return fail(Errc::not_found, "no such session");
  if (!s->initiator || s->state != SessionState::S_IHELLO_SENT || !s->opening)
    return fail(Errc::bad_state, "session not waiting for an RHello");
  if (to.port == 0 || to.is_unspecified()) return fail(Errc::invalid_argument, "no port");
  wire::IHelloChunk ih{s->opening->epd, s->opening->tag};
  Bytes payload;
  ByteWriter w(payload);
  ih.encode(w);
  if (!send_startup(now, *s->profile, to, interface, 0, static_cast<std::uint8_t>(wire::ChunkType::ihello), payload,
                    false, params::kMinIHelloPlainSize))
    return fail(Errc::limit_exceeded, "IHello not sent (size)");
  ++stats_.guessed_ihellos_sent;
  return {};
}

Result<void> Endpoint::send_introduced_rhello(TimePoint now, ProfileKind kind, ByteView tag, const SocketAddress& to,
                                              InterfaceId interface) {
  CryptoProfile* p = profile(kind);
  if (!p) return fail(Errc::invalid_argument, std::string("profile not enabled: ") + profile_name(kind));
  if (!config_.accept_sessions || shutting_down_) return fail(Errc::bad_state, "not accepting sessions");
  if (tag.empty() || tag.size() > 255) return fail(Errc::invalid_argument, "bad tag");
  if (to.port == 0 || to.is_unspecified()) return fail(Errc::invalid_argument, "no port");
  Bytes cookie = cookies_.issue(now, to);
  wire::RHelloChunk rhello{tag, cookie, p->local_certificate()};
  Bytes out;
  ByteWriter w(out);
  rhello.encode(w);
  if (!send_startup(now, *p, to, interface, 0, static_cast<std::uint8_t>(wire::ChunkType::rhello), out, false))
    return fail(Errc::limit_exceeded, "RHello not sent (size)");
  ++stats_.rhellos_sent;
  ++stats_.guessed_rhellos_sent;
  return {};
}

}  // namespace rtmfp
