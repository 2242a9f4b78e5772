// Modern profile Endpoint Discriminators (WIRE.md §4): Required Hostname,
// Ancillary Data and Fingerprint options, the selection rule (as RFC 7425
// §4.4.3) and the canonical EPD (the Fingerprint option alone).
#pragma once

#include <string>
#include <string_view>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/modern/certificate.hpp"

namespace rtmfp::crypto::modern {

struct ParsedEpd {
  std::optional<std::string> required_hostname;
  std::optional<std::string> ancillary_data;
  std::optional<PeerId> fingerprint;
};

// Each known option at most once; Fingerprint exactly 32 bytes; unknown
// types ignored; Markers are not allowed.
Result<ParsedEpd> parse_epd(ByteView epd);
// Options in registry order: Required Hostname, Ancillary Data, Fingerprint.
// The URI loses its userinfo and fragment (never sent in clear).
Result<Bytes> build_epd(const EpdRequest& req);
std::string strip_uri(std::string_view uri);
bool epd_selects(const ParsedEpd& epd, const ParsedCertificate& cert);
Bytes canonical_epd_for(const PeerId& peer_id);  // 0x21 0x0f + 32 bytes

}  // namespace rtmfp::crypto::modern
