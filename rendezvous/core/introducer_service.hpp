// The introducer as a service on an Endpoint (sans-I/O): fed the endpoint's
// events, it keeps the registry and answers unmatched IHellos.
//  - SessionOpened (as responder): the far peer is registered by its peer ID,
//    with the session's far address as its reflexive address (RFC 7016
//    §3.5.1.6: "The service observes and records the responder's public NAT
//    address as the DESTADDR of the S_OPEN session"). A peer that wants to be
//    found under its own identity initiates with it (modern:
//    stable_initiator_identity; flash: client_identity, RFC 7425 §5.4.1).
//  - SessionAddressChanged: the reflexive address follows (§3.5.4.2).
//  - SessionClosed: the record goes.
//  - UnmatchedIHello: Redirect to the initiator first, then FIHello to the
//    peer (so the initiator's own IHellos are on their way to open its NAT
//    before the peer's RHello arrives), subject to the Introducer's limits.
//    The path strategy (path_strategy.hpp) needs both NAT classes. A node
//    reports its class after its NAT check, about a second after it
//    registered; an introduction that arrives before (a probe started as
//    soon as the node printed its registration) waits for it: when each
//    side's class is known or announced (Registration nat_report_follows)
//    and one is still on its way, the introduction is held until the
//    report arrives or limits::kNatReportWait after that side's
//    registration, whichever is first, then planned with what is known.
//    Bounded by limits::kMaxHeldIntroductions (past it: at once); copies
//    of a held IHello (the initiator's retransmissions) are dropped.
//    A direct plan can still fail (UDP blocked between the peers, a NAT
//    the check misread): when the initiator asks again for the same
//    introduction (its IHello retransmission, same tag) at least
//    limits::kDirectFallbackAfter later, punching has not opened, and the
//    relay joins then.
// Host addresses come from the control plane or setPeerInfo through
// registry().set_host_addresses.
// With a shared directory attached (directory.hpp, issue 12 §4), every local
// registration is published there, and an IHello for a peer not registered
// here is resolved through it: a Redirect to the instance that holds the
// peer (RFC 7016 §3.5.1.4), which then introduces.
#pragma once

#include <cstdint>
#include <array>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

#include "rendezvous/core/directory.hpp"
#include "rendezvous/core/introducer.hpp"
#include "rendezvous/core/introduction_notice.hpp"
#include "rendezvous/core/path_strategy.hpp"
#include "rendezvous/core/relay.hpp"
#include "rendezvous/core/registry.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::rendezvous {

struct IntroducerServiceStats {
  std::uint64_t registrations = 0;
  std::uint64_t registrations_refused = 0;  // registry full
  std::uint64_t introductions = 0;          // Redirect + FIHello sent (direct or relayed)
  std::uint64_t introductions_failed = 0;   // the endpoint refused a command (budget, session gone)
  std::uint64_t relayed = 0;                // introductions through the relay (at once or after a race)
  std::uint64_t races = 0;                  // direct now, relay later (a class unknown, or a guess)
  std::uint64_t predicted = 0;              // introductions with predicted ports (path_strategy.hpp predict)
  std::uint64_t birthday = 0;               // introductions told to birthday-probe
  std::uint64_t notices = 0;                // IntroductionNotices handed to the notice sink
  std::uint64_t relay_refused = 0;          // the relay had no ports, or no address of the family
  std::uint64_t directory_redirects = 0;    // Redirects to another instance sent (directory.hpp)
  std::uint64_t held = 0;                   // introductions that waited for an announced NAT class
  std::uint64_t held_expired = 0;           // ... and went without it (limits::kNatReportWait)
  std::uint64_t held_repeats = 0;           // copies of an IHello already waiting (dropped)
  std::uint64_t held_overflow = 0;          // not held: kMaxHeldIntroductions waiting already
  std::uint64_t direct_fallbacks = 0;       // direct asked for again: the relay joined (kDirectFallbackAfter)
};

// The relay the introducer may use (relay.hpp), and where it is reachable.
struct RelayAttachment {
  Relay* relay = nullptr;
  std::optional<SocketAddress> ipv4, ipv6;  // the relay's address per family (port ignored)
  Duration race_delay = seconds(1);         // how long direct has alone before the relay joins
  // Birthday probing (port_prediction.hpp) has its own budget: the relay
  // joins when it has run out (a relayed session does not move to the
  // direct path the probes find later).
  Duration birthday_race_delay = BirthdayPlan{}.max_time;
};

