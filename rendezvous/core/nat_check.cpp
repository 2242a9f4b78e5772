#include "rendezvous/core/nat_check.hpp"

#include <algorithm>

namespace rtmfp::rendezvous {
namespace {

constexpr std::uint8_t kFingerprintOption = 0x0f;  // RFC 7425 §4.4.2.3
constexpr std::uint8_t kAncillaryOption = 0x0a;    // RFC 7425 §4.4.2.2
constexpr std::size_t kFingerprintSize = 32;

}  // namespace

Bytes encode_nat_check_epd(NatCheckReplyFrom from) {
  // Options are length-prefixed (VLU length covering type and value, RFC
  // 7016 §2.1.3); every length here is below 128, so one byte each.
  Bytes epd;
  epd.push_back(static_cast<std::uint8_t>(1 + kFingerprintSize));
  epd.push_back(kFingerprintOption);
  epd.insert(epd.end(), kFingerprintSize, 0x00);  // the peer ID no certificate has
  epd.push_back(static_cast<std::uint8_t>(1 + kNatCheckMagic.size() + 1));
  epd.push_back(kAncillaryOption);
  epd.insert(epd.end(), kNatCheckMagic.begin(), kNatCheckMagic.end());
  epd.push_back(static_cast<std::uint8_t>(from));
  return epd;
}

std::optional<NatCheckReplyFrom> decode_nat_check_epd(ByteView epd) {
  // Exactly the encoding above; anything else is not ours.
  static const Bytes prefix = [] {
    Bytes p = encode_nat_check_epd(NatCheckReplyFrom::same);
    p.pop_back();
    return p;
  }();
  if (epd.size() != prefix.size() + 1 || !std::equal(prefix.begin(), prefix.end(), epd.begin())) return std::nullopt;
  const std::uint8_t mode = epd.back();
  if (mode > static_cast<std::uint8_t>(NatCheckReplyFrom::other_address)) return std::nullopt;
  return static_cast<NatCheckReplyFrom>(mode);
}

const char* nat_behaviour_name(NatBehaviour b) {
  switch (b) {
    case NatBehaviour::endpoint_independent: return "endpoint-independent";
    case NatBehaviour::address_dependent: return "address-dependent";
    case NatBehaviour::address_and_port_dependent: return "address-and-port-dependent";
    case NatBehaviour::unknown: break;
  }
  return "unknown";
}

const char* port_allocation_name(PortAllocation a) {
  switch (a) {
    case PortAllocation::unknown: return "unknown";
    case PortAllocation::sequential: return "sequential";
    case PortAllocation::random: return "random";
  }
  return "?";
}

NatClass classify(const NatObservations& o) {
  NatClass c;
  c.hairpin = o.hairpin;
  c.address_tested = o.other_address.has_value();
  for (const auto* a : {&o.reflexive, &o.reflexive_other_port, &o.reflexive_other_address})
    if (*a && std::find(c.reflexive.begin(), c.reflexive.end(), **a) == c.reflexive.end()) c.reflexive.push_back(**a);
  if (!o.reflexive) return c;  // nothing answered: nothing known
  // Mapping (RFC 4787 §4.1, RFC 5780 §4.3): the same reflexive address
  // toward another port of the same server address, and toward another
  // address.
  if (o.reflexive_other_port && *o.reflexive_other_port != *o.reflexive)
    c.mapping = NatBehaviour::address_and_port_dependent;
  else if (o.reflexive_other_address && *o.reflexive_other_address != *o.reflexive)
    c.mapping = NatBehaviour::address_dependent;
  else if (o.reflexive_other_port || o.reflexive_other_address)
    c.mapping = NatBehaviour::endpoint_independent;
  // Filtering (RFC 4787 §5, RFC 5780 §4.4): what reached us from where we
  // had not sent.
  if (o.reached_from_other_address)
    c.filtering = NatBehaviour::endpoint_independent;
  else if (o.reached_from_other_port)
    c.filtering = NatBehaviour::address_dependent;
  else if (o.other_port || o.other_address)
    c.filtering = NatBehaviour::address_and_port_dependent;  // (the stricter class when only addresses were tried)
  // Nothing but the first socket ever answered, though the server has others.
  c.udp_blocked = (o.other_port || o.other_address) && !o.reflexive_other_port && !o.reflexive_other_address &&
                  !o.reached_from_other_port && !o.reached_from_other_address;
  if (c.udp_blocked) {
    c.mapping = NatBehaviour::unknown;
    c.filtering = NatBehaviour::unknown;
  }
  // Port allocation (RFC 4787 §4.2): the new mappings' ports in the order
  // the check opened them (first port, other port, other address).
  if (c.mapping == NatBehaviour::address_and_port_dependent || c.mapping == NatBehaviour::address_dependent) {
    std::vector<std::uint16_t> ports;
    for (const auto* a : {&o.reflexive, &o.reflexive_other_port, &o.reflexive_other_address})
      if (*a && (*a)->ip == o.reflexive->ip && (ports.empty() || ports.back() != (*a)->port)) ports.push_back((*a)->port);
    c.last_port = ports.back();
    if (ports.size() >= 2) {
      auto step = [&](std::size_t i) {
        std::int32_t d = static_cast<std::int32_t>(ports[i]) - static_cast<std::int32_t>(ports[i - 1]);
        return d;
      };
      const std::int32_t d = step(1);
      bool sequential = d != 0 && d >= -kMaxSequentialDelta && d <= kMaxSequentialDelta;
      // A third mapping must step the same way.
      if (sequential && ports.size() >= 3) sequential = step(2) == d;
      c.allocation = sequential ? PortAllocation::sequential : PortAllocation::random;
      if (sequential) c.port_delta = d;
    }
  }
  return c;
}

}  // namespace rtmfp::rendezvous
