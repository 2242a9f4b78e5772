// rtmp:// URL split into host, port, app, stream and tcUrl. The rule is
// documented in media/rtmp/URLS.md (ffmpeg/nginx style: app = first path
// segment; E§8.1.2's #fragment form is honoured when present).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rtmfp/core/error.hpp"

namespace rtmfp::media::rtmp {

struct RtmpUrl {
  std::string scheme;  // "rtmp", "rtmps" or "rtmp-listen"
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 1935;
  std::string app;     // first path segment (or everything before the #fragment)
  std::string stream;  // rest of the path incl. any query string, or the #fragment
  std::string tc_url;  // scheme://host[:port]/app (no userinfo, no fragment, E§8.1.2)
  bool tls() const { return scheme == "rtmps"; }
};

Result<RtmpUrl> parse_rtmp_url(std::string_view url);

}  // namespace rtmfp::media::rtmp
