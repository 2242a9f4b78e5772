// One UDP socket of a NodeHost: bound, read in batches (rtmfp/io/udp_batch:
// recvmmsg / sendmmsg + GSO) whenever it is readable, written in batches.
// The host owns several (IPv4 and IPv6, several ports).
#pragma once

#include <asio.hpp>

#include <functional>
#include <memory>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/io/udp_batch.hpp"

namespace rtmfp::host {

class HostSocket {
 public:
  using Sink = std::function<void(const SocketAddress& from, ByteView data)>;

  explicit HostSocket(asio::io_context& io);
  ~HostSocket();
  HostSocket(const HostSocket&) = delete;
  HostSocket& operator=(const HostSocket&) = delete;

  // Binds. `v6_only`: an IPv6 socket that does not also receive v4-mapped
  // IPv4 (so an IPv4 socket can share its port). Errors name the address.
  Result<void> bind(const SocketAddress& local, bool v6_only);
  SocketAddress local_address() const;
  bool v6() const { return v6_; }
  bool v6_only() const { return v6_only_; }

  // Starts reading: every datagram goes to on_datagram; after_batch runs
  // after each batch (the host pumps there, so answers leave while a burst
  // is still arriving).
  void start(Sink on_datagram, std::function<void()> after_batch);
  void queue(const SocketAddress& to, Bytes data);
  void flush();
  void close();
  const io::UdpBatchStats& stats() const { return batch_.stats(); }

 private:
  void wait_readable();
  void drain();

  asio::io_context& io_;
  asio::ip::udp::socket socket_;
  io::UdpBatch batch_;
  Sink on_datagram_;
  std::function<void()> after_batch_;
  bool v6_ = false;
  bool v6_only_ = false;
  bool closed_ = false;
  std::shared_ptr<bool> alive_;
};

}  // namespace rtmfp::host
