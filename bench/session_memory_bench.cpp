// Memory per idle session ("under 64 KiB"): one responder Endpoint and N
// initiator Endpoints (one session each, at distinct addresses, as N clients
// would be) in one process, datagrams passed in memory, virtual time. All
// sessions are brought to S_OPEN; optionally each then opens one flow and
// delivers one small message, and time runs on until everything is
// acknowledged. Heap in use (glibc mallinfo2: uordblks + hblkhd, so mmapped
// blocks count too) is read around each step and the two sides are told
// apart by tearing them down one after the other:
//   initiator side  = (heap freed by destroying the N initiator endpoints) / N
//                     minus one idle initiator endpoint (measured when made)
//   responder side  = (heap freed by destroying the responder endpoint
//                     - the same endpoint idle) / N
// Not a Google Benchmark: `make bench` runs it like the others (its
// --benchmark_* flags are ignored) and it prints its own table.
//
//   session_memory_bench [--sessions N]... [--profile flash|modern]... [--flow on|off|both]
//                        [--limit BYTES]   (exit 1 if a side exceeds it; default: report only)
#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/flow/flow_set.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/core/session/session.hpp"
#include "rtmfp/crypto/profiles.hpp"

using namespace rtmfp;

namespace {

std::int64_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}

SocketAddress initiator_address(std::size_t i) {
  return SocketAddress::ipv4(10, static_cast<std::uint8_t>((i >> 16) & 0xff), static_cast<std::uint8_t>((i >> 8) & 0xff),
                             static_cast<std::uint8_t>(i & 0xff), 40000);
}
std::size_t initiator_index(const SocketAddress& a) {
  return (std::size_t{a.ip[1]} << 16) | (std::size_t{a.ip[2]} << 8) | a.ip[3];
}
const SocketAddress kResponderAddress = SocketAddress::ipv4(192, 0, 2, 1, 1935);

struct Counts {
  std::size_t initiator_opened = 0, responder_opened = 0, open_failed = 0, closed = 0;
  std::size_t flows_incoming = 0, messages = 0, message_bytes = 0;
};

// The in-memory network: N initiators, one responder, instant delivery.
class World {
 public:
  World(ProfileKind kind, std::size_t n) : kind_(kind), n_(n), rng_(0x5e55), init_rng_(0x1417) {
    initiators_.reserve(n);
    handles_.reserve(n);
    flows_.reserve(n);
    active_.reserve(n);
  }

  bool make_profiles() {
    auto r = crypto::make_profile(kind_, std::nullopt, rng_);
    auto i = crypto::make_profile(kind_, std::nullopt, init_rng_);
    if (!r || !i) return false;
    responder_profile_ = std::move(*r);
    initiator_profile_ = std::move(*i);
    return true;
  }
  void make_responder() {
    EndpointConfig cfg;
    cfg.max_sessions = n_ + 16;
    responder_ = std::make_unique<Endpoint>(cfg, rng_);
    responder_->add_profile(*responder_profile_);
  }
  // All initiators share one profile (it holds no per-session state) and one
  // random source; each has its own Endpoint, as a client process would.
  void make_initiators() {
    EndpointConfig cfg;
    cfg.accept_sessions = false;
    for (std::size_t i = 0; i < n_; ++i) {
      initiators_.push_back(std::make_unique<Endpoint>(cfg, init_rng_));
      initiators_.back()->add_profile(*initiator_profile_);
    }
    handles_.assign(n_, 0);
    flows_.assign(n_, 0);
  }

  // Opens every session, `batch` at a time (the responder's transmit queue
  // and opening-session table are bounded).
  bool open_all(std::size_t batch) {
    for (std::size_t first = 0; first < n_; first += batch) {
      active_.clear();
      for (std::size_t i = first; i < std::min(n_, first + batch); ++i) {
        ConnectRequest req;
        req.profile = kind_;
        req.epd.uri = "rtmfp://bench.example/app";
        req.candidates = {kResponderAddress};
        auto h = initiators_[i]->connect(now_, req);
        if (!h) {
          std::fprintf(stderr, "connect %zu: %s\n", i, h.error().message().c_str());
          return false;
        }
        handles_[i] = *h;
        active_.push_back(i);
      }
      pump();
    }
    return counts_.initiator_opened == n_ && counts_.responder_opened == n_;
  }

