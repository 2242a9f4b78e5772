// The Asio UDP driver for an Endpoint: one socket (IPv4 or IPv6), one timer
// armed at the core's next deadline. Feeds received datagrams and the steady
// clock into the endpoint, sends what it emits, and hands events to a
// callback. The only place where endpoint I/O meets the operating system.
#pragma once

#include <asio.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/io/udp_batch.hpp"

namespace rtmfp::io {

asio::ip::udp::endpoint to_asio(const SocketAddress& a);
SocketAddress from_asio(const asio::ip::udp::endpoint& e);

// Resolves "host" + port to socket addresses (all A and AAAA records,
// RFC 7425 §5.3.1). Numeric addresses need no DNS.
Result<std::vector<SocketAddress>> resolve(asio::io_context& io, const std::string& host, std::uint16_t port);

class UdpDriver {
 public:
  UdpDriver(asio::io_context& io, Endpoint& endpoint);
  ~UdpDriver();

  // Binds the socket. Errors name the address and the reason.
  Result<void> bind(const SocketAddress& local);
  // For an initiator: binds an ephemeral socket of the first address's
  // family (IPv4 or IPv6) and returns the addresses of that family, the
  // candidates one socket can reach.
  Result<std::vector<SocketAddress>> bind_for(const std::vector<SocketAddress>& remotes);
  SocketAddress local_address() const;
  // Starts receiving; call after bind.
  void start();
  // After issuing commands on the endpoint: send what it queued, deliver
  // events and re-arm the timer.
  void pump();
  void stop();

  std::function<void(EndpointEvent&&)> on_event;
  // Called at the start of every pump (after datagrams or a timer), before
  // transmitting: the application's chance to write more (e.g. refill a
  // sending flow as acknowledgements free its buffer).
  std::function<void(TimePoint)> on_poll;
  std::uint64_t send_errors() const { return batch_.stats().send_errors; }
  const UdpBatchStats& io_stats() const { return batch_.stats(); }

 private:
  void receive();
  void drain();
  void arm_timer();

  asio::io_context& io_;
  Endpoint& endpoint_;
  asio::ip::udp::socket socket_;
  asio::steady_timer timer_;
  UdpBatch batch_;
  bool stopped_ = false;
  std::optional<TimePoint> armed_;  // the deadline the timer waits for
  std::shared_ptr<bool> alive_;
};

}  // namespace rtmfp::io
