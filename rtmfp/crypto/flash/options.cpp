#include "rtmfp/crypto/flash/options.hpp"

#include <string>

namespace rtmfp::crypto::flash {

Result<std::vector<SeqOption>> parse_options(ByteView data, const char* what) {
  auto seq = wire::parse_option_sequence(data);
  if (!seq) return fail(seq.error().code, std::string(what) + ": " + seq.error().message());
  return seq;
}

Result<std::uint64_t> vlu_value(ByteView value, const char* what) {
  ByteReader r(value);
  const std::uint64_t v = read_vlu(r);
  if (!r.ok() || !r.empty()) return fail(Errc::malformed, std::string(what) + ": bad VLU value");
  return v;
}

void write_vlu_option(ByteWriter& w, std::uint64_t type, std::uint64_t value) {
  Bytes v;
  ByteWriter vw(v);
  write_vlu(vw, value);
  write_option(w, type, v);
}

std::optional<GroupKey> read_group_key(ByteView value) {
  ByteReader r(value);
  const std::uint64_t group = read_vlu(r);
  const ByteView key = r.rest();
  if (!r.ok() || key.empty()) return std::nullopt;
  return GroupKey{group, key};
}

void write_group_key_option(ByteWriter& w, std::uint64_t type, std::uint64_t group, ByteView key) {
  Bytes v;
  ByteWriter vw(v);
  write_vlu(vw, group);
  vw.bytes(key);
  write_option(w, type, v);
}

}  // namespace rtmfp::crypto::flash
