// See route_config.hpp.
#include "media/io/route_config.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "media/gateway/rtmfp_url.hpp"
#include "media/rtmp/url.hpp"

namespace rtmfp::media::io {

namespace {

std::string without_query(const std::string& url) {
  if (url.find("://") == std::string::npos) return url;
  return url.substr(0, url.find('?'));
}

std::string scheme_of(const std::string& url) {
  const auto p = url.find("://");
  if (p == std::string::npos) return {};
  std::string s = url.substr(0, p);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string RouteSpec::label() const { return without_query(src) + " -> " + without_query(dst); }

Result<void> check_endpoint(const std::string& url) {
  if (url.empty()) return fail(Errc::invalid_argument, "empty endpoint");
  const std::string scheme = scheme_of(url);
  if (scheme.empty()) {
    if (url.find("://") != std::string::npos) return fail(Errc::invalid_argument, "'" + url + "' has no scheme");
    return {};  // an FLV file or -
  }
  if (scheme == "rtmp" || scheme == "rtmps" || scheme == "rtmp-listen") {
    auto u = rtmp::parse_rtmp_url(url);
    if (!u) return std::unexpected(u.error());
    if (u->stream.empty()) return fail(Errc::invalid_argument, "URL '" + without_query(url) + "' has no stream name (…/app/stream)");
    return {};
  }
  if (gateway::is_rtmfp_media_url(url)) {
    auto u = gateway::parse_rtmfp_media_url(url);
    if (!u) return std::unexpected(u.error());
    return {};
  }
  return {};  // another scheme of the relay's table (checked when the route opens it)
}

Result<std::vector<RouteSpec>> parse_routes(std::string_view text, const std::string& file) {
  std::vector<RouteSpec> routes;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string where = file + ":" + std::to_string(n);
    std::istringstream words(line);
    std::vector<std::string> f;
    for (std::string w; words >> w;) {
      if (w[0] == '#') break;
      f.push_back(w);
    }
    if (f.empty()) continue;
    if (f.size() != 2)
      return fail(Errc::invalid_argument,
                  where + ": expected 'SRC DST' (two endpoints), got " + std::to_string(f.size()) + " field" +
                      (f.size() == 1 ? "" : "s"));
    for (const auto& e : f)
      if (auto r = check_endpoint(e); !r) return fail(Errc::invalid_argument, where + ": " + r.error().detail);
    if (f[0] == f[1]) return fail(Errc::invalid_argument, where + ": source and destination are the same");
    RouteSpec r{f[0], f[1], where};
    if (auto m = merge_routes(routes, {r}); !m) return std::unexpected(m.error());
  }
  return routes;
}

Result<std::vector<RouteSpec>> load_routes(const std::string& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) return fail(Errc::not_found, "cannot read config '" + file + "': " + std::strerror(errno));
  std::ostringstream s;
  s << f.rdbuf();
  return parse_routes(s.str(), file);
}

Result<void> merge_routes(std::vector<RouteSpec>& routes, const std::vector<RouteSpec>& more) {
  for (const auto& r : more) {
    for (const auto& have : routes)
      if (have == r)
        return fail(Errc::invalid_argument, r.origin + ": route " + r.label() + " given twice (also " + have.origin + ")");
    routes.push_back(r);
  }
  return {};
}

}  // namespace rtmfp::media::io
