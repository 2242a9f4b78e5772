// The node side of introductions over TURN: every Forwarded IHello the
// Endpoint answers (RFC 7016 §3.5.1.5, reported with
// EndpointConfig::report_forwarded_ihellos) names an initiator that may try
// our relayed address next; the TURN server relays nothing from it without
// a permission (RFC 8656 §9), so one is created for its IP at once.
#pragma once

#include "rendezvous/turn/io/turn_interface.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::turn {

class TurnPermitService final : public node::Service {
 public:
  explicit TurnPermitService(TurnInterface& turn) : turn_(turn) {}
  std::string_view name() const override { return "turn-permit"; }
  std::vector<Bytes> signatures() const override { return {}; }
  bool on_event(TimePoint, const EndpointEvent& event) override {
    if (const auto* f = std::get_if<ForwardedIHelloAnswered>(&event)) {
      // Before the allocation exists nothing can be permitted (the
      // initiator then reaches us directly or not through the relay).
      if (turn_.permit(f->initiator)) ++permitted_;
      return true;
    }
    return false;
  }
  std::uint64_t permitted() const { return permitted_; }

 private:
  TurnInterface& turn_;
  std::uint64_t permitted_ = 0;
};

}  // namespace rtmfp::turn
