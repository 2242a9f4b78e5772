#include "rtmfp/crypto/flash/epd.hpp"

#include "rtmfp/crypto/flash/option_types.hpp"
#include "rtmfp/crypto/flash/options.hpp"

namespace rtmfp::crypto::flash {

static_assert(static_cast<int>(EpdOption::required_hostname) == static_cast<int>(EpdOptionType::required_hostname) &&
              static_cast<int>(EpdOption::ancillary_data) == static_cast<int>(EpdOptionType::ancillary_data) &&
              static_cast<int>(EpdOption::fingerprint) == static_cast<int>(EpdOptionType::fingerprint));

Result<ParsedEpd> parse_epd(ByteView epd) {
  auto opts = parse_options(epd, "EPD");
  if (!opts) return std::unexpected(opts.error());
  return read_epd_options(*opts, "EPD", EpdMarkers::ignored);
}

Result<Bytes> build_epd(const EpdRequest& req) { return build_epd_options(req); }

bool epd_selects(const ParsedEpd& epd, const ParsedCertificate& cert, const PeerId& cert_fingerprint) {
  return epd_selects_certificate_fields(epd, cert.hostname, cert.accepts_ancillary_data, cert_fingerprint);
}

}  // namespace rtmfp::crypto::flash
