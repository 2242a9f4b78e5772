// Which local interface (socket) a datagram arrived on or leaves by: a small
// number the host assigns (NodeHost: the index of its socket). The core
// remembers it per session and per request so that answers leave by the
// interface the peer was heard on (RFC 7016 §3.5.1.1.2: a responder answers
// "to the source address"; from another local address a NAT or firewall
// in front of the peer would not pass the answer).
#pragma once

#include <cstdint>

namespace rtmfp {

using InterfaceId = std::uint32_t;
// Not known / any: the host picks (NodeHost: the first socket of the
// destination's family).
inline constexpr InterfaceId kAnyInterface = 0xFFFFFFFFu;

}  // namespace rtmfp
