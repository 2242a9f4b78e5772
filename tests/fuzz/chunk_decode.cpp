// Fuzz target: first byte = RFC 7016 §2.3 chunk type, rest = chunk payload.
// Runs that type's codec (decode -> encode -> decode must agree), plus every
// other decoder and both ack decoders/encoders on the same payload.
#include <cstdint>
#include <cstdlib>

#include "rtmfp/core/wire/option.hpp"
#include "tests/unit/wire/chunk_roundtrip.hpp"

using namespace rtmfp;
using namespace rtmfp::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t type = data[0];
  ByteView payload(data + 1, size - 1);
  if (!wire_check::check_chunk(type, payload)) std::abort();
  // Every codec sees every payload (shapes valid for one type stress another).
  for (int t = 0; t < 256; ++t)
    if (t != type && chunk_type_info(static_cast<std::uint8_t>(t)) &&
        !wire_check::check_chunk(static_cast<std::uint8_t>(t), payload))
      std::abort();
  (void)chunk_type_name(type);
  // Options parsers on the payload as well.
  (void)parse_option_sequence(payload);
  (void)canonical_section_length(payload);
  ByteReader r(payload);
  (void)read_option_list(r);
  return 0;
}
