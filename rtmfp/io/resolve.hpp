// Socket addresses to and from Asio's, and name resolution for the tools and
// the relay (all A and AAAA records, RFC 7425 §5.3.1). I/O layer only.
#pragma once

#include <asio.hpp>

#include <string>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::io {

asio::ip::udp::endpoint to_asio(const SocketAddress& a);
// A v4-mapped IPv6 address comes back as IPv4.
SocketAddress from_asio(const asio::ip::udp::endpoint& e);

// Resolves "host" + port to socket addresses, without duplicates, in the
// resolver's order. Numeric addresses need no DNS.
Result<std::vector<SocketAddress>> resolve(asio::io_context& io, const std::string& host, std::uint16_t port);
// The same on a resolver of its own (a tool resolving its target once).
Result<std::vector<SocketAddress>> resolve(const std::string& host, std::uint16_t port);

}  // namespace rtmfp::io
