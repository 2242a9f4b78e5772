// The RTMFP packet, RFC 7016 §2.2: the multiplex header (scrambled session ID,
// §2.2.2) and the plain packet inside the encryption (§2.2.4).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::wire {

// §2.2.2: sessionID = SSID XOR first32[0] XOR first32[1], where first32 are
// the first two big-endian words of the encrypted packet (zero-padded to 8
// bytes if shorter). Returns nullopt if the datagram is shorter than 4 bytes.
std::optional<std::uint32_t> unscramble_session_id(ByteView datagram);

// Builds a datagram: 4-byte scrambled session ID followed by `encrypted`.
Bytes scramble_datagram(std::uint32_t session_id, ByteView encrypted);
// The same in place: prepends the scrambled session ID to `encrypted` (no
// second buffer when it has 4 bytes of spare capacity).
void scramble_datagram_in_place(std::uint32_t session_id, Bytes& encrypted);

// §2.2.4 packet mode (MOD field).
enum class PacketMode : std::uint8_t {
  forbidden = 0,  // MUST be discarded
  initiator = 1,  // Initiator Mark: sent by the session's original initiator
  responder = 2,  // Responder Mark
  startup = 3,    // Startup: only startup chunks (§2.3.2-2.3.8)
};

// §2.2.4 flags byte.
inline constexpr std::uint8_t kFlagTimeCritical = 0x80;         // TC
inline constexpr std::uint8_t kFlagTimeCriticalReverse = 0x40;  // TCR
inline constexpr std::uint8_t kFlagTimestamp = 0x08;            // TS
inline constexpr std::uint8_t kFlagTimestampEcho = 0x04;        // TSE
inline constexpr std::uint8_t kModeMask = 0x03;                 // MOD

struct PacketHeader {
  bool time_critical = false;          // TC
  bool time_critical_reverse = false;  // TCR
  PacketMode mode = PacketMode::startup;
  std::optional<std::uint16_t> timestamp;       // TS: low 16 bits of a 4 ms clock
  std::optional<std::uint16_t> timestamp_echo;  // TSE
};

// One chunk as found in a packet (§2.3): type, and a view of its payload.
struct RawChunk {
  std::uint8_t type = 0;
  ByteView payload;
};

struct ParsedPacket {
  PacketHeader header;
  std::vector<RawChunk> chunks;  // in packet order; padding chunks (0x00/0xff) omitted
  std::size_t padding_bytes = 0;  // bytes treated as padding at the end
};

// Parses a decrypted plain packet (§2.2.4). Mode 0 is an error. Chunks are
// read while more than 2 bytes remain; a chunk whose length overruns the
// packet ends chunk parsing (the rest is padding), as §2.2.4 specifies.
// Chunk types 0x00 and 0xff are padding and are not returned.
Result<ParsedPacket> parse_packet(ByteView plain);

// Size of a header with these optional fields (1 + 2 per timestamp).
std::size_t header_size(const PacketHeader& h);

// Builds a plain packet chunk by chunk without exceeding `max_size` bytes.
class PacketBuilder {
 public:
  PacketBuilder(const PacketHeader& header, std::size_t max_size);
  // The same, writing into `buffer` (its contents are discarded, its
  // capacity reused: a sender keeps one buffer for every packet it builds).
  PacketBuilder(const PacketHeader& header, std::size_t max_size, Bytes buffer);
  // Space left for the next chunk's payload (after its 3-byte header), or 0.
  std::size_t payload_room() const;
  // Appends a chunk; returns false (and appends nothing) if it does not fit
  // or the payload exceeds 65535 bytes.
  bool add_chunk(std::uint8_t type, ByteView payload);
  // Starts a chunk whose payload is written directly into buffer(); call
  // end_chunk() after writing. Returns the writer. Use payload_room() first.
  ByteWriter begin_chunk(std::uint8_t type);
  // Finishes the chunk begun by begin_chunk; returns false (and removes the
  // chunk) if it exceeds max_size or 65535 bytes.
  bool end_chunk();
  // Sets or clears the TC flag (§2.2.4) after the header was written: the
  // flow layer knows whether a packet carries time-critical data only while
  // it fills it.
  void set_time_critical(bool on);
  std::size_t size() const { return out_.size(); }
  bool empty() const { return chunk_count_ == 0; }
  std::size_t chunk_count() const { return chunk_count_; }
  Bytes finish() &&;  // the plain packet

 private:
  Bytes out_;
  std::size_t max_size_;
  std::size_t chunk_start_ = 0;
  std::size_t chunk_count_ = 0;
};

}  // namespace rtmfp::wire