  // One flow per session, one message of `size` bytes, then `settle` of
  // virtual time so acknowledgements drain every send queue.
  bool flow_each(std::size_t size, Duration settle) {
    const Bytes message(size, 0x6d);
    const Bytes metadata{'b', 'e', 'n', 'c', 'h'};
    active_.clear();
    for (std::size_t i = 0; i < n_; ++i) {
      auto f = initiators_[i]->open_flow(now_, handles_[i], metadata);
      if (!f) {
        std::fprintf(stderr, "open_flow %zu: %s\n", i, f.error().message().c_str());
        return false;
      }
      flows_[i] = *f;
      auto w = initiators_[i]->write(now_, handles_[i], *f, message);
      if (!w) {
        std::fprintf(stderr, "write %zu: %s\n", i, w.error().message().c_str());
        return false;
      }
      active_.push_back(i);
      // Batches 20 ms apart: an Endpoint sheds datagrams beyond
      // params::kMaxQueuedDatagrams (4096) queued by one call, so thousands
      // of delayed acks falling due in the same on_deadline() would be lost.
      if (active_.size() == 256) {
        pump();
        run_for(milliseconds(20));
      }
    }
    pump();
    run_for(settle);
    for (std::size_t i = 0; i < n_; ++i) {
      auto b = initiators_[i]->buffered(handles_[i], flows_[i]);
      if (!b || *b != 0) {
        std::fprintf(stderr, "flow %zu: %llu bytes still unacknowledged\n", i,
                     b ? static_cast<unsigned long long>(*b) : 0ULL);
        return false;
      }
    }
    return counts_.flows_incoming == n_ && counts_.messages == n_ && counts_.message_bytes == n_ * size;
  }

  // Advances virtual time in 10 ms ticks, firing due deadlines everywhere
  // (active_ is reset).
  void run_for(Duration d) {
    const TimePoint end = now_ + d;
    while (now_ < end) {
      now_ += milliseconds(10);
      active_.clear();
      if (auto t = responder_->next_deadline(); t && *t <= now_) responder_->on_deadline(now_);
      for (std::size_t i = 0; i < n_; ++i) {
        if (!initiators_[i]) continue;
        if (auto t = initiators_[i]->next_deadline(); t && *t <= now_) {
          initiators_[i]->on_deadline(now_);
          active_.push_back(i);
        }
      }
      pump();
    }
  }

  void destroy_initiators() {
    for (auto& e : initiators_) e.reset();
  }
  void destroy_responder() { responder_.reset(); }
  void destroy_profiles() {
    responder_profile_.reset();
    initiator_profile_.reset();
  }

  const Counts& counts() const { return counts_; }
  Endpoint& responder() { return *responder_; }

 private:
  void count(const EndpointEvent& e, bool responder) {
    if (auto* o = std::get_if<SessionOpened>(&e)) {
      (void)o;
      ++(responder ? counts_.responder_opened : counts_.initiator_opened);
    } else if (auto* f = std::get_if<SessionOpenFailed>(&e)) {
      ++counts_.open_failed;
      std::fprintf(stderr, "open failed: %s\n", f->error.message().c_str());
    } else if (std::holds_alternative<SessionClosed>(e)) {
      ++counts_.closed;
    } else if (std::holds_alternative<FlowIncoming>(e)) {
      ++counts_.flows_incoming;
    } else if (auto* m = std::get_if<FlowMessage>(&e)) {
      ++counts_.messages;
      counts_.message_bytes += m->data.size();
    }
  }

