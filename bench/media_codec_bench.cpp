// Media codec throughput: AMF0/AMF3 encode and decode of a typical RTMP
// connect command and an onMetaData-sized object graph; FLV parse (whole
// buffer and streamed in 4 KiB chunks) and serialise. Reports bytes/s.
#include <benchmark/benchmark.h>

#include "media/amf/amf0.hpp"
#include "media/amf/amf3.hpp"
#include "media/flv/flv_media.hpp"
#include "media/flv/flv_reader.hpp"
#include "media/flv/flv_writer.hpp"

namespace {

using namespace rtmfp;
using namespace rtmfp::media;
using amf::Value;

std::vector<Value> connect_command() {
  return {"connect", 1,
          Value::object({{"app", "live"},
                         {"flashVer", "FMLE/3.0 (compatible; FMSc/1.0)"},
                         {"swfUrl", "rtmp://localhost/live"},
                         {"tcUrl", "rtmp://localhost/live"},
                         {"fpad", false},
                         {"capabilities", 239},
                         {"audioCodecs", 3575},
                         {"videoCodecs", 252},
                         {"videoFunction", 1},
                         {"objectEncoding", 0}})};
}

// A larger graph with repeated keys/strings (where AMF3 references pay off).
Value object_graph() {
  std::vector<Value> items;
  for (int i = 0; i < 200; ++i)
    items.push_back(Value::object({{"id", Value::integer(i)}, {"name", "stream"}, {"bitrate", 2500.5},
                                   {"codec", "avc1.64001f"}, {"live", true}}));
  return Value::ecma_array({{"streams", Value::array(std::move(items))}, {"server", "rtmfp-node"}});
}

void BM_Amf0EncodeConnect(benchmark::State& state) {
  auto cmd = connect_command();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto out = amf::amf0::encode_all(cmd);
    bytes += out->size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_Amf0DecodeConnect(benchmark::State& state) {
  Bytes wire = *amf::amf0::encode_all(connect_command());
  for (auto _ : state) {
    auto v = amf::amf0::decode_all(wire);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

void BM_Amf0EncodeGraph(benchmark::State& state) {
  Value g = object_graph();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto out = amf::amf0::encode(g);
    bytes += out->size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_Amf0DecodeGraph(benchmark::State& state) {
  Bytes wire = *amf::amf0::encode(object_graph());
  for (auto _ : state) {
    auto v = amf::amf0::decode(wire);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

void BM_Amf3EncodeGraph(benchmark::State& state) {
  Value g = object_graph();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto out = amf::amf3::encode(g);
    bytes += out->size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_Amf3DecodeGraph(benchmark::State& state) {
  Bytes wire = *amf::amf3::encode(object_graph());
  for (auto _ : state) {
    auto v = amf::amf3::decode(wire);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

// ~2 MB synthetic FLV: 25 fps video with 8 KiB frames, 43 audio tags/s.
std::vector<flv::Tag> sample_tags() {
  std::vector<flv::Tag> tags;
  tags.push_back({flv::TagType::script, 0, 0, false,
                  *flv::make_script("onMetaData", Value::ecma_array({{"width", 1280}, {"height", 720}})), 0});
  for (int i = 0; i < 250; ++i) {
    Bytes v(8192, 0x55);
    v[0] = i % 50 == 0 ? 0x17 : 0x27;
    v[1] = 1;
    tags.push_back({flv::TagType::video, static_cast<std::uint32_t>(i * 40), 0, false, std::move(v), 0});
    Bytes a(300, 0x21);
    a[0] = 0xAF;
    a[1] = 1;
    tags.push_back({flv::TagType::audio, static_cast<std::uint32_t>(i * 23), 0, false, std::move(a), 0});
  }
  return tags;
}

void BM_FlvParse(benchmark::State& state) {
  Bytes file = *flv::write_file(flv::Header{}, sample_tags());
  for (auto _ : state) {
    auto f = flv::read_file(file);
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file.size()));
}

void BM_FlvParseStreamed4K(benchmark::State& state) {
  Bytes file = *flv::write_file(flv::Header{}, sample_tags());
  for (auto _ : state) {
    flv::Reader rd;
    std::size_t n = 0;
    for (std::size_t i = 0; i < file.size(); i += 4096) {
      rd.feed(ByteView(file).subspan(i, std::min<std::size_t>(4096, file.size() - i)));
      while (auto t = rd.next()) {
        if (!*t) break;
        n += (*t)->data.size();
      }
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file.size()));
}

void BM_FlvSerialise(benchmark::State& state) {
  auto tags = sample_tags();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto f = flv::write_file(flv::Header{}, tags);
    bytes += f->size();
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

}  // namespace

BENCHMARK(BM_Amf0EncodeConnect);
BENCHMARK(BM_Amf0DecodeConnect);
BENCHMARK(BM_Amf0EncodeGraph);
BENCHMARK(BM_Amf0DecodeGraph);
BENCHMARK(BM_Amf3EncodeGraph);
BENCHMARK(BM_Amf3DecodeGraph);
BENCHMARK(BM_FlvParse);
BENCHMARK(BM_FlvParseStreamed4K);
BENCHMARK(BM_FlvSerialise);
BENCHMARK_MAIN();
