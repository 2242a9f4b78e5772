// See rtmfp_url.hpp.
#include "media/gateway/rtmfp_url.hpp"

#include "rtmfp/core/uri/rtmfp_uri.hpp"

namespace rtmfp::media::gateway {

namespace {
std::string scheme_of(std::string_view url) {
  auto sep = url.find("://");
  std::string s(url.substr(0, sep == std::string_view::npos ? 0 : sep));
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}
}  // namespace

bool is_rtmfp_media_url(std::string_view url) {
  auto s = scheme_of(url);
  return s == "rtmfp" || s == "rtmfp-listen";
}

Result<RtmfpMediaUrl> parse_rtmfp_media_url(std::string_view url) {
  const std::string scheme = scheme_of(url);
  if (scheme != "rtmfp" && scheme != "rtmfp-listen")
    return fail(Errc::invalid_argument, "URL '" + std::string(url) + "' is not rtmfp:// or rtmfp-listen://");
  // RFC 7425 §6.1: default UDP port 1935; port 0 only to listen on (the
  // system picks a free port; the relay prints the one it got).
  auto u = parse_uri(url, scheme, 1935, scheme == "rtmfp-listen");
  if (!u) return fail(Errc::invalid_argument, u.error().detail);
  RtmfpMediaUrl r;
  r.scheme = scheme;
  r.host = u->host;
  r.port = u->port;
  r.port_given = u->port_given;
  std::string_view path = u->path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!u->fragment.empty()) {
    // E§8.1.2: the fragment names the stream, the whole path is the app.
    r.app = std::string(path.substr(0, path.find('?')));
    r.stream = u->fragment;
  } else {
    auto slash = path.find('/');
    r.app = std::string(path.substr(0, slash));
    if (slash != std::string_view::npos) r.stream = std::string(path.substr(slash + 1));
  }
  if (auto q = r.app.find('?'); q != std::string::npos) {
    // "rtmfp://h/app?x" has no stream; keep the app clean for the error.
    r.app.resize(q);
  }
  if (r.app.empty())
    return fail(Errc::invalid_argument, "URL '" + std::string(url) + "' has no application (" + scheme + "://host:port/app/stream)");
  if (r.stream.empty())
    return fail(Errc::invalid_argument, "URL '" + std::string(url) + "' has no stream name (" + scheme + "://host:port/app/stream)");
  if (r.listen() && !r.port_given)
    return fail(Errc::invalid_argument, "URL '" + std::string(url) + "' needs a port to listen on (rtmfp-listen://addr:port/app/stream)");
  const std::string host = r.host.find(':') != std::string::npos ? "[" + r.host + "]" : r.host;
  r.tc_url = "rtmfp://" + host + (r.port != 1935 ? ":" + std::to_string(r.port) : "") + "/" + r.app;
  return r;
}

}  // namespace rtmfp::media::gateway
