// Packet Fragment reassembly and splitting, RFC 7016 §3.4 (chunk §2.3.1).
//
// Receiver: fragments of one original plain packet are keyed by (source
// socket address, packetID) (§3.4 "SHOULD identify the packets by the socket
// address ... as well as the indicated packetID"). Fragments are numbered
// consecutively from 0; the final one has M = 0. They may arrive in any
// order; the packet completes when 0..final are all present.
// Bounded: at most `max_buffer_bytes` per packet (§3.4 default 65536) and
// `max_buffers` buffers (the oldest is evicted), and at most
// `max_fragments_per_buffer` fragments each (so tiny fragments cannot
// multiply the per-fragment bookkeeping). A packet that made no
// progress for 1 s, or is older than 60 s, is given up (§3.4).
//
// Sender: fragment_packet() splits an oversized plain packet into plain
// packets each carrying one Packet Fragment chunk, in the mode of the
// original packet (§3.4 "MUST match").
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/time.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"

namespace rtmfp::wire {

struct ReassemblyLimits {
  std::size_t max_buffer_bytes = 65536;          // §3.4 default per-buffer limit
  std::size_t max_buffers = 64;                  // local choice: concurrent packets
  Duration progress_timeout = seconds(1);        // §3.4 "progressing ... in the last second"
  Duration max_age = seconds(60);                // §3.4 "up to 60 seconds"
  std::size_t max_fragments_per_buffer = 1024;   // local choice: bounds per-fragment overhead
};

struct ReassembledPacket {
  SocketAddress source;
  std::uint64_t packet_id = 0;
  PacketMode mode = PacketMode::startup;  // mode of the packets that carried the fragments
  Bytes plain;                            // the original plain packet (§2.2.4)
};

class FragmentReassembler {
 public:
  explicit FragmentReassembler(ReassemblyLimits limits = {});

  // Feeds one decoded Packet Fragment chunk that arrived in a packet of
  // `mode` from `source`. Returns the reassembled packet when this fragment
  // completes it, nullopt while incomplete (or for a duplicate), and an Error
  // naming why the fragment (or the reassembled packet) was discarded.
  Result<std::optional<ReassembledPacket>> on_fragment(TimePoint now, const SocketAddress& source,
                                                       PacketMode mode, const PacketFragmentChunk& fragment);

  // Drops buffers that stopped progressing or are too old.
  void expire(TimePoint now);
  // When the next buffer would expire (for the caller's timer), if any.
  std::optional<TimePoint> next_deadline() const;

  std::size_t buffer_count() const { return buffers_.size(); }
  std::size_t buffered_bytes() const;

 private:
  struct Fragment {
    std::uint64_t num = 0;
    Bytes data;
  };
  struct Buffer {
    SocketAddress source;
    std::uint64_t packet_id = 0;
    PacketMode mode = PacketMode::startup;
    TimePoint created{};
    TimePoint last_progress{};
    std::optional<std::uint64_t> final_num;  // index of the M = 0 fragment once seen
    std::vector<Fragment> fragments;         // sorted by num, no duplicates
    std::size_t bytes = 0;
  };

  bool expired(const Buffer& b, TimePoint now) const;

  ReassemblyLimits limits_;
  std::vector<Buffer> buffers_;  // at most limits_.max_buffers
};

// Splits `plain` (a plain packet, §2.2.4) into plain packets of at most
// `max_packet_size` bytes, each with `header` (its mode replaced by the
// original packet's mode, §3.4) and one Packet Fragment chunk numbered from 0.
// A packet that already fits is returned unchanged as the only element.
// Fails on an empty or mode-0 packet, or if max_packet_size leaves no room
// for fragment data.
Result<std::vector<Bytes>> fragment_packet(ByteView plain, std::uint64_t packet_id, PacketHeader header,
                                           std::size_t max_packet_size);

}  // namespace rtmfp::wire
