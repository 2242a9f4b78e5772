#include "media/gateway/rtmfp_mapping.hpp"

#include <algorithm>

#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::media::gateway {

Bytes encode_metadata(const TcMetadata& m) {
  Bytes out{'T', 'C', static_cast<std::uint8_t>(kMetadataFlagStreamId | (m.network_arrival_order ? kMetadataFlagReceiveIntent : 0))};
  ByteWriter w(out);
  wire::write_vlu(w, m.stream_id);
  return out;
}

Result<TcMetadata> decode_metadata(ByteView metadata) {
  ByteReader r(metadata);
  std::uint8_t t = r.u8(), c = r.u8();
  if (!r.ok() || t != 'T' || c != 'C') return fail(Errc::unsupported, "flow metadata is not an RTMP 'TC' flow (RFC 7425 §5.1.1)");
  std::uint8_t flags = r.u8();
  if (!r.ok()) return fail(Errc::truncated, "TC metadata has no flags byte");
  if (!(flags & kMetadataFlagStreamId)) return fail(Errc::unsupported, "TC metadata without a stream ID (SID clear, RFC 7425 §5.1.1)");
  std::uint64_t sid = wire::read_vlu(r);
  if (!r.ok()) return fail(Errc::truncated, "TC metadata stream ID truncated");
  if (sid > 0xffffff) return fail(Errc::malformed, "TC metadata stream ID exceeds 24 bits (RFC 7425 §5.1)");
  return TcMetadata{static_cast<std::uint32_t>(sid), (flags & kMetadataFlagReceiveIntent) != 0};
}

Bytes encode_message(std::uint8_t type, std::uint32_t timestamp, ByteView payload) {
  Bytes out;
  out.reserve(5 + payload.size());
  ByteWriter w(out);
  w.u8(type);
  w.u32(timestamp);
  w.bytes(payload);
  return out;
}

Result<FlowMessage> decode_message(ByteView message) {
  if (message.size() < 5) return fail(Errc::truncated, "RTMP-over-RTMFP message shorter than its 5-byte header (RFC 7425 §5.1.2)");
  if (message.size() - 5 > 0xffffff) return fail(Errc::malformed, "RTMP message payload exceeds 24-bit length (RFC 7425 §5.1)");
  ByteReader r(message);
  FlowMessage m;
  m.type = r.u8();
  m.timestamp = r.u32();
  m.payload = r.rest();
  return m;
}

Bytes encode_flow_sync(const FlowSync& s) {
  Bytes out;
  ByteWriter w(out);
  w.u16(kEventFlowSync);
  w.u32(s.sync_id);
  w.u32(s.count);
  return out;
}

Bytes encode_set_keepalive(const SetKeepalive& k) {
  Bytes out;
  ByteWriter w(out);
  w.u16(kEventSetKeepalive);
  w.u32(k.server_period_ms);
  w.u32(k.peer_period_ms);
  return out;
}

std::optional<Result<FlowSync>> decode_flow_sync(ByteView p) {
  ByteReader r(p);
  if (r.u16() != kEventFlowSync || !r.ok()) return std::nullopt;
  FlowSync s;
  s.sync_id = r.u32();
  s.count = r.u32();
  if (!r.ok()) return Result<FlowSync>(fail(Errc::truncated, "Flow Synchronization event truncated (RFC 7425 §5.2)"));
  if (s.count < 1) return Result<FlowSync>(fail(Errc::malformed, "Flow Synchronization count 0 (MUST be >= 1, RFC 7425 §5.2)"));
  return Result<FlowSync>(s);
}

std::optional<Result<SetKeepalive>> decode_set_keepalive(ByteView p) {
  ByteReader r(p);
  if (r.u16() != kEventSetKeepalive || !r.ok()) return std::nullopt;
  SetKeepalive k;
  k.server_period_ms = r.u32();
  k.peer_period_ms = r.u32();
  if (!r.ok()) return Result<SetKeepalive>(fail(Errc::truncated, "Set Keepalive Timers event truncated (RFC 7425 §5.3.4)"));
  return Result<SetKeepalive>(k);
}

SetKeepalive clamp_keepalive(const SetKeepalive& a, const KeepaliveBounds& b) {
  return SetKeepalive{std::clamp(a.server_period_ms, b.min_ms, b.max_ms), std::clamp(a.peer_period_ms, b.min_ms, b.max_ms)};
}

}  // namespace rtmfp::media::gateway
