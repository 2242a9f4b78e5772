// One RTMFP Node (rtmfp/node: an Endpoint and one service) on a NodeHost
// (rtmfp/host) with a thread of its own, for the relay's rtmfp:// and
// rtmfp-listen:// endpoints (whose Source / Sink calls block on the relay's
// thread). The service claims RFC 7425 §5.1.1 "TC" flows (the Node rejects
// any other incoming flow, code 0, as §5.1.1 asks) and hands the caller every
// event of its flows and of its sessions. All endpoint and protocol state
// lives on the host's thread; other threads reach it only through post() /
// call().
#pragma once

#include <asio.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/system_random.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::media::io {

using std::chrono::milliseconds;

class RtmfpNode {
 public:
  struct Options {
    EndpointConfig config;
    std::vector<ProfileKind> profiles;  // each gets a fresh identity (RFC 7425 §5.3: no reuse)
    SocketAddress bind;                 // port 0: any
    // Run on the node's thread. on_event: every event of the node's "TC"
    // flows and sessions, flow rejections and ping replies; on_tick: at
    // every pump and at least every tick_period.
    std::function<void(TimePoint, Endpoint&, const EndpointEvent&)> on_event;
    std::function<void(TimePoint, Endpoint&)> on_tick;
    // Run once on the caller's thread before the node's thread starts.
    std::function<void(Endpoint&)> on_start;
    milliseconds tick_period{100};
  };

  static Result<std::unique_ptr<RtmfpNode>> start(Options o);
  ~RtmfpNode();  // stops the thread (no orderly close: use shutdown() first)
  RtmfpNode(const RtmfpNode&) = delete;
  RtmfpNode& operator=(const RtmfpNode&) = delete;

  SocketAddress local_address() const { return local_; }
  // Runs f on the node's thread, then sends what it queued. Returns at once.
  void post(std::function<void(TimePoint, Endpoint&)> f);
  // The same, waiting for it; false if it did not run within `timeout`.
  bool call(std::function<void(TimePoint, Endpoint&)> f, milliseconds timeout = milliseconds(5000));
  // Orderly close of every session (RFC 7016 §3.5.5), waiting at most `timeout`.
  void shutdown(milliseconds timeout);
  // Waits until `pred` holds on the node's thread, checked after every pump
  // (an event, a tick, a post): no polling from the caller. False on timeout.
  bool wait_until(std::function<bool(Endpoint&)> pred, milliseconds timeout);

 private:
  class Relay;  // the service (rtmfp_node.cpp)
  explicit RtmfpNode(Options o);
  void check_waiters();
  struct Waiter {
    std::function<bool(Endpoint&)> pred;
    std::function<void()> done;
  };
  std::vector<Waiter> waiters_;  // node thread only

  Options o_;
  rtmfp::io::SystemRandom rng_;
  std::vector<std::unique_ptr<CryptoProfile>> profiles_;
  std::unique_ptr<node::Node> node_;  // owns the Endpoint
  std::unique_ptr<Relay> relay_;
  std::unique_ptr<host::NodeHost> host_;  // last: its thread stops first
  SocketAddress local_;
};

// Addresses of this host's interfaces for setPeerInfo (RFC 7425 §5.3.3:
// "SHOULD NOT include link-local or loopback addresses"), with `port`.
std::vector<std::string> peer_info_addresses(std::uint16_t port, bool v6);

}  // namespace rtmfp::media::io
