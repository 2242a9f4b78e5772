// libFuzzer target: the rendezvous control-plane decoder (any peer with a
// session to a rendezvous reaches it). Invariants: no crash, bounded input
// accepted, and every decoded message encodes and decodes back to itself.
#include <cstdlib>

#include "rendezvous/control/control_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtmfp::rendezvous::control;
  auto m = decode(rtmfp::ByteView(data, size));
  if (!m) return 0;
  auto again = encode(*m);
  if (!again) std::abort();  // whatever decodes must encode
  auto back = decode(*again);
  if (!back || !(*back == *m)) std::abort();
  return 0;
}
