#include "rtmfp/crypto/modern/keying_component.hpp"

#include <algorithm>
#include <string>

#include "rtmfp/core/wire/option.hpp"
#include "rtmfp/crypto/modern/profile_version.hpp"

namespace rtmfp::crypto::modern {

Result<KeyingComponent> parse_keying_component(ByteView data, const char* what) {
  const std::string name = std::string("modern ") + what;
  const std::string w = name + ": ";
  auto opts = wire::parse_option_sequence(data);
  if (!opts) return fail(Errc::malformed, w + "malformed option sequence: " + opts.error().message());
  KeyingComponent c;
  bool have_version = false, have_key = false, have_nonce = false;
  std::size_t index = 0;
  for (const auto& o : *opts) {
    if (o.marker) return fail(Errc::malformed, w + "contains a Marker");
    if (auto ok = check_profile_version_rule(o, index++, name); !ok) return std::unexpected(ok.error());
    switch (o.type) {
      case static_cast<std::uint64_t>(KeyingOption::profile_version):
        have_version = true;
        break;
      case static_cast<std::uint64_t>(KeyingOption::ephemeral_key):
        if (have_key) return fail(Errc::malformed, w + "more than one ephemeral key");
        if (o.value.size() != kKeySize) return fail(Errc::malformed, w + "ephemeral key is not 32 bytes");
        std::copy(o.value.begin(), o.value.end(), c.ephemeral_key.begin());
        have_key = true;
        break;
      case static_cast<std::uint64_t>(KeyingOption::nonce):
        if (have_nonce) return fail(Errc::malformed, w + "more than one nonce");
        if (o.value.size() != kNonceSize) return fail(Errc::malformed, w + "nonce is not 32 bytes");
        std::copy(o.value.begin(), o.value.end(), c.nonce.begin());
        have_nonce = true;
        break;
      default:
        break;  // unknown: ignored
    }
  }
  if (!have_version) return fail(Errc::malformed, w + "no Profile Version option");
  if (!have_key) return fail(Errc::malformed, w + "no ephemeral key");
  if (!have_nonce) return fail(Errc::malformed, w + "no nonce");
  return c;
}

Bytes build_keying_component(const KeyingComponent& c) {
  Bytes out;
  ByteWriter w(out);
  write_profile_version(w);
  wire::write_option(w, static_cast<std::uint64_t>(KeyingOption::ephemeral_key), c.ephemeral_key);
  wire::write_option(w, static_cast<std::uint64_t>(KeyingOption::nonce), c.nonce);
  return out;
}

}  // namespace rtmfp::crypto::modern
