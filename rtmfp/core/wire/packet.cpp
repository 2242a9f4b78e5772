// RFC 7016 §2.2.2 multiplex (scrambled session ID) and §2.2.4 plain packet.
#include "rtmfp/core/wire/packet.hpp"

#include <algorithm>

#include "rtmfp/core/wire/chunk_types.hpp"

namespace rtmfp::wire {

namespace {

constexpr std::size_t kSessionIdSize = 4;     // §2.2.2 SSID
constexpr std::size_t kChunkHeaderSize = 3;   // §2.3 chunkType + chunkLength
constexpr std::size_t kMaxChunkPayload = 0xffff;

// §2.2.2: first32[0] XOR first32[1] of the encrypted packet, treating a
// packet shorter than 8 bytes as if end-padded with zeros.
std::uint32_t first_words_xor(ByteView encrypted) {
  std::uint8_t w[8] = {};
  std::copy_n(encrypted.begin(), std::min<std::size_t>(encrypted.size(), 8), w);
  auto be32 = [](const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
  };
  return be32(w) ^ be32(w + 4);
}

}  // namespace

std::optional<std::uint32_t> unscramble_session_id(ByteView datagram) {
  if (datagram.size() < kSessionIdSize) return std::nullopt;
  ByteReader r(datagram);
  const std::uint32_t ssid = r.u32();
  return ssid ^ first_words_xor(r.rest());
}

Bytes scramble_datagram(std::uint32_t session_id, ByteView encrypted) {
  Bytes out;
  out.reserve(kSessionIdSize + encrypted.size());
  ByteWriter w(out);
  // §2.2.2: the sender computes the SSID after encrypting.
  w.u32(session_id ^ first_words_xor(encrypted));
  w.bytes(encrypted);
  return out;
}

void scramble_datagram_in_place(std::uint32_t session_id, Bytes& encrypted) {
  // §2.2.2, as scramble_datagram.
  const std::uint32_t ssid = session_id ^ first_words_xor(encrypted);
  const std::uint8_t be[kSessionIdSize] = {static_cast<std::uint8_t>(ssid >> 24), static_cast<std::uint8_t>(ssid >> 16),
                                           static_cast<std::uint8_t>(ssid >> 8), static_cast<std::uint8_t>(ssid)};
  encrypted.insert(encrypted.begin(), std::begin(be), std::end(be));
}

std::size_t header_size(const PacketHeader& h) {
  return 1 + (h.timestamp ? 2 : 0) + (h.timestamp_echo ? 2 : 0);
}

Result<ParsedPacket> parse_packet(ByteView plain) {
  ByteReader r(plain);
  if (r.empty()) return fail(Errc::truncated, "packet: empty plain packet");
  ParsedPacket p;
  const std::uint8_t flags = r.u8();
  const auto mode = static_cast<PacketMode>(flags & kModeMask);
  // §2.2.4: "Packet mode 0 is not allowed ... MUST be discarded".
  if (mode == PacketMode::forbidden) return fail(Errc::malformed, "packet: mode 0 is forbidden");
  p.header.mode = mode;
  p.header.time_critical = (flags & kFlagTimeCritical) != 0;
  p.header.time_critical_reverse = (flags & kFlagTimeCriticalReverse) != 0;
  if (flags & kFlagTimestamp) p.header.timestamp = r.u16();
  if (flags & kFlagTimestampEcho) p.header.timestamp_echo = r.u16();
  if (!r.ok()) return fail(Errc::truncated, "packet: header timestamps truncated");

  // §2.2.4: chunks while remainder() > 2; a chunk whose length does not fit
  // marks the start of padding.
  while (r.remaining() > 2) {
    const std::size_t chunk_start = r.position();
    const std::uint8_t type = r.u8();
    const std::uint16_t length = r.u16();
    if (length > r.remaining()) {
      p.padding_bytes = plain.size() - chunk_start;
      return p;
    }
    ByteView payload = r.take(length);
    // §2.3: 0x00 and 0xff are Ignore/Padding chunks.
    if (type == kPaddingChunk0 || type == kPaddingChunkFF) continue;
    p.chunks.push_back(RawChunk{type, payload});
  }
  p.padding_bytes = r.remaining();
  return p;
}

PacketBuilder::PacketBuilder(const PacketHeader& header, std::size_t max_size)
    : PacketBuilder(header, max_size, Bytes{}) {}

PacketBuilder::PacketBuilder(const PacketHeader& header, std::size_t max_size, Bytes buffer)
    : out_(std::move(buffer)), max_size_(max_size) {
  out_.clear();
  out_.reserve(std::min<std::size_t>(max_size, 2048));
  ByteWriter w(out_);
  std::uint8_t flags = static_cast<std::uint8_t>(static_cast<std::uint8_t>(header.mode) & kModeMask);
  if (header.time_critical) flags |= kFlagTimeCritical;
  if (header.time_critical_reverse) flags |= kFlagTimeCriticalReverse;
  if (header.timestamp) flags |= kFlagTimestamp;
  if (header.timestamp_echo) flags |= kFlagTimestampEcho;
  w.u8(flags);
  if (header.timestamp) w.u16(*header.timestamp);
  if (header.timestamp_echo) w.u16(*header.timestamp_echo);
  chunk_start_ = out_.size();
}

void PacketBuilder::set_time_critical(bool on) {
  if (on)
    out_[0] = static_cast<std::uint8_t>(out_[0] | kFlagTimeCritical);
  else
    out_[0] = static_cast<std::uint8_t>(out_[0] & ~kFlagTimeCritical);
}

std::size_t PacketBuilder::payload_room() const {
  if (out_.size() + kChunkHeaderSize > max_size_) return 0;
  return std::min(max_size_ - out_.size() - kChunkHeaderSize, kMaxChunkPayload);
}

bool PacketBuilder::add_chunk(std::uint8_t type, ByteView payload) {
  if (payload.size() > kMaxChunkPayload) return false;
  if (out_.size() + kChunkHeaderSize + payload.size() > max_size_) return false;
  ByteWriter w(out_);
  w.u8(type);
  w.u16(static_cast<std::uint16_t>(payload.size()));
  w.bytes(payload);
  ++chunk_count_;
  chunk_start_ = out_.size();
  return true;
}

ByteWriter PacketBuilder::begin_chunk(std::uint8_t type) {
  chunk_start_ = out_.size();
  ByteWriter w(out_);
  w.u8(type);
  w.u16(0);  // patched by end_chunk
  return w;
}

bool PacketBuilder::end_chunk() {
  if (out_.size() < chunk_start_ + kChunkHeaderSize) return false;  // no chunk begun
  const std::size_t length = out_.size() - chunk_start_ - kChunkHeaderSize;
  if (out_.size() > max_size_ || length > kMaxChunkPayload) {
    out_.resize(chunk_start_);
    return false;
  }
  ByteWriter(out_).patch_u16(chunk_start_ + 1, static_cast<std::uint16_t>(length));
  ++chunk_count_;
  chunk_start_ = out_.size();
  return true;
}

Bytes PacketBuilder::finish() && { return std::move(out_); }

}  // namespace rtmfp::wire
