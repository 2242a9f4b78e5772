// The introducer's word on an introduction (core/introduction_notice.hpp)
// as the control-plane Introduction message (control.proto), its bounds
// applied; and, on the node, the birthday order (core/birthday_traversal.hpp)
// such a message carries.
#pragma once

#include <optional>

#include "rendezvous/control/control_codec.hpp"
#include "rendezvous/core/birthday_traversal.hpp"
#include "rendezvous/core/introduction_notice.hpp"

namespace rtmfp::rendezvous::control {

Introduction introduction_message(const IntroductionNotice& n);

// Strategy birthday with a peer ID and the bounds: what to do; else nullopt.
std::optional<BirthdayOrder> birthday_order(const Introduction& i);

}  // namespace rtmfp::rendezvous::control
