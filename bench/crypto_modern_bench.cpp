// Modern profile (libsodium): full handshakes per second through the
// CryptoProfile interface (begin_initiator + sign + begin_responder + sign +
// keys + complete, with real RFC 7016 signed-part/portion layouts), and
// seal / open of 1200-byte datagrams (session keys and default key).
#include <benchmark/benchmark.h>

#include "rtmfp/core/random.hpp"
#include "rtmfp/core/wire/vlu.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "rtmfp/crypto/modern/packet_cipher.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto;

namespace {

void length_prefixed(ByteWriter& w, ByteView b) {
  wire::write_vlu(w, b.size());
  w.bytes(b);
}

void BM_ModernHandshake(benchmark::State& state) {
  SeededRandom rng(1);
  auto client = ModernProfile::create(ModernConfig{}, rng);
  auto server = ModernProfile::create(ModernConfig{}, rng);
  if (!client || !server) {
    state.SkipWithError("profile creation failed");
    return;
  }
  const Bytes cookie(30, 0xc0);
  for (auto _ : state) {
    auto ih = (*client)->begin_initiator((*server)->local_certificate(), rng);
    if (!ih) {
      state.SkipWithError("begin_initiator failed");
      break;
    }
    Bytes sp;
    ByteWriter w(sp);
    w.u32(0x11223344);
    length_prefixed(w, cookie);
    length_prefixed(w, (*ih)->certificate());
    length_prefixed(w, (*ih)->skic());
    const Bytes sig = (*ih)->sign(sp);
    auto rh = (*server)->begin_responder(sp, (*ih)->certificate(), (*ih)->skic(), sig, rng);
    if (!rh) {
      state.SkipWithError("begin_responder failed");
      break;
    }
    Bytes portion;
    ByteWriter pw(portion);
    pw.u32(0x55667788);
    length_prefixed(pw, (*rh)->skrc());
    const Bytes rsig = (*rh)->sign(portion);
    auto rk = (*rh)->keys();
    auto ik = (*ih)->complete(portion, (*rh)->skrc(), rsig);
    if (!rk || !ik) {
      state.SkipWithError("handshake failed");
      break;
    }
    benchmark::DoNotOptimize(ik);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ModernHandshake)->Unit(benchmark::kMicrosecond);

modern::DirectionKeys keys(std::uint8_t k) {
  modern::DirectionKeys d;
  d.key.fill(k);
  d.iv.fill(static_cast<std::uint8_t>(k + 1));
  return d;
}

void BM_ModernSeal1200(benchmark::State& state) {
  modern::SessionCipher tx(keys(1), keys(3));
  const Bytes plain(tx.max_plain_size(1200 - 4), 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(tx.seal(plain));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(plain.size()));
}
BENCHMARK(BM_ModernSeal1200);

void BM_ModernSealOpen1200(benchmark::State& state) {
  modern::SessionCipher tx(keys(1), keys(3)), rx(keys(3), keys(1));
  const Bytes plain(tx.max_plain_size(1200 - 4), 0x5a);
  for (auto _ : state) {
    auto opened = rx.open(tx.seal(plain));
    if (!opened) {
      state.SkipWithError("open failed");
      break;
    }
    benchmark::DoNotOptimize(opened);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(plain.size()));
}
BENCHMARK(BM_ModernSealOpen1200);

void BM_ModernDefaultSealOpen1200(benchmark::State& state) {
  modern::DefaultCipher c;
  const Bytes plain(c.max_plain_size(1200 - 4), 0x0b);
  for (auto _ : state) {
    auto opened = c.open(c.seal(plain));
    if (!opened) {
      state.SkipWithError("open failed");
      break;
    }
    benchmark::DoNotOptimize(opened);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ModernDefaultSealOpen1200);

}  // namespace

BENCHMARK_MAIN();
