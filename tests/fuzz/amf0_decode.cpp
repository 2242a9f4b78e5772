// Fuzzes the AMF0 decoder (and, through the avmplus switch, AMF3). Invariants:
// no crash or sanitizer report; whatever decodes re-encodes, and encoding is
// idempotent through a decode (AMF3 values inside an avmplus switch may map
// to AMF0 types, e.g. integer -> number, so bytes are compared, not values).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/amf/amf0.hpp"

using namespace rtmfp;
using namespace rtmfp::media::amf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  DecodeLimits lim;
  lim.max_budget = 4u << 20;  // keep each run small
  auto vals = amf0::decode_all(ByteView(data, size), lim);
  if (!vals) return 0;
  auto enc = amf0::encode_all(*vals);
  if (!enc) return 0;  // e.g. an AMF3 value AMF0 cannot carry back (empty keys)
  DecodeLimits big;
  big.max_budget = 64u << 20;
  // The re-encoding can be far shorter than the input (references), while the
  // decoded values are the same size: its budget must not scale with its length.
  big.budget_per_input_byte = 0;
  auto again = amf0::decode_all(*enc, big);
  if (!again) std::abort();
  auto enc2 = amf0::encode_all(*again);
  if (!enc2 || *enc2 != *enc) std::abort();
  return 0;
}
