// Option sequences as used by every RFC 7425 structure (certificate F§4.3.1,
// EPD F§4.4.1, keying components F§4.5.1, signature F§4.3.5): zero or more
// RFC 7016 §2.1.3 options and Markers, with no terminating Marker required.
// Thin adapters over the shared wire codec (rtmfp/core/wire) that name the
// structure in their errors.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/wire/option.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::crypto::flash {

using SeqOption = wire::Option;

using wire::read_vlu;
using wire::vlu_size;
using wire::write_option;
using wire::write_vlu;

// Parses a whole range as options and markers. `what` names the structure in
// the error ("certificate", "SKIC", ...).
Result<std::vector<SeqOption>> parse_options(ByteView data, const char* what);

// Reads a VLU that must fill the whole value (e.g. a group ID option).
Result<std::uint64_t> vlu_value(ByteView value, const char* what);
void write_vlu_option(ByteWriter& w, std::uint64_t type, std::uint64_t value);

// A DH group ID (VLU) followed by a non-empty key: the value of a Static DH
// Public Key (F§4.3.3.5) or Ephemeral DH Public Key (F§4.5.2.1) option, and
// of a persisted static private key. nullopt if malformed.
struct GroupKey {
  std::uint64_t group = 0;
  ByteView key;
};
std::optional<GroupKey> read_group_key(ByteView value);
void write_group_key_option(ByteWriter& w, std::uint64_t type, std::uint64_t group, ByteView key);

}  // namespace rtmfp::crypto::flash
