#include "rendezvous/core/nat_check_responder.hpp"

namespace rtmfp::rendezvous {
namespace {

bool same_ip(const SocketAddress& a, const SocketAddress& b) {
  SocketAddress x = a, y = b;
  x.port = y.port = 0;
  return x == y;
}

}  // namespace

NatCheckResponder::NatCheckResponder(Endpoint& endpoint, std::vector<NatCheckSocket> sockets)
    : endpoint_(endpoint), sockets_(std::move(sockets)) {}

const NatCheckSocket* NatCheckResponder::socket_of(InterfaceId i) const {
  for (const auto& s : sockets_)
    if (s.interface == i) return &s;
  return nullptr;
}

const NatCheckSocket* NatCheckResponder::other_port_of(const NatCheckSocket& s) const {
  for (const auto& o : sockets_)
    if (o.local.v6 == s.local.v6 && same_ip(o.local, s.local) && o.local.port != s.local.port) return &o;
  return nullptr;
}

const NatCheckSocket* NatCheckResponder::other_address_of(const NatCheckSocket& s) const {
  // Prefer the same port on the other address (RFC 5780 §4.3's "alternate
  // address, primary port"); any port will do.
  const NatCheckSocket* any = nullptr;
  for (const auto& o : sockets_) {
    if (o.local.v6 != s.local.v6 || same_ip(o.local, s.local)) continue;
    if (o.local.port == s.local.port) return &o;
    if (!any) any = &o;
  }
  return any;
}

bool NatCheckResponder::on_event(TimePoint now, const EndpointEvent& event) {
  const auto* u = std::get_if<UnmatchedIHello>(&event);
  if (!u) return false;
  const auto mode = decode_nat_check_epd(u->epd);
  if (!mode) return false;  // for the introducer
  const NatCheckSocket* in = socket_of(u->interface);
  if (!in) {
    ++stats_.no_such_socket;
    return true;
  }
  const NatCheckSocket* port = other_port_of(*in);
  const NatCheckSocket* address = other_address_of(*in);
  const NatCheckSocket* out = in;
  if (*mode == NatCheckReplyFrom::other_port) out = port;
  if (*mode == NatCheckReplyFrom::other_address) out = address;
  if (!out) {
    ++stats_.no_such_socket;
    return true;
  }
  std::vector<wire::WireAddress> list{{u->from, wire::AddressOrigin::observed}};
  if (port) list.push_back({port->local, wire::AddressOrigin::local});
  if (address) list.push_back({address->local, wire::AddressOrigin::local});
  if (endpoint_.send_redirect(now, u->profile, u->tag, u->from, list, out->interface))
    ++stats_.answered;
  else
    ++stats_.refused;
  return true;
}

}  // namespace rtmfp::rendezvous
