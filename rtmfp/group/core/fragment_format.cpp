#include "rtmfp/group/core/fragment_format.hpp"

#include <cstring>

#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::group {

Result<FragmentContent> parse_content(ByteView content) {
  ByteReader r(content);
  const std::uint8_t kind = r.u8();
  if (!r.ok()) return fail(Errc::truncated, "fragment content");
  if (kind == 0) {
    DataContent d;
    const std::uint64_t back = wire::read_vlu(r);
    d.flags = r.u8();
    if (!r.ok()) return fail(Errc::truncated, "data fragment header");
    if (back == 0 || back > kMaxManifestSpan) return fail(Errc::malformed, "data fragment: manifest distance");
    d.back = static_cast<std::uint8_t>(back);
    if (d.flags & kFirst) {
      const std::uint8_t type = r.u8();
      d.timestamp = r.u32();
      const std::uint64_t size = wire::read_vlu(r);
      if (!r.ok()) return fail(Errc::truncated, "data fragment frame header");
      if (!is_media_type(type)) return fail(Errc::malformed, "data fragment: media type");
      if (size > kMaxFrameSize) return fail(Errc::malformed, "data fragment: frame size");
      d.type = static_cast<MediaType>(type);
      d.frame_size = static_cast<std::uint32_t>(size);
    }
    d.chunk = r.rest();
    return FragmentContent(d);
  }
  if (kind == 1) {
    ManifestContent m;
    const std::size_t n = r.u8();
    if (!r.ok()) return fail(Errc::truncated, "manifest");
    if (n == 0 || n > kMaxManifestSpan) return fail(Errc::malformed, "manifest: count");
    m.hashes.resize(n);
    for (auto& h : m.hashes) {
      const ByteView b = r.take(h.size());
      if (b.size() == h.size()) std::memcpy(h.data(), b.data(), h.size());
    }
    const ByteView s = r.take(m.signature.size());
    if (!r.ok()) return fail(Errc::truncated, "manifest");
    std::memcpy(m.signature.data(), s.data(), s.size());
    if (!r.empty()) return fail(Errc::malformed, "manifest: trailing bytes");
    return FragmentContent(std::move(m));
  }
  return fail(Errc::malformed, "fragment kind " + std::to_string(kind));
}

Bytes encode_data(const DataContent& d) {
  Bytes out;
  ByteWriter w(out);
  w.u8(0);
  wire::write_vlu(w, d.back);
  w.u8(d.flags);
  if (d.flags & kFirst) {
    w.u8(static_cast<std::uint8_t>(d.type));
    w.u32(d.timestamp);
    wire::write_vlu(w, d.frame_size);
  }
  w.bytes(d.chunk);
  return out;
}

Bytes manifest_signed_bytes(const GroupId& group, Seq seq, const std::vector<FragmentHash>& hashes) {
  Bytes out;
  ByteWriter w(out);
  w.bytes(as_bytes(kManifestContext));
  w.bytes(group);
  w.u64(seq);
  w.u8(static_cast<std::uint8_t>(hashes.size()));
  for (const auto& h : hashes) w.bytes(h);
  return out;
}

Bytes encode_manifest(const GroupId& group, Seq seq, const std::vector<FragmentHash>& hashes,
                      const Authenticator& auth) {
  Bytes out;
  ByteWriter w(out);
  w.u8(1);
  w.u8(static_cast<std::uint8_t>(hashes.size()));
  for (const auto& h : hashes) w.bytes(h);
  w.bytes(auth.sign(manifest_signed_bytes(group, seq, hashes)));
  return out;
}

}  // namespace rtmfp::group
