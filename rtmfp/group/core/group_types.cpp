#include "rtmfp/group/core/group_types.hpp"

namespace rtmfp::group {

std::uint64_t ring_position(const MemberId& id) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | id[static_cast<std::size_t>(i)];
  return v;
}

bool is_media_type(std::uint8_t v) {
  return v == static_cast<std::uint8_t>(MediaType::audio) || v == static_cast<std::uint8_t>(MediaType::video) ||
         v == static_cast<std::uint8_t>(MediaType::data);
}

}  // namespace rtmfp::group
