// The simulated network: a virtual clock and a discrete event queue (equal
// times run in insertion order), hosts (Nodes with local addresses), routes
// made of Pipes, and NAT boxes. Single-threaded and deterministic from the seed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/sim/nat.hpp"
#include "tests/sim/node.hpp"
#include "tests/sim/pipe.hpp"

namespace rtmfp::sim {

enum class TraceKind {
  Send,           // a host emitted a datagram (after NAT translation)
  Deliver,        // a host received a datagram
  DropLoss,       // random loss in pipe `where`
  DropQueue,      // queue overflow in pipe `where`
  DropScript,     // scripted loss in pipe `where`
  DropMtu,        // larger than pipe `where`'s MTU
  DropFiltered,   // a NAT refused an inbound datagram
  NoRoute,        // no route between the two IPs
  Unreachable,    // nobody listens at the destination address
  Duplicate,      // pipe `where` made a second copy
};
const char* to_string(TraceKind k);

struct TraceEvent {
  TimePoint time;
  TraceKind kind;
  std::string_view where;  // pipe or NAT name; empty otherwise
  const Datagram& datagram;
};

struct NetworkStats {
  std::uint64_t events = 0;
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t no_route = 0;
  std::uint64_t unreachable = 0;
  std::uint64_t filtered = 0;
  std::uint64_t stuck = 0;   // a node's deadline did not advance past now after on_deadline
  std::uint64_t burst_cut = 0;  // poll_transmit draining stopped at the per-call limit
};

using HostId = std::size_t;

class Network {
 public:
  static constexpr std::size_t kMaxBurst = 100'000;         // datagrams drained per node call
  static constexpr std::uint64_t kMaxStuckPerHost = 10'000; // then its deadlines are ignored

  explicit Network(std::uint64_t seed);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  TimePoint now() const { return now_; }
  std::uint64_t seed() const { return seed_; }
  std::string seed_string() const { return "seed=" + std::to_string(seed_); }
  const NetworkStats& stats() const { return stats_; }

  // --- topology --------------------------------------------------------
  // The node must outlive the network. Datagrams sent to any of `locals`
  // reach it; a Datagram whose `from` is unspecified is sent from locals[0].
  HostId add_host(Node& node, std::vector<SocketAddress> locals);
  HostId add_host(Node& node, SocketAddress local) { return add_host(node, std::vector{local}); }

  Pipe& add_pipe(std::string name, PipeConfig config);
  // Datagrams from IP `from` to IP `to` (ports ignored; the source as seen
  // after NAT translation) traverse `path` in order. Replaces an existing route.
  void route(const SocketAddress& from, const SocketAddress& to, std::vector<Pipe*> path);
  struct Link { Pipe& forward; Pipe& backward; };
  // Two pipes with the same config, routed a->b and b->a.
  Link connect(const SocketAddress& a, const SocketAddress& b, PipeConfig config,
               std::string name = {});
  // Routes every pair (x in group_a, y in group_b) through `a_to_b` / `b_to_a`:
  // the usual dumbbell, where these are the shared bottleneck pipes.
  void route_groups(const std::vector<SocketAddress>& group_a, const std::vector<SocketAddress>& group_b,
                    std::vector<Pipe*> a_to_b, std::vector<Pipe*> b_to_a);

  Nat& add_nat(NatConfig config);
  // Hosts whose IP is `private_ip` sit behind `nat`: their datagrams to any
  // IP not behind the same NAT leave with the NAT's public address.
  void put_behind(Nat& nat, const SocketAddress& private_ip);

  // --- time ------------------------------------------------------------
  // Runs `fn` at `t` (clamped to now); e.g. to change a pipe's config.
  void at(TimePoint t, std::function<void()> fn);
  // Services a node now (drain poll_transmit, re-read next_deadline): call
  // after poking a node from outside (e.g. asking an endpoint to connect).
  void wake(HostId host);
  // Injects a datagram as if a host had sent it now.
  void send(Datagram d);

  bool step();  // runs the earliest event; false when none is left
  std::optional<TimePoint> next_event_time() const;
  // Runs every event up to and including `t`; then now() == t.
  void run_until(TimePoint t);
  void run_for(Duration d) { run_until(now_ + d); }
  // Runs until `done()` holds (checked after each event) or `deadline`;
  // returns done(). now() is where it stopped.
  bool run_until(const std::function<bool()>& done, TimePoint deadline);

  void set_trace(std::function<void(const TraceEvent&)> hook) { trace_ = std::move(hook); }

 private:
  struct Host {
    Node* node = nullptr;
    std::vector<SocketAddress> locals;
    std::uint64_t deadline_gen = 0;
    std::optional<TimePoint> scheduled;
    std::uint64_t stuck = 0;
  };
  struct Event {
    TimePoint time;
    std::uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  using IpKey = SocketAddress;  // port zeroed

  static IpKey ip_of(const SocketAddress& a) {
    IpKey k = a;
    k.port = 0;
    return k;
  }
  void schedule(TimePoint t, std::function<void()> fn);
  void service(HostId id, bool after_deadline);
  void fire_deadline(HostId id, std::uint64_t gen);
  void hop(Datagram d, std::shared_ptr<const std::vector<Pipe*>> path, std::size_t index);
  void arrive(Datagram d);
  void trace(TraceKind kind, std::string_view where, const Datagram& d) {
    if (trace_) trace_(TraceEvent{now_, kind, where, d});
  }

  std::uint64_t seed_;
  std::uint64_t pipe_seeds_ = 0;
  TimePoint now_{};
  std::uint64_t seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, Later> events_;
  std::vector<Host> hosts_;
  std::map<SocketAddress, HostId> by_address_;
  std::vector<std::unique_ptr<Pipe>> pipes_;
  std::map<std::pair<IpKey, IpKey>, std::shared_ptr<const std::vector<Pipe*>>> routes_;
  std::vector<std::unique_ptr<Nat>> nats_;
  std::map<IpKey, Nat*> behind_;     // private IP -> its NAT
  std::map<IpKey, Nat*> nat_by_ip_;  // public IP -> NAT
  std::function<void(const TraceEvent&)> trace_;
  NetworkStats stats_;
};

}  // namespace rtmfp::sim
