#include "rtmfp/crypto/modern/profile_version.hpp"

#include <string>

namespace rtmfp::crypto::modern {

Result<void> check_profile_version_rule(const wire::Option& o, std::size_t index, std::string_view what) {
  const std::string w(what);
  if (o.type != kProfileVersionOption) {
    if (index == 0) return fail(Errc::malformed, w + ": first option is not Profile Version");
    return {};
  }
  if (index != 0) return fail(Errc::malformed, w + ": Profile Version is not the first option");
  if (o.value.size() != 1 || o.value[0] != kProfileVersion) return fail(Errc::unsupported, w + ": unsupported profile version");
  return {};
}

void write_profile_version(ByteWriter& w) {
  const std::uint8_t version = kProfileVersion;
  wire::write_option(w, kProfileVersionOption, ByteView(&version, 1));
}

}  // namespace rtmfp::crypto::modern
