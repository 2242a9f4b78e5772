#include "rtmfp/crypto/modern/epd.hpp"

#include "rtmfp/core/wire/option.hpp"

namespace rtmfp::crypto::modern {

static_assert(static_cast<int>(EpdOption::required_hostname) == static_cast<int>(EpdOptionType::required_hostname) &&
              static_cast<int>(EpdOption::ancillary_data) == static_cast<int>(EpdOptionType::ancillary_data) &&
              static_cast<int>(EpdOption::fingerprint) == static_cast<int>(EpdOptionType::fingerprint));

Result<ParsedEpd> parse_epd(ByteView epd) {
  auto opts = wire::parse_option_sequence(epd);
  if (!opts) return fail(Errc::malformed, "modern EPD: malformed option sequence: " + opts.error().message());
  return read_epd_options(*opts, "modern EPD", EpdMarkers::rejected);
}

Result<Bytes> build_epd(const EpdRequest& req) { return build_epd_options(req); }

bool epd_selects(const ParsedEpd& epd, const ParsedCertificate& cert) {
  // The peer ID (a hash) is only needed for a Fingerprint EPD.
  const PeerId id = epd.fingerprint ? peer_id_of_key(cert.identity_key) : PeerId{};
  return epd_selects_certificate_fields(epd, cert.hostname, cert.accepts_ancillary_data, id);
}

}  // namespace rtmfp::crypto::modern
