// Adapts an rtmfp::Endpoint to the simulator's Node interface and records
// its events, so scenarios can run real endpoints (real crypto profiles) in
// virtual time.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "tests/sim/node.hpp"

namespace rtmfp::testing {

class EndpointNode final : public sim::Node {
 public:
  EndpointNode(SocketAddress address, std::unique_ptr<Endpoint> endpoint)
      : address_(address), endpoint_(std::move(endpoint)) {}

  void on_datagram(TimePoint now, const SocketAddress& local, const SocketAddress& from,
                   ByteView data) override {
    InterfaceId iface = kAnyInterface;
    if (!interfaces.empty()) {
      auto it = std::find(interfaces.begin(), interfaces.end(), local);
      if (it != interfaces.end()) iface = static_cast<InterfaceId>(it - interfaces.begin());
    }
    endpoint_->on_datagram(now, from, data, iface);
    collect(now);
  }
  std::optional<sim::Datagram> poll_transmit(TimePoint now) override {
    auto t = endpoint_->poll_transmit(now);
    collect(now);
    if (!t) return std::nullopt;
    const SocketAddress& from = t->interface < interfaces.size() ? interfaces[t->interface] : address_;
    return sim::Datagram{from, t->to, std::move(t->data)};
  }
  std::optional<TimePoint> next_deadline() const override { return endpoint_->next_deadline(); }
  void on_deadline(TimePoint now) override {
    ++deadline_calls;
    const std::uint64_t out_before = endpoint_->stats().packets_out;
    endpoint_->on_deadline(now);
    collect(now);
    // A wake-up that leaves the next deadline at or before now would have the
    // driver call again at once (a spin); one that sends nothing is idle work.
    if (auto d = endpoint_->next_deadline(); d && *d <= now) ++zero_advance_calls;
    if (endpoint_->stats().packets_out == out_before) ++silent_deadline_calls;
  }

  Endpoint& endpoint() { return *endpoint_; }
  const SocketAddress& address() const { return address_; }
  std::vector<EndpointEvent> events;
  // Optional: several local sockets (InterfaceId i is interfaces[i]; the
  // host must be added with them all). Empty: one socket, `address`, and
  // no interface IDs passed to the endpoint.
  std::vector<SocketAddress> interfaces;
  // Optional: see every event first, in order (with the time it was
  // collected); one returning true consumes it (not stored in `events`), which
  // keeps bulk transfers from holding every message in memory.
  std::vector<std::function<bool(TimePoint, EndpointEvent&)>> sinks;
  std::uint64_t deadline_calls = 0;         // on_deadline() calls, to bound timer wake-ups
  std::uint64_t zero_advance_calls = 0;     // ... after which next_deadline() was still <= now
  std::uint64_t silent_deadline_calls = 0;  // ... that produced no datagram

  template <class T>
  const T* first() const {
    for (auto& e : events)
      if (auto* p = std::get_if<T>(&e)) return p;
    return nullptr;
  }
  template <class T>
  std::size_t count() const {
    std::size_t n = 0;
    for (auto& e : events) n += std::holds_alternative<T>(e);
    return n;
  }

 private:
  void collect(TimePoint now) {
    while (auto e = endpoint_->poll_event()) {
      bool consumed = false;
      for (auto& sink : sinks)
        if ((consumed = sink(now, *e))) break;
      if (!consumed) events.push_back(std::move(*e));
    }
  }
  SocketAddress address_;
  std::unique_ptr<Endpoint> endpoint_;
};

}  // namespace rtmfp::testing
