#include "rendezvous/turn/core/stun_integrity.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace rtmfp::turn {

std::array<std::uint8_t, 16> long_term_key(std::string_view username, std::string_view realm,
                                           std::string_view password) {
  std::string s;
  s.reserve(username.size() + realm.size() + password.size() + 2);
  s.append(username).append(":").append(realm).append(":").append(password);
  std::array<std::uint8_t, 16> out{};
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), out.data(), &n, EVP_md5(), nullptr);
  OPENSSL_cleanse(s.data(), s.size());
  return out;
}

std::array<std::uint8_t, 20> hmac_sha1(ByteView key, ByteView data) {
  std::array<std::uint8_t, 20> out{};
  unsigned int n = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &n);
  return out;
}

std::uint32_t crc32(ByteView data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::uint8_t b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

namespace {
// The first `upto` bytes with the header's length set to cover them plus an
// attribute of `attr_len` value bytes (RFC 8489 §14.5, §14.7).
Bytes with_length(ByteView message, std::size_t upto, std::size_t attr_len) {
  Bytes b(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(upto));
  const std::size_t len = upto - kHeaderSize + 4 + attr_len;
  b[2] = static_cast<std::uint8_t>(len >> 8);
  b[3] = static_cast<std::uint8_t>(len);
  return b;
}
}  // namespace

std::array<std::uint8_t, 20> integrity_over(ByteView message, std::size_t upto, ByteView key) {
  return hmac_sha1(key, with_length(message, upto, 20));
}

std::uint32_t fingerprint_over(ByteView message, std::size_t upto) {
  return crc32(with_length(message, upto, 4)) ^ kFingerprintXor;
}

bool integrity_ok(const StunMessage& m, ByteView key) {
  if (!m.integrity_at) return false;
  const StunAttribute& a = m.attributes[*m.integrity_at];
  const auto mac = integrity_over(m.raw, a.offset, key);
  return a.value.size() == mac.size() && CRYPTO_memcmp(a.value.data(), mac.data(), mac.size()) == 0;
}

bool fingerprint_ok(const StunMessage& m) {
  if (!m.fingerprint_at) return true;
  const StunAttribute& a = m.attributes[*m.fingerprint_at];
  const auto v = decode_u32(a.value);
  return v && *v == fingerprint_over(m.raw, a.offset);
}

}  // namespace rtmfp::turn
