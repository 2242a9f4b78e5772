// RFC 7425 flash profile: handshakes per second (begin_initiator +
// begin_responder + sign + complete) in the static-initiator /
// ephemeral-responder mode Flash Player uses (§4.6.1.3), for DH groups 2 and
// 14; and seal/open of a 1200-byte packet in checksum and HMAC modes.
#include <benchmark/benchmark.h>

#include "rtmfp/core/random.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/flash/packet_cipher.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto;

namespace {

void BM_FlashHandshake(benchmark::State& state) {
  const auto group = static_cast<std::uint64_t>(state.range(0));
  SeededRandom rng(1);
  FlashConfig client_cfg;
  client_cfg.dh_groups = {2, group};
  FlashConfig server_cfg;
  server_cfg.dh_groups = {2, group};
  auto client = FlashProfile::create(client_cfg, rng);
  auto server = FlashProfile::create(server_cfg, rng);
  if (!client || !server) {
    state.SkipWithError("profile creation failed");
    return;
  }
  const Bytes portion{0x45, 0x02, 0x00, 0x00};
  for (auto _ : state) {
    auto ih = (*client)->begin_initiator((*server)->local_certificate(), rng);
    Bytes signed_part{0x02, 0x00, 0x00, 0x00};
    signed_part.insert(signed_part.end(), (*ih)->skic().begin(), (*ih)->skic().end());
    const Bytes sig = (*ih)->sign(signed_part);
    auto rh = (*server)->begin_responder(signed_part, (*ih)->certificate(), (*ih)->skic(), sig, rng);
    const Bytes rsig = (*rh)->sign(portion);
    auto rk = (*rh)->keys();
    auto ik = (*ih)->complete(portion, (*rh)->skrc(), rsig);
    if (!rk || !ik) state.SkipWithError("handshake failed");
    benchmark::DoNotOptimize(ik);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlashHandshake)->Arg(2)->Arg(14)->Unit(benchmark::kMillisecond);

flash::CipherConfig bench_config(bool hmac) {
  flash::CipherConfig c;
  c.encrypt_key.fill(0x11);
  c.decrypt_key.fill(0x11);
  c.hmac_send_key.fill(0x22);
  c.hmac_recv_key.fill(0x22);
  c.send = flash::DirectionChecks{hmac, hmac ? 10u : 0u, false};
  c.recv = c.send;
  return c;
}

void BM_FlashSealOpen1200(benchmark::State& state) {
  const bool hmac = state.range(0) != 0;
  flash::FlashPacketCipher cipher(bench_config(hmac));
  const Bytes plain(cipher.max_plain_size(1200), 0x5a);
  for (auto _ : state) {
    Bytes wire = cipher.seal(plain);
    auto opened = cipher.open(wire);
    if (!opened) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(opened);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(plain.size()));
  state.SetLabel(hmac ? "hmac-10" : "checksum");
}
BENCHMARK(BM_FlashSealOpen1200)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
