// Options and option lists, RFC 7016 §2.1.3 and §2.1.4.
//   option = VLU length L, then (if L > 0) VLU type and L - size(type) value bytes.
//   L == 0 is a Marker (no type, no value).
//   An Option List is zero or more non-empty options terminated by a Marker.
// Certificates, EPDs and keying components (RFC 7425 §4) are sequences of
// options that may contain Markers and need not end in one.
#pragma once

#include <cstdint>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::wire {

struct Option {
  bool marker = false;     // true for a Marker (L == 0); type/value unused
  std::uint64_t type = 0;  // option type
  ByteView value;          // view into the parsed buffer
  std::size_t offset = 0;  // byte offset of this option (or marker) in the parsed range
};

// Reads an Option List (§2.1.4) from the reader: options until a Marker,
// which is consumed. Fails (and fails the reader) on truncation, an option
// whose length overruns the input, or a missing terminating Marker.
Result<std::vector<Option>> read_option_list(ByteReader& r);

// Parses a whole range as a sequence of options and markers (used for
// certificates, EPDs, SKIC/SKRC, signatures). Fails on a malformed or
// truncated option. Markers are reported as Option{marker = true}.
Result<std::vector<Option>> parse_option_sequence(ByteView data);

// Offset of the first Marker in a sequence, or data.size() if none: the end
// of the "canonical section" of an RFC 7425 certificate (F§4.3.1).
// Returns an error if the sequence is malformed.
Result<std::size_t> canonical_section_length(ByteView data);

void write_option(ByteWriter& w, std::uint64_t type, ByteView value);
void write_marker(ByteWriter& w);

}  // namespace rtmfp::wire
