// RFC 7016 §2.1.5 Internet Socket Address.
#include "rtmfp/core/wire/address_codec.hpp"

namespace rtmfp::wire {

namespace {
constexpr std::uint8_t kAddressIp6 = 0x80;     // IP6
constexpr std::uint8_t kAddressOrigin = 0x03;  // ORI
}  // namespace

WireAddress read_address(ByteReader& r) {
  WireAddress a;
  const std::uint8_t flags = r.u8();
  // §2: the 5 reserved bits MUST be ignored by a receiver.
  a.address.v6 = (flags & kAddressIp6) != 0;
  a.origin = static_cast<AddressOrigin>(flags & kAddressOrigin);
  ByteView ip = r.take(a.address.v6 ? 16 : 4);
  for (std::size_t i = 0; i < ip.size(); ++i) a.address.ip[i] = ip[i];
  a.address.port = r.u16();
  if (!r.ok()) return WireAddress{};
  return a;
}

void write_address(ByteWriter& w, const WireAddress& a) {
  std::uint8_t flags = static_cast<std::uint8_t>(static_cast<std::uint8_t>(a.origin) & kAddressOrigin);
  if (a.address.v6) flags |= kAddressIp6;
  w.u8(flags);
  w.bytes(ByteView(a.address.ip.data(), a.address.v6 ? 16 : 4));
  w.u16(a.address.port);
}

std::size_t address_size(const WireAddress& a) { return 1 + (a.address.v6 ? 16 : 4) + 2; }

}  // namespace rtmfp::wire
