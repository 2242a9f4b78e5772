// The --turn argument: turn://USER:PASS@HOST[:PORT] (RFC 7065 names
// turn:HOST:PORT?transport=udp; we carry the long-term credentials in the
// authority, percent-decoded, as URLs do). Port default 3478 (RFC 8656 §4).
// Only UDP: a path or a transport other than udp is refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rtmfp/core/error.hpp"

namespace rtmfp::turn {

struct TurnUri {
  std::string username, password, host;  // host without [] for IPv6
  std::uint16_t port = 3478;
};
Result<TurnUri> parse_turn_uri(std::string_view text);

}  // namespace rtmfp::turn
