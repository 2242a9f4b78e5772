// Data acknowledgements, RFC 7016 §2.3.13 (Bitmap, 0x50) and §2.3.14
// (Ranges, 0x51), decoded into one representation. The encoder picks the
// smaller form (§3.6.3.4.3) and can truncate to fit (§3.6.3.4.2).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::wire {

struct SeqRange {
  std::uint64_t from = 0;  // inclusive
  std::uint64_t to = 0;    // inclusive
  bool operator==(const SeqRange&) const = default;
};

struct DataAck {
  std::uint64_t flow_id = 0;
  std::uint64_t buffer_blocks_available = 0;  // x 1024 bytes
  std::uint64_t cumulative_ack = 0;           // all of 0..cumulative_ack received
  // Received ranges above cumulative_ack + 1, ascending, non-overlapping,
  // non-adjacent, each starting above cumulative_ack + 1.
  std::vector<SeqRange> ranges;
  bool operator==(const DataAck&) const = default;

  // True if `seq` is acknowledged by this ack.
  bool acknowledges(std::uint64_t seq) const;
};

// §2.3.13: bitmap bit k of byte j acknowledges cumAck + 2 + 8j + k (LSB first).
Result<DataAck> decode_bitmap_ack(ByteView payload);
// §2.3.14: pairs (holes-1, received-1); a truncated last pair is discarded.
Result<DataAck> decode_range_ack(ByteView payload);

// Encodes the ack as whichever chunk is smaller (bitmap or ranges) into at
// most `max_payload` payload bytes, dropping the highest ranges if needed
// (a truncated ack is still correct: it just acknowledges less).
// Returns the chosen chunk type (0x50 or 0x51) and the payload, or nullopt if
// even the three VLUs do not fit.
struct EncodedAck {
  std::uint8_t chunk_type = 0;
  Bytes payload;
};
std::optional<EncodedAck> encode_ack(const DataAck& ack, std::size_t max_payload);

Bytes encode_bitmap_ack(const DataAck& ack);
Bytes encode_range_ack(const DataAck& ack);

}  // namespace rtmfp::wire
