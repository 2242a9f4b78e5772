#include "rtmfp/group/crypto/group_specifier.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rtmfp::group {

std::string GroupSpecifier::to_string() const {
  return key ? name + ":" + to_hex(ByteView(key->data(), key->size())) : name;
}

Result<GroupSpecifier> parse_group_specifier(std::string_view text) {
  GroupSpecifier g;
  const auto colon = text.find(':');
  g.name = std::string(text.substr(0, colon));
  if (g.name.empty() || g.name.size() > 128)
    return fail(Errc::invalid_argument, "group name must be 1 to 128 characters");
  for (char c : g.name)
    if (c <= ' ' || c > '~' || c == '/' || c == ':')
      return fail(Errc::invalid_argument, "group name '" + g.name + "': printable ASCII only, without ':' or '/'");
  if (colon != std::string_view::npos) {
    Bytes k;
    if (!from_hex(text.substr(colon + 1), k) || k.size() != 32)
      return fail(Errc::invalid_argument, "group key must be 64 hex digits (the publisher's public key)");
    PublicKey pk{};
    std::memcpy(pk.data(), k.data(), 32);
    g.key = pk;
  }
  return g;
}

GroupId group_id(std::string_view name, const PublicKey& key) {
  if (sodium_init() < 0) std::abort();
  static constexpr std::string_view kDomain = "rtmfp-group/1";
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(kDomain.data()), kDomain.size());
  const unsigned char len = static_cast<unsigned char>(name.size());
  crypto_hash_sha256_update(&st, &len, 1);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(name.data()), name.size());
  crypto_hash_sha256_update(&st, key.data(), key.size());
  GroupId id{};
  crypto_hash_sha256_final(&st, id.data());
  return id;
}

namespace {
Result<PublisherKeys> load_publisher_keys(const std::string& path, std::ifstream& in) {
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  Bytes seed;
  if (!from_hex(text, seed) || seed.size() != 32)
    return fail(Errc::invalid_argument, "key file '" + path + "' does not hold a 64-hex-digit Ed25519 seed");
  std::array<std::uint8_t, 32> s{};
  std::memcpy(s.data(), seed.data(), 32);
  sodium_memzero(seed.data(), seed.size());
  return publisher_keys_from_seed(s);
}
}  // namespace

Result<PublisherKeys> load_or_create_publisher_keys(const std::string& path) {
  if (std::ifstream in(path); in) return load_publisher_keys(path, in);
  if (sodium_init() < 0) std::abort();
  std::array<std::uint8_t, 32> s{};
  randombytes_buf(s.data(), s.size());
  const std::string hex = to_hex(ByteView(s.data(), s.size())) + "\n";
  // Written whole under a name of its own, then linked into place: two
  // creators at once (two gateway routes into one group) both end with the
  // one complete file (link fails on an existing name; the loser loads it).
  std::array<std::uint8_t, 8> tag{};
  randombytes_buf(tag.data(), tag.size());
  const std::string tmp = path + ".new-" + to_hex(ByteView(tag.data(), tag.size()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(Errc::io_error, "cannot create key file '" + tmp + "': " + std::strerror(errno));
  const bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return fail(Errc::io_error, "cannot write key file '" + tmp + "'");
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked == 0) return publisher_keys_from_seed(s);
  if (link_errno != EEXIST)
    return fail(Errc::io_error, "cannot create key file '" + path + "': " + std::strerror(link_errno));
  sodium_memzero(s.data(), s.size());
  std::ifstream in(path);
  if (!in) return fail(Errc::io_error, "cannot read key file '" + path + "'");
  return load_publisher_keys(path, in);
}

}  // namespace rtmfp::group
