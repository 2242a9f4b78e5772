// Fuzz target: the rtmp-listen state machine (ServerSession::receive) after
// a valid handshake prefix, fed in pieces, with a second session playing the
// same registry so publish/play/unpublish paths run. Invariants: no crash;
// after an error the session stays failed; queued output stays bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/rtmp/server_session.hpp"

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  StreamRegistry reg;
  ServerOptions so;
  so.max_output_bytes = 1u << 20;
  ServerSession s(reg, so);
  const TimePoint now{};
  Bytes hs(1 + 1536 + 1536, 0);
  hs[0] = 3;
  if (!s.receive(hs, now)) std::abort();
  (void)s.take_output();
  const std::size_t step = 1 + (data[0] % 200);
  ByteView rest(data + 1, size - 1);
  bool failed = false;
  for (std::size_t off = 0; off < rest.size(); off += step) {
    auto r = s.receive(rest.subspan(off, std::min(step, rest.size() - off)), now);
    if (failed && r) std::abort();  // sticky
    if (!r) failed = true;
    if (s.pending_output() > (8u << 20)) std::abort();
    (void)s.take_output();
    (void)s.take_events();
  }
  s.close();
  return 0;
}
