#include "rendezvous/control/introduction_message.hpp"

#include <algorithm>

namespace rtmfp::rendezvous::control {

Introduction introduction_message(const IntroductionNotice& n) {
  Introduction m;
  m.strategy = n.plan.strategy;
  m.initiator = n.initiator;
  m.peer_id = n.peer;
  m.peer_address = n.peer_address;
  m.own_class = n.own_nat;
  m.peer_class = n.peer_nat;
  m.hard_side = n.hard_side;
  m.predicted_ports = n.predicted_ports;
  if (m.predicted_ports.size() > kMaxPredictedPorts) m.predicted_ports.resize(kMaxPredictedPorts);
  if (n.birthday) {
    m.birthday_sockets = std::min(n.birthday->hard_sockets, kMaxBirthdaySockets);
    m.birthday_probes = std::min(n.birthday->max_probes, kMaxBirthdayProbes);
    m.birthday_rate = std::min(n.birthday->probes_per_second, kMaxBirthdayRate);
    m.birthday_max_ms =
        static_cast<std::uint32_t>(std::min<std::int64_t>(to_ms(n.birthday->max_time), kMaxBirthdayMs));
  }
  m.relay_now = n.plan.relay_now;
  m.relay_later = n.plan.relay_later;
  return m;
}

std::optional<BirthdayOrder> birthday_order(const Introduction& i) {
  if (i.strategy != PathStrategy::birthday || !i.peer_id || i.peer_address.port == 0) return std::nullopt;
  if (i.hard_side ? i.birthday_sockets == 0 : (i.birthday_probes == 0 || i.birthday_rate == 0)) return std::nullopt;
  BirthdayOrder o;
  o.peer = *i.peer_id;
  o.initiator = i.initiator;
  o.hard_side = i.hard_side;
  o.peer_address = i.peer_address;
  o.plan.hard_sockets = std::min(i.birthday_sockets, kMaxBirthdaySockets);
  o.plan.max_probes = std::min(i.birthday_probes, kMaxBirthdayProbes);
  o.plan.probes_per_second = std::min(i.birthday_rate, kMaxBirthdayRate);
  o.plan.max_time = milliseconds(std::min(i.birthday_max_ms, kMaxBirthdayMs));
  return o;
}

}  // namespace rtmfp::rendezvous::control
