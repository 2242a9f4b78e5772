// libFuzzer target: what any peer with a session to the rendezvous can send
// on an RFC 7425 §5.3 NetConnection control flow (the Flash way to register):
// the §5.1.2 framing, the connect / setPeerInfo / other command decoding and
// the setPeerInfo address parsing (rendezvous/service/nc_messages).
// Invariants: no crash; the stated bounds hold (addresses looked at, app name
// length); every parsed address prints and parses back to itself; the raw
// input as an address string parses only within its length bound.
#include <cstdlib>
#include <string_view>

#include "rendezvous/service/nc_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtmfp::rendezvous::nc;
  auto round_trips = [](const rtmfp::SocketAddress& a) {
    auto back = parse_peer_address(a.to_string());
    return back && *back == a;
  };
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = parse_peer_address(text)) {
    if (size > kMaxAddressText || !round_trips(*a)) std::abort();
  }
  auto r = parse_request(rtmfp::ByteView(data, size));
  if (!r) return 0;
  if (size > kMaxMessage) std::abort();
  if (const auto* p = std::get_if<SetPeerInfo>(&*r)) {
    if (p->info.addresses.size() > kMaxPeerInfoArgs) std::abort();
    for (const auto& a : p->info.addresses)
      if (!round_trips(a)) std::abort();
  }
  if (const auto* c = std::get_if<Connect>(&*r)) {
    if (c->app.size() > kMaxAppName) std::abort();
  }
  return 0;
}