class IntroducerService : public node::Service {
 public:
  IntroducerService(Endpoint& endpoint, const SipKey& hash_key,
                    std::size_t max_peers = limits::kMaxRegisteredPeers);

  // Handles the events it is for; returns true for those (UnmatchedIHello,
  // and the session events it used - those stay visible to other services,
  // so it returns false for them).
  bool on_event(TimePoint now, const EndpointEvent& event) override;

  // As a service of a Node (rtmfp/node): no flows of its own; session
  // events and unmatched IHellos.
  std::string_view name() const override { return "introducer"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override {
    node::Interests i;
    i.unmatched_ihellos = true;
    return i;
  }

  // Relayed introductions (issue 12 §2); without it every introduction is
  // direct.
  void attach_relay(const RelayAttachment& relay) { relay_ = relay; }
  // The shared peer directory (issue 12 §4); without it the registry is
  // the whole directory. Not owned; must outlive the service.
  void attach_directory(Directory* directory) { directory_ = directory; }
  Directory* directory() { return directory_; }
  // Who tells registered peers how their introductions go (ControlService
  // sends them as control.proto Introduction); called synchronously from
  // on_event / on_deadline. Without it nothing is told.
  using NoticeSink = std::function<void(TimePoint, const IntroductionNotice&)>;
  void set_notice_sink(NoticeSink sink) { notice_sink_ = std::move(sink); }
  // Port prediction on or off (on by default; off shows what it is for).
  void set_prediction(bool on) { prediction_ = on; }
  // The store answered a lookup (the io layer calls this on the host's
  // thread): the IHellos waiting for it get their Redirects.
  void on_directory_result(TimePoint now, const DirectoryLookupResult& result);
  std::optional<TimePoint> next_deadline() const override;
  void on_deadline(TimePoint now) override;
  // A registered peer's NAT class arrived (control plane NatReport): kept in
  // the registry, and the introductions waiting for it go.
  void nat_reported(TimePoint now, SessionHandle session, const NatProfile& nat);
  std::size_t held() const { return held_.size(); }

  Registry& registry() { return registry_; }
  const Registry& registry() const { return registry_; }
  const Introducer& introducer() const { return introducer_; }
  const IntroducerServiceStats& stats() const { return stats_; }

 private:
  void introduce(TimePoint now, const UnmatchedIHello& u);
  // Plans and sends an introduction the Introducer accepted.
  void carry_out(TimePoint now, const UnmatchedIHello& u, const Introduction& intro);
  // When a class is still on its way for this pair: until when to wait.
  std::optional<TimePoint> class_due(TimePoint now, const PeerRecord* initiator, const PeerRecord* target) const;
  struct Held {  // an introduction waiting for an announced NAT class
    TimePoint until{};
    UnmatchedIHello ihello;
    Introduction intro;
  };
  std::vector<Held> held_;  // <= limits::kMaxHeldIntroductions
  // Direct introductions sent (initiator address and tag -> when), for
  // the fallback; <= limits::kMaxPendingRelays, oldest forgotten.
  std::unordered_map<std::string, TimePoint> directs_;
  std::deque<std::pair<std::string, TimePoint>> direct_order_;
  // true: relay now (a repeat of a direct introduction, late enough).
  bool direct_repeat(TimePoint now, const UnmatchedIHello& u, SessionHandle target);
  void release_held(TimePoint now);
  struct Pending {  // a relayed attempt waiting for its race delay
    TimePoint due{};
    UnmatchedIHello ihello;
    SessionHandle target = 0;
    SocketAddress target_address;
  };
  bool introduce_relayed(TimePoint now, const UnmatchedIHello& u, SessionHandle target,
                         const SocketAddress& target_address);
  RelayAttachment relay_;
  Directory* directory_ = nullptr;
  void send_directory_redirect(TimePoint now, const UnmatchedIHello& u, const std::vector<wire::WireAddress>& to);
  // [0]: after race_delay, [1]: after birthday_race_delay (each in due
  // order); each bounded by limits::kMaxPendingRelays, oldest dropped.
  std::array<std::deque<Pending>, 2> pending_;
  void tell(TimePoint now, const UnmatchedIHello& u, const PeerRecord* initiator, const PeerRecord& target,
            const TraversalPlan& plan, const std::vector<std::uint16_t>& predicted);
  NoticeSink notice_sink_;
  bool prediction_ = true;

  Endpoint& endpoint_;
  Registry registry_;
  Introducer introducer_;
  IntroducerServiceStats stats_;
};

}  // namespace rtmfp::rendezvous
