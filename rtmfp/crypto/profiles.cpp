#include "rtmfp/crypto/profiles.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
  // The file holds private keys: it is never readable by others, not even
  // for a moment. A new file is created 0600 from the start (O_CREAT|O_EXCL,
  // the umask can only narrow it), written, synced, and renamed over the
  // old one, so a reader who opened the old file never sees the new keys.
  std::string text = "# rtmfp rendezvous identity (keep private)\n";
  if (ids.flash) text += "flash " + to_hex(*ids.flash) + "\n";
  if (ids.modern) text += "modern " + to_hex(*ids.modern) + "\n";
  const std::string tmp = path + ".new";
  ::unlink(tmp.c_str());  // a leftover of an interrupted save (ours; O_EXCL refuses anything else)
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(Errc::io_error, "cannot write identity file '" + tmp + "': " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == text.size() && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = ok ? errno : err;
    ::unlink(tmp.c_str());
    return fail(Errc::io_error, "cannot write identity file '" + path + "': " + std::strerror(e));
  }
  return {};
}

}  // namespace rtmfp::crypto
