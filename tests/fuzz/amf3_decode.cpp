// Fuzzes the AMF3 decoder with the Flex externalizable handlers registered.
// Invariants: no crash or sanitizer report; whatever decodes re-encodes and
// decodes back to an equal value (references and tables stay consistent).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/amf/amf3.hpp"

using namespace rtmfp;
using namespace rtmfp::media::amf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& flex = amf3::ExternalizableRegistry::flex();
  DecodeLimits lim;
  lim.max_budget = 4u << 20;
  auto vals = amf3::decode_all(ByteView(data, size), lim, &flex);
  if (!vals) return 0;
  Bytes out;
  amf3::Encoder enc(out, &flex);
  for (const auto& v : *vals)
    if (!enc.write(v)) return 0;
  DecodeLimits big;
  big.max_budget = 64u << 20;
  // The re-encoding can be far shorter than the input (references), while the
  // decoded values are the same size: its budget must not scale with its length.
  big.budget_per_input_byte = 0;
  auto again = amf3::decode_all(out, big, &flex);
  if (!again || *again != *vals) std::abort();
  return 0;
}
