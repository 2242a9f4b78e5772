// Fuzz target: RTMP chunk stream parser (R§5.3) fed in pieces, then every
// message through the control / command / data / aggregate decoders, and the
// handshake. Must never crash, read out of bounds or grow without bound.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "media/rtmp/chunk_stream.hpp"
#include "media/rtmp/command.hpp"
#include "media/rtmp/control.hpp"
#include "media/rtmp/handshake.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteView all(data, size);
  // First byte picks the feeding granularity.
  const std::size_t step = 1 + (data[0] % 64);
  ChunkLimits lim;
  lim.max_message_size = 1 << 16;
  lim.max_partial_bytes = 1 << 18;
  ChunkParser p(lim);
  std::vector<Message> out;
  ByteView rest = all.subspan(1);
  for (std::size_t off = 0; off < rest.size(); off += step) {
    if (!p.feed(rest.subspan(off, std::min(step, rest.size() - off)), out)) break;
  }
  for (const auto& m : out) {
    switch (m.type) {
      case msg_type::command_amf0:
      case msg_type::command_amf3: (void)decode_command(m); break;
      case msg_type::data_amf0:
      case msg_type::data_amf3: (void)decode_data(m); break;
      case msg_type::user_control: (void)control::decode_user_control(m); break;
      case msg_type::set_peer_bandwidth: (void)control::decode_peer_bandwidth(m); break;
      case msg_type::aggregate: (void)split_aggregate(m, 64); break;
      default: (void)control::decode_u32(m); break;
    }
  }
  Handshake hs(HandshakeRole::server);
  Bytes o;
  (void)hs.feed(all, o);
  return 0;
}
