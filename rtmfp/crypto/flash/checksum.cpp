#include "rtmfp/crypto/flash/checksum.hpp"

namespace rtmfp::crypto::flash {

std::uint16_t flash_checksum(ByteView data) {
  std::uint64_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += (static_cast<std::uint32_t>(data[i]) << 8) | data[i + 1];
  if (i < data.size()) sum += data[i];  // RFC 7425 §4.7.3.1: trailing byte is the low half
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

}  // namespace rtmfp::crypto::flash
