// The NAT check: how a node learns its NAT's behaviour (RFC 4787 terms:
// mapping and filtering, endpoint-independent / address-dependent /
// address-and-port-dependent; and hairpinning, §6) from a rendezvous that
// listens on two ports (and two addresses when it has them). RFC 5780 does
// this with STUN; we do it with the one RTMFP exchange a server answers
// without a session or state: an IHello answered by a Redirect (RFC 7016
// §2.3.2, §2.3.5, §3.5.1.4). Wire format:
//
//  * Request: an IHello whose EPD selects no certificate in either crypto
//    profile (RFC 7425 §4.4.2 Figure 1: a Fingerprint option that matches
//    nobody, the all-zero peer ID) plus an Ancillary Data option (§4.4.2.2)
//    holding kNatCheckMagic and one byte: the socket to answer from.
//  * Answer: a Redirect echoing the tag, sent from the socket asked for, to
//    the IHello's source. Its addresses: [0] that source as the server saw
//    it (origin observed, RFC 7016 §2.1.5), then the server's other check
//    sockets of that family (origin local): another port of the same
//    address, another address. An unspecified IP there (a wildcard listener)
//    means "the address you sent to".
//
// What a node does with the answers (nat_checker.hpp) and how they become a
// class (classify(), below) follow RFC 5780 §4.3-4.4: the filtering tests go
// first, before the node has sent anything to the other sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/wire/address_codec.hpp"

namespace rtmfp::rendezvous {

inline constexpr std::string_view kNatCheckMagic = "rtmfp-natcheck/1";

// Which of the server's sockets answers.
enum class NatCheckReplyFrom : std::uint8_t {
  same = 0,           // the one the IHello reached (mapping test)
  other_port = 1,     // same address, another port (filtering: port)
  other_address = 2,  // another address (filtering: address)
};

Bytes encode_nat_check_epd(NatCheckReplyFrom from);
// nullopt: not a NAT check EPD (anything else is for the introducer).
std::optional<NatCheckReplyFrom> decode_nat_check_epd(ByteView epd);

// RFC 4787 §4.1 (mapping) and §5 (filtering) classes.
enum class NatBehaviour : std::uint8_t { unknown, endpoint_independent, address_dependent, address_and_port_dependent };
const char* nat_behaviour_name(NatBehaviour b);  // "endpoint-independent" ...

// How an endpoint-dependent NAT picks the public port of a new mapping
// (RFC 4787 §4.2.1-4.2.2): in sequence (the next mapping's port is the last
// one plus a small constant delta: predictable) or at random (Linux
// MASQUERADE --random-fully, most CGNs). Learnt from the ports the
// rendezvous's sockets saw, in the order the check opened them.
enum class PortAllocation : std::uint8_t { unknown, sequential, random };
const char* port_allocation_name(PortAllocation a);  // "sequential" ...
// Consecutive mappings at most this far apart count as sequential. A random
// allocator over ~64 k ports lands this close with probability ~0.05%; a
// busy sequential NAT handing ports to other hosts between our two probes
// may step further and then reads as random (birthday probing, then relay:
// still connects).
inline constexpr std::int32_t kMaxSequentialDelta = 16;

// What the tests observed.
struct NatObservations {
  std::optional<SocketAddress> reflexive;             // seen by the socket asked (test 1)
  std::optional<SocketAddress> other_port;            // the server's other port, if it has one
  std::optional<SocketAddress> other_address;         // the server's other address, if it has one
  std::optional<SocketAddress> reflexive_other_port;     // seen by other_port (mapping test)
  std::optional<SocketAddress> reflexive_other_address;  // seen by other_address (mapping test)
  bool reached_from_other_port = false;     // filtering test answered
  bool reached_from_other_address = false;  // filtering test answered
  bool hairpin = false;                     // our IHello to our reflexive address came back
};

struct NatClass {
  NatBehaviour mapping = NatBehaviour::unknown;
  NatBehaviour filtering = NatBehaviour::unknown;
  bool hairpin = false;
  // false: the server has one address, so address-dependent and
  // endpoint-independent cannot be told apart; the class given is then the
  // stricter of the two (address-dependent filtering, endpoint-independent
  // mapping as RFC 5780 §4.3 reports it).
  bool address_tested = false;
  std::vector<SocketAddress> reflexive;  // every distinct reflexive address seen
  // Endpoint-dependent mapping only (else unknown / 0).
  PortAllocation allocation = PortAllocation::unknown;
  std::int32_t port_delta = 0;  // sequential: step between consecutive new mappings
  std::uint16_t last_port = 0;  // the public port of the last mapping the check opened
  // The first socket answered but none of the server's other sockets did,
  // whichever way (a firewall passing only the rendezvous's port, as UDP
  // "blocked except to the server" networks do): peers cannot be reached
  // directly; the relay (reached like the server) can.
  bool udp_blocked = false;
};

NatClass classify(const NatObservations& o);

}  // namespace rtmfp::rendezvous
