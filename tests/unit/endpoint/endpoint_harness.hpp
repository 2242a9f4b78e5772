// A tiny in-memory network for endpoint unit tests: endpoints at fixed
// addresses, instant delivery (or a filter that drops/rewrites), and a
// virtual clock that jumps to the next deadline. Scenarios under delay and
// loss live in tests/scenarios on the full simulator.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/crypto/testing/null_profile.hpp"

namespace rtmfp::testing {

struct Node {
  SocketAddress address;
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<NullProfile> profile;
  std::unique_ptr<Endpoint> endpoint;
  std::vector<EndpointEvent> events;

  template <class T>
  std::vector<T> events_of() const {
    std::vector<T> out;
    for (auto& e : events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
    return out;
  }
};

struct SentDatagram {
  SocketAddress from, to;
  Bytes data;
  TimePoint at;
};

class Harness {
 public:
  TimePoint now = at(seconds(1000));
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<SentDatagram> log;
  // Return false to drop; may rewrite the datagram or its source.
  std::function<bool(SentDatagram&)> filter;

  Node& add(const SocketAddress& a, std::uint64_t seed, EndpointConfig cfg = {}) {
    auto n = std::make_unique<Node>();
    n->address = a;
    n->rng = std::make_unique<SeededRandom>(seed);
    n->profile = std::make_unique<NullProfile>(*n->rng);
    n->endpoint = std::make_unique<Endpoint>(cfg, *n->rng);
    n->endpoint->add_profile(*n->profile);
    nodes.push_back(std::move(n));
    return *nodes.back();
  }

  // Extra addresses that reach a node (e.g. its new NAT mapping).
  std::map<SocketAddress, Node*> aliases;

  Node* at_address(const SocketAddress& a) {
    for (auto& n : nodes)
      if (n->address == a) return n.get();
    auto it = aliases.find(a);
    return it == aliases.end() ? nullptr : it->second;
  }

  // Delivers everything queued, repeatedly, at the current time.
  void deliver() {
    for (int round = 0; round < 1000; ++round) {
      bool any = false;
      for (auto& n : nodes) {
        while (auto e = n->endpoint->poll_event()) n->events.push_back(std::move(*e));
        while (auto t = n->endpoint->poll_transmit(now)) {
          any = true;
          SentDatagram d{n->address, t->to, std::move(t->data), now};
          log.push_back(d);
          if (filter && !filter(d)) continue;
          if (Node* dst = at_address(d.to)) dst->endpoint->on_datagram(now, d.from, d.data);
        }
      }
      if (!any) break;
    }
    for (auto& n : nodes)
      while (auto e = n->endpoint->poll_event()) n->events.push_back(std::move(*e));
  }

  // Advances to the next deadline (bounded by `limit`) and fires it.
  bool step(TimePoint limit) {
    deliver();
    std::optional<TimePoint> next;
    for (auto& n : nodes) next = earliest(next, n->endpoint->next_deadline());
    if (!next || *next > limit) {
      now = limit;
      return false;
    }
    now = std::max(now, *next);
    for (auto& n : nodes)
      if (auto d = n->endpoint->next_deadline(); d && *d <= now) n->endpoint->on_deadline(now);
    deliver();
    return true;
  }

  void run_for(Duration d) {
    TimePoint limit = now + d;
    while (step(limit)) {
    }
  }

  bool run_until(const std::function<bool()>& pred, Duration max) {
    TimePoint limit = now + max;
    deliver();
    while (!pred()) {
      if (!step(limit)) return pred();
    }
    return true;
  }
};

inline SocketAddress addr(std::uint8_t last, std::uint16_t port) { return SocketAddress::ipv4(10, 0, 0, last, port); }

}  // namespace rtmfp::testing
