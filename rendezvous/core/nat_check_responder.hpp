// The server side of the NAT check (nat_check.hpp), a service of the
// rendezvous's Node: it answers NAT check IHellos with a Redirect from the
// socket asked for, listing the source it saw and its other check sockets.
// It needs the host's sockets (interface ID -> local address); with one
// socket of a family it still answers test 1 (the reflexive address) and
// says it has no others. Stateless: every answer is one Redirect, held by
// the Endpoint to the 3x amplification budget of what the source sent.
// Added before the introducer (which takes every unmatched IHello).
#pragma once

#include <cstdint>
#include <vector>

#include "rendezvous/core/nat_check.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::rendezvous {

struct NatCheckSocket {
  InterfaceId interface = kAnyInterface;
  SocketAddress local;  // as bound (the IP may be unspecified: a wildcard listener)
};

struct NatCheckResponderStats {
  std::uint64_t answered = 0;
  std::uint64_t no_such_socket = 0;  // asked for another port/address we do not have
  std::uint64_t refused = 0;         // the Endpoint withheld the Redirect (budget)
};

class NatCheckResponder : public node::Service {
 public:
  NatCheckResponder(Endpoint& endpoint, std::vector<NatCheckSocket> sockets);

  std::string_view name() const override { return "nat-check"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override {
    node::Interests i = node::Interests::none();
    i.unmatched_ihellos = true;
    return i;
  }
  bool on_event(TimePoint now, const EndpointEvent& event) override;

  // The host's sockets, once bound (port 0 resolved).
  void set_sockets(std::vector<NatCheckSocket> sockets) { sockets_ = std::move(sockets); }
  const NatCheckResponderStats& stats() const { return stats_; }
  // The sockets another port / another address of `s` would answer from.
  const NatCheckSocket* other_port_of(const NatCheckSocket& s) const;
  const NatCheckSocket* other_address_of(const NatCheckSocket& s) const;

 private:
  const NatCheckSocket* socket_of(InterfaceId i) const;

  Endpoint& endpoint_;
  std::vector<NatCheckSocket> sockets_;
  NatCheckResponderStats stats_;
};

}  // namespace rtmfp::rendezvous
