// A minimal Node for tests and scenarios: sends what it is told to (now or at
// a given time) and records what it receives.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <iterator>
#include <optional>
#include <vector>

#include "tests/sim/node.hpp"

namespace rtmfp::sim {

class ProbeNode final : public Node {
 public:
  struct Received {
    TimePoint time;
    SocketAddress local;
    SocketAddress from;
    Bytes data;
  };
  static constexpr std::size_t kMaxOutbox = 1 << 16;

  explicit ProbeNode(SocketAddress local) : local_(local) {}

  // Queues a datagram to go out at `when` (or at the next service if earlier).
  // Returns false when the outbox is full.
  bool send_at(TimePoint when, SocketAddress to, Bytes data, std::optional<SocketAddress> from = {}) {
    if (outbox_.size() >= kMaxOutbox) return false;
    auto pos = outbox_.end();
    while (pos != outbox_.begin() && std::prev(pos)->when > when) --pos;  // stable by time
    outbox_.insert(pos, Pending{when, Datagram{from.value_or(local_), to, std::move(data)}});
    return true;
  }
  // If set, every received datagram is echoed back to its sender.
  bool echo = false;
  std::vector<Received> received;

  void on_datagram(TimePoint now, const SocketAddress& local, const SocketAddress& from,
                   ByteView data) override {
    received.push_back({now, local, from, Bytes(data.begin(), data.end())});
    if (echo) outbox_.push_front(Pending{now, Datagram{local, from, Bytes(data.begin(), data.end())}});
  }
  std::optional<Datagram> poll_transmit(TimePoint now) override {
    if (outbox_.empty() || outbox_.front().when > now) return std::nullopt;
    Datagram d = std::move(outbox_.front().d);
    outbox_.pop_front();
    return d;
  }
  std::optional<TimePoint> next_deadline() const override {
    if (outbox_.empty()) return std::nullopt;
    return outbox_.front().when;
  }
  void on_deadline(TimePoint) override {}

 private:
  struct Pending {
    TimePoint when;
    Datagram d;
  };
  SocketAddress local_;
  std::deque<Pending> outbox_;
};

// A payload carrying a sequence number (8 bytes big-endian) padded to `size`.
inline Bytes numbered(std::uint64_t n, std::size_t size) {
  Bytes b(std::max<std::size_t>(size, 8), 0);
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
  return b;
}
inline std::uint64_t number_of(const Bytes& b) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < 8 && i < b.size(); ++i) n = (n << 8) | b[i];
  return n;
}

}  // namespace rtmfp::sim
