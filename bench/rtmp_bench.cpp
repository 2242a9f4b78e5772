// RTMP throughput: chunk stream serialise / parse of 4 KiB video + 300-byte
// audio messages at chunk size 128 and 4096 (R§5.3), also with extended
// timestamps (E§5.1, every Type 3 chunk carries it); command messages
// (onStatus / connect, type 20 and 17) encode + decode; aggregate splitting;
// the built-in server's fan-out of one published stream to N players
// (StreamRegistry + ServerSession: what an rtmp-listen:// destination costs);
// and FLV parse / serialise of the same messages (the relay's file ends).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>

#include "media/flv/flv_reader.hpp"
#include "media/flv/flv_writer.hpp"
#include "media/rtmp/chunk_stream.hpp"
#include "media/rtmp/client_session.hpp"
#include "media/rtmp/command.hpp"
#include "media/rtmp/control.hpp"
#include "media/rtmp/server_session.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

namespace {

// base: the first timestamp; 0x01000000 and above needs extended timestamps.
std::vector<Message> workload(std::uint32_t base = 0) {
  std::vector<Message> v;
  for (std::uint32_t i = 0; i < 200; ++i) {
    v.push_back(Message{base + i * 40, msg_type::video, 1, 0, Bytes(4096, static_cast<std::uint8_t>(i))});
    v.push_back(Message{base + i * 40 + 3, msg_type::audio, 1, 0, Bytes(300, static_cast<std::uint8_t>(i))});
  }
  return v;
}

constexpr std::uint32_t kExtBase = 0x01000000;  // 4.66 hours: past the 24-bit field

void BM_Serialize(benchmark::State& state) {
  const auto msgs = workload(state.range(1) ? kExtBase : 0);
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
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * msgs.size()));
}
BENCHMARK(BM_Serialize)->ArgNames({"chunk", "ext_ts"})->ArgsProduct({{128, 4096}, {0, 1}});

void BM_Parse(benchmark::State& state) {
  const auto msgs = workload(state.range(1) ? kExtBase : 0);
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
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * msgs.size()));
}
BENCHMARK(BM_Parse)->ArgNames({"chunk", "ext_ts"})->ArgsProduct({{128, 4096}, {0, 1}});

// onStatus (what a server sends most) encoded and decoded, AMF0 (type 20)
// or AMF3 (type 17).
void BM_CommandRoundTrip(benchmark::State& state) {
  const bool amf3 = state.range(0) != 0;
  Command c{"onStatus", 0, Value::null(), {status_info("status", "NetStream.Play.Start", "Started playing live/cam.")}};
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto m = encode_command(c, 1, amf3);
    auto d = decode_command(*m);
    bytes += m->payload.size();
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_CommandRoundTrip)->ArgName("amf3")->Arg(0)->Arg(1);

// An aggregate message (type 22) of 20 FLV tags split into messages.
void BM_SplitAggregate(benchmark::State& state) {
  Message agg{1000, msg_type::aggregate, 1, 0, {}};
  for (std::uint32_t i = 0; i < 20; ++i) {
    const std::uint32_t size = 1000, ts = 1000 + i * 40;
    Bytes tag = {msg_type::video, std::uint8_t(size >> 16), std::uint8_t(size >> 8), std::uint8_t(size),
                 std::uint8_t(ts >> 16), std::uint8_t(ts >> 8), std::uint8_t(ts), std::uint8_t(ts >> 24), 0, 0, 0};
    tag.resize(tag.size() + size, 0x27);
    const std::uint32_t back = 11 + size;
    tag.insert(tag.end(), {std::uint8_t(back >> 24), std::uint8_t(back >> 16), std::uint8_t(back >> 8), std::uint8_t(back)});
    agg.payload.insert(agg.payload.end(), tag.begin(), tag.end());
  }
  for (auto _ : state) {
    auto parts = split_aggregate(agg);
    if (!parts || parts->size() != 20) state.SkipWithError("aggregate split failed");
    benchmark::DoNotOptimize(parts);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * agg.payload.size()));
}
BENCHMARK(BM_SplitAggregate);

// One publisher, N players on the in-memory server: each published message is
// chunked once per player. Items = messages published; bytes = bytes out.
void BM_ServerFanOut(benchmark::State& state) {
  const int players = static_cast<int>(state.range(0));
  StreamRegistry reg;
  std::vector<std::unique_ptr<ServerSession>> sessions;
  auto connect = [&](bool publish) {
    ClientOptions o;
    o.url = *parse_rtmp_url("rtmp://h/live/cam");
    o.publish = publish;
    ClientSession c(o);
    auto s = std::make_unique<ServerSession>(reg);
    Bytes a = c.start(TimePoint{});
    for (int i = 0; i < 20 && !a.empty(); ++i) {
      (void)s->receive(a, TimePoint{});
      (void)c.receive(s->take_output(), TimePoint{});
      a = c.take_output();
    }
    sessions.push_back(std::move(s));
  };
  for (int i = 0; i < players; ++i) connect(false);
  connect(true);  // registers the key as published (on_media needs a publisher)
  if (!reg.has_publisher("live/cam")) state.SkipWithError("publisher did not start");
  const auto msgs = workload();
  std::size_t out = 0;
  for (auto _ : state) {
    for (const auto& m : msgs) {
      reg.on_media("live/cam", m);
      for (int i = 0; i < players; ++i) out += sessions[i]->take_output().size();
    }
  }
  if (out == 0) state.SkipWithError("players received nothing");
  state.SetBytesProcessed(static_cast<std::int64_t>(out));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * msgs.size()));
}
BENCHMARK(BM_ServerFanOut)->ArgName("players")->Arg(1)->Arg(10)->Arg(100);

// The relay's file ends: the same workload as FLV bytes parsed incrementally
// (fed in 64 KiB reads, as FlvSource does) into tags, and tags serialised to
// FLV (as FlvSink does).
Bytes workload_flv() {
  std::vector<media::flv::Tag> tags;
  for (const auto& m : workload())
    tags.push_back({static_cast<media::flv::TagType>(m.type), m.timestamp, 0, false, m.payload, 0});
  return *media::flv::write_file(media::flv::Header{}, tags);
}

void BM_FlvParse(benchmark::State& state) {
  const Bytes file = workload_flv();
  constexpr std::size_t kRead = 64 * 1024;
  std::size_t tags = 0;
  for (auto _ : state) {
    media::flv::Reader rd;
    for (std::size_t off = 0; off < file.size(); off += kRead) {
      rd.feed(ByteView(file).subspan(off, std::min(kRead, file.size() - off)));
      for (;;) {
        auto t = rd.next();
        if (!t) {
          state.SkipWithError("FLV parse failed");
          return;
        }
        if (!*t) break;
        ++tags;
        benchmark::DoNotOptimize((*t)->data.data());
      }
    }
    if (!rd.finish()) state.SkipWithError("FLV truncated");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(tags));
}
BENCHMARK(BM_FlvParse);

void BM_FlvSerialize(benchmark::State& state) {
  const auto msgs = workload();
  std::size_t bytes = 0;
  for (auto _ : state) {
    Bytes out;
    media::flv::write_header(media::flv::Header{}, out);
    for (const auto& m : msgs) {
      media::flv::Tag t{static_cast<media::flv::TagType>(m.type), m.timestamp, 0, false, m.payload, 0};
      (void)media::flv::write_tag(t, out);
    }
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * msgs.size()));
}
BENCHMARK(BM_FlvSerialize);

}  // namespace

BENCHMARK_MAIN();
