// The simulator's view of a host: a sans-I/O state machine that receives
// datagrams, produces datagrams and asks to be woken at a deadline.
#pragma once

#include <optional>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::sim {

struct Datagram {
  SocketAddress from;
  SocketAddress to;
  Bytes data;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual void on_datagram(TimePoint now, const SocketAddress& local, const SocketAddress& from,
                           ByteView data) = 0;
  virtual std::optional<Datagram> poll_transmit(TimePoint now) = 0;
  virtual std::optional<TimePoint> next_deadline() const = 0;
  virtual void on_deadline(TimePoint now) = 0;
};

}  // namespace rtmfp::sim
