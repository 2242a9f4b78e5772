// Birthday probing as a service of a node (rtmfp/node): the node's
// BirthdayTraversal (rendezvous/core/birthday_traversal.hpp) sees the
// session events (SessionOpened / OpenFailed / Closed, and
// ForwardedIHelloAnswered for the tag its RHellos echo; the endpoint must
// have EndpointConfig::report_forwarded_ihellos) and runs on the node's
// timer. Orders come from the registration client's Introduction handler
// (control.proto; control::birthday_order). No flows of its own. Sans-I/O:
// the extra sockets are the host's (SocketPool).
#pragma once

#include "rendezvous/core/birthday_traversal.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::rendezvous {

class BirthdayService final : public node::Service {
 public:
  BirthdayService(Endpoint& endpoint, SocketPool* pool, std::uint64_t seed) : traversal_(endpoint, pool, seed) {}
  std::string_view name() const override { return "birthday"; }
  std::vector<Bytes> signatures() const override { return {}; }
  bool on_event(TimePoint now, const EndpointEvent& event) override {
    traversal_.on_event(now, event);
    return false;
  }
  std::optional<TimePoint> next_deadline() const override { return traversal_.next_deadline(); }
  void on_deadline(TimePoint now) override { traversal_.on_deadline(now); }
  BirthdayTraversal& traversal() { return traversal_; }

 private:
  BirthdayTraversal traversal_;
};

}  // namespace rtmfp::rendezvous
