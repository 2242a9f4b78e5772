// Path MTU search for one session: RFC 7016 §3.5.4.3 adapts RFC 4821
// (Packetization Layer PMTUD) to RTMFP. This is only the search state
// machine, sans-I/O: it says which datagram size to probe and when, and
// learns from probe replies and timeouts. The endpoint builds the probe
// packets (Padding then Ping, §3.5.4.3) and matches their Ping Replies.
//
// Sizes are UDP payload bytes (the whole RTMFP datagram, session ID
// included). The search (RFC 4821 §7.2-§7.6):
//   search_low  = the largest size confirmed (starts at the base, which the
//                 path is assumed to carry: the endpoint's max_datagram),
//   search_high = the largest size not yet shown to fail (starts at limit).
// The first probe of a search is search_high itself (most paths carry a
// 1500-byte Ethernet MTU, so one probe usually ends the search); after a size
// fails MAX_PROBES consecutive times, search_high drops below it and the
// search bisects [search_low, search_high] until the range is narrower than
// the granularity. Then the search is complete; after the raise interval it
// restarts from the confirmed size in case the path improved (RFC 4821 §7.3;
// RFC 8899 §5.1.1 PMTU_RAISE_TIMER).
//
// A reset (path change, RFC 7016 §3.5.4.2 mobility) returns to the base and
// searches again. At most one probe is outstanding at a time.
#pragma once

#include <cstddef>
#include <optional>

#include "rtmfp/core/params.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp {

struct PathMtuConfig {
  std::size_t base = params::kDefaultMaxDatagram;  // never below this
  std::size_t limit = params::kDefaultMaxDatagram; // never above this; <= base disables the search
  std::size_t granularity = params::kPmtuSearchGranularity;
  int max_probes = params::kPmtuMaxProbes;
  Duration raise_interval = params::kPmtuRaiseInterval;
};

class PathMtu {
 public:
  enum class State {
    disabled,         // limit <= base, or never started: current() is the base
    searching,        // probing sizes in (search_low, search_high]
    search_complete,  // waiting for the raise interval
  };

  PathMtu() = default;  // disabled at the default base
  explicit PathMtu(const PathMtuConfig& config);

  // Begins the search (the session reached S_OPEN). The first probe is due now.
  void start(TimePoint now);
  // Path changed (black hole suspected): back to the base and search again.
  // Returns true when current() changed.
  bool reset(TimePoint now);

  State state() const { return state_; }
  std::size_t current() const { return low_; }  // the confirmed datagram size
  std::size_t search_low() const { return low_; }
  std::size_t search_high() const { return high_; }
  std::size_t base() const { return cfg_.base; }
  std::size_t limit() const { return cfg_.limit; }
  int probe_count() const { return probe_count_; }  // consecutive losses at the current candidate
  std::optional<std::size_t> outstanding() const { return outstanding_; }

  // The size to probe now, or nullopt: not searching, a probe is already
  // outstanding, or the next probe is not due yet.
  std::optional<std::size_t> probe_due(TimePoint now) const;
  // The probe of `size` left now; it counts as lost at now + timeout.
  void on_probe_sent(TimePoint now, std::size_t size, Duration timeout);
  // A probe of `size` was answered: the path carries it (RFC 4821 §7.6.1).
  // A late reply to an earlier probe counts too. Returns true when current() rose.
  bool on_probe_acked(TimePoint now, std::size_t size);
  // Probe timeout and raise timer. Call when now >= next_deadline().
  void on_deadline(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

 private:
  std::optional<std::size_t> candidate() const;  // next size to probe, nullopt: search done
  void finish(TimePoint now);

  PathMtuConfig cfg_{};
  State state_ = State::disabled;
  std::size_t low_ = params::kDefaultMaxDatagram;
  std::size_t high_ = params::kDefaultMaxDatagram;
  bool high_failed_ = false;  // a size failed in this search: bisect instead of trying search_high
  int probe_count_ = 0;
  std::optional<std::size_t> outstanding_;
  TimePoint probe_expiry_{};
  TimePoint next_probe_{};
  TimePoint raise_at_{};
};

const char* path_mtu_state_name(PathMtu::State s);

}  // namespace rtmfp
