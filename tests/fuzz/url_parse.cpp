// Fuzz target: the URL parsers (rtmfp: URIs of RFC 7425 §6.1, rtmp:// URLs,
// rtmfp:// media URLs). Invariants: no crash; a parsed rtmfp: URI's EPD form
// parses again to the same host and port; a parsed media URL's tcUrl parses
// as an rtmfp: URI with the same host and port.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "media/gateway/rtmfp_url.hpp"
#include "media/rtmp/url.hpp"
#include "rtmfp/core/uri/rtmfp_uri.hpp"

using namespace rtmfp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  if (auto u = parse_uri(s)) {
    auto again = parse_uri(u->epd_uri());
    if (!again || again->host != u->host || again->port != u->port) std::abort();
  }
  (void)media::rtmp::parse_rtmp_url(s);
  (void)media::gateway::is_rtmfp_media_url(s);
  if (auto m = media::gateway::parse_rtmfp_media_url(s)) {
    if (m->stream.empty()) std::abort();  // documented: a stream name is required
  }
  return 0;
}
