// Internet Socket Address, RFC 7016 §2.1.5: flags (IP6 0x80, ORIgin 0x03),
// 4 or 16 address bytes, uint16 port.
#pragma once

#include <cstdint>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"

namespace rtmfp::wire {

// §2.1.5 origin values.
enum class AddressOrigin : std::uint8_t {
  unknown = 0,   // unknown or other
  local = 1,     // a local, directly attached interface address
  observed = 2,  // observed as the source of a received packet (reflexive)
  relay = 3,     // a relay, proxy or introducer (Redirector/Forwarder)
};

struct WireAddress {
  SocketAddress address;
  AddressOrigin origin = AddressOrigin::unknown;
  bool operator==(const WireAddress&) const = default;
};

// Fails the reader on truncation. Reserved flag bits are ignored (§2).
WireAddress read_address(ByteReader& r);
void write_address(ByteWriter& w, const WireAddress& a);
std::size_t address_size(const WireAddress& a);

}  // namespace rtmfp::wire
