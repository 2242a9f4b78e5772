#include "rtmfp/core/address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace rtmfp {

SocketAddress SocketAddress::ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                                  std::uint16_t port) {
  SocketAddress s;
  s.ip[0] = a;
  s.ip[1] = b;
  s.ip[2] = c;
  s.ip[3] = d;
  s.port = port;
  return s;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text) {
  SocketAddress out;
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    out.v6 = true;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  out.port = static_cast<std::uint16_t>(port);
  if (out.v6) {
    if (inet_pton(AF_INET6, host.c_str(), out.ip.data()) != 1) return std::nullopt;
  } else {
    if (inet_pton(AF_INET, host.c_str(), out.ip.data()) != 1) return std::nullopt;
  }
  return out;
}

std::string SocketAddress::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf);
  return buf;
}

std::string SocketAddress::to_string() const {
  return v6 ? "[" + ip_string() + "]:" + std::to_string(port) : ip_string() + ":" + std::to_string(port);
}

bool SocketAddress::is_loopback() const {
  if (!v6) return ip[0] == 127;
  static constexpr std::array<std::uint8_t, 16> kLoop{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return ip == kLoop;
}

bool SocketAddress::is_unspecified() const {
  for (int i = 0; i < (v6 ? 16 : 4); ++i)
    if (ip[static_cast<std::size_t>(i)] != 0) return false;
  return true;
}

std::size_t SocketAddressHash::operator()(const SocketAddress& a) const noexcept {
  std::size_t h = a.v6 ? 0x9e3779b97f4a7c15ull : 0;
  for (auto b : a.ip) h = (h ^ b) * 0x100000001b3ull;
  return h ^ (std::size_t{a.port} << 1);
}

}  // namespace rtmfp
