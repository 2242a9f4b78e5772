#include "rtmfp/crypto/modern/keying_component.hpp"

#include <algorithm>
#include <string>

#include "rtmfp/core/wire/option.hpp"

namespace rtmfp::crypto::modern {

Result<KeyingComponent> parse_keying_component(ByteView data, const char* what) {
  const std::string w = std::string("modern ") + what + ": ";
  auto opts = wire::parse_option_sequence(data);
  if (!opts) return fail(Errc::malformed, w + "malformed option sequence: " + opts.error().message());
  KeyingComponent c;
  bool have_version = false, have_key = false, have_nonce = false;
  std::size_t index = 0;
  for (const auto& o : *opts) {
    if (o.marker) return fail(Errc::malformed, w + "contains a Marker");
    const bool first = index++ == 0;
    switch (o.type) {
      case static_cast<std::uint64_t>(KeyingOption::profile_version):
        if (!first) return fail(Errc::malformed, w + "Profile Version is not the first option");
        if (o.value.size() != 1 || o.value[0] != kProfileVersion)
          return fail(Errc::unsupported, w + "unsupported profile version");
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
        if (first) return fail(Errc::malformed, w + "first option is not Profile Version");
        break;
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
  const std::uint8_t version = kProfileVersion;
  wire::write_option(w, static_cast<std::uint64_t>(KeyingOption::profile_version), ByteView(&version, 1));
  wire::write_option(w, static_cast<std::uint64_t>(KeyingOption::ephemeral_key), c.ephemeral_key);
  wire::write_option(w, static_cast<std::uint64_t>(KeyingOption::nonce), c.nonce);
  return out;
}

}  // namespace rtmfp::crypto::modern
