// Fuzz target: the RFC 7425 §5.1 mapping decoders (flow metadata, message
// framing, Flow Sync, Set Keepalive). Invariant: what decodes re-encodes to
// something that decodes to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/gateway/rtmfp_mapping.hpp"

using namespace rtmfp;
using namespace rtmfp::media::gateway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  if (auto md = decode_metadata(in)) {
    auto again = decode_metadata(encode_metadata(*md));
    if (!again || again->stream_id != md->stream_id || again->network_arrival_order != md->network_arrival_order)
      std::abort();
  }
  if (auto m = decode_message(in)) {
    Bytes enc = encode_message(m->type, m->timestamp, m->payload);
    if (enc.size() != in.size() || !std::equal(enc.begin(), enc.end(), in.begin())) std::abort();
  }
  if (auto s = decode_flow_sync(in); s && *s) {
    auto again = decode_flow_sync(encode_flow_sync(**s));
    if (!again || !*again || (*again)->sync_id != (*s)->sync_id || (*again)->count != (*s)->count) std::abort();
  }
  if (auto k = decode_set_keepalive(in); k && *k) {
    auto again = decode_set_keepalive(encode_set_keepalive(**k));
    if (!again || !*again) std::abort();
    (void)clamp_keepalive(**k);
  }
  return 0;
}
