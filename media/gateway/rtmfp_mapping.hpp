// RTMP messages over RTMFP flows, RFC 7425 §5.1-§5.3.4: the "TC" flow
// metadata, the message framing, the control types that are never carried,
// and the profile's two User Control events (Flow Synchronization and Set
// Keepalive Timers). Pure codecs.
#pragma once

#include <cstdint>
#include <optional>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::gateway {

// §5.1.1 flow metadata: 'T' 'C', flags (rsv:5, SID 0x04, rsv 0x02, RXI 0x01), VLU streamID.
inline constexpr std::uint8_t kMetadataFlagStreamId = 0x04;     // SID: MUST be set
inline constexpr std::uint8_t kMetadataFlagReceiveIntent = 0x01;  // RXI: 1 = network arrival order

struct TcMetadata {
  std::uint32_t stream_id = 0;        // RTMP stream IDs are 24 bits (§5.1)
  bool network_arrival_order = false; // RXI
};

Bytes encode_metadata(const TcMetadata& m);
// Errors: not "TC" (a flow to reject, §5.1.1 "SHOULD reject ... unrecognized
// metadata signature"), SID clear ("SHOULD reject"), truncated or > 24-bit stream ID.
Result<TcMetadata> decode_metadata(ByteView metadata);

// §5.1.2: messageType(1) | timestamp(4, big-endian) | payload; the length is
// the RTMFP message's, the stream ID the flow's.
struct FlowMessage {
  std::uint8_t type = 0;
  std::uint32_t timestamp = 0;
  ByteView payload;
};
Bytes encode_message(std::uint8_t type, std::uint32_t timestamp, ByteView payload);
Result<FlowMessage> decode_message(ByteView message);

// §5.1: RTMP Chunk Stream protocol control messages (types 1, 2, 3, 5, 6)
// SHOULD NOT be sent and MUST be ignored on RTMFP.
constexpr bool is_chunk_stream_control(std::uint8_t type) {
  return type == 1 || type == 2 || type == 3 || type == 5 || type == 6;
}

// Receive buffer of an RTMP-over-RTMFP endpoint's flows (RFC 7016 §3.6.3.5):
// a flow must be able to hold a whole RTMP message, since a message larger
// than the receive buffer gets its flow rejected (the flow layer's bound
// against window-ignoring senders). Local choice: 8 MiB covers keyframes of
// 4K video at high bit rates; RTMP itself allows 16 MiB - 1, which a peer
// would need the session's 16 MiB receive limit for alone.
inline constexpr std::uint64_t kStreamReceiveBuffer = 8u << 20;

inline constexpr std::uint8_t kUserControlType = 4;
inline constexpr std::uint16_t kEventFlowSync = 34;        // §5.2
inline constexpr std::uint16_t kEventSetKeepalive = 41;    // §5.3.4

struct FlowSync {
  std::uint32_t sync_id = 0;
  std::uint32_t count = 0;  // MUST be >= 1, SHOULD be >= 2
};
struct SetKeepalive {
  std::uint32_t server_period_ms = 0;
  std::uint32_t peer_period_ms = 0;
};

// User Control payloads (type 4 message bodies, without the flow framing).
Bytes encode_flow_sync(const FlowSync& s);
Bytes encode_set_keepalive(const SetKeepalive& k);
// nullopt if the payload is another event; error if it is this event but malformed.
std::optional<Result<FlowSync>> decode_flow_sync(ByteView user_control_payload);
std::optional<Result<SetKeepalive>> decode_set_keepalive(ByteView user_control_payload);

// §5.3.4: "The client MUST define minimum values for these keepalive
// periods ... SHOULD be at least five seconds". Clamps advised periods.
struct KeepaliveBounds {
  std::uint32_t min_ms = 5000;
  std::uint32_t max_ms = 120000;
};
SetKeepalive clamp_keepalive(const SetKeepalive& advised, const KeepaliveBounds& bounds = {});

}  // namespace rtmfp::media::gateway
