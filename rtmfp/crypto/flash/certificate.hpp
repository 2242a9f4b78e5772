// Flash profile certificates, RFC 7425 §4.3: a sequence of options whose
// canonical section (everything before the first Marker, §4.3.1) is hashed
// into the fingerprint / peer ID (§4.3.2). Options are in option_types.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/common/certificate_order.hpp"

namespace rtmfp::crypto::flash {

struct StaticKey {
  std::uint64_t group = 0;
  Bytes public_key;
};

struct ParsedCertificate {
  std::size_t canonical_length = 0;       // §4.3.1
  std::optional<std::string> hostname;    // §4.3.3.1 (canonical section only)
  bool accepts_ancillary_data = false;    // §4.3.3.2 (canonical section only)
  std::vector<std::uint64_t> ephemeral_groups;  // §4.3.3.4 (canonical section only)
  std::vector<StaticKey> static_keys;     // §4.3.3.5 (canonical section only)

  bool uses_static_keys() const { return !static_keys.empty(); }
  const StaticKey* static_key(std::uint64_t group) const;
  bool supports_group(std::uint64_t group) const;  // ephemeral list or a static key
};

// Parses and checks a certificate. Malformed option encodings, a duplicate
// Hostname, or both ephemeral groups and static keys (§4.3.3.4/§4.3.3.5) are
// errors. Unknown option types are ignored.
Result<ParsedCertificate> parse_certificate(ByteView certificate);

// Fingerprint (peer ID) = SHA-256 of the canonical section (§4.3.2).
Result<PeerId> certificate_fingerprint(ByteView certificate);
// The same for a certificate already parsed into `parsed`.
PeerId certificate_fingerprint(ByteView certificate, const ParsedCertificate& parsed);

// Glare ordering, §4.3.6: unsigned lexicographic, shorter prefix first.
// True if the near end prevails (near <= far).
using crypto::certificate_ordered_before_or_equal;

// Builders (§4.3.3).
struct CertificateSpec {
  std::string hostname;              // 0x00 if not empty
  bool accepts_ancillary_data = false;  // 0x0a
  Bytes extra_randomness;            // 0x0e if not empty
  std::vector<std::uint64_t> ephemeral_groups;  // 0x15 each
  std::vector<StaticKey> static_keys;            // 0x1d each
};
Bytes build_certificate(const CertificateSpec& spec);

}  // namespace rtmfp::crypto::flash