  // Delivers datagrams until nothing moves. Only the initiators in active_
  // (and those a datagram reaches) are polled.
  void pump() {
    std::vector<std::size_t> next;
    for (int round = 0; round < 10000; ++round) {
      bool any = false;
      for (std::size_t i : active_) {
        Endpoint& e = *initiators_[i];
        while (auto ev = e.poll_event()) count(*ev, false);
        while (auto t = e.poll_transmit(now_)) {
          any = true;
          responder_->on_datagram(now_, initiator_address(i), t->data);
        }
      }
      active_.clear();
      while (auto ev = responder_->poll_event()) count(*ev, true);
      while (auto t = responder_->poll_transmit(now_)) {
        any = true;
        const std::size_t i = initiator_index(t->to);
        if (i >= n_ || !initiators_[i]) continue;
        initiators_[i]->on_datagram(now_, kResponderAddress, t->data);
        active_.push_back(i);
      }
      while (auto ev = responder_->poll_event()) count(*ev, true);
      if (!any && active_.empty()) break;
    }
    active_.clear();
  }

  ProfileKind kind_;
  std::size_t n_;
  SeededRandom rng_, init_rng_;
  TimePoint now_ = at(seconds(1000));
  std::unique_ptr<CryptoProfile> responder_profile_, initiator_profile_;
  std::unique_ptr<Endpoint> responder_;
  std::vector<std::unique_ptr<Endpoint>> initiators_;
  std::vector<SessionHandle> handles_;
  std::vector<FlowId> flows_;
  std::vector<std::size_t> active_;
  Counts counts_;
};

struct Figures {
  bool ok = false;
  double initiator_per_session = 0, responder_per_session = 0;
  double idle_initiator_endpoint = 0, idle_responder_endpoint = 0;
  std::int64_t profile_growth = 0, leftover = 0;
  double seconds = 0;
};

