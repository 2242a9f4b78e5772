#include "rtmfp/crypto/flash/epd.hpp"

#include <algorithm>

#include "rtmfp/crypto/flash/option_types.hpp"
#include "rtmfp/crypto/flash/options.hpp"

namespace rtmfp::crypto::flash {

Result<ParsedEpd> parse_epd(ByteView epd) {
  auto opts = parse_options(epd, "EPD");
  if (!opts) return std::unexpected(opts.error());
  ParsedEpd e;
  for (const auto& o : *opts) {
    if (o.marker) continue;
    switch (o.type) {
      case static_cast<std::uint64_t>(EpdOption::required_hostname):
        if (e.required_hostname) return fail(Errc::malformed, "EPD repeats Required Hostname (RFC 7425 §4.4.1)");
        e.required_hostname = std::string(as_chars(o.value));
        break;
      case static_cast<std::uint64_t>(EpdOption::ancillary_data):
        if (e.ancillary_data) return fail(Errc::malformed, "EPD repeats Ancillary Data (RFC 7425 §4.4.1)");
        e.ancillary_data = std::string(as_chars(o.value));
        break;
      case static_cast<std::uint64_t>(EpdOption::fingerprint): {
        if (e.fingerprint) return fail(Errc::malformed, "EPD repeats Fingerprint (RFC 7425 §4.4.1)");
        if (o.value.size() != 32) return fail(Errc::malformed, "EPD Fingerprint is not 32 bytes (RFC 7425 §4.4.2.3)");
        PeerId id;
        std::copy(o.value.begin(), o.value.end(), id.begin());
        e.fingerprint = id;
        break;
      }
      default:
        break;
    }
  }
  return e;
}

std::string strip_uri_for_epd(std::string_view uri) {
  std::string u(uri.substr(0, uri.find('#')));  // drop the fragment
  const auto scheme_end = u.find("://");
  if (scheme_end == std::string::npos) return u;
  const std::size_t auth_start = scheme_end + 3;
  std::size_t auth_end = u.find_first_of("/?", auth_start);
  if (auth_end == std::string::npos) auth_end = u.size();
  const auto at = u.rfind('@', auth_end == 0 ? 0 : auth_end - 1);
  if (at != std::string::npos && at >= auth_start) u.erase(auth_start, at + 1 - auth_start);  // userinfo
  return u;
}

Result<Bytes> build_epd(const EpdRequest& req) {
  if (req.uri.empty() && !req.peer_id && req.hostname.empty())
    return fail(Errc::invalid_argument, "EPD request names no URI, peer ID or hostname");
  Bytes out;
  ByteWriter w(out);
  if (!req.hostname.empty())
    write_option(w, static_cast<std::uint64_t>(EpdOption::required_hostname), as_bytes(req.hostname));
  if (!req.uri.empty()) {
    const std::string stripped = strip_uri_for_epd(req.uri);
    write_option(w, static_cast<std::uint64_t>(EpdOption::ancillary_data), as_bytes(stripped));
  }
  if (req.peer_id) write_option(w, static_cast<std::uint64_t>(EpdOption::fingerprint), *req.peer_id);
  return out;
}

bool epd_selects(const ParsedEpd& epd, const ParsedCertificate& cert, const PeerId& cert_fingerprint) {
  // RFC 7425 §4.4.3, in order.
  if (epd.fingerprint) return *epd.fingerprint == cert_fingerprint;
  if (epd.required_hostname) {
    if (!cert.hostname || *cert.hostname != *epd.required_hostname) return false;
  }
  if (epd.ancillary_data) {
    if (!cert.accepts_ancillary_data) return false;
  } else if (!epd.required_hostname) {
    return false;
  }
  return true;
}

Bytes canonical_epd_for(const PeerId& fingerprint) {
  Bytes out(34);
  out[0] = 0x21;  // length, 1-byte VLU
  out[1] = 0x0f;  // Fingerprint, 1-byte VLU
  std::copy(fingerprint.begin(), fingerprint.end(), out.begin() + 2);
  return out;
}

}  // namespace rtmfp::crypto::flash
