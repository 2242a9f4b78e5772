// One direction of a link: a drop-tail FIFO in front of a serializer of a
// given rate, followed by a propagation delay, with seeded random loss,
// jitter, reordering and duplication, and scripted loss. Several routes may
// share one Pipe; that Pipe is then their common bottleneck.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "rtmfp/core/random.hpp"
#include "rtmfp/core/time.hpp"
#include "tests/sim/node.hpp"

namespace rtmfp::sim {

struct PipeConfig {
  Duration delay{0};                 // one-way propagation delay
  std::uint64_t rate_bps = 0;        // serialization rate; 0 = infinitely fast (no queue)
  std::size_t queue_bytes = 1 << 20; // drop-tail limit on bytes waiting or being serialized
  double loss = 0;                   // probability a datagram is lost on entry
  Duration jitter{0};                // extra delay uniform in [0, jitter] (may reorder)
  double reorder = 0;                // probability a datagram is held back by reorder_delay
  Duration reorder_delay{0};
  double duplicate = 0;              // probability a second copy is delivered right after
  std::size_t mtu = 0;               // largest datagram (payload bytes) the link carries; 0 = no limit

  // Bandwidth-delay product in bytes for a round trip `rtt` at `rate_bps`.
  static std::size_t bdp_bytes(std::uint64_t rate_bps, Duration rtt) {
    return static_cast<std::size_t>(static_cast<unsigned __int128>(rate_bps) *
                                    static_cast<std::uint64_t>(rtt.count()) / 8'000'000);
  }
};

struct PipeStats {
  std::uint64_t offered = 0;        // datagrams that entered
  std::uint64_t offered_bytes = 0;
  std::uint64_t delivered = 0;      // copies that left the far end (incl. duplicates)
  std::uint64_t delivered_bytes = 0;
  std::uint64_t dropped_loss = 0;   // random loss
  std::uint64_t dropped_queue = 0;  // queue full
  std::uint64_t dropped_script = 0; // drop_nth / drop_if / blackhole
  std::uint64_t dropped_mtu = 0;    // larger than config.mtu
  std::size_t largest_admitted = 0; // bytes of the largest datagram that got through the MTU check
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  Duration queue_delay_total{0};    // summed over admitted datagrams
  Duration queue_delay_max{0};
  std::uint64_t admitted = 0;
  std::size_t queue_bytes_max = 0;
  Duration mean_queue_delay() const {
    return admitted ? Duration{queue_delay_total.count() / static_cast<std::int64_t>(admitted)}
                    : Duration{0};
  }
};

class Pipe {
 public:
  enum class Fate { Admitted, Loss, Queue, Script, Mtu };
  struct Admission {
    Fate fate = Fate::Admitted;
    int copies = 0;                     // 1, or 2 when duplicated
    std::array<TimePoint, 2> arrival{}; // when each copy leaves the far end
    Duration queue_delay{0};
  };
  using DropPredicate = std::function<bool(const Datagram&, std::uint64_t index)>;

  Pipe(std::string name, PipeConfig config, std::uint64_t seed);

  const std::string& name() const { return name_; }
  // Mutable at any time (e.g. from Network::at); applies to later datagrams.
  PipeConfig& config() { return config_; }
  const PipeConfig& config() const { return config_; }
  const PipeStats& stats() const { return stats_; }

  // Scripted loss. Indices count offered datagrams from 1.
  void drop_nth(std::uint64_t n) { drop_nth_.insert(n); }
  void drop_if(DropPredicate p) { drop_if_ = std::move(p); }
  void blackhole(TimePoint from, TimePoint until) { blackholes_.push_back({from, until}); }

  // Bytes waiting or being serialized at `now`.
  std::size_t queued_bytes(TimePoint now);

  // Decides the fate of a datagram entering at `now`.
  Admission offer(TimePoint now, const Datagram& d);
  void note_delivered(std::size_t bytes) {
    ++stats_.delivered;
    stats_.delivered_bytes += bytes;
  }

 private:
  bool chance(double p) { return p > 0 && rng_.unit() < p; }
  void drain(std::int64_t now_ns);

  std::string name_;
  PipeConfig config_;
  PipeStats stats_;
  SeededRandom rng_;
  std::int64_t busy_until_ns_ = 0;  // serializer free from (ns since origin)
  struct Queued { std::int64_t done_ns; std::size_t bytes; };
  std::deque<Queued> queue_;
  std::size_t queue_bytes_ = 0;
  std::set<std::uint64_t> drop_nth_;
  DropPredicate drop_if_;
  struct Window { TimePoint from, until; };
  std::vector<Window> blackholes_;
};

}  // namespace rtmfp::sim
