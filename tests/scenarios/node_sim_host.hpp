// Runs an rtmfp::node::Node (an Endpoint with services) as a simulator host
// with one or more local addresses: interface ID i is locals[i], as NodeHost
// numbers its sockets. The simulator's counterpart of rtmfp/host/NodeHost.
#pragma once

#include <deque>
#include <vector>

#include "rtmfp/node/node.hpp"
#include "tests/sim/node.hpp"

namespace rtmfp::testing {

class NodeSimHost final : public sim::Node {
 public:
  NodeSimHost(node::Node& node, std::vector<SocketAddress> locals) : node_(node), locals_(std::move(locals)) {}

  void on_datagram(TimePoint now, const SocketAddress& local, const SocketAddress& from, ByteView data) override {
    InterfaceId iface = 0;
    for (std::size_t i = 0; i < locals_.size(); ++i)
      if (locals_[i] == local) iface = static_cast<InterfaceId>(i);
    node_.on_datagram(now, from, data, iface);
    drain(now);
  }
  std::optional<sim::Datagram> poll_transmit(TimePoint now) override {
    if (out_.empty()) drain(now);
    if (out_.empty()) return std::nullopt;
    auto d = std::move(out_.front());
    out_.pop_front();
    return d;
  }
  std::optional<TimePoint> next_deadline() const override { return node_.next_deadline(); }
  void on_deadline(TimePoint now) override {
    node_.on_deadline(now);
    drain(now);
  }
  const std::vector<SocketAddress>& locals() const { return locals_; }

 private:
  // As NodeHost::pump: services' poll, then datagrams and events until both
  // are empty (bounded).
  void drain(TimePoint now) {
    node_.poll_services(now);
    for (int round = 0; round < 64; ++round) {
      bool any = false;
      while (auto t = node_.poll_transmit(now)) {
        any = true;
        const std::size_t i = t->interface < locals_.size() ? t->interface : 0;
        out_.push_back(sim::Datagram{locals_[i], t->to, std::move(t->data)});
      }
      if (node_.route_events(now)) any = true;
      if (!any) break;
    }
  }
  node::Node& node_;
  std::vector<SocketAddress> locals_;
  std::deque<sim::Datagram> out_;
};

}  // namespace rtmfp::testing
