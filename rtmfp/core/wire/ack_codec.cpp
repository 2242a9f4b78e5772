// Data acknowledgements: RFC 7016 §2.3.13 Bitmap Ack, §2.3.14 Range Ack, and
// the receiver's choice of the more compact form (§3.6.3.4.3) truncated to
// fit the packet (§3.6.3.4.2).
#include "rtmfp/core/wire/ack_codec.hpp"

#include <algorithm>
#include <limits>

#include "rtmfp/core/wire/chunk_types.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::wire {

namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kMaxChunkPayload = 0xffff;  // §2.3 uint16 chunkLength

struct AckHeader {
  std::uint64_t flow_id, buffer_blocks, cumulative_ack;
};

Result<AckHeader> read_ack_header(ByteReader& r, const char* what) {
  AckHeader h{};
  h.flow_id = read_vlu(r);
  h.buffer_blocks = read_vlu(r);
  h.cumulative_ack = read_vlu(r);
  if (!r.ok()) return fail(Errc::malformed, std::string(what) + ": bad or truncated flowID/bufAvail/cumAck");
  return h;
}

std::size_t header_size(const DataAck& a) {
  return vlu_size(a.flow_id) + vlu_size(a.buffer_blocks_available) + vlu_size(a.cumulative_ack);
}

void write_header(ByteWriter& w, const DataAck& a) {
  write_vlu(w, a.flow_id);
  write_vlu(w, a.buffer_blocks_available);
  write_vlu(w, a.cumulative_ack);
}

// Adds seq to ascending `ranges`, merging with the last range if adjacent.
void append_seq(std::vector<SeqRange>& ranges, std::uint64_t seq) {
  if (!ranges.empty() && ranges.back().to != kU64Max && ranges.back().to + 1 == seq)
    ranges.back().to = seq;
  else
    ranges.push_back(SeqRange{seq, seq});
}

// Puts a caller's ack in the canonical form the encoders rely on: ranges
// ascending, merged, starting above cumAck + 1; a range reaching cumAck + 1
// extends cumAck instead (everything up to its end was received).
DataAck normalized(const DataAck& in) {
  DataAck a = in;
  std::sort(a.ranges.begin(), a.ranges.end(),
            [](const SeqRange& x, const SeqRange& y) { return x.from < y.from; });
  std::vector<SeqRange> out;
  for (auto r : a.ranges) {
    if (r.from > r.to) continue;  // empty (misuse): ignore
    if (a.cumulative_ack == kU64Max) break;
    if (r.to <= a.cumulative_ack) continue;
    if (r.from <= a.cumulative_ack + 1) {
      // Ranges are sorted by `from`, so nothing has been kept yet (a kept
      // range would start above the old cumAck + 1 >= r.from).
      a.cumulative_ack = r.to;
      continue;
    }
    if (!out.empty() && (out.back().to == kU64Max || r.from <= out.back().to + 1)) {
      out.back().to = std::max(out.back().to, r.to);
      continue;
    }
    out.push_back(r);
  }
  a.ranges = std::move(out);
  return a;
}

// Bitmap bytes needed to cover ranges[0..k) (§2.3.13: the first bit is cumAck + 2).
std::size_t bitmap_bytes(const DataAck& a, std::size_t k) {
  if (k == 0) return 0;
  const std::uint64_t span = a.ranges[k - 1].to - (a.cumulative_ack + 2);
  const std::uint64_t bytes = span / 8 + 1;
  return bytes > kU64Max / 2 || bytes > std::numeric_limits<std::size_t>::max() / 2
             ? std::numeric_limits<std::size_t>::max() / 2
             : static_cast<std::size_t>(bytes);
}

// §2.3.14 run-length pair for range i.
std::pair<std::uint64_t, std::uint64_t> range_pair(const DataAck& a, std::size_t i) {
  const std::uint64_t prev = i == 0 ? a.cumulative_ack : a.ranges[i - 1].to;
  return {a.ranges[i].from - prev - 2, a.ranges[i].to - a.ranges[i].from};
}

std::size_t range_pair_size(const DataAck& a, std::size_t i) {
  auto [holes, recv] = range_pair(a, i);
  return vlu_size(holes) + vlu_size(recv);
}

// Largest k (ranges included) whose encoding fits max_payload, and its size.
struct Fit {
  std::size_t ranges = 0;
  std::size_t size = 0;
};

Fit fit_bitmap(const DataAck& a, std::size_t max_payload) {
  const std::size_t head = header_size(a);
  Fit f{0, head};
  for (std::size_t k = 1; k <= a.ranges.size(); ++k) {
    const std::size_t bytes = bitmap_bytes(a, k);
    if (bytes > max_payload || head + bytes > max_payload) break;
    f = Fit{k, head + bytes};
  }
  return f;
}

Fit fit_ranges(const DataAck& a, std::size_t max_payload) {
  Fit f{0, header_size(a)};
  for (std::size_t k = 0; k < a.ranges.size(); ++k) {
    const std::size_t next = f.size + range_pair_size(a, k);
    if (next > max_payload) break;
    f = Fit{k + 1, next};
  }
  return f;
}

