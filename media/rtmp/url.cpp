// See url.hpp and URLS.md.
#include "media/rtmp/url.hpp"

#include <charconv>

namespace rtmfp::media::rtmp {

Result<RtmpUrl> parse_rtmp_url(std::string_view url) {
  RtmpUrl u;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return fail(Errc::invalid_argument, "URL '" + std::string(url) + "' has no scheme://");
  u.scheme = std::string(url.substr(0, sep));
  for (auto& ch : u.scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (u.scheme != "rtmp" && u.scheme != "rtmps" && u.scheme != "rtmp-listen")
    return fail(Errc::invalid_argument, "unsupported URL scheme '" + u.scheme + "' (rtmp, rtmps, rtmp-listen)");
  u.port = u.scheme == "rtmps" ? 443 : 1935;
  std::string_view rest = url.substr(sep + 3);
  std::string_view fragment;
  bool has_fragment = false;
  if (auto h = rest.find('#'); h != std::string_view::npos) {
    fragment = rest.substr(h + 1);
    rest = rest.substr(0, h);
    has_fragment = true;
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);  // drop userinfo
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::invalid_argument, "URL has an unclosed IPv6 '['");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail(Errc::invalid_argument, "junk after IPv6 address in URL");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return fail(Errc::invalid_argument, "URL '" + std::string(url) + "' has no host");
  if (!port_text.empty() || authority.find(':') != std::string_view::npos) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || (v == 0 && u.scheme != "rtmp-listen") || v > 65535)
      return fail(Errc::invalid_argument, "bad port '" + std::string(port_text) + "' in URL");
    u.port = static_cast<std::uint16_t>(v);
  }
  if (has_fragment) {
    // E§8.1.2: app is the whole path, stream the fragment.
    u.app = std::string(path);
    u.stream = std::string(fragment);
  } else {
    auto s = path.find('/');
    u.app = std::string(path.substr(0, s));
    if (s != std::string_view::npos) u.stream = std::string(path.substr(s + 1));
  }
  if (u.app.empty()) return fail(Errc::invalid_argument, "URL '" + std::string(url) + "' has no application (rtmp://host/app/stream)");
  std::string hostpart = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  const bool default_port = u.port == (u.scheme == "rtmps" ? 443 : 1935);
  u.tc_url = (u.scheme == "rtmp-listen" ? std::string("rtmp") : u.scheme) + "://" + hostpart +
             (default_port ? "" : ":" + std::to_string(u.port)) + "/" + u.app;
  return u;
}

}  // namespace rtmfp::media::rtmp
