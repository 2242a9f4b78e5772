// Established-session chunk codecs, RFC 7016 §2.3.9-§2.3.16 (acks: ack_codec.cpp).
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::wire {

namespace {

// Writes an option list (§2.1.4): every non-marker option, then a Marker.
void write_option_list(ByteWriter& w, const std::vector<Option>& options) {
  for (const auto& o : options)
    if (!o.marker) write_option(w, o.type, o.value);
  write_marker(w);
}

std::size_t option_list_size(const std::vector<Option>& options) {
  std::size_t n = 1;  // the Marker
  for (const auto& o : options) {
    if (o.marker) continue;
    const std::size_t body = vlu_size(o.type) + o.value.size();
    n += vlu_size(body) + body;
  }
  return n;
}

bool has_options(const std::vector<Option>& options) {
  for (const auto& o : options)
    if (!o.marker) return true;
  return false;
}

}  // namespace

// ---- §2.3.9 Ping / §2.3.10 Ping Reply --------------------------------------
Result<PingChunk> PingChunk::decode(ByteView payload) { return PingChunk{payload}; }
void PingChunk::encode(ByteWriter& w) const { w.bytes(message); }

Result<PingReplyChunk> PingReplyChunk::decode(ByteView payload) { return PingReplyChunk{payload}; }
void PingReplyChunk::encode(ByteWriter& w) const { w.bytes(message_echo); }

// ---- §2.3.11 User Data flags ------------------------------------------------
UserDataFlags UserDataFlags::from_byte(std::uint8_t b) {
  // Reserved bits 0x40 and 0x0c are ignored (§2).
  UserDataFlags f;
  f.fragmentation = static_cast<Fragmentation>((b & kUserDataFragmentMask) >> 4);
  f.abandon = (b & kUserDataAbandon) != 0;
  f.final = (b & kUserDataFinal) != 0;
  return f;
}

std::uint8_t UserDataFlags::to_byte(bool options_present) const {
  std::uint8_t b = static_cast<std::uint8_t>((static_cast<std::uint8_t>(fragmentation) << 4) &
                                             kUserDataFragmentMask);
  if (options_present) b |= kUserDataOptions;
  if (abandon) b |= kUserDataAbandon;
  if (final) b |= kUserDataFinal;
  return b;
}

// ---- §2.3.11 User Data ------------------------------------------------------
Result<UserDataChunk> UserDataChunk::decode(ByteView payload) {
  ByteReader r(payload);
  UserDataChunk c;
  const std::uint8_t flags = r.u8();
  if (!r.ok()) return fail(Errc::malformed, "user data: empty payload");
  c.flags = UserDataFlags::from_byte(flags);
  c.flow_id = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, "user data: bad or truncated flowID");
  c.sequence_number = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, "user data: bad or truncated sequenceNumber");
  c.fsn_offset = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, "user data: bad or truncated fsnOffset");
  // §2.3.11: fsnOffset "MUST NOT be greater than sequenceNumber".
  if (c.fsn_offset > c.sequence_number)
    return fail(Errc::malformed, "user data: fsnOffset greater than sequenceNumber");
  if (flags & kUserDataOptions) {
    auto opts = read_option_list(r);
    if (!opts) return fail(opts.error().code, "user data: " + opts.error().detail);
    c.options = std::move(*opts);
  }
  c.data = r.rest();
  return c;
}

void UserDataChunk::encode(ByteWriter& w) const {
  const bool opt = has_options(options);
  w.u8(flags.to_byte(opt));
  write_vlu(w, flow_id);
  write_vlu(w, sequence_number);
  write_vlu(w, fsn_offset);
  if (opt) write_option_list(w, options);
  w.bytes(data);
}

std::size_t UserDataChunk::encoded_size() const {
  return 1 + vlu_size(flow_id) + vlu_size(sequence_number) + vlu_size(fsn_offset) +
         (has_options(options) ? option_list_size(options) : 0) + data.size();
}

// ---- §2.3.12 Next User Data -------------------------------------------------
Result<NextUserDataChunk> NextUserDataChunk::decode(ByteView payload) {
  ByteReader r(payload);
  NextUserDataChunk c;
  const std::uint8_t flags = r.u8();
  if (!r.ok()) return fail(Errc::malformed, "next user data: empty payload");
  c.flags = UserDataFlags::from_byte(flags);
  if (flags & kUserDataOptions) {
    auto opts = read_option_list(r);
    if (!opts) return fail(opts.error().code, "next user data: " + opts.error().detail);
    c.options = std::move(*opts);
  }
  c.data = r.rest();
  return c;
}

void NextUserDataChunk::encode(ByteWriter& w) const {
  const bool opt = has_options(options);
  w.u8(flags.to_byte(opt));
  if (opt) write_option_list(w, options);
  w.bytes(data);
}

std::size_t NextUserDataChunk::encoded_size() const {
  return 1 + (has_options(options) ? option_list_size(options) : 0) + data.size();
}

// ---- §2.3.15 Buffer Probe ---------------------------------------------------
Result<BufferProbeChunk> BufferProbeChunk::decode(ByteView payload) {
  ByteReader r(payload);
  BufferProbeChunk c;
  c.flow_id = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, "buffer probe: bad or truncated flowID");
  if (!r.empty()) return fail(Errc::malformed, "buffer probe: trailing bytes after flowID");
  return c;
}

void BufferProbeChunk::encode(ByteWriter& w) const { write_vlu(w, flow_id); }

// ---- §2.3.16 Flow Exception Report ------------------------------------------
Result<FlowExceptionReportChunk> FlowExceptionReportChunk::decode(ByteView payload) {
  ByteReader r(payload);
  FlowExceptionReportChunk c;
  c.flow_id = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, "flow exception report: bad or truncated flowID");
  c.exception = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, "flow exception report: bad or truncated exception");
  if (!r.empty()) return fail(Errc::malformed, "flow exception report: trailing bytes");
  return c;
}

void FlowExceptionReportChunk::encode(ByteWriter& w) const {
  write_vlu(w, flow_id);
  write_vlu(w, exception);
}

}  // namespace rtmfp::wire
