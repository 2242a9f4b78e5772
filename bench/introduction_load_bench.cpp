// Introductions per second on one core through the whole rendezvous path
// (issue 11 §4 "load generator of many simulated initiators"): the real
// rendezvous Endpoint (modern profile) with its IntroducerService, 2,000
// peers registered over real handshakes, and a stream of real IHellos
// (encrypted startup packets naming a registered peer's ID) from 65,536
// simulated initiator addresses, each answered by a sealed Redirect to the
// initiator and a Forwarded IHello on the target's session (RFC 7016
// §3.5.1.6). In-process, no sockets: what it measures is the rendezvous's
// CPU per introduction (decrypt, parse, registry, limits, two packets
// sealed). A virtual clock advances 20 us per IHello (50,000/s offered), so
// no per-source, per-target or per-tag limit refuses any: the counter
// `refused` must stay 0.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "rendezvous/core/introducer_service.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"

using namespace rtmfp;

namespace {

constexpr std::size_t kTargets = 2000;
constexpr std::size_t kIHellos = 120'000;  // tags repeat after 2.4 s of virtual time (> the 1 s repeat rule)
const SocketAddress kRv = SocketAddress::ipv4(198, 51, 100, 1, 1935);

struct Peer {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<CryptoProfile> profile;
  std::unique_ptr<Endpoint> ep;
  SocketAddress at;
};

struct World {
  SeededRandom rng{1};
  std::unique_ptr<CryptoProfile> rv_profile;
  std::unique_ptr<Endpoint> rv;
  std::unique_ptr<rendezvous::IntroducerService> service;
  std::vector<Peer> targets;
  std::vector<Bytes> ihellos;
  TimePoint now = at(seconds(10));
  std::uint64_t next = 0;

  World() {
    crypto::ModernConfig mc;
    rv_profile = std::move(*crypto::ModernProfile::create(mc, rng));
    EndpointConfig rc;
    rc.report_unmatched_ihellos = true;
    rc.max_sessions_per_address = kTargets;
    rv = std::make_unique<Endpoint>(rc, rng);
    rv->add_profile(*rv_profile);
    SipKey key{};
    service = std::make_unique<rendezvous::IntroducerService>(*rv, key);
    register_targets();
    make_ihellos();
  }

  void pump_rv() {
    while (auto e = rv->poll_event()) service->on_event(now, *e);
  }

  // Each target opens a session to the rendezvous under its own identity
  // (it is registered by its peer ID); datagrams are shuttled in memory.
  void register_targets() {
    targets.resize(kTargets);
    for (std::size_t i = 0; i < kTargets; ++i) {
      Peer& p = targets[i];
      p.rng = std::make_unique<SeededRandom>(100 + i);
      crypto::ModernConfig mc;
      mc.stable_initiator_identity = true;
      p.profile = std::move(*crypto::ModernProfile::create(mc, *p.rng));
      p.ep = std::make_unique<Endpoint>(EndpointConfig{}, *p.rng);
      p.ep->add_profile(*p.profile);
      p.at = SocketAddress::ipv4(10, 1, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 5000);
      ConnectRequest r;
      r.epd.peer_id = rv_profile->local_peer_id();
      r.candidates = {kRv};
      (void)p.ep->connect(now, r);
      for (int round = 0; round < 20; ++round) {
        bool any = false;
        while (auto t = p.ep->poll_transmit(now)) {
          any = true;
          rv->on_datagram(now, p.at, t->data, 0);
        }
        pump_rv();
        while (auto t = rv->poll_transmit(now)) {
          any = true;
          if (t->to == p.at) p.ep->on_datagram(now, kRv, t->data, 0);
        }
        while (p.ep->poll_event()) {
        }
        if (!any) break;
      }
    }
    std::printf("introduction load: %zu peers registered (%zu sessions)\n", service->registry().size(),
                rv->sessions().size());
  }

  // IHellos naming registered peers, each with its own tag, as initiators
  // send them (a generator endpoint seals them with the default key).
  void make_ihellos() {
    SeededRandom grng(7);
    auto gp = std::move(*crypto::ModernProfile::create(crypto::ModernConfig{}, grng));
    Endpoint gen(EndpointConfig{}, grng);
    gen.add_profile(*gp);
    ihellos.reserve(kIHellos);
    for (std::size_t i = 0; i < kIHellos; ++i) {
      EpdRequest er;
      er.peer_id = targets[i % kTargets].profile->local_peer_id();
      auto epd = gp->make_epd(er);
      Bytes tag(params::kTagSize);
      grng.fill(tag);
      (void)gen.send_probe_ihello(now, ProfileKind::modern, *epd, tag, kRv);
      if (auto t = gen.poll_transmit(now)) ihellos.push_back(std::move(t->data));
    }
  }

  // One initiator's IHello in; the Redirect and the FIHello out.
  std::size_t one() {
    const std::uint64_t k = next++;
    now += std::chrono::microseconds(20);
    const auto from = SocketAddress::ipv4(172, 16, static_cast<std::uint8_t>(k >> 8), static_cast<std::uint8_t>(k),
                                          static_cast<std::uint16_t>(40000 + (k >> 16) % 1000));
    rv->on_datagram(now, from, ihellos[k % ihellos.size()], 0);
    pump_rv();
    std::size_t out = 0;
    while (auto t = rv->poll_transmit(now)) out += t->data.size();
    return out;
  }
};

void BM_IntroductionThroughTheRendezvous(benchmark::State& state) {
  static World* w = new World();  // built once (2,000 handshakes), kept for every run
  const auto before = w->service->stats().introductions;
  const auto refused_before = w->service->introducer().stats().refused;
  std::size_t bytes = 0;
  for (auto _ : state) bytes += w->one();
  const auto made = w->service->stats().introductions - before;
  std::uint64_t refused = 0;
  const auto& r = w->service->introducer().stats().refused;
  for (std::size_t i = 0; i < std::size(r); ++i) refused += r[i] - refused_before[i];
  state.counters["introductions"] = static_cast<double>(made);
  state.counters["refused"] = static_cast<double>(refused);
  state.counters["intro_per_s"] = benchmark::Counter(static_cast<double>(made), benchmark::Counter::kIsRate);
  state.counters["bytes_out_per_intro"] = made ? static_cast<double>(bytes) / static_cast<double>(made) : 0;
}
BENCHMARK(BM_IntroductionThroughTheRendezvous)->Iterations(100'000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
