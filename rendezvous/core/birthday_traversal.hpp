// A node's side of birthday probing (issue 12 §2; the introducer's plan:
// path_strategy.hpp `birthday`, port_prediction.hpp BirthdayPlan), sans-I/O:
// the introducer told this node (control.proto Introduction) that one side
// of an introduction it is part of has an endpoint-dependent NAT with random
// ports and the other a port-filtering one, so RFC 7016's introduction alone
// cannot open a direct path. Then:
//  - The hard side opens k mappings toward the easy side's one reflexive
//    address: k extra local sockets (SocketPool: the host's - NodeHost's
//    ephemeral UDP sockets, the simulator's extra addresses), each sending
//    the packet its role would send anyway toward that address, so its NAT
//    allocates k random public ports that accept the easy side:
//      initiator: its IHello (same EPD and tag as its opening session);
//      target:    the RHello of the Forwarded IHello it got (§3.5.1.5).
//    They are repeated at 0, 1, 2 ... s while probing lasts: a copy that
//    arrives after the easy side's probe opened its filter for that port
//    gets through itself (and a lost first copy is made good).
//  - The easy side probes random ports of the hard side's public IP, paced
//    by BirthdayPacer (rate, count, time capped), each probe again the
//    packet its role sends anyway:
//      initiator: its IHello - one reaching a mapped port arrives at the
//                 hard target's extra socket, whose RHello comes back by it;
//      target:    its RHello - one reaching a mapped port arrives at the
//                 hard initiator's extra socket, which sends IIKeying by it.
//    Each probe also opens the easy side's port filter for that port.
//  Either way the session's addresses are the ones that worked (the
//  initiator adopts the RHello's source and socket, the responder the
//  IIKeying's), and RFC 7016 needs nothing new on the wire. No probe to an
//  address the introducer did not name, beyond the plan's bounds.
//  - Stop: the session with that peer opens (directly, or through the relay
//    that joins when the budget has run out), the opening fails, or the
//    plan's time is up. The hard side then closes its extra sockets but the
//    one the session uses, which it closes when that session closes.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "rendezvous/core/port_prediction.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"

namespace rtmfp::rendezvous {

// What a node was told (control.proto Introduction, strategy birthday).
struct BirthdayOrder {
  PeerId peer{};                  // the other side
  bool initiator = false;         // this node sent the IHello
  bool hard_side = false;         // this node's NAT is the endpoint-dependent one
  SocketAddress peer_address;     // the other side's address as the rendezvous sees it
  BirthdayPlan plan;
};

// Extra local sockets, from the host.
class SocketPool {
 public:
  virtual ~SocketPool() = default;
  // Opens up to `n` sockets able to reach `toward` (its family), ephemeral
  // ports; their interfaces (fewer when the host ran out).
  virtual std::vector<InterfaceId> open(std::size_t n, const SocketAddress& toward) = 0;
  virtual void close(InterfaceId interface) = 0;
};

struct BirthdayStats {
  std::uint64_t runs = 0;           // orders executed
  std::uint64_t probes = 0;         // easy side: probes sent
  std::uint64_t openers = 0;        // hard side: packets from extra sockets
  std::uint64_t sockets_opened = 0;
  std::uint64_t direct = 0;         // the session opened on a probed path (easy: a probed port; hard: an extra socket)
  std::uint64_t other_path = 0;     // it opened another way (the relay, plain punching)
  std::uint64_t gave_up = 0;        // budget spent, opening failed, or no session/tag to probe with
  std::uint64_t refused = 0;        // orders ignored (disabled, bounds, already running)
};

class BirthdayTraversal {
 public:
  static constexpr std::size_t kMaxRuns = 4;            // at once
  static constexpr std::uint32_t kMaxSockets = 256;     // per run (the introducer's default)
  static constexpr std::size_t kMaxTotalSockets = 512;  // extra sockets at once, all runs
  static constexpr Duration kOpenerInterval = seconds(1);
  static constexpr Duration kTagLifetime = seconds(15);  // FIHello tags remembered
  static constexpr std::size_t kMaxTags = 32;
  // A run's introduction repeats with the initiator's IHello
  // retransmissions, also after the run ended (the relay's turn): no new
  // run for that peer this long after one, nor while a session is open.
  static constexpr Duration kRerunAfter = seconds(30);
  static constexpr std::size_t kMaxRecent = 32;

  // `pool` may be null (no extra sockets: the hard side then does nothing).
  BirthdayTraversal(Endpoint& endpoint, SocketPool* pool, std::uint64_t seed);
  ~BirthdayTraversal();

  void set_enabled(bool on) { enabled_ = on; }
  // A birthday order; one run per peer at once (introductions repeat with
  // the initiator's IHello retransmissions: the same run).
  void on_order(TimePoint now, const BirthdayOrder& order);
  // Every endpoint event (none consumed): the Forwarded IHello's tag, the
  // session opening or failing, the kept socket's session closing.
  void on_event(TimePoint now, const EndpointEvent& event);
  std::optional<TimePoint> next_deadline() const;
  void on_deadline(TimePoint now);

  const BirthdayStats& stats() const { return stats_; }
  std::size_t running() const { return runs_.size(); }
  std::size_t sockets_held() const;

 private:
  struct Run {
    BirthdayOrder order;
    TimePoint started{}, ends{};
    std::optional<BirthdayPacer> pacer;      // easy side
    std::vector<InterfaceId> sockets;        // hard side
    TimePoint next_opener{};
    std::optional<ProfileKind> profile;      // target: the Forwarded IHello's
    Bytes tag;
    bool waiting = false;  // initiator: no session in S_IHELLO_SENT (an RHello came): wait for the outcome
    bool done = false;
  };
  struct Tag {
    TimePoint at;
    SocketAddress initiator;
    ProfileKind profile;
    Bytes tag;
  };
  struct Kept {  // the extra socket an open session uses
    SessionHandle session;
    InterfaceId interface;
  };
  void step(TimePoint now, Run& r);
  void finish(TimePoint now, Run& r, std::optional<InterfaceId> keep = {}, std::optional<SessionHandle> session = {});
  void sweep();
  bool learn_tag(Run& r, TimePoint now);
  std::uint64_t seed_for(const BirthdayOrder& o) const;

  Endpoint& endpoint_;
  SocketPool* pool_;
  std::uint64_t seed_;
  bool enabled_ = true;
  std::vector<Run> runs_;        // <= kMaxRuns
  std::deque<Tag> tags_;         // <= kMaxTags
  std::vector<Kept> kept_;       // <= kMaxTotalSockets
  std::deque<std::pair<PeerId, TimePoint>> recent_;  // peers whose run ended, and when; <= kMaxRecent
  BirthdayStats stats_;
};

}  // namespace rtmfp::rendezvous
