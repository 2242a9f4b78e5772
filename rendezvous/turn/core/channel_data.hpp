// ChannelData framing (RFC 8656 §12.4): channel number (0x4000-0x4FFF),
// length, application data; over UDP no padding is needed (§12.5), and a
// datagram longer than 4 + length carries padding, ignored.
#pragma once

#include <cstdint>
#include <optional>

#include "rtmfp/core/bytes.hpp"

namespace rtmfp::turn {

struct ChannelData {
  std::uint16_t channel = 0;
  ByteView data;  // a view into the datagram
};

// True if the first byte says ChannelData (its top bits 01, RFC 8656 §12).
bool looks_like_channel_data(ByteView datagram);
std::optional<ChannelData> parse_channel_data(ByteView datagram);
Bytes frame_channel_data(std::uint16_t channel, ByteView data);

}  // namespace rtmfp::turn
