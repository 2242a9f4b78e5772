// RTMP Chunk Stream (R§5.3, with the byte-order and extended-timestamp fixes
// of the errata E§4.1, E§4.2, E§5.1, E§6). Sans-I/O: bytes in, messages out;
// messages in, bytes out. No sockets, no clock, no exceptions.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::rtmp {

// Message type IDs (R§5.4, R§6.2, R§7.1).
namespace msg_type {
inline constexpr std::uint8_t set_chunk_size = 1;
inline constexpr std::uint8_t abort = 2;
inline constexpr std::uint8_t acknowledgement = 3;
inline constexpr std::uint8_t user_control = 4;
inline constexpr std::uint8_t window_ack_size = 5;
inline constexpr std::uint8_t set_peer_bandwidth = 6;
inline constexpr std::uint8_t audio = 8;
inline constexpr std::uint8_t video = 9;
inline constexpr std::uint8_t data_amf3 = 15;
inline constexpr std::uint8_t shared_object_amf3 = 16;
inline constexpr std::uint8_t command_amf3 = 17;
inline constexpr std::uint8_t data_amf0 = 18;
inline constexpr std::uint8_t shared_object_amf0 = 19;
inline constexpr std::uint8_t command_amf0 = 20;
inline constexpr std::uint8_t aggregate = 22;
}  // namespace msg_type

// One complete RTMP message (R§6.1) as carried by the chunk stream.
struct Message {
  std::uint32_t timestamp = 0;  // absolute, milliseconds, wraps modulo 2^32
  std::uint8_t type = 0;
  std::uint32_t stream_id = 0;  // message stream ID (little-endian on the wire, E§4.2)
  std::uint32_t csid = 0;       // chunk stream it arrived on / should go on
  Bytes payload;
};

// The chunk stream ID conventionally used for each kind of message
// (R§5.4: protocol control on csid 2; the rest is free, these follow common use).
std::uint32_t default_csid(std::uint8_t type);

inline constexpr std::uint32_t kDefaultChunkSize = 128;         // R§5.4.1
inline constexpr std::uint32_t kMaxChunkSizeOnWire = 0x7fffffff;  // R§5.4.1: 31 bits
inline constexpr std::uint32_t kMaxCsid = 65599;                // R§5.3.1.1

// Bounds for hostile input.
struct ChunkLimits {
  std::uint32_t max_chunk_size = 1u << 20;       // larger Set Chunk Size values are refused
  std::uint32_t max_message_size = 8u << 20;     // declared message length
  std::size_t max_chunk_streams = 64;            // distinct csids with state
  std::size_t max_partial_bytes = 32u << 20;     // sum over all incomplete messages
};

// Largest message length the wire can express (24-bit length, R§5.3.1.2.1).
inline constexpr std::uint32_t kMaxMessageOnWire = 0xffffff;
// Before the peer connected (review P4): commands only. 64 KiB messages,
// 256 KiB buffered in incomplete messages, 8 chunk streams.
inline constexpr ChunkLimits kPreConnectLimits{1u << 20, 64u << 10, 8, 256u << 10};
// Connected but not publishing: commands and small data. 1 MiB messages,
// 4 MiB buffered, 64 chunk streams.
inline constexpr ChunkLimits kConnectedLimits{1u << 20, 1u << 20, 64, 4u << 20};
// Publishing / playing media: any message the wire can carry (large 4K/8K
// keyframes), 32 MiB buffered in incomplete messages, 64 chunk streams.
inline constexpr ChunkLimits kMediaLimits{1u << 20, kMaxMessageOnWire, 64, 32u << 20};

// How the peer treats the Extended Timestamp in Type 3 chunks (E§5.1).
enum class ExtTsMode { unknown, repeated, omitted };

// Parser: feed(bytes) appends every completed message to `out`. Set Chunk Size
// (type 1) and Abort (type 2) are applied by the parser itself (they change how
// the following bytes are framed) and are still reported to the caller.
class ChunkParser {
 public:
  explicit ChunkParser(ChunkLimits limits = {}) : limits_(limits) {}

  // After an error the parser stays failed (every later feed fails).
  Result<void> feed(ByteView data, std::vector<Message>& out);

  std::uint32_t chunk_size() const { return chunk_size_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  ExtTsMode ext_ts_mode() const { return ext_mode_; }
  std::size_t buffered() const { return buf_.size() - pos_; }
  // Bytes held in incomplete messages (bounded by max_partial_bytes).
  std::size_t partial_bytes() const { return partial_total_; }
  // Changes the bounds for the following bytes (a session widens them once
  // the peer is connected / publishing). State already held is kept.
  void set_limits(ChunkLimits limits) { limits_ = limits; }
  const ChunkLimits& limits() const { return limits_; }

 private:
  struct StreamState {
    bool has_header = false;
    std::uint32_t timestamp = 0;  // of the current/last message
    std::uint32_t delta = 0;      // used by a Type 3 chunk starting a message
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint32_t stream_id = 0;
    bool ext = false;             // the last Type 0/1/2 header had 0xFFFFFF
    std::uint32_t ext_value = 0;  // that header's extended value
    bool in_message = false;
    Bytes partial;
  };
  // Parses one chunk at pos_. Returns false (no error) if more bytes are needed.
  Result<bool> parse_one(std::vector<Message>& out);
  Result<void> on_complete(StreamState& st, std::uint32_t csid, std::vector<Message>& out);

  ChunkLimits limits_;
  std::uint32_t chunk_size_ = kDefaultChunkSize;
  std::map<std::uint32_t, StreamState> streams_;
  Bytes buf_;
  std::size_t pos_ = 0;
  std::size_t partial_total_ = 0;
  std::uint64_t bytes_received_ = 0;
  ExtTsMode ext_mode_ = ExtTsMode::unknown;
  bool failed_ = false;
  Error error_;
};

// Serializer: write(message) appends its chunks, using header compression per
// chunk stream (Type 0 when the stream ID changes or time goes backwards, else
// Type 1/2/3; never a Type 3 for the first message after a Type 0, see
// chunk_stream.cpp) and the current outgoing chunk size. Extended timestamps are
// repeated in every Type 3 chunk while indicated (E§5.1).
class ChunkSerializer {
 public:
  // Changes the outgoing chunk size. The caller must send the Set Chunk Size
  // message (control::set_chunk_size) *before* calling this.
  Result<void> set_chunk_size(std::uint32_t size);
  std::uint32_t chunk_size() const { return chunk_size_; }

  // Appends the chunks of `m` on chunk stream m.csid (default_csid(m.type) if 0).
  Result<void> write(const Message& m, Bytes& out);
  std::uint64_t bytes_written() const { return bytes_written_; }

 private:
  struct StreamState {
    bool has_header = false;
    std::uint32_t timestamp = 0;
    std::uint32_t delta = 0;
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint32_t stream_id = 0;
    bool ext = false;
    std::uint32_t ext_value = 0;
    bool after_type0 = false;  // the last message header was a Type 0
  };
  std::uint32_t chunk_size_ = kDefaultChunkSize;
  std::map<std::uint32_t, StreamState> streams_;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace rtmfp::media::rtmp
