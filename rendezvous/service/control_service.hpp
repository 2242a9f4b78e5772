// The rendezvous side of our control plane (rendezvous/proto/control.proto),
// sans-I/O: a node opens a flow with the control signature on its session to
// the rendezvous; the service answers on a flow associated with it (RFC 7016
// §2.3.11.1.2). Registration -> the node's host addresses go into the
// registry and it gets Registered (its reflexive address, the keepalive
// period, its peer ID); Lookup -> LookupResult; NatReport -> kept per
// session; GroupJoin -> GroupMembers (or Failure), GroupLeave -> gone, when
// a group directory is attached (rendezvous/core/group_directory.hpp); a
// session that closes leaves its groups. One control flow per session; a
// second one, or an undecodable message, is rejected and counted.
#pragma once

#include <cstdint>
#include <map>

#include "rendezvous/control/control_codec.hpp"
#include "rendezvous/core/group_directory.hpp"
#include "rendezvous/core/introducer_service.hpp"

namespace rtmfp::rendezvous {

struct ControlServiceStats {
  std::uint64_t registrations = 0;
  std::uint64_t lookups = 0;
  std::uint64_t nat_reports = 0;
  std::uint64_t introductions_told = 0;  // Introduction messages sent (path_strategy.hpp's plan)
  std::uint64_t group_joins = 0, group_leaves = 0, group_refused = 0;
  std::uint64_t malformed = 0;       // undecodable messages (flow rejected)
  std::uint64_t rejected_flows = 0;  // a second control flow on one session, or an unregistered session
};

class ControlService : public node::Service {
 public:
  // keepalive: the period told to nodes (below the NAT mapping timeouts the
  // service must survive, 30 s).
  // Tells registered nodes how their introductions go (the introducer's
  // notice sink; control.proto Introduction).
  ControlService(Endpoint& endpoint, IntroducerService& introducer, Duration keepalive = seconds(15));
  ~ControlService() override;
  ControlService(const ControlService&) = delete;
  ControlService& operator=(const ControlService&) = delete;

  // Handles FlowIncoming with the control signature and the messages and
  // ends of those flows; returns true for events it consumed.
  bool on_event(TimePoint now, const EndpointEvent& event) override;
  // As a service of a Node: the control signature's flows, session events.
  std::string_view name() const override { return "control"; }
  std::vector<Bytes> signatures() const override {
    auto s = control::flow_signature();
    return {Bytes(s.begin(), s.end())};
  }

  // P2P broadcast groups' member directory (not owned; outlives the
  // service). Without it group messages are answered with a Failure.
  void attach_groups(GroupDirectory* groups) { groups_ = groups; }
  std::optional<TimePoint> next_deadline() const override {
    return groups_ ? groups_->next_deadline() : std::nullopt;
  }
  void on_deadline(TimePoint now) override {
    if (groups_) groups_->expire(now);
  }

  const ControlServiceStats& stats() const { return stats_; }
  const control::NatReport* nat_report(SessionHandle session) const;

 private:
  struct Channel {
    FlowId in = 0;
    std::optional<FlowId> out;
    std::optional<control::NatReport> nat;
    std::optional<PeerId> peer;  // the registered peer (its groups go with the session)
  };
  void handle_group(TimePoint now, SessionHandle session, Channel& ch, const PeerId& peer, const control::Message& m);
  void handle(TimePoint now, SessionHandle session, Channel& ch, const control::Message& m);
  void reply(TimePoint now, SessionHandle session, Channel& ch, const control::Message& m);
  void tell(TimePoint now, const IntroductionNotice& n);

  Endpoint& endpoint_;
  IntroducerService& introducer_;
  Duration keepalive_;
  std::map<SessionHandle, Channel> channels_;
  GroupDirectory* groups_ = nullptr;
  ControlServiceStats stats_;
};

}  // namespace rtmfp::rendezvous
