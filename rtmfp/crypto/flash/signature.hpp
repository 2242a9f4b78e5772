// IIKeying/RIKeying signatures, RFC 7425 §4.3.5. Without options the signer
// sends "X" (0x58). A verifier treats "X" or a malformed field as empty, and
// one that requires nothing accepts anything. Simple Password (0x1d,
// §4.3.5.1.1) = HMAC-SHA256(password, signed parameters) || passwordID.
#pragma once

#include <map>
#include <string>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::crypto::flash {

struct SignaturePolicy {
  // Passwords we know, by password ID; we sign with `send_password_id` if set.
  std::map<std::string, std::string> passwords;
  std::string send_password_id;
  // If true, a signature with at least one valid Simple Password is required.
  bool require_password = false;
};

Bytes make_signature(ByteView signed_parameters, const SignaturePolicy& policy);

// Errors if a known password ID carries a bad HMAC (§4.3.5.1.1 SHOULD), or if
// a password is required and none verifies.
Result<void> verify_signature(ByteView signature, ByteView signed_parameters, const SignaturePolicy& policy);

}  // namespace rtmfp::crypto::flash
