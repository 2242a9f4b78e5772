// The client side of the NAT check (nat_check.hpp), a service of a node's
// Node: asks the rendezvous which address it sees, whether answers from its
// other port and address get through, which address its other sockets see,
// and whether the node's own NAT hairpins; then classifies (RFC 4787, RFC
// 5780 §4.3-4.4). Sans-I/O: probe IHellos out through the Endpoint, their
// Redirect answers in as events, one deadline.
//
//  phase A (filtering, before anything is sent to the server's other
//    sockets): the same socket answers (the reflexive address, and the list
//    of the server's other sockets), the other port answers, the other
//    address answers. Lasts until test 1 is answered and the filtering
//    answers came or `filter_wait` (at least 4 RTT) passed. As soon as the
//    reflexive address is known, an IHello to it tells whether the NAT
//    sends it back to us (hairpin, waited for `hairpin_wait`).
//  phase B (mapping): the server's other port and other address each say
//    which address they see. Lasts until both came (and the hairpin test
//    is over) or `mapping_wait` (at least 4 RTT) passed.
// Unanswered requests are sent again every `resend` (loss).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rendezvous/core/nat_check.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::rendezvous {

struct NatCheckerConfig {
  ProfileKind profile = ProfileKind::modern;
  SocketAddress server;  // the rendezvous socket to ask
  Duration resend = milliseconds(100);
  Duration answer_timeout = seconds(2);  // test 1 unanswered: the check fails
  Duration filter_wait = milliseconds(600);
  Duration mapping_wait = milliseconds(600);
  Duration hairpin_wait = milliseconds(400);  // from test 1's answer (a hairpin stays inside our NAT)
};

struct NatCheckResult {
  bool ok = false;
  std::string error;  // when !ok
  NatClass nat;
  NatObservations observed;
  Duration elapsed{};
  std::uint64_t requests_sent = 0;
};

// One outstanding check request (namespace scope: clang will not let
// std::optional construct a nested class with default member initializers
// before the enclosing class is complete).
struct NatCheckRequest {
  Bytes tag;
  SocketAddress to;
  NatCheckReplyFrom from = NatCheckReplyFrom::same;
  bool answered = false;
  TimePoint next_send{};
};

class NatChecker : public node::Service {
 public:
  using Done = std::function<void(TimePoint, const NatCheckResult&)>;
  NatChecker(Endpoint& endpoint, RandomSource& rng, NatCheckerConfig config, Done done = {});

  std::string_view name() const override { return "nat-checker"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override {
    node::Interests i = node::Interests::none();
    i.probe_replies = true;
    return i;
  }
  // Starts a check (again, if one ran before); on_start does not: the owner
  // decides when (the node: after registering).
  void start(TimePoint now);
  // The rendezvous socket the next start() asks (a node that moved to
  // another rendezvous checks against that one).
  void set_server(const SocketAddress& server) { config_.server = server; }
  bool running() const { return phase_ != Phase::idle && phase_ != Phase::done; }
  const std::optional<NatCheckResult>& result() const { return result_; }

  bool on_event(TimePoint now, const EndpointEvent& event) override;
  std::optional<TimePoint> next_deadline() const override;
  void on_deadline(TimePoint now) override;
  void on_shutdown(TimePoint now) override;

 private:
  enum class Phase { idle, filtering, mapping, done };
  using Request = NatCheckRequest;
  enum Slot { kSame, kFromOtherPort, kFromOtherAddress, kMapOtherPort, kMapOtherAddress, kHairpin, kSlots };

  void send(TimePoint now, Slot slot, const SocketAddress& to, NatCheckReplyFrom from);
  void resend_due(TimePoint now);
  void maybe_advance(TimePoint now);
  void begin_mapping(TimePoint now);
  void finish(TimePoint now, std::string error = {});
  std::optional<Slot> slot_of(ByteView tag) const;
  void on_answer(TimePoint now, Slot slot, const ProbeRedirect& r);

  Endpoint& endpoint_;
  RandomSource& rng_;
  NatCheckerConfig config_;
  Done done_;
  Phase phase_ = Phase::idle;
  std::optional<Request> requests_[kSlots];
  NatObservations obs_;
  TimePoint started_{}, phase_end_{}, hairpin_end_{};
  Duration rtt_{};
  std::uint64_t sent_ = 0;
  std::optional<NatCheckResult> result_;
};

}  // namespace rtmfp::rendezvous
