#include "rtmfp/crypto/profiles.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"

namespace rtmfp::crypto {

Result<std::unique_ptr<CryptoProfile>> make_profile(ProfileKind kind, const std::optional<Bytes>& identity,
                                                    RandomSource& rng) {
  if (kind == ProfileKind::flash) {
    FlashConfig cfg;
    cfg.identity = identity;
    auto p = FlashProfile::create(cfg, rng);
    if (!p) return fail(Errc::invalid_argument, "cannot create the flash profile: " + p.error().message());
    return std::unique_ptr<CryptoProfile>(std::move(*p));
  }
  ModernConfig cfg;
  cfg.identity = identity;
  auto p = ModernProfile::create(cfg, rng);
  if (!p) return fail(Errc::invalid_argument, "cannot create the modern profile: " + p.error().message());
  return std::unique_ptr<CryptoProfile>(std::move(*p));
}

Bytes export_identity(const CryptoProfile& profile) {
  if (profile.kind() == ProfileKind::flash) return static_cast<const FlashProfile&>(profile).export_identity();
  return static_cast<const ModernProfile&>(profile).export_identity();
}

Result<ProfileKind> parse_profile_kind(const std::string& name) {
  if (name == "flash") return ProfileKind::flash;
  if (name == "modern") return ProfileKind::modern;
  return fail(Errc::invalid_argument, "unknown crypto profile '" + name + "' (expected modern or flash)");
}

Result<IdentityFile> load_identity_file(const std::string& path) {
  IdentityFile ids;
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return ids;
    return fail(Errc::io_error, "cannot read identity file '" + path + "': " + std::strerror(errno));
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string kind, hex;
    ls >> kind >> hex;
    Bytes bytes;
    if (hex.empty() || !from_hex(hex, bytes))
      return fail(Errc::malformed, "identity file '" + path + "' line " + std::to_string(n) + ": expected '<profile> <hex>'");
    if (kind == "flash") {
      ids.flash = bytes;
    } else if (kind == "modern") {
      ids.modern = bytes;
    } else {
      return fail(Errc::malformed, "identity file '" + path + "' line " + std::to_string(n) + ": unknown profile '" + kind + "'");
    }
  }
  return ids;
}

Result<void> save_identity_file(const std::string& path, const IdentityFile& ids) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return fail(Errc::io_error, "cannot write identity file '" + path + "': " + std::strerror(errno));
  out << "# rtmfp rendezvous identity (keep private)\n";
  if (ids.flash) out << "flash " << to_hex(*ids.flash) << "\n";
  if (ids.modern) out << "modern " << to_hex(*ids.modern) << "\n";
  out.close();
  if (!out) return fail(Errc::io_error, "cannot write identity file '" + path + "'");
  ::chmod(path.c_str(), 0600);  // holds private keys
  return {};
}

}  // namespace rtmfp::crypto
