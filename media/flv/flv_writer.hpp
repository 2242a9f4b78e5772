// FLV writer (sans-I/O): appends the header, tags and PreviousTagSize fields
// to a byte buffer. Layout: flv_types.hpp.
#pragma once

#include <span>

#include "media/flv/flv_types.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::flv {

// Writes the 9-byte header (DataOffset 9) and PreviousTagSize0 = 0.
void write_header(const Header& h, Bytes& out);
// Writes one tag and its PreviousTagSize (11 + data size). Fails if the data
// is larger than 2^24-1 bytes or stream_id does not fit 24 bits.
Result<void> write_tag(const Tag& t, Bytes& out);
// Header + every tag.
Result<Bytes> write_file(const Header& h, std::span<const Tag> tags);

}  // namespace rtmfp::media::flv
