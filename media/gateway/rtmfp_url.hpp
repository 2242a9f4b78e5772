// rtmfp://HOST[:PORT]/APP/STREAM and rtmfp-listen://ADDR:PORT/APP/STREAM
// relay URLs split into host, port, app, stream and the NetConnection URI.
// The app/stream rule is the rtmp:// one (media/rtmp/URLS.md): app = first
// path segment, stream = the rest incl. any ?query; with a #fragment
// (RTMP errata E§8.1.2) app = the whole path and stream = the fragment.
// The NetConnection URI (tcUrl, and the Ancillary Data EPD of RFC 7425
// §4.4.2.2 / §5.3.1) is rtmfp://host[:port]/app without userinfo, query or
// fragment (E§8.1.2); default UDP port 1935 (RFC 7425 §6.1). Pure parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rtmfp/core/error.hpp"

namespace rtmfp::media::gateway {

struct RtmfpMediaUrl {
  std::string scheme;  // "rtmfp" or "rtmfp-listen"
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 1935;
  bool port_given = false;
  std::string app;
  std::string stream;
  std::string tc_url;  // rtmfp://host[:port]/app: tcUrl of connect and the EPD URI
  bool listen() const { return scheme == "rtmfp-listen"; }
};

// True for the two schemes this parser handles (case-insensitive).
bool is_rtmfp_media_url(std::string_view url);
// Errors (Errc::invalid_argument) name what is missing or wrong; a stream
// name is required.
Result<RtmfpMediaUrl> parse_rtmfp_media_url(std::string_view url);

}  // namespace rtmfp::media::gateway