Figures measure(ProfileKind kind, std::size_t n, bool with_flow) {
  Figures f;
  const auto wall0 = std::chrono::steady_clock::now();
  const std::int64_t h_start = heap_in_use();
  auto world = std::make_unique<World>(kind, n);
  if (!world->make_profiles()) return f;
  const std::int64_t h_profiles = heap_in_use();
  world->make_responder();
  const std::int64_t h_responder = heap_in_use();
  world->make_initiators();
  const std::int64_t h_initiators = heap_in_use();
  if (!world->open_all(256)) {
    const Counts& c = world->counts();
    std::fprintf(stderr, "only %zu/%zu initiator and %zu responder sessions opened (%zu failed)\n", c.initiator_opened,
                 n, c.responder_opened, c.open_failed);
    return f;
  }
  if (with_flow) {
    if (!world->flow_each(64, seconds(2))) {
      const Counts& c = world->counts();
      std::fprintf(stderr, "flows: %zu incoming, %zu messages of %zu\n", c.flows_incoming, c.messages, n);
      return f;
    }
  } else {
    world->run_for(seconds(2));  // the same virtual time as with a flow
  }
  if (world->counts().closed != 0) {
    std::fprintf(stderr, "%zu sessions closed during the run\n", world->counts().closed);
    return f;
  }
  const std::int64_t h_open = heap_in_use();
  world->destroy_initiators();
  const std::int64_t h_without_initiators = heap_in_use();
  world->destroy_responder();
  const std::int64_t h_without_responder = heap_in_use();
  world->destroy_profiles();
  const std::int64_t h_without_profiles = heap_in_use();
  world.reset();
  const std::int64_t h_end = heap_in_use();

  const double nn = static_cast<double>(n);
  f.idle_responder_endpoint = static_cast<double>(h_responder - h_profiles);
  f.idle_initiator_endpoint = static_cast<double>(h_initiators - h_responder) / nn;
  f.initiator_per_session = static_cast<double>(h_open - h_without_initiators) / nn - f.idle_initiator_endpoint;
  f.responder_per_session =
      (static_cast<double>(h_without_initiators - h_without_responder) - f.idle_responder_endpoint) / nn;
  // Profiles should hold no per-session state: what they free beyond what they took.
  f.profile_growth = (h_without_responder - h_without_profiles) - (h_profiles - h_start);
  f.leftover = h_end - h_start;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  f.ok = true;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  std::vector<ProfileKind> kinds;
  std::vector<bool> flows;
  std::optional<double> limit;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a.rfind("--benchmark", 0) == 0) continue;  // from scripts/bench.sh
    if (a == "--sessions" && has_value) {
      sizes.push_back(std::strtoull(argv[++i], nullptr, 10));
    } else if (a == "--profile" && has_value) {
      auto k = crypto::parse_profile_kind(argv[++i]);
      if (!k) {
        std::fprintf(stderr, "%s\n", k.error().message().c_str());
        return 2;
      }
      kinds.push_back(*k);
    } else if (a == "--flow" && has_value) {
      const std::string v = argv[++i];
      if (v == "on" || v == "both") flows.push_back(true);
      if (v == "off" || v == "both") flows.insert(flows.begin(), false);
    } else if (a == "--limit" && has_value) {
      limit = std::strtod(argv[++i], nullptr);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--sessions N]... [--profile flash|modern]... [--flow on|off|both] [--limit BYTES]\n",
                   argv[0]);
      return 2;
    }
  }
  if (sizes.empty()) sizes = {1000, 5000};
  if (kinds.empty()) kinds = {ProfileKind::flash, ProfileKind::modern};
  if (flows.empty()) flows = {false, true};

  std::printf("sizeof: Endpoint %zu, Session %zu, flow::FlowSet %zu, OpeningState %zu, ResponderMemory %zu bytes\n",
              sizeof(Endpoint), sizeof(Session), sizeof(flow::FlowSet), sizeof(OpeningState), sizeof(ResponderMemory));
  std::printf("heap in use = mallinfo2 uordblks + hblkhd; per session = bytes per idle S_OPEN session\n\n");
  std::printf("%-7s %6s %-10s %12s %12s %12s %12s %10s %9s %7s\n", "profile", "N", "state", "initiator/s",
              "responder/s", "both/s", "idle-init-ep", "idle-resp", "leftover", "secs");
  bool all_ok = true, within = true;
  for (ProfileKind kind : kinds) {
    // Warm-up: libcrypto and libsodium allocate tables on first use and keep
    // them; a small unreported run takes that out of the figures.
    if (!measure(kind, 16, true).ok) all_ok = false;
    for (std::size_t n : sizes) {
      for (bool with_flow : flows) {
        const Figures f = measure(kind, n, with_flow);
        const char* name = kind == ProfileKind::flash ? "flash" : "modern";
        const char* state = with_flow ? "open+flow" : "open";
        if (!f.ok) {
          std::printf("%-7s %6zu %-10s FAILED (see stderr)\n", name, n, state);
          all_ok = false;
          continue;
        }
        std::printf("%-7s %6zu %-10s %12.0f %12.0f %12.0f %12.0f %10.0f %9lld %7.1f\n", name, n, state,
                    f.initiator_per_session, f.responder_per_session,
                    f.initiator_per_session + f.responder_per_session, f.idle_initiator_endpoint,
                    f.idle_responder_endpoint, static_cast<long long>(f.leftover), f.seconds);
        if (f.profile_growth > 0)
          std::printf("        note: the profiles grew by %lld bytes (%.0f per session) over the run\n",
                      static_cast<long long>(f.profile_growth), static_cast<double>(f.profile_growth) / n);
        if (limit && (f.initiator_per_session > *limit || f.responder_per_session > *limit)) within = false;
      }
    }
  }
  std::printf("\ninitiator/s excludes the idle initiator Endpoint (idle-init-ep, one per client here);\n"
              "responder/s excludes the idle responder Endpoint (idle-resp, once per node);\n"
              "leftover: heap still in use after everything was destroyed (library caches or a leak).\n");
  if (limit)
    std::printf("limit %.0f bytes per session per side: %s\n", *limit, within ? "met" : "EXCEEDED");
  return all_ok && within ? 0 : 1;
}
