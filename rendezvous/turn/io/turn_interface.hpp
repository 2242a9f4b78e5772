// A TURN allocation as one more interface of a NodeHost: the Endpoint sends
// and receives through the TURN server transparently. A UDP socket of its
// own (on the host's io_context) talks to the server; the sans-I/O
// TurnClient (rendezvous/turn/core) wraps what the core sends by this
// interface (ChannelData once a channel is bound, Send indications before)
// and unwraps what the server relays (Data indications, ChannelData) into
// NodeHost::deliver() with the peer's address as the source. Sessions whose
// peer reached us at the relayed address answer by this interface, so they
// stay on the relay.
#pragma once

#include <asio.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "rendezvous/turn/core/turn_client.hpp"
#include "rendezvous/turn/core/turn_uri.hpp"
#include "rtmfp/host/node_host.hpp"

namespace rtmfp::turn {

struct TurnInterfaceCallbacks {
  std::function<void(const TurnAllocated&)> on_allocated;
  std::function<void(const TurnFailed&)> on_failed;
};

class TurnInterface final : public host::VirtualInterface {
 public:
  TurnInterface(host::NodeHost& host, SocketAddress server, TurnClientConfig config, RandomSource& rng,
                TurnInterfaceCallbacks callbacks);
  ~TurnInterface() override;

  // Binds its socket (any port, the server's family) and registers with the
  // host; start() (on the host's thread, e.g. from NodeHost::post) allocates.
  Result<void> open();
  void start();
  // Lets datagrams from this IP through the relay (RFC 8656 §9).
  Result<void> permit(const SocketAddress& peer);
  // Frees the allocation (Refresh LIFETIME 0); nothing waits for the answer.
  void close();

  void send(const SocketAddress& to, Bytes data) override;
  InterfaceId interface_id() const { return iface_; }
  const TurnClient& client() const { return client_; }
  std::uint64_t send_errors() const { return send_errors_; }

 private:
  void pump();
  void arm_timer();

  host::NodeHost& host_;
  SocketAddress server_;
  TurnClient client_;
  TurnInterfaceCallbacks callbacks_;
  std::unique_ptr<host::HostSocket> socket_;
  asio::steady_timer timer_;
  InterfaceId iface_ = kAnyInterface;
  bool pumping_ = false;
  std::uint64_t send_errors_ = 0;
};

}  // namespace rtmfp::turn
