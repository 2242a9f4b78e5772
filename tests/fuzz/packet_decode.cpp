// Fuzz target: RFC 7016 §2.2.4 parse_packet on arbitrary bytes, then every
// chunk through its §2.3 codec with a decode -> encode -> decode check; the
// packet is rebuilt with PacketBuilder and must parse to the same chunks;
// Packet Fragment chunks are fed to the §3.4 reassembler.
#include <cstdint>
#include <cstdlib>

#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/core/wire/reassembly.hpp"
#include "tests/unit/wire/chunk_roundtrip.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  (void)unscramble_session_id(in);
  auto p = parse_packet(in);
  if (!p) {
    if (p.error().detail.empty()) std::abort();
    return 0;
  }
  if (p->header.mode == PacketMode::forbidden) std::abort();
  FragmentReassembler reassembler(ReassemblyLimits{4096, 4});
  std::size_t chunk_bytes = 0;
  for (const auto& c : p->chunks) {
    if (c.type == kPaddingChunk0 || c.type == kPaddingChunkFF) std::abort();
    if (c.payload.data() < data || c.payload.data() + c.payload.size() > data + size) std::abort();
    chunk_bytes += 3 + c.payload.size();
    if (!wire_check::check_chunk(c.type, c.payload)) std::abort();
    if (c.type == static_cast<std::uint8_t>(ChunkType::packet_fragment)) {
      if (auto f = PacketFragmentChunk::decode(c.payload)) (void)reassembler.on_fragment(at(seconds(1)), SocketAddress{}, p->header.mode, *f);
    }
  }
  if (header_size(p->header) + chunk_bytes + p->padding_bytes > size) std::abort();
  if (reassembler.buffered_bytes() > 4096 * 4) std::abort();

  // Rebuild and re-parse: same header and chunks.
  PacketBuilder b(p->header, size);
  for (const auto& c : p->chunks)
    if (!b.add_chunk(c.type, c.payload)) std::abort();
  Bytes rebuilt = std::move(b).finish();
  auto q = parse_packet(rebuilt);
  if (!q || q->chunks.size() != p->chunks.size() || q->header.mode != p->header.mode ||
      q->header.timestamp != p->header.timestamp || q->header.timestamp_echo != p->header.timestamp_echo ||
      q->header.time_critical != p->header.time_critical ||
      q->header.time_critical_reverse != p->header.time_critical_reverse)
    std::abort();
  for (std::size_t i = 0; i < q->chunks.size(); ++i)
    if (q->chunks[i].type != p->chunks[i].type || !wire_check::eq(q->chunks[i].payload, p->chunks[i].payload))
      std::abort();
  return 0;
}
