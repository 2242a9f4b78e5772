// rtmfp: URIs, RFC 7425 §6.1: rtmfp://host[:port]path-abempty, default UDP
// port 1935. Pure parsing; name resolution happens in io/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rtmfp/core/error.hpp"

namespace rtmfp {

struct RtmfpUri {
  std::string scheme;  // "rtmfp" (or another scheme the caller allows)
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 1935;
  bool port_given = false;
  std::string path;      // "" or "/app/stream..." (query kept)
  std::string fragment;  // without '#'
  // The URI as carried in the Ancillary Data EPD: userinfo and fragment
  // stripped (RTMP errata §8.1.2 advice, RFC 7425 §4.4.2).
  std::string epd_uri() const;
};

// Parses "SCHEME://host[:port][/path][?query][#fragment]". `scheme` is the
// expected scheme (e.g. "rtmfp"). Errors name what is wrong. Port 0 names no
// peer and is refused, unless `port_zero_ok` (a URI to listen on: the system
// picks a free port).
Result<RtmfpUri> parse_uri(std::string_view text, std::string_view scheme = "rtmfp",
                           std::uint16_t default_port = 1935, bool port_zero_ok = false);

}  // namespace rtmfp
