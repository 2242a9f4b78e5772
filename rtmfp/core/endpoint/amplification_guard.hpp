// Anti-amplification before a cookie round trip (local rule; RFC 7016
// §3.5.1.1.2 keeps the responder stateless, so a spoofed IHello must not turn
// us into an amplifier). Per source address we count bytes received and
// bytes sent while no session exists with it; a reply that would make
// sent > kAmplificationFactor * received is withheld.
// The table is bounded; evicting an entry resets both of its counters, so
// within every tracking epoch the bound still holds.
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/params.hpp"

namespace rtmfp {

class AmplificationGuard {
 public:
  explicit AmplificationGuard(std::size_t capacity = params::kAmplificationTableSize)
      : capacity_(capacity) {}

  void on_received(const SocketAddress& from, std::size_t bytes);
  // True (and the bytes are charged) if `bytes` more may be sent to `to`.
  bool try_send(const SocketAddress& to, std::size_t bytes);
  // The address completed a cookie round trip: stop limiting it.
  void forget(const SocketAddress& a);
  std::size_t tracked() const { return map_.size(); }

 private:
  struct Entry {
    std::uint64_t in = 0, out = 0;
    std::list<SocketAddress>::iterator lru;
  };
  Entry& touch(const SocketAddress& a);

  std::size_t capacity_;
  std::list<SocketAddress> lru_;  // front = most recent
  std::unordered_map<SocketAddress, Entry, SocketAddressHash> map_;
};

}  // namespace rtmfp
