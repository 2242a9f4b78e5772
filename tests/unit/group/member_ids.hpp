// Member IDs for the group unit tests with a chosen home class
// (group_types.hpp home_class: the ID's last byte mod 8).
#pragma once

#include <cstdint>

#include "rtmfp/group/core/group_types.hpp"

namespace rtmfp::group {

// `serial` tells members apart; `cls` is the home class.
inline MemberId member_of_class(std::uint8_t serial, unsigned cls) {
  MemberId id{};
  id[0] = 0xC0;
  id[1] = serial;
  id[31] = static_cast<std::uint8_t>(cls);
  return id;
}

}  // namespace rtmfp::group
