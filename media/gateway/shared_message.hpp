// One media message as RFC 7425 §5.1.2 frames it for a flow (type, 32-bit
// timestamp, RTMP payload), encoded once and shared: a server hands the same
// published message to every player, so the players' flows queue one copy
// of its bytes instead of one each (rtmfp::Endpoint::write with a shared
// buffer). SharedMessageEncoder remembers the last message it encoded and
// returns the same buffer for an equal message (type, timestamp and payload
// compared byte for byte, so a match is always the same encoding). Sans-I/O.
#pragma once

#include <cstdint>
#include <memory>

#include "media/rtmp/chunk_stream.hpp"
#include "rtmfp/core/bytes.hpp"

namespace rtmfp::media::gateway {

struct SharedMessage {
  std::uint8_t type = 0;
  std::uint32_t timestamp = 0;
  std::shared_ptr<const Bytes> encoded;  // §5.1.2: 1 + 4 header bytes, then the payload
  ByteView payload() const;
};

class SharedMessageEncoder {
 public:
  SharedMessage encode(const rtmp::Message& m);
  std::uint64_t encoded() const { return encoded_; }  // messages encoded (not reused)
  std::uint64_t reused() const { return reused_; }    // handed out again

 private:
  SharedMessage last_;
  std::uint64_t encoded_ = 0, reused_ = 0;
};

}  // namespace rtmfp::media::gateway
