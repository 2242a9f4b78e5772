#include "rtmfp/crypto/modern/epd.hpp"

#include <algorithm>

#include "rtmfp/core/wire/option.hpp"

namespace rtmfp::crypto::modern {

Result<ParsedEpd> parse_epd(ByteView epd) {
  auto opts = wire::parse_option_sequence(epd);
  if (!opts) return fail(Errc::malformed, "modern EPD: malformed option sequence: " + opts.error().message());
  ParsedEpd e;
  for (const auto& o : *opts) {
    if (o.marker) return fail(Errc::malformed, "modern EPD: contains a Marker");
    switch (o.type) {
      case static_cast<std::uint64_t>(EpdOption::required_hostname):
        if (e.required_hostname) return fail(Errc::malformed, "modern EPD: repeated Required Hostname");
        e.required_hostname = std::string(as_chars(o.value));
        break;
      case static_cast<std::uint64_t>(EpdOption::ancillary_data):
        if (e.ancillary_data) return fail(Errc::malformed, "modern EPD: repeated Ancillary Data");
        e.ancillary_data = std::string(as_chars(o.value));
        break;
      case static_cast<std::uint64_t>(EpdOption::fingerprint): {
        if (e.fingerprint) return fail(Errc::malformed, "modern EPD: repeated Fingerprint");
        if (o.value.size() != 32) return fail(Errc::malformed, "modern EPD: Fingerprint is not 32 bytes");
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

std::string strip_uri(std::string_view uri) {
  std::string u(uri.substr(0, uri.find('#')));
  const auto scheme_end = u.find("://");
  if (scheme_end == std::string::npos) return u;
  const std::size_t auth_start = scheme_end + 3;
  std::size_t auth_end = u.find_first_of("/?", auth_start);
  if (auth_end == std::string::npos) auth_end = u.size();
  const std::string_view authority(u.data() + auth_start, auth_end - auth_start);
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) u.erase(auth_start, at + 1);
  return u;
}

Result<Bytes> build_epd(const EpdRequest& req) {
  if (req.uri.empty() && !req.peer_id && req.hostname.empty())
    return fail(Errc::invalid_argument, "EPD request names no URI, peer ID or hostname");
  Bytes out;
  ByteWriter w(out);
  if (!req.hostname.empty())
    wire::write_option(w, static_cast<std::uint64_t>(EpdOption::required_hostname), as_bytes(req.hostname));
  if (!req.uri.empty()) {
    const std::string u = strip_uri(req.uri);
    wire::write_option(w, static_cast<std::uint64_t>(EpdOption::ancillary_data), as_bytes(u));
  }
  if (req.peer_id) wire::write_option(w, static_cast<std::uint64_t>(EpdOption::fingerprint), *req.peer_id);
  return out;
}

bool epd_selects(const ParsedEpd& epd, const ParsedCertificate& cert) {
  if (epd.fingerprint) return *epd.fingerprint == peer_id_of_key(cert.identity_key);
  if (epd.required_hostname && (!cert.hostname || *cert.hostname != *epd.required_hostname)) return false;
  if (epd.ancillary_data) return cert.accepts_ancillary_data;
  return epd.required_hostname.has_value();
}

Bytes canonical_epd_for(const PeerId& peer_id) {
  Bytes out(2 + peer_id.size());
  out[0] = 0x21;  // length 33, 1-byte VLU
  out[1] = static_cast<std::uint8_t>(EpdOption::fingerprint);
  std::copy(peer_id.begin(), peer_id.end(), out.begin() + 2);
  return out;
}

}  // namespace rtmfp::crypto::modern
