// Option sequences as used by every RFC 7425 structure (certificate F§4.3.1,
// EPD F§4.4.1, keying components F§4.5.1, signature F§4.3.5): zero or more
// RFC 7016 §2.1.3 options and Markers, with no terminating Marker required.
// Thin adapters over the shared wire codec (rtmfp/core/wire) that name the
// structure in their errors.
#pragma once

#include <cstdint>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/wire/option.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::crypto::flash {

struct SeqOption {
  bool marker = false;
  std::uint64_t type = 0;
  ByteView value;
};

using wire::read_vlu;
using wire::vlu_size;
using wire::write_option;
using wire::write_vlu;

// Parses a whole range as options and markers. `what` names the structure in
// the error ("certificate", "SKIC", ...).
Result<std::vector<SeqOption>> parse_options(ByteView data, const char* what);

// Reads a VLU that must fill the whole value (e.g. a group ID option).
Result<std::uint64_t> vlu_value(ByteView value, const char* what);

}  // namespace rtmfp::crypto::flash
