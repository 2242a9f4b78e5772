// A UDP socket address (IPv4 or IPv6 + port) independent of any socket API,
// so the core, the simulator and the Asio driver can share it.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace rtmfp {

struct SocketAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes
  std::uint16_t port = 0;

  static SocketAddress ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                            std::uint16_t port);
  // Parses "1.2.3.4:5" or "[::1]:5" (numeric only; no name resolution).
  static std::optional<SocketAddress> parse(std::string_view text);
  std::string to_string() const;  // "1.2.3.4:5" / "[::1]:5"
  std::string ip_string() const;  // without the port
  bool is_loopback() const;
  bool is_unspecified() const;

  auto operator<=>(const SocketAddress&) const = default;
};

struct SocketAddressHash {
  std::size_t operator()(const SocketAddress& a) const noexcept;
};

}  // namespace rtmfp
