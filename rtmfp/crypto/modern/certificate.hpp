// Modern profile certificates (WIRE.md §3): an RFC 7016 §2.1.3 option
// sequence; canonical section = the bytes before the first Marker. Peer ID =
// SHA-256 of the 32-byte Ed25519 identity public key.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/common/certificate_order.hpp"
#include "rtmfp/crypto/modern/option_types.hpp"

namespace rtmfp::crypto::modern {

using PublicKey = std::array<std::uint8_t, kKeySize>;

struct ParsedCertificate {
  PublicKey identity_key{};
  std::optional<std::string> hostname;
  bool accepts_ancillary_data = false;
};

struct CertificateSpec {
  PublicKey identity_key{};
  std::string hostname;  // empty: none
  bool accepts_ancillary_data = false;
};

// Strict parse: version option first and = 1, exactly one identity key (a
// valid, non-small-order Ed25519 point), at most one hostname (1..255 bytes)
// and one accepts flag (empty) in the canonical section. Everything after the
// first Marker and unknown types are ignored.
Result<ParsedCertificate> parse_certificate(ByteView certificate);
Bytes build_certificate(const CertificateSpec& spec);

PeerId peer_id_of_key(const PublicKey& identity_key);
Result<PeerId> certificate_peer_id(ByteView certificate);

// Glare (WIRE.md §9): unsigned bytewise, a proper prefix orders first.
using crypto::certificate_ordered_before_or_equal;

}  // namespace rtmfp::crypto::modern
