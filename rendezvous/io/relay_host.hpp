// The relay's sockets (rendezvous/core/relay.hpp decides, this moves the
// bytes): one UDP socket per port of the range, all bound at start on the
// relay's address (so a range that cannot be bound fails at start with the
// port named, never in the middle of an introduction), on the io_context of
// the rendezvous's NodeHost (one thread). A datagram on a relay port goes
// out of the port the core names; a one-second tick releases expired
// allocations (their lifetimes are 15 s and more).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>

#include <asio.hpp>

#include "rendezvous/core/relay.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::rendezvous {

class RelayHost {
 public:
  RelayHost(asio::io_context& io, Relay& relay, SocketAddress ip);
  // Binds every port of the relay's range on the relay's address.
  Result<void> open();
  void close();
  std::uint64_t send_errors() const { return send_errors_; }

 private:
  struct Port {
    explicit Port(asio::io_context& io) : socket(io) {}
    asio::ip::udp::socket socket;
    asio::ip::udp::endpoint from;
    std::array<std::uint8_t, 65536> buffer{};
  };
  void receive(std::uint16_t port);
  void tick();

  asio::io_context& io_;
  Relay& relay_;
  SocketAddress ip_;
  std::map<std::uint16_t, std::unique_ptr<Port>> ports_;
  asio::steady_timer timer_;
  std::uint64_t send_errors_ = 0;
  bool closed_ = false;
};

}  // namespace rtmfp::rendezvous
