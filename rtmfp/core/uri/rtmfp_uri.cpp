#include "rtmfp/core/uri/rtmfp_uri.hpp"

namespace rtmfp {

std::string RtmfpUri::epd_uri() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string out = scheme + "://" + h;
  if (port_given) out += ":" + std::to_string(port);
  return out + path;
}

Result<RtmfpUri> parse_uri(std::string_view text, std::string_view scheme, std::uint16_t default_port,
                           bool port_zero_ok) {
  RtmfpUri u;
  u.port = default_port;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return fail(Errc::invalid_argument, "not a URI (expected " + std::string(scheme) + "://HOST[:PORT]): '" + std::string(text) + "'");
  u.scheme = std::string(text.substr(0, sep));
  for (auto& c : u.scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (u.scheme != scheme) return fail(Errc::invalid_argument, "unsupported scheme '" + u.scheme + "' (expected " + std::string(scheme) + ")");
  std::string_view rest = text.substr(sep + 3);
  auto hash = rest.find('#');
  if (hash != std::string_view::npos) {
    u.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) u.path = std::string(rest.substr(slash));
  if (u.path.size() && u.path[0] == '?') u.path = "/" + u.path;
  auto at = authority.rfind('@');  // userinfo is dropped
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::invalid_argument, "unterminated IPv6 literal in '" + std::string(text) + "'");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(Errc::invalid_argument, "junk after IPv6 literal in '" + std::string(text) + "'");
      port_text = after.substr(1);
      u.port_given = true;
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      u.host = std::string(authority.substr(0, colon));
      port_text = authority.substr(colon + 1);
      u.port_given = true;
    } else {
      u.host = std::string(authority);
    }
  }
  if (u.host.empty()) return fail(Errc::invalid_argument, "missing host in '" + std::string(text) + "'");
  for (char c : u.host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':' || c == '_' || c == '%';
    if (!ok) return fail(Errc::invalid_argument, "invalid character in host '" + u.host + "'");
  }
  if (u.port_given) {
    if (port_text.empty() || port_text.size() > 5) return fail(Errc::invalid_argument, "invalid port in '" + std::string(text) + "'");
    unsigned p = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return fail(Errc::invalid_argument, "invalid port '" + std::string(port_text) + "'");
      p = p * 10 + static_cast<unsigned>(c - '0');
    }
    if ((p == 0 && !port_zero_ok) || p > 65535) return fail(Errc::invalid_argument, "port out of range: " + std::string(port_text));
    u.port = static_cast<std::uint16_t>(p);
  }
  return u;
}

}  // namespace rtmfp
