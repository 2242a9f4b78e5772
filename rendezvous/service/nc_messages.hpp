// What a peer can send on an RFC 7425 §5.3 NetConnection control flow to the
// rendezvous, parsed and bounded (the Flash way to register: Cirrus-style
// "connect" then "setPeerInfo", RFC 7425 §5.3.1-5.3.3). One flow message is
// an RTMP message in the §5.1.2 framing (type, timestamp, payload); commands
// (type 20, or 17 with its format byte) are decoded with media/rtmp's command
// codec on media/amf. Everything here is reachable from any peer with a
// session, so every size is bounded and anything malformed is an error (the
// caller drops and counts it), never a crash. Pure functions, sans-I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "media/amf/amf_value.hpp"
#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::rendezvous::nc {

// Local choices. A Flash Player connect command is a few hundred bytes
// (tcconn's, with its codec maps, under 1 KiB); a setPeerInfo with
// kMaxPeerInfoArgs IPv6 addresses about 1 KiB. 8 KiB bounds what one message
// makes us decode.
inline constexpr std::size_t kMaxMessage = 8192;
// setPeerInfo arguments looked at (RFC 7425 §5.3.3: "all directly connected
// interface addresses and proxy addresses"); more are dropped and counted. The
// registry keeps at most limits::kMaxHostAddresses of the usable ones.
inline constexpr std::size_t kMaxPeerInfoArgs = 16;
// Longest address text: "[" + 45-character IPv6 presentation (with an
// embedded IPv4) + "]:65535" is 53 characters.
inline constexpr std::size_t kMaxAddressText = 64;
// A connect's app name as we keep it (logged, never interpreted).
inline constexpr std::size_t kMaxAppName = 256;

// RFC 7425 §5.3.3: "an IPv4 or IPv6 address in presentation format and a UDP
// port number in decimal, separated by a colon ... IPv6 addresses are enclosed
// in square brackets". Numeric only: no names, no zone index, no spaces or
// control characters, port 0..65535, at most kMaxAddressText characters.
std::optional<SocketAddress> parse_peer_address(std::string_view text);

// The address list of a setPeerInfo (the arguments after the null command
// object). Non-strings, unparseable strings and arguments beyond
// kMaxPeerInfoArgs are counted as malformed.
struct PeerInfo {
  std::vector<SocketAddress> addresses;  // parsed, in order, at most kMaxPeerInfoArgs
  std::size_t malformed = 0;
};
PeerInfo parse_peer_info(const std::vector<media::amf::Value>& args);

// One control-flow message, classified.
struct Connect {  // §5.3.1
  double transaction_id = 0;
  bool amf3 = false;  // objectEncoding 3 asked for (E§8.1.1): answer with type 17
  std::string app;    // "app" of the command object, truncated to kMaxAppName
};
struct SetPeerInfo {  // §5.3.3
  PeerInfo info;
};
struct Call {  // any other command: answered with _error when it has a transaction ID
  std::string name;
  double transaction_id = 0;
};
struct Ignored {  // user control (e.g. SetBufferLength), §5.1 chunk-stream control, data, ...
  std::uint8_t type = 0;
};
using Request = std::variant<Connect, SetPeerInfo, Call, Ignored>;

// Errors: larger than kMaxMessage, bad §5.1.2 framing, a command that does
// not decode (malformed AMF, bad type-17 format byte, missing name).
Result<Request> parse_request(ByteView flow_message);

}  // namespace rtmfp::rendezvous::nc
