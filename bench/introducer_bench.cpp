// The introducer's costs, sans-I/O (rendezvous/core): heap per registered
// peer at 50,000 peers (glibc mallinfo2 around filling the registry, host
// addresses included), and introduction decisions per second on one core
// (registry lookup + limits + Redirect address list) with many initiators
// asking for random registered peers. The Endpoint's share of an
// introduction (sealing the Redirect and the FIHello) is the packet cost
// measured by crypto_*_bench. Google Benchmark runs the decision loop; the
// memory figure is printed once at start.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <memory>

#include "rendezvous/core/introducer.hpp"
#include "rendezvous/core/registry.hpp"

using namespace rtmfp;
using namespace rtmfp::rendezvous;

namespace {

PeerId peer(std::uint32_t i) {
  PeerId p{};
  for (int k = 0; k < 4; ++k) p[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(i >> (8 * k));
  p[31] = 0x5a;
  return p;
}

std::size_t heap() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

std::unique_ptr<Registry> fill(std::uint32_t n) {
  auto r = std::make_unique<Registry>(SipKey{1, 2, 3}, n);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto a = SocketAddress::ipv4(10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                 static_cast<std::uint8_t>(i), 40000);
    (void)r->add(at(seconds(1)), i + 1, peer(i), ProfileKind::modern, a);
    (void)r->set_host_addresses(i + 1, {SocketAddress::ipv4(192, 168, 0, static_cast<std::uint8_t>(i), 5000)});
  }
  return r;
}

void print_memory_per_peer() {
  for (std::uint32_t n : {50'000u}) {
    const std::size_t before = heap();
    auto r = fill(n);
    const std::size_t after = heap();
    std::printf("registry: %u peers, %.0f bytes of heap per registered peer (one host address each)\n", n,
                static_cast<double>(after - before) / n);
  }
}

void BM_IntroductionDecision(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  static std::unique_ptr<Registry> registry;
  registry = fill(n);
  Introducer intro;
  std::uint64_t i = 0, ok = 0;
  TimePoint now = at(seconds(10));
  for (auto _ : state) {
    IntroductionRequest q;
    q.profile = ProfileKind::modern;
    q.target = peer(static_cast<std::uint32_t>((i * 2654435761u) % n));
    q.tag = Bytes(16, static_cast<std::uint8_t>(i));
    q.tag[0] = static_cast<std::uint8_t>(i >> 8);
    q.tag[1] = static_cast<std::uint8_t>(i >> 16);
    // Each initiator asks a few times a second: many distinct sources.
    q.from = SocketAddress::ipv4(198, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                 static_cast<std::uint8_t>(i), 50000);
    if ((i & 1023) == 0) now += milliseconds(10);
    auto r = intro.introduce(now, q, *registry);
    ok += r.has_value();
    benchmark::DoNotOptimize(r);
    ++i;
  }
  state.counters["introduced"] = benchmark::Counter(static_cast<double>(ok) / static_cast<double>(i));
  state.SetItemsProcessed(static_cast<std::int64_t>(i));
}
BENCHMARK(BM_IntroductionDecision)->Arg(50'000);

}  // namespace

int main(int argc, char** argv) {
  print_memory_per_peer();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
