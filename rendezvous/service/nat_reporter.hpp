// A node's NAT class for its rendezvous, as a service (sans-I/O): after
// each registration (RegistrationClient) it runs the NAT check against that
// rendezvous (core/nat_checker.hpp) and reports the class on the control
// plane (NatReport); a check that failed reports an unknown class, so the
// introductions the introducer holds for it (introducer_service.hpp) go at
// once. The node announces the report in its Registration
// (RegistrationOptions::nat_report_follows). Used by group nodes
// (media/io/group_node.cpp); `rtmfp node` and the registered probe wire
// the same steps with their own output.
#pragma once

#include <functional>

#include "rendezvous/control/nat_report.hpp"
#include "rendezvous/core/nat_checker.hpp"
#include "rendezvous/service/registration_client.hpp"

namespace rtmfp::rendezvous {

class NatReporter final : public node::Service {
 public:
  // `checker`'s done callback must call done() (constructed before this).
  NatReporter(RegistrationClient& registration, NatChecker& checker) : reg_(registration), checker_(checker) {}

  std::string_view name() const override { return "nat-reporter"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override { return node::Interests::none(); }
  bool on_event(TimePoint, const EndpointEvent&) override { return false; }
  // Once per registration (its attempt number), when not checking already.
  void on_poll(TimePoint now) override {
    if (!reg_.registered() || reg_.attempts() == checked_ || checker_.running()) return;
    checked_ = reg_.attempts();
    checker_.start(now);
  }
  void done(TimePoint now, const NatCheckResult& r) {
    reg_.report_nat(now, r.ok ? control::nat_report_of(r.nat) : control::NatReport{});
  }

 private:
  RegistrationClient& reg_;
  NatChecker& checker_;
  std::uint64_t checked_ = 0;
};

}  // namespace rtmfp::rendezvous
