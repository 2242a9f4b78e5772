// Batched datagram I/O on one UDP socket descriptor: many datagrams per
// system call in both directions. On Linux, receiving uses recvmmsg(2) and
// sending uses sendmmsg(2) with UDP generic segmentation offload (GSO,
// UDP_SEGMENT) for runs of equal-sized datagrams to one address, so the
// kernel walks its stack once per run instead of once per datagram. Elsewhere
// it falls back to one recvfrom/sendto per datagram.
//
// The socket is also put in "probe" path-MTU mode (IP_PMTUDISC_PROBE): the
// kernel never fragments our datagrams and never shrinks them from its own
// cache, so RFC 7016 §3.5.4.3 probes that the path cannot carry are lost
// (or refused locally with EMSGSIZE) instead of arriving as IP fragments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include <sys/uio.h>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"

namespace rtmfp::io {

struct UdpBatchStats {
  std::uint64_t datagrams_sent = 0;
  std::uint64_t send_calls = 0;       // system calls that sent
  std::uint64_t gso_runs = 0;         // messages that carried more than one datagram
  std::uint64_t send_errors = 0;      // datagrams the kernel refused (EMSGSIZE, unreachable ...)
  std::uint64_t datagrams_received = 0;
  std::uint64_t receive_calls = 0;
  std::uint64_t oversize_received = 0;  // truncated: larger than a receive slot, dropped
  std::uint64_t receive_errors = 0;     // receive calls that failed (not EAGAIN / EINTR)
};

class UdpBatch {
 public:
  // Largest datagram a receive slot holds (jumbo-frame payload); larger ones
  // are dropped and counted. Local choice.
  static constexpr std::size_t kSlotSize = 9216;
  // Failed receive calls (other than EAGAIN / EINTR) after which
  // receive_some() returns, so a persistent error cannot spin the I/O thread
  // inside it. Local choice: an ICMP error is consumed by one call; several
  // in a row mean the socket is failing.
  static constexpr std::size_t kMaxReceiveErrors = 4;
  static constexpr std::size_t kBatch = 32;  // datagrams per system call (local choice)

  UdpBatch();
  // The descriptor stays owned by the caller. `v6`: the socket's family
  // (IPv4 destinations are then sent as v4-mapped addresses).
  void attach(int fd, bool v6);
  void detach() { fd_ = -1; }

  // Path-MTU "probe" mode (see above). Returns false if the kernel refused.
  bool set_path_mtu_probe_mode();

  // Reads what is queued without blocking, at most `max` datagrams, calling
  // on_datagram for each. Returns how many were read; `would_block` tells
  // whether the socket was drained (EAGAIN) or the budget ran out.
  using Sink = std::function<void(const SocketAddress& from, ByteView data)>;
  std::size_t receive_some(std::size_t max, const Sink& on_datagram, bool& would_block);

  // Queue one datagram; flush() sends every queued one (blocking socket).
  void queue(const SocketAddress& to, Bytes data);
  std::size_t queued() const { return out_.size(); }
  void flush();

  const UdpBatchStats& stats() const { return stats_; }

 private:
  struct Out {
    SocketAddress to;
    Bytes data;
  };
  void flush_simple(std::size_t from);

  int fd_ = -1;
  bool v6_ = false;
  bool gso_ = true;  // cleared for good when the kernel refuses UDP_SEGMENT
  std::vector<Out> out_;
  std::vector<iovec> iov_;           // send scatter list, kept between flushes
  std::vector<std::uint8_t> slots_;  // kBatch * kSlotSize receive buffers
  UdpBatchStats stats_;
};

}  // namespace rtmfp::io
