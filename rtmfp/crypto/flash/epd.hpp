// Flash profile Endpoint Discriminators, RFC 7425 §4.4: options Required
// Hostname 0x00, Ancillary Data 0x0a and Fingerprint 0x0f (§4.4.2), the
// REQUIRED selection algorithm (§4.4.3) and the 34-byte canonical EPD (§4.4.4).
// The codec and the algorithm are shared with the modern profile
// (rtmfp/crypto/common/epd.hpp); Markers in a flash EPD are ignored.
#pragma once

#include <string>
#include <string_view>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/common/epd.hpp"
#include "rtmfp/crypto/flash/certificate.hpp"

namespace rtmfp::crypto::flash {

using crypto::ParsedEpd;

// Parses an EPD. Each known option at most once; a Fingerprint must be 32
// bytes; unknown types and Markers are ignored (§4.4.1-4.4.2).
Result<ParsedEpd> parse_epd(ByteView epd);

// §4.4.2.2 with RTMP errata: the URI with userinfo and fragment removed.
using crypto::strip_uri_for_epd;

// Builds an EPD; errors if the request names nothing.
Result<Bytes> build_epd(const EpdRequest& req);

// §4.4.3 certificate selection.
bool epd_selects(const ParsedEpd& epd, const ParsedCertificate& cert, const PeerId& cert_fingerprint);

// §4.4.4: 0x21 0x0f + 32-byte fingerprint.
using crypto::canonical_epd_for;

}  // namespace rtmfp::crypto::flash
