// Full RTMFP handshakes per second through two Endpoints in memory (IHello,
// RHello, IIKeying, RIKeying with real crypto), per profile; and packet
// encode/decode through the endpoint's wire path.
#include <benchmark/benchmark.h>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/crypto/profiles.hpp"

namespace {

using namespace rtmfp;

void run_handshakes(benchmark::State& state, ProfileKind kind) {
  SeededRandom rng(1);
  auto server_profile = crypto::make_profile(kind, std::nullopt, rng);
  auto client_profile = crypto::make_profile(kind, std::nullopt, rng);
  if (!server_profile || !client_profile) {
    state.SkipWithError("profile creation failed");
    return;
  }
  SocketAddress sa = SocketAddress::ipv4(127, 0, 0, 1, 1935);
  SocketAddress ca = SocketAddress::ipv4(127, 0, 0, 2, 5000);
  EndpointConfig cfg;
  TimePoint now = at(seconds(1));
  std::int64_t done = 0;
  for (auto _ : state) {
    Endpoint server(cfg, rng), client(cfg, rng);
    server.add_profile(**server_profile);
    client.add_profile(**client_profile);
    ConnectRequest req;
    req.profile = kind;
    req.epd.uri = "rtmfp://127.0.0.1/bench";
    req.candidates = {sa};
    auto h = client.connect(now, req);
    bool open = false;
    for (int round = 0; round < 8 && !open; ++round) {
      while (auto t = client.poll_transmit(now)) server.on_datagram(now, ca, t->data);
      while (auto t = server.poll_transmit(now)) client.on_datagram(now, sa, t->data);
      while (auto e = client.poll_event())
        if (std::holds_alternative<SessionOpened>(*e)) open = true;
    }
    if (!open) {
      state.SkipWithError("handshake did not complete");
      return;
    }
    ++done;
    benchmark::DoNotOptimize(h);
  }
  state.counters["handshakes_per_s"] = benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
}

void BM_HandshakeModern(benchmark::State& s) { run_handshakes(s, ProfileKind::modern); }
void BM_HandshakeFlash(benchmark::State& s) { run_handshakes(s, ProfileKind::flash); }
BENCHMARK(BM_HandshakeModern)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HandshakeFlash)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
