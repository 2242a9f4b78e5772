// Protocol control, user control, acknowledgements, aggregates. See control.hpp.
#include "media/rtmp/control.hpp"

#include <string>

namespace rtmfp::media::rtmp {

namespace {
Message make(std::uint8_t type, Bytes payload) {
  Message m;
  m.type = type;
  m.csid = 2;  // R§5.4: chunk stream ID 2, message stream ID 0
  m.stream_id = 0;
  m.payload = std::move(payload);
  return m;
}
Message u32_message(std::uint8_t type, std::uint32_t v) {
  Bytes b;
  ByteWriter(b).u32(v);
  return make(type, std::move(b));
}
}  // namespace

namespace control {
Message set_chunk_size(std::uint32_t size) { return u32_message(msg_type::set_chunk_size, size & 0x7fffffffu); }
Message abort_message(std::uint32_t csid) { return u32_message(msg_type::abort, csid); }
Message acknowledgement(std::uint32_t seq) { return u32_message(msg_type::acknowledgement, seq); }
Message window_ack_size(std::uint32_t size) { return u32_message(msg_type::window_ack_size, size); }
Message set_peer_bandwidth(std::uint32_t size, BandwidthLimit limit) {
  Bytes b;
  ByteWriter w(b);
  w.u32(size);
  w.u8(static_cast<std::uint8_t>(limit));
  return make(msg_type::set_peer_bandwidth, std::move(b));
}
Message user_control(const UserControl& uc) {
  Bytes b;
  ByteWriter w(b);
  w.u16(uc.event);
  w.u32(uc.value);
  if (uc.event == static_cast<std::uint16_t>(UserControlEvent::set_buffer_length)) w.u32(uc.value2);
  return make(msg_type::user_control, std::move(b));
}
Message stream_begin(std::uint32_t sid) { return user_control({0, sid, 0}); }
Message stream_eof(std::uint32_t sid) { return user_control({1, sid, 0}); }
Message set_buffer_length(std::uint32_t sid, std::uint32_t ms) { return user_control({3, sid, ms}); }
Message ping_response(std::uint32_t ts) { return user_control({7, ts, 0}); }

Result<std::uint32_t> decode_u32(const Message& m) {
  ByteReader r(m.payload);
  const std::uint32_t v = r.u32();
  if (!r.ok()) return fail(Errc::truncated, "control message type " + std::to_string(m.type) + " shorter than 4 bytes");
  return v;
}

Result<PeerBandwidth> decode_peer_bandwidth(const Message& m) {
  ByteReader r(m.payload);
  PeerBandwidth pb;
  pb.size = r.u32();
  pb.limit = r.u8();
  if (!r.ok()) return fail(Errc::truncated, "Set Peer Bandwidth shorter than 5 bytes");
  if (pb.limit > 2) return fail(Errc::malformed, "Set Peer Bandwidth limit type " + std::to_string(pb.limit) + " (0..2)");
  return pb;
}

Result<UserControl> decode_user_control(const Message& m) {
  ByteReader r(m.payload);
  UserControl uc;
  uc.event = r.u16();
  if (!r.ok()) return fail(Errc::truncated, "user control message shorter than 2 bytes");
  // Unknown events (e.g. RTMFP's 34/41 or Flash-specific ones) keep value 0
  // when their data is not 4 bytes; known ones need their fields.
  if (r.remaining() >= 4) uc.value = r.u32();
  else if (uc.event <= 7) return fail(Errc::truncated, "user control event " + std::to_string(uc.event) + " without its 4-byte value");
  if (uc.event == static_cast<std::uint16_t>(UserControlEvent::set_buffer_length)) {
    uc.value2 = r.u32();
    if (!r.ok()) return fail(Errc::truncated, "SetBufferLength without its buffer length");
  }
  return uc;
}
}  // namespace control

std::optional<Message> AckTracker::on_received(std::uint64_t total) {
  if (window_ == 0 || total < last_ack_ || total - last_ack_ < window_) return std::nullopt;
  last_ack_ = total;
  return control::acknowledgement(static_cast<std::uint32_t>(total));
}

Result<std::vector<Message>> split_aggregate(const Message& agg, std::size_t max_parts) {
  std::vector<Message> parts;
  ByteReader r(agg.payload);
  bool first = true;
  std::uint32_t base = 0;
  while (!r.empty()) {
    if (parts.size() >= max_parts) return fail(Errc::limit_exceeded, "aggregate message with too many sub-messages");
    const std::uint8_t type = r.u8();
    const std::uint32_t size = (std::uint32_t(r.u8()) << 16) | r.u16();
    std::uint32_t ts = (std::uint32_t(r.u8()) << 16) | r.u16();
    ts |= std::uint32_t(r.u8()) << 24;  // FLV TimestampExtended: upper 8 bits
    (void)r.u8();
    (void)r.u16();  // stream id (3 bytes), replaced by the aggregate's
    if (!r.ok()) return fail(Errc::truncated, "aggregate sub-message header truncated");
    ByteView body = r.take(size);
    (void)r.u32();  // back pointer
    if (!r.ok()) return fail(Errc::truncated, "aggregate sub-message body of " + std::to_string(size) + " bytes truncated");
    if (type == msg_type::aggregate) return fail(Errc::malformed, "nested aggregate message");
    if (first) {
      base = ts;
      first = false;
    }
    Message m;
    m.type = type;
    m.stream_id = agg.stream_id;
    m.csid = agg.csid;
    m.timestamp = agg.timestamp + (ts - base);
    m.payload.assign(body.begin(), body.end());
    parts.push_back(std::move(m));
  }
  return parts;
}

}  // namespace rtmfp::media::rtmp
