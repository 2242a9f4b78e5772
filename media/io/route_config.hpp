// The gateway's route list: `SRC DST` pairs of relay endpoints, one a line
// (rtmfp gateway --config FILE). `#` starts a comment (at the start of a
// line or of a field); blank lines are skipped. A line with other than two
// fields, an endpoint URL the relay's parsers reject (rtmp, rtmps,
// rtmp-listen, rtmfp, rtmfp-listen; other schemes are left to the relay's
// scheme table), a route whose source and destination are the same, or a
// route given twice is an error naming FILE:LINE.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rtmfp/core/error.hpp"

namespace rtmfp::media::io {

struct RouteSpec {
  std::string src, dst;
  std::string origin;  // "FILE:LINE" or "--route"
  // The route's identity: the same SRC and DST are the same route.
  std::string id() const { return src + " " + dst; }
  // "SRC -> DST" with every URL's ?query dropped (listen access keys,
  // tokens): what stats and log lines call the route.
  std::string label() const;
  friend bool operator==(const RouteSpec& a, const RouteSpec& b) { return a.src == b.src && a.dst == b.dst; }
};

// Checks one endpoint as far as the known parsers go (Errc::invalid_argument).
Result<void> check_endpoint(const std::string& url);

// Parses a config's text; `file` names it in errors ("FILE:LINE: ...").
Result<std::vector<RouteSpec>> parse_routes(std::string_view text, const std::string& file);
// Reads and parses FILE (an unreadable file is Errc::not_found).
Result<std::vector<RouteSpec>> load_routes(const std::string& file);
// Appends `more` to `routes`; a route already there is an error naming both origins.
Result<void> merge_routes(std::vector<RouteSpec>& routes, const std::vector<RouteSpec>& more);

}  // namespace rtmfp::media::io
