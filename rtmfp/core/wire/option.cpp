// RFC 7016 §2.1.3 Option, §2.1.4 Option List; RFC 7425 §4.3.1 canonical section.
#include "rtmfp/core/wire/option.hpp"

#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::wire {

namespace {

// Reads one option (or Marker) at the reader's position. `base` is the
// reader position that corresponds to offset 0 of the parsed range.
Result<Option> read_one(ByteReader& r, std::size_t base) {
  Option opt;
  opt.offset = r.position() - base;
  const std::uint64_t length = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, "option length: bad or truncated VLU");
  if (length == 0) {
    opt.marker = true;  // §2.1.3: an empty option is a Marker
    return opt;
  }
  if (length > r.remaining()) {
    r.fail();
    return fail(Errc::truncated, "option length overruns its container");
  }
  ByteReader payload(r.take(static_cast<std::size_t>(length)));
  opt.type = read_vlu(payload);
  if (!payload.ok()) {
    r.fail();
    return fail(Errc::malformed, "option type: bad VLU or longer than the option");
  }
  opt.value = payload.rest();
  return opt;
}

}  // namespace

Result<std::vector<Option>> read_option_list(ByteReader& r) {
  // §2.1.4: zero or more non-empty options terminated by a Marker.
  std::vector<Option> out;
  const std::size_t base = r.position();
  for (;;) {
    if (r.empty()) {
      r.fail();
      return fail(Errc::truncated, "option list: missing terminating marker");
    }
    auto opt = read_one(r, base);
    if (!opt) return std::unexpected(opt.error());
    if (opt->marker) return out;
    out.push_back(*opt);
  }
}

Result<std::vector<Option>> parse_option_sequence(ByteView data) {
  std::vector<Option> out;
  ByteReader r(data);
  while (!r.empty()) {
    auto opt = read_one(r, 0);
    if (!opt) return std::unexpected(opt.error());
    out.push_back(*opt);
  }
  return out;
}

Result<std::size_t> canonical_section_length(ByteView data) {
  // RFC 7425 §4.3.1: the canonical section ends at the first Marker; the whole
  // certificate must still parse as options and markers.
  auto seq = parse_option_sequence(data);
  if (!seq) return std::unexpected(seq.error());
  for (const auto& o : *seq)
    if (o.marker) return o.offset;
  return data.size();
}

void write_option(ByteWriter& w, std::uint64_t type, ByteView value) {
  write_vlu(w, vlu_size(type) + value.size());
  write_vlu(w, type);
  w.bytes(value);
}

void write_marker(ByteWriter& w) { w.u8(0); }

}  // namespace rtmfp::wire
