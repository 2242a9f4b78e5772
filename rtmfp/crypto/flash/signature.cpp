#include "rtmfp/crypto/flash/signature.hpp"

#include <openssl/crypto.h>

#include "rtmfp/crypto/flash/key_schedule.hpp"
#include "rtmfp/crypto/flash/option_types.hpp"
#include "rtmfp/crypto/flash/options.hpp"

namespace rtmfp::crypto::flash {

Bytes make_signature(ByteView signed_parameters, const SignaturePolicy& policy) {
  if (!policy.send_password_id.empty()) {
    auto it = policy.passwords.find(policy.send_password_id);
    if (it != policy.passwords.end()) {
      const Digest mac = hmac_sha256(as_bytes(it->second), signed_parameters);
      Bytes value(mac.begin(), mac.end());
      const ByteView id = as_bytes(it->first);
      value.insert(value.end(), id.begin(), id.end());
      Bytes out;
      ByteWriter w(out);
      write_option(w, static_cast<std::uint64_t>(SignatureOption::simple_password), value);
      return out;
    }
  }
  return Bytes{kEmptySignature};  // §4.3.5: "X"
}

Result<void> verify_signature(ByteView signature, ByteView signed_parameters, const SignaturePolicy& policy) {
  bool verified = false;
  const bool lone_x = signature.size() == 1 && signature[0] == kEmptySignature;
  auto opts = lone_x ? Result<std::vector<SeqOption>>{} : parse_options(signature, "signature");
  if (opts) {  // a malformed signature counts as empty (§4.3.5)
    for (const auto& o : *opts) {
      if (o.marker || o.type != static_cast<std::uint64_t>(SignatureOption::simple_password)) continue;
      if (o.value.size() < 32) continue;  // malformed option: ignore
      const std::string id(as_chars(o.value.subspan(32)));
      auto it = policy.passwords.find(id);
      if (it == policy.passwords.end()) continue;  // unknown password ID: ignore (§4.3.5.1.1)
      const Digest mac = hmac_sha256(as_bytes(it->second), signed_parameters);
      if (CRYPTO_memcmp(mac.data(), o.value.data(), 32) != 0)
        return fail(Errc::crypto_failure, "Simple Password HMAC mismatch for password ID '" + id + "' (RFC 7425 §4.3.5.1.1)");
      verified = true;
    }
  }
  if (policy.require_password && !verified)
    return fail(Errc::refused, "signature carries no valid Simple Password (RFC 7425 §4.3.5.1.1)");
  return {};
}

}  // namespace rtmfp::crypto::flash
