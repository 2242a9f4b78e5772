// Option sequences as used by every RFC 7425 structure (certificate F§4.3.1,
// EPD F§4.4.1, keying components F§4.5.1, signature F§4.3.5): zero or more
// RFC 7016 §2.1.3 options and Markers, with no terminating Marker required.
//
// A small local codec (VLU RFC 7016 §2.1.2 + option) so this profile does not
// depend on the wire module's link state; semantics match rtmfp/core/wire.
#pragma once

#include <cstdint>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::crypto::flash {

struct SeqOption {
  bool marker = false;
  std::uint64_t type = 0;
  ByteView value;
};

// Reads one VLU; fails the reader on truncation or a value beyond 64 bits.
std::uint64_t read_vlu(ByteReader& r);
void write_vlu(ByteWriter& w, std::uint64_t v);
std::size_t vlu_size(std::uint64_t v);

// Parses a whole range as options and markers. `what` names the structure in
// the error ("certificate", "SKIC", ...).
Result<std::vector<SeqOption>> parse_options(ByteView data, const char* what);

// Reads a VLU that must fill the whole value (e.g. a group ID option).
Result<std::uint64_t> vlu_value(ByteView value, const char* what);

void write_option(ByteWriter& w, std::uint64_t type, ByteView value);

}  // namespace rtmfp::crypto::flash
