#include "rtmfp/crypto/flash/options.hpp"

#include <string>

namespace rtmfp::crypto::flash {

std::uint64_t read_vlu(ByteReader& r) {
  // RFC 7016 §2.1.2: big-endian base-128 digits, 0x80 = more.
  std::uint64_t v = 0;
  for (;;) {
    if (r.empty()) {
      r.fail();
      return 0;
    }
    const std::uint8_t b = r.u8();
    if (v > (UINT64_MAX >> 7)) {  // another digit would overflow 64 bits
      r.fail();
      return 0;
    }
    v = (v << 7) | (b & 0x7f);
    if ((b & 0x80) == 0) return v;
  }
}

std::size_t vlu_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void write_vlu(ByteWriter& w, std::uint64_t v) {
  const std::size_t n = vlu_size(v);
  for (std::size_t i = n; i-- > 0;) {
    const auto digit = static_cast<std::uint8_t>((v >> (7 * i)) & 0x7f);
    w.u8(i ? static_cast<std::uint8_t>(digit | 0x80) : digit);
  }
}

Result<std::vector<SeqOption>> parse_options(ByteView data, const char* what) {
  std::vector<SeqOption> out;
  ByteReader r(data);
  while (!r.empty()) {
    const std::uint64_t len = read_vlu(r);
    if (!r.ok()) return fail(Errc::malformed, std::string(what) + ": bad option length VLU");
    if (len == 0) {  // RFC 7016 §2.1.3 Marker
      out.push_back(SeqOption{true, 0, {}});
      continue;
    }
    if (len > r.remaining()) return fail(Errc::truncated, std::string(what) + ": option overruns the structure");
    ByteView body = r.take(static_cast<std::size_t>(len));
    ByteReader br(body);
    const std::uint64_t type = read_vlu(br);
    if (!br.ok()) return fail(Errc::malformed, std::string(what) + ": bad option type VLU");
    out.push_back(SeqOption{false, type, br.rest()});
  }
  return out;
}

Result<std::uint64_t> vlu_value(ByteView value, const char* what) {
  ByteReader r(value);
  const std::uint64_t v = read_vlu(r);
  if (!r.ok() || !r.empty()) return fail(Errc::malformed, std::string(what) + ": bad VLU value");
  return v;
}

void write_option(ByteWriter& w, std::uint64_t type, ByteView value) {
  write_vlu(w, vlu_size(type) + value.size());
  write_vlu(w, type);
  w.bytes(value);
}

}  // namespace rtmfp::crypto::flash
