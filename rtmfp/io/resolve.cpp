// See resolve.hpp.
#include "rtmfp/io/resolve.hpp"

#include <algorithm>

namespace rtmfp::io {

asio::ip::udp::endpoint to_asio(const SocketAddress& a) {
  if (a.v6) {
    asio::ip::address_v6::bytes_type b;
    std::copy(a.ip.begin(), a.ip.end(), b.begin());
    return {asio::ip::address_v6(b), a.port};
  }
  asio::ip::address_v4::bytes_type b{a.ip[0], a.ip[1], a.ip[2], a.ip[3]};
  return {asio::ip::address_v4(b), a.port};
}

SocketAddress from_asio(const asio::ip::udp::endpoint& e) {
  SocketAddress a;
  a.port = e.port();
  auto addr = e.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  if (addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), a.ip.begin());
  } else {
    a.v6 = true;
    auto b = addr.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), a.ip.begin());
  }
  return a;
}

Result<std::vector<SocketAddress>> resolve(asio::io_context& io, const std::string& host, std::uint16_t port) {
  asio::error_code ec;
  auto numeric = asio::ip::make_address(host, ec);
  if (!ec) return std::vector<SocketAddress>{from_asio({numeric, port})};
  asio::ip::udp::resolver r(io);
  auto results = r.resolve(host, std::to_string(port), ec);
  if (ec) return fail(Errc::not_found, "cannot resolve host '" + host + "': " + ec.message());
  std::vector<SocketAddress> out;
  for (const auto& e : results) {
    SocketAddress a = from_asio(e.endpoint());
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  if (out.empty()) return fail(Errc::not_found, "host '" + host + "' has no addresses");
  return out;
}

Result<std::vector<SocketAddress>> resolve(const std::string& host, std::uint16_t port) {
  asio::io_context io;
  return resolve(io, host, port);
}

}  // namespace rtmfp::io
