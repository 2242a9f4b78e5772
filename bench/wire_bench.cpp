// RFC 7016 §2 wire codec throughput: parse_packet + chunk decode of a
// typical data packet, and building packets of User Data chunks (packets/s).
#include <benchmark/benchmark.h>

#include "rtmfp/core/wire/ack_codec.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;

namespace {

// A ~1200-byte responder packet: TS/TSE header, a Bitmap Ack, one User Data
// chunk with per-flow metadata and several Next User Data chunks, 0xff pad.
Bytes sample_packet(std::size_t messages, std::size_t message_size) {
  PacketHeader h;
  h.mode = PacketMode::responder;
  h.timestamp = 0x1234;
  h.timestamp_echo = 0x1200;
  PacketBuilder b(h, 1400);
  DataAck ack{3, 64, 1000, {{1002, 1010}, {1013, 1013}}};
  auto enc = encode_ack(ack, 100);
  b.add_chunk(enc->chunk_type, enc->payload);
  Bytes data(message_size, 0x5a);
  Bytes meta{0x54, 0x43, 0x04, 0x00};
  UserDataChunk first;
  first.flow_id = 5;
  first.sequence_number = 20000;
  first.fsn_offset = 3;
  first.options.push_back(Option{false, kOptionPerFlowMetadata, meta, 0});
  first.data = data;
  {
    ByteWriter w = b.begin_chunk(static_cast<std::uint8_t>(ChunkType::user_data));
    first.encode(w);
    b.end_chunk();
  }
  for (std::size_t i = 1; i < messages; ++i) {
    NextUserDataChunk next;
    next.data = data;
    ByteWriter w = b.begin_chunk(static_cast<std::uint8_t>(ChunkType::next_user_data));
    next.encode(w);
    b.end_chunk();
  }
  Bytes pkt = std::move(b).finish();
  pkt.resize((pkt.size() + 15) / 16 * 16, 0xff);  // RFC 7425 §4.7.2 style padding
  return pkt;
}

void BM_ParseAndDecode(benchmark::State& state) {
  Bytes pkt = sample_packet(static_cast<std::size_t>(state.range(0)), 1100 / state.range(0));
  std::uint64_t sum = 0;
  for (auto _ : state) {
    auto p = parse_packet(pkt);
    for (const auto& c : p->chunks) {
      switch (static_cast<ChunkType>(c.type)) {
        case ChunkType::user_data: sum += UserDataChunk::decode(c.payload)->data.size(); break;
        case ChunkType::next_user_data: sum += NextUserDataChunk::decode(c.payload)->data.size(); break;
        case ChunkType::ack_bitmap: sum += decode_bitmap_ack(c.payload)->cumulative_ack; break;
        case ChunkType::ack_ranges: sum += decode_range_ack(c.payload)->cumulative_ack; break;
        default: break;
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations());  // packets
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(pkt.size()));
}
BENCHMARK(BM_ParseAndDecode)->Arg(1)->Arg(8)->Arg(32);

void BM_BuildUserDataPacket(benchmark::State& state) {
  const std::size_t messages = static_cast<std::size_t>(state.range(0));
  Bytes data(1100 / messages, 0xa5);
  std::uint64_t seq = 1;
  for (auto _ : state) {
    PacketHeader h;
    h.mode = PacketMode::initiator;
    h.timestamp = static_cast<std::uint16_t>(seq);
    PacketBuilder b(h, 1200);
    UserDataChunk c;
    c.flow_id = 2;
    c.sequence_number = seq;
    c.fsn_offset = 1;
    c.data = data;
    ByteWriter w = b.begin_chunk(static_cast<std::uint8_t>(ChunkType::user_data));
    c.encode(w);
    b.end_chunk();
    for (std::size_t i = 1; i < messages; ++i) {
      NextUserDataChunk n;
      n.data = data;
      ByteWriter wn = b.begin_chunk(static_cast<std::uint8_t>(ChunkType::next_user_data));
      n.encode(wn);
      b.end_chunk();
    }
    seq += messages;
    Bytes pkt = std::move(b).finish();
    benchmark::DoNotOptimize(pkt.data());
  }
  state.SetItemsProcessed(state.iterations());  // packets
}
BENCHMARK(BM_BuildUserDataPacket)->Arg(1)->Arg(8)->Arg(32);

void BM_EncodeAck(benchmark::State& state) {
  DataAck a{7, 128, 5000, {}};
  for (std::uint64_t s = 5002; a.ranges.size() < static_cast<std::size_t>(state.range(0)); s += 5)
    a.ranges.push_back({s, s + 2});
  for (auto _ : state) {
    auto e = encode_ack(a, 1000);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeAck)->Arg(4)->Arg(64);

}  // namespace

BENCHMARK_MAIN();