Bytes build_bitmap(const DataAck& a, std::size_t k) {
  Bytes out;
  ByteWriter w(out);
  write_header(w, a);
  const std::size_t start = out.size();
  out.resize(start + bitmap_bytes(a, k), 0);
  const std::uint64_t base = a.cumulative_ack + 2;
  for (std::size_t i = 0; i < k; ++i) {
    for (std::uint64_t s = a.ranges[i].from;; ++s) {
      const std::uint64_t bit = s - base;
      out[start + bit / 8] |= static_cast<std::uint8_t>(1u << (bit % 8));  // LSB first
      if (s == a.ranges[i].to) break;
    }
  }
  return out;
}

Bytes build_ranges(const DataAck& a, std::size_t k) {
  Bytes out;
  ByteWriter w(out);
  write_header(w, a);
  for (std::size_t i = 0; i < k; ++i) {
    auto [holes, recv] = range_pair(a, i);
    write_vlu(w, holes);
    write_vlu(w, recv);
  }
  return out;
}

}  // namespace

bool DataAck::acknowledges(std::uint64_t seq) const {
  if (seq <= cumulative_ack) return true;
  for (const auto& r : ranges)
    if (seq >= r.from && seq <= r.to) return true;
  return false;
}

Result<DataAck> decode_bitmap_ack(ByteView payload) {
  ByteReader r(payload);
  auto h = read_ack_header(r, "bitmap ack");
  if (!h) return std::unexpected(h.error());
  DataAck a{h->flow_id, h->buffer_blocks, h->cumulative_ack, {}};
  ByteView bitmap = r.rest();
  // §2.3.13: bit k (LSB first) of byte j acknowledges cumAck + 2 + 8j + k.
  for (std::size_t j = 0; j < bitmap.size(); ++j) {
    if (bitmap[j] == 0) continue;
    for (unsigned k = 0; k < 8; ++k) {
      if (!(bitmap[j] & (1u << k))) continue;
      const std::uint64_t off = 2 + 8 * static_cast<std::uint64_t>(j) + k;
      if (a.cumulative_ack > kU64Max - off)
        return fail(Errc::malformed, "bitmap ack: sequence number beyond 2^64-1");
      append_seq(a.ranges, a.cumulative_ack + off);
    }
  }
  return a;
}

Result<DataAck> decode_range_ack(ByteView payload) {
  ByteReader r(payload);
  auto h = read_ack_header(r, "range ack");
  if (!h) return std::unexpected(h.error());
  DataAck a{h->flow_id, h->buffer_blocks, h->cumulative_ack, {}};
  std::uint64_t cursor = a.cumulative_ack;
  while (!r.empty()) {
    const std::uint64_t holes_minus_one = read_vlu(r);
    const std::uint64_t recv_minus_one = read_vlu(r);
    // §2.3.14 NOTE: a pair that is not completely encoded ends the chunk;
    // the ranges before it stand.
    if (!r.ok()) break;
    // cursor++; from = cursor + holes-1 + 1; to = from + recv-1 (checked).
    if (cursor > kU64Max - 2 || holes_minus_one > kU64Max - 2 - cursor)
      return fail(Errc::malformed, "range ack: sequence number beyond 2^64-1");
    const std::uint64_t from = cursor + 2 + holes_minus_one;
    if (recv_minus_one > kU64Max - from)
      return fail(Errc::malformed, "range ack: sequence number beyond 2^64-1");
    const std::uint64_t to = from + recv_minus_one;
    a.ranges.push_back(SeqRange{from, to});
    cursor = to;
  }
  return a;
}

Bytes encode_bitmap_ack(const DataAck& ack) {
  // A bitmap larger than a chunk can carry is truncated (highest ranges dropped).
  const DataAck a = normalized(ack);
  return build_bitmap(a, fit_bitmap(a, kMaxChunkPayload).ranges);
}

Bytes encode_range_ack(const DataAck& ack) {
  const DataAck a = normalized(ack);
  return build_ranges(a, a.ranges.size());
}

std::optional<EncodedAck> encode_ack(const DataAck& ack, std::size_t max_payload) {
  const DataAck a = normalized(ack);
  max_payload = std::min(max_payload, kMaxChunkPayload);
  if (header_size(a) > max_payload) return std::nullopt;
  const Fit bm = fit_bitmap(a, max_payload);
  const Fit rg = fit_ranges(a, max_payload);
  // Prefer the form that acknowledges more; on a tie, the more compact one
  // (§2.3.13/§2.3.14 "SHOULD choose whichever format has the most compact encoding").
  const bool use_bitmap = bm.ranges > rg.ranges || (bm.ranges == rg.ranges && bm.size <= rg.size);
  if (use_bitmap)
    return EncodedAck{static_cast<std::uint8_t>(ChunkType::ack_bitmap), build_bitmap(a, bm.ranges)};
  return EncodedAck{static_cast<std::uint8_t>(ChunkType::ack_ranges), build_ranges(a, rg.ranges)};
}

}  // namespace rtmfp::wire
