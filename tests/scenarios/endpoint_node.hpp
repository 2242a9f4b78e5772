// Adapts an rtmfp::Endpoint to the simulator's Node interface and records
// its events, so scenarios can run real endpoints (real crypto profiles) in
// virtual time.
#pragma once

#include <memory>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "tests/sim/node.hpp"

namespace rtmfp::testing {

class EndpointNode final : public sim::Node {
 public:
  EndpointNode(SocketAddress address, std::unique_ptr<Endpoint> endpoint)
      : address_(address), endpoint_(std::move(endpoint)) {}

  void on_datagram(TimePoint now, const SocketAddress& /*local*/, const SocketAddress& from,
                   ByteView data) override {
    endpoint_->on_datagram(now, from, data);
    collect();
  }
  std::optional<sim::Datagram> poll_transmit(TimePoint now) override {
    auto t = endpoint_->poll_transmit(now);
    collect();
    if (!t) return std::nullopt;
    return sim::Datagram{address_, t->to, std::move(t->data)};
  }
  std::optional<TimePoint> next_deadline() const override { return endpoint_->next_deadline(); }
  void on_deadline(TimePoint now) override {
    endpoint_->on_deadline(now);
    collect();
  }

  Endpoint& endpoint() { return *endpoint_; }
  const SocketAddress& address() const { return address_; }
  std::vector<EndpointEvent> events;

  template <class T>
  const T* first() const {
    for (auto& e : events)
      if (auto* p = std::get_if<T>(&e)) return p;
    return nullptr;
  }

 private:
  void collect() {
    while (auto e = endpoint_->poll_event()) events.push_back(std::move(*e));
  }
  SocketAddress address_;
  std::unique_ptr<Endpoint> endpoint_;
};

}  // namespace rtmfp::testing
