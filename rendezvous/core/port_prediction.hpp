// Guessing the public port an endpoint-dependent NAT will give a peer's next
// mapping (issue 12 §2; RFC 4787 §4.2), for the predict and birthday
// strategies of path_strategy.hpp.
//  - Prediction (sequential allocation): the next mappings take
//    last + delta, last + 2 delta, ...; the introducer lists a small window
//    of them (kPredictWindow) so that the easy side opens its port filter
//    for each: to the initiator as extra Redirect addresses of the target
//    (RFC 7016 §2.3.5), to the target as extra Forwarded IHellos with those
//    reply addresses (§2.3.3). Bounded by the Redirect's 24 addresses and the
//    responder's FIHello budget (params.hpp kFIHelloBurst 20).
//  - Birthday probing (random allocation): the hard side opens k mappings
//    toward the easy side's one address, the easy side probes n random ports
//    of the hard side's address; P(hit) = 1 - (1 - k/R)^n over R ports
//    (k = 256, n = 1024, R = 64512: 98.3%). BirthdayPlan is what the
//    introducer tells both nodes (control.proto Introduction); BirthdayPacer
//    is the sans-I/O pacing of the easy side's probes: at most `rate` a
//    second, at most `max_probes`, no port twice, stopped on the first
//    success or after `max_time`.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include "rendezvous/core/path_strategy.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::rendezvous {

inline constexpr std::size_t kPredictWindow = 6;  // predicted ports per introduction

// The next `window` ports an endpoint-dependent, sequential NAT will give,
// counting from the last port its check saw, or else from `seen` (the
// reflexive port the rendezvous sees). Ports outside 1024-65535 skipped.
std::vector<std::uint16_t> predicted_ports(const NatProfile& hard, std::uint16_t seen,
                                           std::size_t window = kPredictWindow);

struct BirthdayPlan {
  std::uint32_t hard_sockets = 256;      // mappings the hard side opens toward the easy side
  std::uint32_t max_probes = 1024;       // easy side's probes to random ports of the hard side
  std::uint32_t probes_per_second = 100;
  Duration max_time = seconds(12);       // then stop; the relay has joined by then
  std::uint16_t first_port = 1024, last_port = 65535;  // the hard NAT's port range
};

// P(at least one of n probes hits one of k mappings among the range's ports).
double birthday_hit_probability(const BirthdayPlan& plan);

class BirthdayPacer {
 public:
  BirthdayPacer(const BirthdayPlan& plan, TimePoint start, std::uint64_t seed);
  // The next port to probe, if one is due at `now` (call until nullopt).
  std::optional<std::uint16_t> next_probe(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  void on_success() { done_ = true; }
  bool done() const { return done_; }
  std::uint32_t sent() const { return sent_; }

 private:
  std::uint16_t random_port();
  BirthdayPlan plan_;
  TimePoint start_;
  std::uint64_t state_;
  std::uint32_t sent_ = 0;
  bool done_ = false;
  std::unordered_set<std::uint16_t> used_;  // <= max_probes entries
};

}  // namespace rtmfp::rendezvous
