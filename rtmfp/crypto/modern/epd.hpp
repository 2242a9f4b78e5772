// Modern profile Endpoint Discriminators (WIRE.md §4): Required Hostname,
// Ancillary Data and Fingerprint options, the selection rule (as RFC 7425
// §4.4.3) and the canonical EPD (the Fingerprint option alone). The codec and
// the algorithm are shared with the flash profile (rtmfp/crypto/common/epd.hpp);
// a modern EPD must not contain Markers.
#pragma once

#include <string>
#include <string_view>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/common/epd.hpp"
#include "rtmfp/crypto/modern/certificate.hpp"

namespace rtmfp::crypto::modern {

using crypto::ParsedEpd;

// Each known option at most once; Fingerprint exactly 32 bytes; unknown
// types ignored; Markers are not allowed.
Result<ParsedEpd> parse_epd(ByteView epd);
// Options in registry order: Required Hostname, Ancillary Data, Fingerprint.
// The URI loses its userinfo and fragment (never sent in clear).
Result<Bytes> build_epd(const EpdRequest& req);
inline std::string strip_uri(std::string_view uri) { return strip_uri_for_epd(uri); }
bool epd_selects(const ParsedEpd& epd, const ParsedCertificate& cert);
using crypto::canonical_epd_for;  // 0x21 0x0f + 32 bytes

}  // namespace rtmfp::crypto::modern
