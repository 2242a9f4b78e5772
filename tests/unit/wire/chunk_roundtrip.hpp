// Decode -> encode -> decode checks for every RFC 7016 §2.3 chunk codec,
// shared by the wire unit tests and the packet_decode / chunk_decode fuzz
// targets. Each check returns false only when a decodable payload fails to
// re-decode to the same fields (a codec bug); undecodable input returns true.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/wire/ack_codec.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace wire_check {

using rtmfp::Bytes;
using rtmfp::ByteView;
using namespace rtmfp::wire;

inline bool eq(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

inline bool eq(const std::vector<Option>& a, const std::vector<Option>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].marker != b[i].marker || a[i].type != b[i].type || !eq(a[i].value, b[i].value)) return false;
  return true;
}

inline bool eq(const UserDataFlags& a, const UserDataFlags& b) {
  return a.fragmentation == b.fragmentation && a.abandon == b.abandon && a.final == b.final;
}

inline bool eq(const PacketFragmentChunk& a, const PacketFragmentChunk& b) {
  return a.more_fragments == b.more_fragments && a.packet_id == b.packet_id && a.fragment_num == b.fragment_num &&
         eq(a.fragment, b.fragment);
}
inline bool eq(const IHelloChunk& a, const IHelloChunk& b) { return eq(a.epd, b.epd) && eq(a.tag, b.tag); }
inline bool eq(const FIHelloChunk& a, const FIHelloChunk& b) {
  return eq(a.epd, b.epd) && a.reply_address == b.reply_address && eq(a.tag, b.tag);
}
inline bool eq(const RHelloChunk& a, const RHelloChunk& b) {
  return eq(a.tag_echo, b.tag_echo) && eq(a.cookie, b.cookie) && eq(a.certificate, b.certificate);
}
inline bool eq(const RedirectChunk& a, const RedirectChunk& b) {
  return eq(a.tag_echo, b.tag_echo) && a.addresses == b.addresses;
}
inline bool eq(const CookieChangeChunk& a, const CookieChangeChunk& b) {
  return eq(a.old_cookie, b.old_cookie) && eq(a.new_cookie, b.new_cookie);
}
inline bool eq(const IIKeyingChunk& a, const IIKeyingChunk& b) {
  return a.initiator_session_id == b.initiator_session_id && eq(a.cookie_echo, b.cookie_echo) &&
         eq(a.certificate, b.certificate) && eq(a.skic, b.skic) && eq(a.signature, b.signature);
}
inline bool eq(const RIKeyingChunk& a, const RIKeyingChunk& b) {
  return a.responder_session_id == b.responder_session_id && eq(a.skrc, b.skrc) && eq(a.signature, b.signature);
}
inline bool eq(const PingChunk& a, const PingChunk& b) { return eq(a.message, b.message); }
inline bool eq(const PingReplyChunk& a, const PingReplyChunk& b) { return eq(a.message_echo, b.message_echo); }
inline bool eq(const UserDataChunk& a, const UserDataChunk& b) {
  return eq(a.flags, b.flags) && a.flow_id == b.flow_id && a.sequence_number == b.sequence_number &&
         a.fsn_offset == b.fsn_offset && eq(a.options, b.options) && eq(a.data, b.data);
}
inline bool eq(const NextUserDataChunk& a, const NextUserDataChunk& b) {
  return eq(a.flags, b.flags) && eq(a.options, b.options) && eq(a.data, b.data);
}
inline bool eq(const BufferProbeChunk& a, const BufferProbeChunk& b) { return a.flow_id == b.flow_id; }
inline bool eq(const FlowExceptionReportChunk& a, const FlowExceptionReportChunk& b) {
  return a.flow_id == b.flow_id && a.exception == b.exception;
}

// Decodes with C; if decodable, re-encodes and checks the re-decode.
template <class C>
bool roundtrip(ByteView payload) {
  auto first = C::decode(payload);
  if (!first) return !first.error().detail.empty();  // errors must say what was wrong
  Bytes again;
  rtmfp::ByteWriter w(again);
  first->encode(w);
  if (again.size() > payload.size()) return false;  // minimal encoding never grows
  auto second = C::decode(again);
  return second && eq(*first, *second);
}

// The ack encoders: range form always round-trips; bitmap form round-trips
// when the bitmap fits a chunk; encode_ack never over-acknowledges.
inline bool ack_roundtrip(const DataAck& a, std::size_t max_payload) {
  auto r = decode_range_ack(encode_range_ack(a));
  if (!r || !(*r == a)) return false;
  auto e = encode_ack(a, max_payload);
  if (!e)  // only acceptable when even the three VLUs do not fit
    return vlu_size(a.flow_id) + vlu_size(a.buffer_blocks_available) + vlu_size(a.cumulative_ack) >
           std::min<std::size_t>(max_payload, 0xffff);
  if (e->payload.size() > max_payload) return false;
  auto d = e->chunk_type == 0x50 ? decode_bitmap_ack(e->payload) : decode_range_ack(e->payload);
  if (!d || d->flow_id != a.flow_id || d->cumulative_ack != a.cumulative_ack) return false;
  if (d->ranges.size() > a.ranges.size()) return false;
  for (std::size_t i = 0; i < d->ranges.size(); ++i)
    if (!(d->ranges[i] == a.ranges[i])) return false;
  return true;
}

// Runs the codec for `type` (if any) on payload. Returns false on a codec bug.
inline bool check_chunk(std::uint8_t type, ByteView payload) {
  switch (static_cast<ChunkType>(type)) {
    case ChunkType::packet_fragment: return roundtrip<PacketFragmentChunk>(payload);
    case ChunkType::ihello: return roundtrip<IHelloChunk>(payload);
    case ChunkType::fihello: return roundtrip<FIHelloChunk>(payload);
    case ChunkType::rhello: return roundtrip<RHelloChunk>(payload);
    case ChunkType::redirect: return roundtrip<RedirectChunk>(payload);
    case ChunkType::rhello_cookie_change: return roundtrip<CookieChangeChunk>(payload);
    case ChunkType::iikeying: return roundtrip<IIKeyingChunk>(payload);
    case ChunkType::rikeying: return roundtrip<RIKeyingChunk>(payload);
    case ChunkType::ping: return roundtrip<PingChunk>(payload);
    case ChunkType::ping_reply: return roundtrip<PingReplyChunk>(payload);
    case ChunkType::user_data: return roundtrip<UserDataChunk>(payload);
    case ChunkType::next_user_data: return roundtrip<NextUserDataChunk>(payload);
    case ChunkType::buffer_probe: return roundtrip<BufferProbeChunk>(payload);
    case ChunkType::flow_exception_report: return roundtrip<FlowExceptionReportChunk>(payload);
    case ChunkType::ack_bitmap: {
      auto a = decode_bitmap_ack(payload);
      if (!a) return true;
      if (payload.size() <= 0xffff) {
        auto b = decode_bitmap_ack(encode_bitmap_ack(*a));
        if (!b || !(*b == *a)) return false;
      }
      return ack_roundtrip(*a, payload.size());
    }
    case ChunkType::ack_ranges: {
      auto a = decode_range_ack(payload);
      if (!a) return true;
      return ack_roundtrip(*a, payload.size());
    }
    case ChunkType::session_close:
    case ChunkType::session_close_ack:
      return true;  // no payload (§2.3.17, §2.3.18)
  }
  return true;  // unknown type: ignored (§2.3)
}

}  // namespace wire_check
