// Fuzz target: ClientSession (publish or play, by the first byte) receiving
// a server's bytes after a valid S0S1S2 prefix, fed in pieces. Invariants: no
// crash; the session never sends while failed; output stays bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/rtmp/client_session.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ClientOptions o;
  auto url = parse_rtmp_url("rtmp://h/live/s");
  if (!url) std::abort();
  o.url = *url;
  o.publish = data[0] & 1;
  o.object_encoding = (data[0] & 2) ? 3 : 0;
  ClientSession c(o);
  const TimePoint now{};
  (void)c.start(now);
  Bytes hs(1 + 1536 + 1536, 0);
  hs[0] = 3;
  (void)c.receive(hs, now);
  (void)c.take_output();
  const std::size_t step = 1 + (data[0] >> 2);
  ByteView rest(data + 1, size - 1);
  for (std::size_t off = 0; off < rest.size(); off += step) {
    (void)c.receive(rest.subspan(off, std::min(step, rest.size() - off)), now);
    if (c.take_output().size() > (4u << 20)) std::abort();
    (void)c.take_events();
  }
  return 0;
}
