// Endpoint Discriminators as both cryptography profiles define them: the
// RFC 7425 §4.4 options Required Hostname 0x00, Ancillary Data 0x0a and
// Fingerprint 0x0f (the modern profile numbers them the same, WIRE.md §4),
// the §4.4.3 selection algorithm and the §4.4.4 canonical EPD. The profiles
// differ only in what a Marker means (flash: nothing, modern: malformed) and
// in their certificates; flash/epd.hpp and modern/epd.hpp adapt them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/wire/option.hpp"

namespace rtmfp::crypto {

// The shared EPD option registry (RFC 7425 §4.4.2, WIRE.md §4).
enum class EpdOptionType : std::uint8_t {
  required_hostname = 0x00,
  ancillary_data = 0x0a,
  fingerprint = 0x0f,
};

struct ParsedEpd {
  std::optional<std::string> required_hostname;
  std::optional<std::string> ancillary_data;
  std::optional<PeerId> fingerprint;
};

enum class EpdMarkers { ignored, rejected };

// Reads a parsed option sequence as an EPD: each known option at most once,
// a Fingerprint exactly 32 bytes, unknown types ignored. `what` ("EPD",
// "modern EPD") starts every error message.
Result<ParsedEpd> read_epd_options(std::span<const wire::Option> options, std::string_view what,
                                   EpdMarkers markers);

// Options in registry order (Required Hostname, Ancillary Data, Fingerprint),
// each only if requested; the URI is sent through strip_uri_for_epd. Errors
// if the request names nothing.
Result<Bytes> build_epd_options(const EpdRequest& req);

// §4.4.2.2 with RTMP errata: the URI with its userinfo and fragment removed.
std::string strip_uri_for_epd(std::string_view uri);

// §4.4.3 selection of a certificate with the given Hostname, Accepts
// Ancillary Data flag and peer ID (only compared if the EPD has a Fingerprint).
bool epd_selects_certificate_fields(const ParsedEpd& epd, const std::optional<std::string>& cert_hostname,
                                    bool cert_accepts_ancillary_data, const PeerId& cert_peer_id);

// §4.4.4: 0x21 0x0f + the 32-byte peer ID.
Bytes canonical_epd_for(const PeerId& peer_id);

// What CryptoProfile::describe_epd reports.
EpdInfo epd_info(const ParsedEpd& epd);

}  // namespace rtmfp::crypto
