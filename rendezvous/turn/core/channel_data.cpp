#include "rendezvous/turn/core/channel_data.hpp"

#include "rendezvous/turn/core/stun_types.hpp"

namespace rtmfp::turn {

bool looks_like_channel_data(ByteView d) { return !d.empty() && (d[0] & 0xC0) == 0x40; }

std::optional<ChannelData> parse_channel_data(ByteView d) {
  if (d.size() < 4) return std::nullopt;
  const auto channel = static_cast<std::uint16_t>((d[0] << 8) | d[1]);
  const std::size_t len = static_cast<std::size_t>((d[2] << 8) | d[3]);
  if (channel < kFirstChannel || channel > kLastChannel) return std::nullopt;
  if (len > d.size() - 4) return std::nullopt;
  return ChannelData{channel, d.subspan(4, len)};
}

Bytes frame_channel_data(std::uint16_t channel, ByteView data) {
  Bytes out;
  out.reserve(4 + data.size());
  out.push_back(static_cast<std::uint8_t>(channel >> 8));
  out.push_back(static_cast<std::uint8_t>(channel));
  out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace rtmfp::turn
