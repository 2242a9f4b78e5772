// RTMP chunk stream throughput: serialising and parsing a stream of 4 KiB
// video / 300-byte audio messages at chunk size 128 and 4096 (R§5.3).
#include <benchmark/benchmark.h>

#include "media/rtmp/chunk_stream.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

namespace {

std::vector<Message> workload() {
  std::vector<Message> v;
  for (std::uint32_t i = 0; i < 200; ++i) {
    v.push_back(Message{i * 40, msg_type::video, 1, 0, Bytes(4096, static_cast<std::uint8_t>(i))});
    v.push_back(Message{i * 40 + 3, msg_type::audio, 1, 0, Bytes(300, static_cast<std::uint8_t>(i))});
  }
  return v;
}

void BM_Serialize(benchmark::State& state) {
  const auto msgs = workload();
  std::size_t bytes = 0;
  for (auto _ : state) {
    ChunkSerializer s;
    (void)s.set_chunk_size(static_cast<std::uint32_t>(state.range(0)));
    Bytes out;
    out.reserve(1 << 21);
    for (const auto& m : msgs) (void)s.write(m, out);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Serialize)->Arg(128)->Arg(4096);

void BM_Parse(benchmark::State& state) {
  const auto msgs = workload();
  const auto cs = static_cast<std::uint32_t>(state.range(0));
  ChunkSerializer s;
  Bytes wire;
  Message set{0, msg_type::set_chunk_size, 0, 2, {std::uint8_t(cs >> 24), std::uint8_t(cs >> 16), std::uint8_t(cs >> 8), std::uint8_t(cs)}};
  (void)s.write(set, wire);
  (void)s.set_chunk_size(cs);
  for (const auto& m : msgs) (void)s.write(m, wire);
  for (auto _ : state) {
    ChunkParser p;
    std::vector<Message> out;
    // Feed in 1460-byte segments like TCP would deliver them.
    for (std::size_t off = 0; off < wire.size(); off += 1460)
      (void)p.feed(ByteView(wire).subspan(off, std::min<std::size_t>(1460, wire.size() - off)), out);
    if (out.size() != msgs.size() + 1) state.SkipWithError("parse mismatch");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_Parse)->Arg(128)->Arg(4096);

}  // namespace

BENCHMARK_MAIN();
