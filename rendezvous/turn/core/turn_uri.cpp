#include "rendezvous/turn/core/turn_uri.hpp"

#include <optional>

namespace rtmfp::turn {

namespace {

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int h = hex(s[i + 1]), l = hex(s[i + 2]);
    if (h < 0 || l < 0) return std::nullopt;
    out.push_back(static_cast<char>(h * 16 + l));
    i += 2;
  }
  return out;
}

}  // namespace

Result<TurnUri> parse_turn_uri(std::string_view text) {
  constexpr std::string_view scheme = "turn://";
  if (!text.starts_with(scheme)) return fail(Errc::invalid_argument, "a TURN server is turn://USER:PASS@HOST:PORT");
  std::string_view rest = text.substr(scheme.size());
  if (auto q = rest.find_first_of("/?"); q != std::string_view::npos) {
    if (rest.substr(q) != "/" && rest.substr(q) != "?transport=udp")
      return fail(Errc::unsupported, "only UDP TURN is supported (no path or other transport)");
    rest = rest.substr(0, q);
  }
  const auto at = rest.rfind('@');
  if (at == std::string_view::npos) return fail(Errc::invalid_argument, "turn:// needs USER:PASS@ (long-term credentials)");
  const std::string_view cred = rest.substr(0, at), hostport = rest.substr(at + 1);
  const auto colon = cred.find(':');
  if (colon == std::string_view::npos) return fail(Errc::invalid_argument, "turn:// credentials are USER:PASS");
  TurnUri u;
  auto user = percent_decode(cred.substr(0, colon));
  auto pass = percent_decode(cred.substr(colon + 1));
  if (!user || !pass || user->empty()) return fail(Errc::invalid_argument, "bad percent-encoding in turn:// credentials");
  u.username = *user;
  u.password = *pass;
  std::string_view host = hostport;
  std::string_view port;
  if (hostport.starts_with("[")) {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return fail(Errc::invalid_argument, "unterminated [IPv6] in turn://");
    host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return fail(Errc::invalid_argument, "bad turn:// authority");
      port = hostport.substr(close + 2);
    }
  } else if (const auto c = hostport.rfind(':'); c != std::string_view::npos) {
    host = hostport.substr(0, c);
    port = hostport.substr(c + 1);
  }
  if (host.empty()) return fail(Errc::invalid_argument, "turn:// has no host");
  u.host = std::string(host);
  if (!port.empty()) {
    unsigned v = 0;
    for (char ch : port) {
      if (ch < '0' || ch > '9' || v > 65535) return fail(Errc::invalid_argument, "bad port in turn://");
      v = v * 10 + static_cast<unsigned>(ch - '0');
    }
    if (v == 0 || v > 65535) return fail(Errc::invalid_argument, "bad port in turn://");
    u.port = static_cast<std::uint16_t>(v);
  }
  return u;
}

}  // namespace rtmfp::turn
