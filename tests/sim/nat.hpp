// A NAT box between private hosts and the "internet" (RFC 4787 terms):
//   FullCone           endpoint-independent mapping, endpoint-independent filtering
//   AddressRestricted  endpoint-independent mapping, address-dependent filtering
//   PortRestricted     endpoint-independent mapping, address+port-dependent filtering
//   Symmetric          address+port-dependent mapping and filtering
// Mappings expire `mapping_timeout` after the last outbound datagram
// (inbound traffic does not refresh them). rebind() moves a mapping to a new
// public port, as a NAT reboot or a mobile handover would.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::sim {

enum class NatType { FullCone, AddressRestricted, PortRestricted, Symmetric };

// How a new mapping's public port is chosen (RFC 4787 §4.2):
//   sequential  the next free port upwards from first_port (a delta of 1:
//               predictable, as many home routers and Linux MASQUERADE
//               without --random-fully when the source port is taken)
//   random      uniformly among free ports 1024-65535 (Linux --random-fully,
//               most CGNs); drawn from `seed`
enum class PortAllocationMode { sequential, random };

struct NatConfig {
  NatType type = NatType::PortRestricted;
  SocketAddress public_ip;            // port ignored
  Duration mapping_timeout = std::chrono::seconds(30);
  std::uint16_t first_port = 40000;   // public ports are allocated upwards from here (sequential)
  std::size_t max_mappings = 4096;    // least recently used mapping is evicted beyond this
  std::string name = "nat";
  PortAllocationMode allocation = PortAllocationMode::sequential;
  std::uint64_t seed = 1;             // random allocation's generator
};

struct NatStats {
  std::uint64_t mappings_created = 0;
  std::uint64_t mappings_expired = 0;
  std::uint64_t filtered = 0;   // inbound datagrams refused
  std::uint64_t rebinds = 0;
};

class Nat {
 public:
  explicit Nat(NatConfig config);

  const NatConfig& config() const { return config_; }
  const NatStats& stats() const { return stats_; }
  NatType type() const { return config_.type; }

  // Translates the source of an outbound datagram; creates or refreshes the mapping.
  SocketAddress outbound(TimePoint now, const SocketAddress& private_src, const SocketAddress& remote);
  // Translates the destination of an inbound datagram, or nullopt if filtered.
  std::optional<SocketAddress> inbound(TimePoint now, const SocketAddress& public_dst,
                                       const SocketAddress& remote);
  // Public address currently mapped for (private_src, remote), if any (no side effects
  // except expiring old mappings).
  std::optional<SocketAddress> mapping(TimePoint now, const SocketAddress& private_src,
                                       const SocketAddress& remote);
  // Gives every mapping of `private_src` a new public port.
  void rebind(const SocketAddress& private_src);
  void rebind_all();
  std::size_t mapping_count(TimePoint now);

 private:
  struct Mapping {
    SocketAddress private_src;
    SocketAddress remote;         // Symmetric only: the destination this mapping is for
    std::uint16_t public_port = 0;
    TimePoint last_out;
    std::vector<SocketAddress> permitted;  // remotes contacted (bounded)
  };
  void expire(TimePoint now);
  Mapping* find(const SocketAddress& private_src, const SocketAddress& remote);
  std::uint16_t allocate_port();
  bool permits(const Mapping& m, const SocketAddress& remote) const;

  NatConfig config_;
  NatStats stats_;
  std::vector<Mapping> mappings_;
  std::uint16_t next_port_;
  std::uint64_t random_state_;
};

const char* to_string(NatType t);
const char* to_string(PortAllocationMode m);

}  // namespace rtmfp::sim
