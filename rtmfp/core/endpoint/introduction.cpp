// Introductions, RFC 7016 §3.5.1.4 (Redirector), §3.5.1.5 (Forwarder) and
// §3.5.1.6 (both, for peers behind NATs): the unmatched-IHello report, the
// Redirect and Forwarded IHello commands of an introducer, and the responder
// side of a Forwarded IHello.
#include <algorithm>
#include <chrono>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

void Endpoint::report_unmatched_ihello(TimePoint now, CryptoProfile& p, const SocketAddress& from, ByteView epd,
                                       ByteView tag) {
  (void)now;
  ++stats_.unmatched_ihellos;
  emit(UnmatchedIHello{p.kind(), Bytes(epd.begin(), epd.end()), Bytes(tag.begin(), tag.end()), from, rx_iface_});
}

Result<void> Endpoint::send_redirect(TimePoint now, ProfileKind kind, ByteView tag, const SocketAddress& to,
                                     std::span<const wire::WireAddress> addresses, InterfaceId interface) {
  CryptoProfile* p = profile(kind);
  if (!p) return fail(Errc::invalid_argument, std::string("profile not enabled: ") + profile_name(kind));
  if (tag.empty()) return fail(Errc::invalid_argument, "empty tag");
  if (addresses.size() > params::kRedirectThreshold)
    return fail(Errc::invalid_argument, "more than REDIRECT_THRESHOLD (24) addresses");
  wire::RedirectChunk r;
  r.tag_echo = tag;
  r.addresses.assign(addresses.begin(), addresses.end());
  Bytes out;
  ByteWriter w(out);
  r.encode(w);
  if (!send_startup(now, *p, to, interface, 0, static_cast<std::uint8_t>(wire::ChunkType::redirect), out, true))
    return fail(Errc::limit_exceeded, "Redirect withheld (amplification budget or size)");
  ++stats_.redirects_sent;
  return {};
}

Result<void> Endpoint::forward_ihello(TimePoint now, SessionHandle session, ByteView epd, ByteView tag,
                                      const wire::WireAddress& reply_address) {
  Session* s = find(session);
  if (!s) return fail(Errc::not_found, "no such session");
  if (!s->is_open()) return fail(Errc::bad_state, "session not open");
  if (epd.empty() || tag.empty()) return fail(Errc::invalid_argument, "empty EPD or tag");
  wire::FIHelloChunk f;
  f.epd = epd;
  f.tag = tag;
  f.reply_address = reply_address;
  Bytes out;
  ByteWriter w(out);
  f.encode(w);
  queue_chunk(*s, static_cast<std::uint8_t>(wire::ChunkType::fihello), std::move(out));
  flush(now, *s);
  reschedule(*s);
  ++stats_.fihellos_forwarded;
  return {};
}

Result<void> Endpoint::set_fihello_mode(SessionHandle session, FIHelloMode mode) {
  Session* s = find(session);
  if (!s) return fail(Errc::not_found, "no such session");
  s->fihello_mode = mode;
  return {};
}

// Keyed by tag and reply address: an introducer predicting the initiator's
// next NAT ports (issue 12 §2, rendezvous/core/port_prediction.hpp) forwards
// one IHello with several reply addresses, each worth one RHello; the
// session's token bucket still bounds them.
bool Endpoint::fihello_tag_repeated(TimePoint now, ByteView tag_only, const SocketAddress& reply) {
  Bytes key(tag_only.begin(), tag_only.end());
  key.insert(key.end(), reply.ip.begin(), reply.ip.end());
  key.push_back(static_cast<std::uint8_t>(reply.port >> 8));
  key.push_back(static_cast<std::uint8_t>(reply.port));
  const ByteView tag(key);
  while (!fihello_tags_.empty() &&
         (fihello_tags_.front().first + params::kFIHelloRepeatInterval <= now ||
          fihello_tags_.size() > params::kFIHelloTagMemory))
    fihello_tags_.pop_front();
  for (const auto& [when, t] : fihello_tags_)
    if (std::equal(t.begin(), t.end(), tag.begin(), tag.end())) return true;
  fihello_tags_.emplace_back(now, std::move(key));
  return false;
}

void Endpoint::on_fihello(TimePoint now, Session& s, ByteView payload) {
  // §3.5.1.5: "On receipt of an FIHello chunk, a responder might send an
  // RHello or Implied Redirect to the original source of the IHello".
  if (s.fihello_mode == FIHelloMode::ignore) {
    drop(now, DropReason::fihello_ignored, s.dest);
    return;
  }
  auto f = wire::FIHelloChunk::decode(payload);
  if (!f) {
    drop(now, DropReason::malformed_chunk, s.dest);
    return;
  }
  const SocketAddress& reply = f->reply_address.address;
  if (reply.port == 0 || reply.is_unspecified()) {
    drop(now, DropReason::malformed_chunk, s.dest);
    return;
  }
  CryptoProfile& p = *s.profile;
  if (!config_.accept_sessions) {
    drop(now, DropReason::responder_disabled, s.dest);
    return;
  }
  if (!p.epd_selects_local(f->epd)) {
    drop(now, DropReason::epd_not_selected, s.dest);
    return;
  }
  // The reply address sent us nothing, so the 3x amplification guard cannot
  // bound this answer; the forwarding session pays from its token bucket.
  // A session's first FIHello finds the bucket full (not filled from the
  // clock's epoch: a host whose clock starts near it, as the simulator's,
  // would otherwise answer only the first of a predicting introducer's
  // Forwarded IHellos, port_prediction.hpp).
  if (s.fihello_refill == TimePoint{}) {
    s.fihello_tokens = params::kFIHelloBurst;
    s.fihello_refill = now;
  }
  const double elapsed = std::chrono::duration<double>(now - s.fihello_refill).count();
  if (elapsed > 0)
    s.fihello_tokens = std::min(params::kFIHelloBurst, s.fihello_tokens + elapsed * params::kFIHelloRatePerSession);
  s.fihello_refill = std::max(s.fihello_refill, now);
  if (s.fihello_tokens < 1.0 || fihello_tag_repeated(now, f->tag, reply)) {
    drop(now, DropReason::fihello_limited, s.dest);
    return;
  }
  s.fihello_tokens -= 1.0;
  Bytes out;
  ByteWriter w(out);
  bool sent = false;
  if (s.fihello_mode == FIHelloMode::send_rhello) {
    // §3.5.1.1.2 as for an IHello from the reply address: a cookie bound to
    // that address, so its IIKeying must come from there (or Cookie Change).
    Bytes cookie = cookies_.issue(now, reply);
    wire::RHelloChunk rhello{f->tag, cookie, p.local_certificate()};
    rhello.encode(w);
    sent = send_startup(now, p, reply, rx_iface_, 0, static_cast<std::uint8_t>(wire::ChunkType::rhello), out, false);
    if (sent) ++stats_.rhellos_sent;
  } else {
    wire::RedirectChunk r;  // Implied Redirect (§2.3.5): no addresses
    r.tag_echo = f->tag;
    r.encode(w);
    sent = send_startup(now, p, reply, rx_iface_, 0, static_cast<std::uint8_t>(wire::ChunkType::redirect), out,
                        false);
  }
  if (sent) {
    ++stats_.fihellos_answered;
    if (config_.report_forwarded_ihellos) emit(ForwardedIHelloAnswered{reply, p.kind(), Bytes(f->tag.begin(), f->tag.end()), f->reply_address.origin});
  }
}

}  // namespace rtmfp
