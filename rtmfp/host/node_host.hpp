// NodeHost: the one place a Node (rtmfp/node, sans-I/O) meets the operating
// system. It runs the node on several UDP sockets (IPv4 and IPv6, several
// addresses and ports), with one timer at the node's next deadline, optional
// SIGINT/SIGTERM handling with an orderly, bounded shutdown (RFC 7016
// §3.5.5 close of every session, then drain), an optional periodic stats
// callback, and post() for other threads. run() uses the caller's thread;
// start() a thread of its own.
//
// Interfaces: socket i (listen order) is InterfaceId i. Every received
// datagram carries the ID of its socket into the core; every Transmit names
// the interface to send from (a session: the one its peer was last heard
// on; an answer to a request: the request's), and leaves by that socket.
// A Transmit with no interface (an initiator's first IHellos) leaves by the
// first socket of the destination's family (an IPv4 destination may also
// leave by a dual-stack IPv6 socket, as a v4-mapped address); a datagram no
// socket can reach is dropped and counted.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "rtmfp/core/address.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::host {

class HostSocket;

// An interface that is not one of the host's sockets (a TURN allocation,
// rendezvous/turn/io): to the core it is one more InterfaceId. Datagrams the
// core sends by it go to send(); what it receives it hands to
// NodeHost::deliver(). Host thread only.
class VirtualInterface {
 public:
  virtual ~VirtualInterface() = default;
  virtual void send(const SocketAddress& to, Bytes data) = 0;
};

struct NodeHostOptions {
  std::vector<SocketAddress> listen;  // at least one; port 0: any
  // SIGINT / SIGTERM start an orderly shutdown; on_signal runs first (on the
  // host's thread), e.g. to print what is being closed.
  bool handle_signals = false;
  std::function<void(int signal)> on_signal;
  // Bound on the drain after shutdown() (zero: the endpoint's shutdown_grace
  // plus one second); the host then stops even if sessions linger.
  Duration drain_limit = seconds(0);
  // Called every stats_interval on the host's thread (zero: never).
  Duration stats_interval = seconds(0);
  std::function<void()> on_stats;
};

struct NodeHostStats {
  std::uint64_t unroutable = 0;      // datagrams no socket's family could reach
  std::uint64_t drain_timeouts = 0;  // shutdowns cut short by drain_limit
  std::uint64_t datagrams_in = 0, datagrams_out = 0, send_errors = 0;
};

class NodeHost {
 public:
  NodeHost(node::Node& node, NodeHostOptions options);
  ~NodeHost();
  NodeHost(const NodeHost&) = delete;
  NodeHost& operator=(const NodeHost&) = delete;

  // Binds every listen address (an IPv6 socket is made IPv6-only when an
  // IPv4 socket is also listed). Errors name the address.
  Result<void> open();
  // The bound addresses, in listen order (ports resolved).
  const std::vector<SocketAddress>& local_addresses() const { return locals_; }

  // Adds a virtual interface (before run()); its InterfaceId follows the
  // sockets'. The interface must outlive the host's run().
  InterfaceId add_interface(VirtualInterface& vi);
  // A datagram that arrived by a virtual interface: into the node, then a
  // pump. Host thread only.
  void deliver(InterfaceId iface, const SocketAddress& from, ByteView data);

  // Extra sockets for a while (birthday probing's mappings,
  // rendezvous/core/birthday_traversal.hpp): bound to the wildcard address
  // of the family on an ephemeral port, read like the others, at most
  // kMaxEphemeral at once. Their InterfaceIds start at kEphemeralBase (apart
  // from the listen sockets' and virtual interfaces'). Host thread only.
  static constexpr std::size_t kMaxEphemeral = 512;
  static constexpr InterfaceId kEphemeralBase = 0x10000;
  Result<InterfaceId> open_ephemeral(bool v6);
  void close_ephemeral(InterfaceId iface);
  std::size_t ephemeral_count() const { return ephemeral_.size(); }
  std::optional<SocketAddress> ephemeral_address(InterfaceId iface) const;

  // Starts the node's services and runs until the shutdown has drained (or
  // stop()). Call after open(), once.
  void run();
  // run() on a thread of the host's own; join() or the destructor waits.
  void start();
  void join();

  // Runs fn on the host's thread, then pumps (sends what it queued). Safe
  // from any thread; dropped once the host has stopped.
  void post(std::function<void()> fn);
  // Orderly shutdown (services, then every session closes; bounded by
  // drain_limit); run() returns when drained. Safe from any thread.
  void shutdown();
  // Stops at once, without closing sessions. Safe from any thread.
  void stop();
  bool stopped() const { return finished_.load(); }

  // Host-thread only (or after run() returned).
  node::Node& node() { return node_; }
  const NodeHostStats& stats() const { return stats_; }
  asio::io_context& context() { return io_; }

 private:
  void begin();
  void pump();
  void send(Transmit&& t);
  bool reaches(std::size_t socket, const SocketAddress& to) const;
  void arm_timer();
  void begin_shutdown();
  void finish();
  void tick_stats();

  node::Node& node_;
  NodeHostOptions options_;
  asio::io_context io_;
  std::vector<std::unique_ptr<HostSocket>> sockets_;
  std::vector<VirtualInterface*> virtual_;  // InterfaceId sockets_.size() + i
  std::map<InterfaceId, std::unique_ptr<HostSocket>> ephemeral_;  // <= kMaxEphemeral
  std::vector<std::unique_ptr<HostSocket>> closed_;  // closed, destroyed outside their handlers
  InterfaceId next_ephemeral_ = kEphemeralBase;
  std::vector<SocketAddress> locals_;
  int v4_socket_ = -1, v6_socket_ = -1;  // indices used to send, by family
  asio::steady_timer timer_, drain_timer_, stats_timer_;
  asio::signal_set signals_;
  std::optional<TimePoint> armed_;
  bool stopping_ = false;
  std::atomic<bool> finished_{false};
  std::thread thread_;
  NodeHostStats stats_;
};

}  // namespace rtmfp::host
