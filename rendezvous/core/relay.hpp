// The relay of last resort, sans-I/O (issue 12 §2): when RFC 7016 punching
// cannot open a direct path (an endpoint-dependent mapping on one side and a
// port-filtering NAT on the other, or UDP blocked between the peers), the
// rendezvous introduces the pair through two of its own ports:
//
//   initiator A <-> relay port_a | relay port_b <-> responder B
//
// A datagram from A arriving on port_a leaves by port_b to B, and the other
// way round; to A, B is at (relay, port_a); to B, A is at (relay, port_b).
// The relay sees only RTMFP ciphertext (the session keys stay between A and
// B). It serves only pairs it introduced: each side's port accepts the IP
// the introducer saw for that peer, latches the first address (IP and port:
// an endpoint-dependent NAT gives a new port toward the relay) and then
// accepts only that address. Until a side has latched, what the other side
// sends it goes to the address the introducer knew - which an
// endpoint-dependent NAT filters - so the last such datagram is also held
// (one per side, at most kMaxHeld bytes) and sent again the moment that
// side latches: the answer that raced ahead of the peer's first packet is
// not lost. Each allocation has a lifetime (unused, idle,
// absolute), a byte cap and a rate cap (token bucket); everything dropped is
// counted. Ports come from a fixed range and return to it when released.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::rendezvous {

struct RelayConfig {
  std::uint16_t first_port = 0, last_port = 0;  // inclusive; two per allocation
  Duration unused_lifetime = seconds(15);       // released if neither side sent anything
  Duration idle_lifetime = seconds(60);         // released after this long without a datagram
  Duration max_lifetime = seconds(4 * 3600);
  std::uint64_t max_bytes = 4ull << 30;           // per allocation, both directions
  std::uint64_t rate_bytes_per_second = 4u << 20;  // per allocation (32 Mbit/s), both directions
  std::uint64_t burst_bytes = 1u << 20;
  std::size_t max_allocations = 1024;
};

struct RelayPair {
  std::uint32_t id = 0;
  std::uint16_t port_a = 0;  // A sends here; B's datagrams reach A from here
  std::uint16_t port_b = 0;  // B sends here; A's datagrams reach B from here
};

struct RelayForward {
  std::uint16_t from_port = 0;  // the relay port to send from
  SocketAddress to;
};

// What to send for one datagram received.
struct RelayResult {
  std::optional<RelayForward> forward;  // the datagram just received
  std::optional<RelayForward> release;  // and `held`, for the side that just latched
  Bytes held;
};

struct RelayStats {
  std::uint64_t allocations = 0, released = 0, refused_full = 0;
  std::uint64_t datagrams = 0, bytes = 0;
  std::uint64_t dropped_unknown_port = 0;  // no allocation on that port
  std::uint64_t dropped_stranger = 0;      // not the peer this port serves
  std::uint64_t dropped_rate = 0, dropped_cap = 0;
  std::size_t active = 0;
};

class Relay {
 public:
  explicit Relay(RelayConfig config);

  // A pair of ports for peers expected at `a` and `b` (their IPs are
  // enforced, their ports latched from the first datagram; until B sends,
  // A's datagrams go to `b` as given). limit_exceeded when no ports are left.
  Result<RelayPair> allocate(TimePoint now, const SocketAddress& a, const SocketAddress& b);
  static constexpr std::size_t kMaxHeld = 2048;
  // A datagram from `from` arrived on relay port `port`: where to send it
  // (nothing: dropped and counted), and a held datagram to release.
  RelayResult on_datagram(TimePoint now, std::uint16_t port, const SocketAddress& from, ByteView datagram);
  std::optional<TimePoint> next_deadline() const;
  void on_deadline(TimePoint now);
  // Ports of released allocations, for the host to close.
  std::optional<std::uint16_t> poll_released();

  const RelayStats& stats() const { return stats_; }
  const RelayConfig& config() const { return config_; }

 private:
  struct Side {
    SocketAddress expected;              // the IP to accept (port ignored until latched)
    std::optional<SocketAddress> latched;
    std::uint16_t port = 0;
    Bytes held;  // the last datagram sent toward this side before it latched
  };
  struct Allocation {
    std::uint32_t id = 0;
    Side a, b;
    TimePoint created{}, last_active{};
    bool used = false;
    std::uint64_t bytes = 0;
    double tokens = 0;
    TimePoint refilled{};
  };
  TimePoint expiry(const Allocation& x) const;
  void release(std::uint32_t id);

  RelayConfig config_;
  RelayStats stats_;
  std::uint32_t next_id_ = 1;
  std::map<std::uint32_t, Allocation> allocations_;
  std::map<std::uint16_t, std::uint32_t> by_port_;
  std::vector<std::uint16_t> free_ports_;  // a stack; lowest on top
  std::deque<std::uint16_t> released_;
};

}  // namespace rtmfp::rendezvous
