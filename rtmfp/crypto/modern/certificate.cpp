#include "rtmfp/crypto/modern/certificate.hpp"

#include <algorithm>

#include <sodium.h>

#include "rtmfp/core/wire/option.hpp"
#include "rtmfp/crypto/modern/profile_version.hpp"

namespace rtmfp::crypto::modern {

Result<ParsedCertificate> parse_certificate(ByteView certificate) {
  auto opts = wire::parse_option_sequence(certificate);
  if (!opts) return fail(Errc::malformed, "modern certificate: malformed option sequence: " + opts.error().message());
  ParsedCertificate c;
  bool have_version = false, have_key = false, have_accepts = false;
  std::size_t index = 0;
  for (const auto& o : *opts) {
    if (o.marker) break;  // canonical section ends at the first Marker
    if (auto ok = check_profile_version_rule(o, index++, "modern certificate"); !ok) return std::unexpected(ok.error());
    switch (o.type) {
      case static_cast<std::uint64_t>(CertOption::profile_version):
        have_version = true;
        break;
      case static_cast<std::uint64_t>(CertOption::identity_key):
        if (have_key) return fail(Errc::malformed, "modern certificate: more than one identity key");
        if (o.value.size() != kKeySize) return fail(Errc::malformed, "modern certificate: identity key is not 32 bytes");
        if (crypto_core_ed25519_is_valid_point(o.value.data()) != 1)
          return fail(Errc::malformed, "modern certificate: identity key is not a valid Ed25519 point");
        std::copy(o.value.begin(), o.value.end(), c.identity_key.begin());
        have_key = true;
        break;
      case static_cast<std::uint64_t>(CertOption::hostname):
        if (c.hostname) return fail(Errc::malformed, "modern certificate: more than one Hostname");
        if (o.value.empty() || o.value.size() > kMaxHostname)
          return fail(Errc::malformed, "modern certificate: Hostname must be 1..255 bytes");
        c.hostname = std::string(as_chars(o.value));
        break;
      case static_cast<std::uint64_t>(CertOption::accepts_ancillary_data):
        if (have_accepts) return fail(Errc::malformed, "modern certificate: repeated Accepts Ancillary Data");
        if (!o.value.empty()) return fail(Errc::malformed, "modern certificate: Accepts Ancillary Data has a value");
        have_accepts = true;
        break;
      default:
        break;  // unknown: ignored
    }
  }
  if (!have_version) return fail(Errc::malformed, "modern certificate: no Profile Version option");
  if (!have_key) return fail(Errc::malformed, "modern certificate: no identity key");
  c.accepts_ancillary_data = have_accepts;
  return c;
}

Bytes build_certificate(const CertificateSpec& spec) {
  Bytes out;
  ByteWriter w(out);
  write_profile_version(w);
  wire::write_option(w, static_cast<std::uint64_t>(CertOption::identity_key), spec.identity_key);
  if (!spec.hostname.empty())
    wire::write_option(w, static_cast<std::uint64_t>(CertOption::hostname), as_bytes(spec.hostname));
  if (spec.accepts_ancillary_data)
    wire::write_option(w, static_cast<std::uint64_t>(CertOption::accepts_ancillary_data), {});
  return out;
}

PeerId peer_id_of_key(const PublicKey& identity_key) {
  PeerId id{};
  crypto_hash_sha256(id.data(), identity_key.data(), identity_key.size());
  return id;
}

Result<PeerId> certificate_peer_id(ByteView certificate) {
  auto c = parse_certificate(certificate);
  if (!c) return std::unexpected(c.error());
  return peer_id_of_key(c->identity_key);
}

}  // namespace rtmfp::crypto::modern
