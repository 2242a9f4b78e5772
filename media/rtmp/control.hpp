// RTMP protocol control messages (R§5.4), user control messages (R§6.2,
// R§7.1.7), acknowledgement window tracking (R§5.4.3/5.4.4) and aggregate
// message splitting (R§7.1.6). Sans-I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "media/rtmp/chunk_stream.hpp"

namespace rtmfp::media::rtmp {

// User control event types (R§7.1.7).
enum class UserControlEvent : std::uint16_t {
  stream_begin = 0,
  stream_eof = 1,
  stream_dry = 2,
  set_buffer_length = 3,
  stream_is_recorded = 4,
  ping_request = 6,
  ping_response = 7,
};

struct UserControl {
  std::uint16_t event = 0;
  std::uint32_t value = 0;   // stream ID, or timestamp for ping request/response
  std::uint32_t value2 = 0;  // buffer length in ms for SetBufferLength
};

// Set Peer Bandwidth limit types (R§5.4.5).
enum class BandwidthLimit : std::uint8_t { hard = 0, soft = 1, dynamic = 2 };

namespace control {
Message set_chunk_size(std::uint32_t size);                  // R§5.4.1
Message abort_message(std::uint32_t csid);                   // R§5.4.2
Message acknowledgement(std::uint32_t sequence_number);      // R§5.4.3
Message window_ack_size(std::uint32_t size);                 // R§5.4.4
Message set_peer_bandwidth(std::uint32_t size, BandwidthLimit limit);  // R§5.4.5
Message user_control(const UserControl& uc);                 // R§6.2
Message stream_begin(std::uint32_t stream_id);
Message stream_eof(std::uint32_t stream_id);
Message set_buffer_length(std::uint32_t stream_id, std::uint32_t ms);
Message ping_response(std::uint32_t timestamp);

// Decodes the single big-endian u32 of types 1, 2, 3, 5.
Result<std::uint32_t> decode_u32(const Message& m);
struct PeerBandwidth {
  std::uint32_t size = 0;
  std::uint8_t limit = 0;
};
Result<PeerBandwidth> decode_peer_bandwidth(const Message& m);
Result<UserControl> decode_user_control(const Message& m);
}  // namespace control

// Sends an Acknowledgement each time the peer's bytes since the last one reach
// the window it announced (R§5.4.3, R§5.4.4). Sequence numbers wrap at 2^32.
class AckTracker {
 public:
  void set_window(std::uint32_t window) { window_ = window; }
  std::uint32_t window() const { return window_; }
  // `total_received` = all bytes received so far (including the handshake).
  std::optional<Message> on_received(std::uint64_t total_received);

 private:
  std::uint32_t window_ = 0;  // 0: none announced yet
  std::uint64_t last_ack_ = 0;
};

// Splits an aggregate message (type 22) into its sub-messages; each sub-message
// is an FLV tag (type, size, timestamp, stream id, body, back pointer). Their
// timestamps are rebased so that the first sub-message has the aggregate's
// timestamp (R§7.1.6). At most `max_parts` sub-messages.
Result<std::vector<Message>> split_aggregate(const Message& aggregate, std::size_t max_parts = 4096);

}  // namespace rtmfp::media::rtmp
