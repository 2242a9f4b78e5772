#include "rtmfp/crypto/flash/certificate.hpp"

#include <algorithm>

#include "rtmfp/crypto/flash/key_schedule.hpp"
#include "rtmfp/crypto/flash/option_types.hpp"
#include "rtmfp/crypto/flash/options.hpp"

namespace rtmfp::crypto::flash {

const StaticKey* ParsedCertificate::static_key(std::uint64_t group) const {
  for (const auto& k : static_keys)
    if (k.group == group) return &k;  // §4.3.3.5: more than one per group is undefined; first wins
  return nullptr;
}

bool ParsedCertificate::supports_group(std::uint64_t group) const {
  return static_key(group) != nullptr ||
         std::find(ephemeral_groups.begin(), ephemeral_groups.end(), group) != ephemeral_groups.end();
}

Result<ParsedCertificate> parse_certificate(ByteView certificate) {
  auto opts = parse_options(certificate, "certificate");
  if (!opts) return std::unexpected(opts.error());
  ParsedCertificate c;
  c.canonical_length = certificate.size();
  bool canonical = true;
  for (const auto& o : *opts) {
    if (o.marker) {
      if (canonical) c.canonical_length = o.offset;  // §4.3.1: ends at the first Marker
      canonical = false;
      continue;
    }
    if (!canonical) continue;  // only Extra Randomness may be outside, and it has no semantics
    switch (o.type) {
      case static_cast<std::uint64_t>(CertOption::hostname):
        if (c.hostname) return fail(Errc::malformed, "certificate has more than one Hostname (RFC 7425 §4.3.3.1)");
        c.hostname = std::string(as_chars(o.value));
        break;
      case static_cast<std::uint64_t>(CertOption::accepts_ancillary_data):
        c.accepts_ancillary_data = true;
        break;
      case static_cast<std::uint64_t>(CertOption::ephemeral_group): {
        auto g = vlu_value(o.value, "certificate Supported Ephemeral DH Group");
        if (!g) return std::unexpected(g.error());
        c.ephemeral_groups.push_back(*g);
        break;
      }
      case static_cast<std::uint64_t>(CertOption::static_key): {
        auto k = read_group_key(o.value);
        if (!k) return fail(Errc::malformed, "certificate Static DH Public Key malformed (RFC 7425 §4.3.3.5)");
        c.static_keys.push_back(StaticKey{k->group, Bytes(k->key.begin(), k->key.end())});
        break;
      }
      default:
        break;  // Extra Randomness and unknown types: no semantics (§4.3.3)
    }
  }
  if (!c.ephemeral_groups.empty() && !c.static_keys.empty())
    return fail(Errc::malformed, "certificate has both ephemeral groups and static keys (RFC 7425 §4.3.3.4)");
  return c;
}

Result<PeerId> certificate_fingerprint(ByteView certificate) {
  auto c = parse_certificate(certificate);
  if (!c) return std::unexpected(c.error());
  return certificate_fingerprint(certificate, *c);
}

PeerId certificate_fingerprint(ByteView certificate, const ParsedCertificate& parsed) {
  const Digest d = sha256(certificate.first(parsed.canonical_length));
  PeerId id;
  std::copy(d.begin(), d.end(), id.begin());
  return id;
}

Bytes build_certificate(const CertificateSpec& spec) {
  Bytes out;
  ByteWriter w(out);
  if (!spec.hostname.empty()) write_option(w, static_cast<std::uint64_t>(CertOption::hostname), as_bytes(spec.hostname));
  if (spec.accepts_ancillary_data) write_option(w, static_cast<std::uint64_t>(CertOption::accepts_ancillary_data), {});
  if (!spec.extra_randomness.empty())
    write_option(w, static_cast<std::uint64_t>(CertOption::extra_randomness), spec.extra_randomness);
  for (std::uint64_t g : spec.ephemeral_groups)
    write_vlu_option(w, static_cast<std::uint64_t>(CertOption::ephemeral_group), g);
  for (const auto& k : spec.static_keys)
    write_group_key_option(w, static_cast<std::uint64_t>(CertOption::static_key), k.group, k.public_key);
  return out;
}

}  // namespace rtmfp::crypto::flash
