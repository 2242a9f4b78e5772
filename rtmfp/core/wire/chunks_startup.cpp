// Startup chunk codecs, RFC 7016 §2.3.1-§2.3.8.
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/field_codec.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::wire {

using detail::read_length_prefixed;
using detail::write_length_prefixed;

namespace {
constexpr std::uint8_t kFragmentMore = 0x80;  // §2.3.1 M
}  // namespace

// ---- §2.3.1 Packet Fragment -------------------------------------------------
Result<PacketFragmentChunk> PacketFragmentChunk::decode(ByteView payload) {
  ByteReader r(payload);
  PacketFragmentChunk c;
  const std::uint8_t flags = r.u8();  // 7 reserved bits ignored (§2)
  c.more_fragments = (flags & kFragmentMore) != 0;
  c.packet_id = read_vlu(r);
  c.fragment_num = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, "packet fragment: truncated header or bad VLU");
  c.fragment = r.rest();
  // §2.3.1 / §3.4: "A packetFragment MUST NOT be empty" - discard.
  if (c.fragment.empty()) return fail(Errc::malformed, "packet fragment: empty fragment");
  return c;
}

void PacketFragmentChunk::encode(ByteWriter& w) const {
  w.u8(more_fragments ? kFragmentMore : 0);
  write_vlu(w, packet_id);
  write_vlu(w, fragment_num);
  w.bytes(fragment);
}

// ---- §2.3.2 IHello ----------------------------------------------------------
Result<IHelloChunk> IHelloChunk::decode(ByteView payload) {
  ByteReader r(payload);
  IHelloChunk c;
  c.epd = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "ihello: bad epdLength or epd overruns the chunk");
  c.tag = r.rest();
  return c;
}

void IHelloChunk::encode(ByteWriter& w) const {
  write_length_prefixed(w, epd);
  w.bytes(tag);
}

// ---- §2.3.3 FIHello ---------------------------------------------------------
Result<FIHelloChunk> FIHelloChunk::decode(ByteView payload) {
  ByteReader r(payload);
  FIHelloChunk c;
  c.epd = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "fihello: bad epdLength or epd overruns the chunk");
  c.reply_address = read_address(r);
  if (!r.ok()) return fail(Errc::malformed, "fihello: truncated replyAddress");
  c.tag = r.rest();
  return c;
}

void FIHelloChunk::encode(ByteWriter& w) const {
  write_length_prefixed(w, epd);
  write_address(w, reply_address);
  w.bytes(tag);
}

// ---- §2.3.4 RHello ----------------------------------------------------------
Result<RHelloChunk> RHelloChunk::decode(ByteView payload) {
  ByteReader r(payload);
  RHelloChunk c;
  c.tag_echo = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "rhello: bad tagLength or tagEcho overruns the chunk");
  c.cookie = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "rhello: bad cookieLength or cookie overruns the chunk");
  c.certificate = r.rest();
  return c;
}

void RHelloChunk::encode(ByteWriter& w) const {
  write_length_prefixed(w, tag_echo);
  write_length_prefixed(w, cookie);
  w.bytes(certificate);
}

// ---- §2.3.5 Redirect --------------------------------------------------------
Result<RedirectChunk> RedirectChunk::decode(ByteView payload) {
  ByteReader r(payload);
  RedirectChunk c;
  c.tag_echo = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "redirect: bad tagLength or tagEcho overruns the chunk");
  // §2.3.5: addresses run to the end of the chunk; zero = Implied Redirect.
  // Each address takes at least 7 bytes, so the count is bounded by the payload.
  while (!r.empty()) {
    WireAddress a = read_address(r);
    if (!r.ok()) return fail(Errc::malformed, "redirect: truncated redirectDestination");
    c.addresses.push_back(a);
  }
  return c;
}

void RedirectChunk::encode(ByteWriter& w) const {
  write_length_prefixed(w, tag_echo);
  for (const auto& a : addresses) write_address(w, a);
}

// ---- §2.3.6 RHello Cookie Change -------------------------------------------
Result<CookieChangeChunk> CookieChangeChunk::decode(ByteView payload) {
  ByteReader r(payload);
  CookieChangeChunk c;
  c.old_cookie = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "cookie change: bad oldCookieLen or oldCookie overruns the chunk");
  c.new_cookie = r.rest();
  return c;
}

void CookieChangeChunk::encode(ByteWriter& w) const {
  write_length_prefixed(w, old_cookie);
  w.bytes(new_cookie);
}

// ---- §2.3.7 IIKeying --------------------------------------------------------
Result<IIKeyingChunk> IIKeyingChunk::decode(ByteView payload) {
  ByteReader r(payload);
  IIKeyingChunk c;
  c.initiator_session_id = r.u32();
  if (!r.ok()) return fail(Errc::malformed, "iikeying: truncated initiatorSessionID");
  c.cookie_echo = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "iikeying: bad cookieLength or cookieEcho overruns the chunk");
  c.certificate = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "iikeying: bad certLength or certificate overruns the chunk");
  c.skic = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "iikeying: bad skicLength or SKIC overruns the chunk");
  c.signed_part = payload.first(r.position());  // initiatorSignedParameters
  c.signature = r.rest();
  return c;
}

void IIKeyingChunk::encode_signed_part(ByteWriter& w) const {
  w.u32(initiator_session_id);
  write_length_prefixed(w, cookie_echo);
  write_length_prefixed(w, certificate);
  write_length_prefixed(w, skic);
}

void IIKeyingChunk::encode(ByteWriter& w) const {
  encode_signed_part(w);
  w.bytes(signature);
}

// ---- §2.3.8 RIKeying --------------------------------------------------------
Result<RIKeyingChunk> RIKeyingChunk::decode(ByteView payload) {
  ByteReader r(payload);
  RIKeyingChunk c;
  c.responder_session_id = r.u32();
  if (!r.ok()) return fail(Errc::malformed, "rikeying: truncated responderSessionID");
  c.skrc = read_length_prefixed(r);
  if (!r.ok()) return fail(Errc::malformed, "rikeying: bad skrcLength or SKRC overruns the chunk");
  c.signed_portion = payload.first(r.position());  // responderSignedParametersPortion
  c.signature = r.rest();
  return c;
}

void RIKeyingChunk::encode_portion(ByteWriter& w) const {
  w.u32(responder_session_id);
  write_length_prefixed(w, skrc);
}

void RIKeyingChunk::encode(ByteWriter& w) const {
  encode_portion(w);
  w.bytes(signature);
}

}  // namespace rtmfp::wire
