// FLV writer. See flv_writer.hpp and flv_types.hpp (Video File Format
// Specification v10.1, Annex E.2-E.4.1).
#include "media/flv/flv_writer.hpp"

#include <string>

namespace rtmfp::media::flv {
namespace {
void put24(ByteWriter& w, std::uint32_t v) {
  w.u8(static_cast<std::uint8_t>(v >> 16));
  w.u8(static_cast<std::uint8_t>(v >> 8));
  w.u8(static_cast<std::uint8_t>(v));
}
}  // namespace

void write_header(const Header& h, Bytes& out) {
  ByteWriter w(out);
  w.u8('F');
  w.u8('L');
  w.u8('V');
  w.u8(1);
  w.u8(static_cast<std::uint8_t>((h.has_audio ? 0x04 : 0) | (h.has_video ? 0x01 : 0)));
  w.u32(static_cast<std::uint32_t>(kHeaderSize));
  w.u32(0);  // PreviousTagSize0
}

Result<void> write_tag(const Tag& t, Bytes& out) {
  if (t.data.size() > kMaxDataSize)
    return fail(Errc::invalid_argument, "FLV tag data of " + std::to_string(t.data.size()) + " bytes exceeds 2^24-1");
  if (t.stream_id > 0xFFFFFF) return fail(Errc::invalid_argument, "FLV stream id does not fit 24 bits");
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>((t.filtered ? 0x20 : 0) | static_cast<std::uint8_t>(t.type)));
  put24(w, static_cast<std::uint32_t>(t.data.size()));
  put24(w, t.timestamp & 0xFFFFFF);
  w.u8(static_cast<std::uint8_t>(t.timestamp >> 24));  // TimestampExtended
  put24(w, t.stream_id);
  w.bytes(t.data);
  w.u32(static_cast<std::uint32_t>(kTagHeaderSize + t.data.size()));
  return {};
}

Result<Bytes> write_file(const Header& h, std::span<const Tag> tags) {
  Bytes out;
  write_header(h, out);
  for (const auto& t : tags)
    if (auto r = write_tag(t, out); !r) return std::unexpected(r.error());
  return out;
}

}  // namespace rtmfp::media::flv
