// What the introducer tells a registered peer about an introduction it is
// part of (control.proto Introduction; issue 12 §2): the strategy chosen
// from both NAT classes (path_strategy.hpp), the other side's class and
// address, and the guesses the strategy needs (port_prediction.hpp), so the
// node knows what to do (probe, open mappings, wait for the relay). The
// RFC 7016 messages of the introduction (Redirect, Forwarded IHello,
// §3.5.1.6) go as always; this rides beside them on the control flow.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rendezvous/core/path_strategy.hpp"
#include "rendezvous/core/port_prediction.hpp"
#include "rtmfp/core/address.hpp"
#include "rtmfp/core/endpoint/endpoint_types.hpp"

namespace rtmfp::rendezvous {

struct IntroductionNotice {
  SessionHandle session = 0;       // the registered peer told
  bool initiator = false;          // it sent the IHello
  std::optional<PeerId> peer;      // the other side, when known (a registered initiator, or the target)
  SocketAddress peer_address;      // where the rendezvous sees the other side
  std::optional<NatProfile> own_nat, peer_nat;
  TraversalPlan plan;
  bool hard_side = false;          // predict / birthday: this peer's ports are the ones guessed
  std::vector<std::uint16_t> predicted_ports;  // predict: the hard side's
  std::optional<BirthdayPlan> birthday;        // birthday
};

}  // namespace rtmfp::rendezvous
