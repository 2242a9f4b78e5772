#include "rtmfp/crypto/common/epd.hpp"

#include <algorithm>

namespace rtmfp::crypto {

Result<ParsedEpd> read_epd_options(std::span<const wire::Option> options, std::string_view what,
                                   EpdMarkers markers) {
  const std::string w(what);
  ParsedEpd e;
  for (const auto& o : options) {
    if (o.marker) {
      if (markers == EpdMarkers::rejected) return fail(Errc::malformed, w + ": contains a Marker");
      continue;
    }
    switch (o.type) {
      case static_cast<std::uint64_t>(EpdOptionType::required_hostname):
        if (e.required_hostname) return fail(Errc::malformed, w + ": repeated Required Hostname (RFC 7425 §4.4.1)");
        e.required_hostname = std::string(as_chars(o.value));
        break;
      case static_cast<std::uint64_t>(EpdOptionType::ancillary_data):
        if (e.ancillary_data) return fail(Errc::malformed, w + ": repeated Ancillary Data (RFC 7425 §4.4.1)");
        e.ancillary_data = std::string(as_chars(o.value));
        break;
      case static_cast<std::uint64_t>(EpdOptionType::fingerprint): {
        if (e.fingerprint) return fail(Errc::malformed, w + ": repeated Fingerprint (RFC 7425 §4.4.1)");
        if (o.value.size() != 32) return fail(Errc::malformed, w + ": Fingerprint is not 32 bytes (RFC 7425 §4.4.2.3)");
        PeerId id;
        std::copy(o.value.begin(), o.value.end(), id.begin());
        e.fingerprint = id;
        break;
      }
      default:
        break;  // unknown types are ignored (§4.4.2)
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
  const std::string_view authority(u.data() + auth_start, auth_end - auth_start);
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) u.erase(auth_start, at + 1);  // userinfo
  return u;
}

Result<Bytes> build_epd_options(const EpdRequest& req) {
  if (req.uri.empty() && !req.peer_id && req.hostname.empty())
    return fail(Errc::invalid_argument, "EPD request names no URI, peer ID or hostname");
  Bytes out;
  ByteWriter w(out);
  if (!req.hostname.empty())
    wire::write_option(w, static_cast<std::uint64_t>(EpdOptionType::required_hostname), as_bytes(req.hostname));
  if (!req.uri.empty()) {
    const std::string stripped = strip_uri_for_epd(req.uri);
    wire::write_option(w, static_cast<std::uint64_t>(EpdOptionType::ancillary_data), as_bytes(stripped));
  }
  if (req.peer_id) wire::write_option(w, static_cast<std::uint64_t>(EpdOptionType::fingerprint), *req.peer_id);
  return out;
}

bool epd_selects_certificate_fields(const ParsedEpd& epd, const std::optional<std::string>& cert_hostname,
                                    bool cert_accepts_ancillary_data, const PeerId& cert_peer_id) {
  // RFC 7425 §4.4.3, in order.
  if (epd.fingerprint) return *epd.fingerprint == cert_peer_id;
  if (epd.required_hostname && (!cert_hostname || *cert_hostname != *epd.required_hostname)) return false;
  if (epd.ancillary_data) return cert_accepts_ancillary_data;
  return epd.required_hostname.has_value();
}

Bytes canonical_epd_for(const PeerId& peer_id) {
  Bytes out(2 + peer_id.size());
  out[0] = 0x21;  // length 33, 1-byte VLU
  out[1] = static_cast<std::uint8_t>(EpdOptionType::fingerprint);
  std::copy(peer_id.begin(), peer_id.end(), out.begin() + 2);
  return out;
}

EpdInfo epd_info(const ParsedEpd& epd) {
  EpdInfo info;
  info.uri = epd.ancillary_data.value_or("");
  info.peer_id = epd.fingerprint;
  info.hostname = epd.required_hostname.value_or("");
  return info;
}

}  // namespace rtmfp::crypto
