// Packet Fragment reassembly and splitting, RFC 7016 §3.4 and §2.3.1.
#include "rtmfp/core/wire/reassembly.hpp"

#include <algorithm>

#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::wire {

FragmentReassembler::FragmentReassembler(ReassemblyLimits limits) : limits_(limits) {
  if (limits_.max_buffers == 0) limits_.max_buffers = 1;
}

bool FragmentReassembler::expired(const Buffer& b, TimePoint now) const {
  return now - b.last_progress > limits_.progress_timeout || now - b.created > limits_.max_age;
}

void FragmentReassembler::expire(TimePoint now) {
  std::erase_if(buffers_, [&](const Buffer& b) { return expired(b, now); });
}

std::optional<TimePoint> FragmentReassembler::next_deadline() const {
  std::optional<TimePoint> next;
  for (const auto& b : buffers_) {
    const TimePoint t = std::min(b.last_progress + limits_.progress_timeout, b.created + limits_.max_age);
    next = earliest(next, t);
  }
  return next;
}

std::size_t FragmentReassembler::buffered_bytes() const {
  std::size_t n = 0;
  for (const auto& b : buffers_) n += b.bytes;
  return n;
}

Result<std::optional<ReassembledPacket>> FragmentReassembler::on_fragment(TimePoint now,
                                                                          const SocketAddress& source,
                                                                          PacketMode mode,
                                                                          const PacketFragmentChunk& f) {
  expire(now);
  // §3.4: "A receiver MUST discard a Packet Fragment chunk having an empty packetFragment field."
  if (f.fragment.empty()) return fail(Errc::malformed, "packet fragment: empty fragment");
  if (mode == PacketMode::forbidden) return fail(Errc::malformed, "packet fragment: packet mode 0");
  if (f.fragment.size() > limits_.max_buffer_bytes)
    return fail(Errc::limit_exceeded, "packet fragment: fragment larger than the reassembly buffer");
  if (!f.more_fragments && f.fragment_num == 0) {
    // A single-fragment packet: complete at once, no buffer needed.
    ReassembledPacket p{source, f.packet_id, mode, Bytes(f.fragment.begin(), f.fragment.end())};
    if ((p.plain[0] & kModeMask) != static_cast<std::uint8_t>(mode))
      return fail(Errc::malformed, "packet fragment: reassembled packet mode differs from its fragments");
    return std::optional<ReassembledPacket>(std::move(p));
  }

  auto it = std::find_if(buffers_.begin(), buffers_.end(), [&](const Buffer& b) {
    return b.packet_id == f.packet_id && b.source == source;
  });
  if (it == buffers_.end()) {
    if (buffers_.size() >= limits_.max_buffers) {
      // Global cap: evict the oldest buffer.
      auto oldest = std::min_element(buffers_.begin(), buffers_.end(),
                                     [](const Buffer& a, const Buffer& b) { return a.created < b.created; });
      buffers_.erase(oldest);
    }
    Buffer b;
    b.source = source;
    b.packet_id = f.packet_id;
    b.mode = mode;  // the mode of the packet carrying the first received fragment
    b.created = now;
    b.last_progress = now;
    buffers_.push_back(std::move(b));
    it = buffers_.end() - 1;
  }
  Buffer& b = *it;
  // §3.4: "MUST discard any new Packet Fragment chunk received in a packet
  // with a mode different from the mode of the packet containing the first
  // received fragment."
  if (mode != b.mode) return fail(Errc::malformed, "packet fragment: packet mode differs from the first fragment's");
  if (b.final_num && f.fragment_num > *b.final_num)
    return fail(Errc::malformed, "packet fragment: fragment number beyond the final fragment");
  if (!f.more_fragments) {
    if (b.final_num && *b.final_num != f.fragment_num)
      return fail(Errc::malformed, "packet fragment: conflicting final fragment numbers");
    if (!b.fragments.empty() && b.fragments.back().num > f.fragment_num)
      return fail(Errc::malformed, "packet fragment: final fragment below an already received one");
  }
  auto pos = std::lower_bound(b.fragments.begin(), b.fragments.end(), f.fragment_num,
                              [](const Fragment& x, std::uint64_t n) { return x.num < n; });
  if (pos != b.fragments.end() && pos->num == f.fragment_num) return std::optional<ReassembledPacket>{};  // duplicate
  if (b.bytes + f.fragment.size() > limits_.max_buffer_bytes ||
      b.fragments.size() >= limits_.max_fragments_per_buffer) {
    buffers_.erase(it);
    return fail(Errc::limit_exceeded, "packet fragment: reassembly buffer limit (bytes or fragment count) exceeded");
  }
  b.fragments.insert(pos, Fragment{f.fragment_num, Bytes(f.fragment.begin(), f.fragment.end())});
  b.bytes += f.fragment.size();
  b.last_progress = now;
  if (!f.more_fragments) b.final_num = f.fragment_num;

  // Complete when the final fragment is known and 0..final are all present.
  if (!b.final_num || b.fragments.size() - 1 != *b.final_num || b.fragments.front().num != 0)
    return std::optional<ReassembledPacket>{};
  ReassembledPacket p;
  p.source = b.source;
  p.packet_id = b.packet_id;
  p.mode = b.mode;
  p.plain.reserve(b.bytes);
  for (const auto& frag : b.fragments) p.plain.insert(p.plain.end(), frag.data.begin(), frag.data.end());
  buffers_.erase(it);
  // §3.4: "MUST discard any reassembled packet with a mode different than the
  // packets containing its fragments."
  if ((p.plain[0] & kModeMask) != static_cast<std::uint8_t>(p.mode))
    return fail(Errc::malformed, "packet fragment: reassembled packet mode differs from its fragments");
  return std::optional<ReassembledPacket>(std::move(p));
}

Result<std::vector<Bytes>> fragment_packet(ByteView plain, std::uint64_t packet_id, PacketHeader header,
                                           std::size_t max_packet_size) {
  if (plain.empty()) return fail(Errc::invalid_argument, "fragment_packet: empty packet");
  const auto mode = static_cast<PacketMode>(plain[0] & kModeMask);
  if (mode == PacketMode::forbidden) return fail(Errc::invalid_argument, "fragment_packet: packet mode 0");
  std::vector<Bytes> out;
  if (plain.size() <= max_packet_size) {
    out.emplace_back(plain.begin(), plain.end());
    return out;
  }
  header.mode = mode;  // §3.4: fragment-carrying packets use the original packet's mode
  std::size_t offset = 0;
  for (std::uint64_t num = 0; offset < plain.size(); ++num) {
    PacketBuilder b(header, max_packet_size);
    const std::size_t overhead = 1 + vlu_size(packet_id) + vlu_size(num);
    const std::size_t room = b.payload_room();
    if (room <= overhead) return fail(Errc::invalid_argument, "fragment_packet: max_packet_size too small");
    const std::size_t n = std::min(room - overhead, plain.size() - offset);
    PacketFragmentChunk c;
    c.packet_id = packet_id;
    c.fragment_num = num;
    c.fragment = plain.subspan(offset, n);
    c.more_fragments = offset + n < plain.size();
    ByteWriter w = b.begin_chunk(static_cast<std::uint8_t>(ChunkType::packet_fragment));
    c.encode(w);
    if (!b.end_chunk()) return fail(Errc::invalid_argument, "fragment_packet: fragment does not fit");
    out.push_back(std::move(b).finish());
    offset += n;
  }
  return out;
}

}  // namespace rtmfp::wire
