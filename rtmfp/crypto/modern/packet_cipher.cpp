#include "rtmfp/crypto/modern/packet_cipher.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include <sodium.h>

namespace rtmfp::crypto::modern {
namespace {

constexpr std::size_t kSessionOverhead = kPacketNumberSize + kTagSize;     // 24
constexpr std::size_t kDefaultOverhead = kDefaultHeader.size() + kTagSize;  // 20

}  // namespace

Iv packet_nonce(const Iv& iv, std::uint64_t pn) {
  Iv n = iv;
  for (int i = 0; i < 8; ++i) n[kIvSize - 1 - i] ^= static_cast<std::uint8_t>(pn >> (8 * i));
  return n;
}

SessionCipher::SessionCipher(const DirectionKeys& send, const DirectionKeys& recv) : send_(send), recv_(recv) {}

SessionCipher::~SessionCipher() {
  sodium_memzero(&send_, sizeof send_);
  sodium_memzero(&recv_, sizeof recv_);
}

Bytes SessionCipher::seal(ByteView plain) {
  if (next_pn_ == std::numeric_limits<std::uint64_t>::max()) return {};  // never reuse a nonce
  const std::uint64_t pn = next_pn_++;
  Bytes out;
  out.reserve(kPacketNumberSize + plain.size() + kTagSize + 4);  // + the session ID prepended in place (§2.2.2)
  out.resize(kPacketNumberSize + plain.size() + kTagSize);
  for (std::size_t i = 0; i < kPacketNumberSize; ++i) out[i] = static_cast<std::uint8_t>(pn >> (8 * (7 - i)));
  const Iv nonce = packet_nonce(send_.iv, pn);
  unsigned long long clen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + kPacketNumberSize, &clen, plain.data(), plain.size(),
                                            out.data(), kPacketNumberSize, nullptr, nonce.data(),
                                            send_.key.data());
  return out;
}

Result<Bytes> SessionCipher::open(ByteView encrypted) {
  if (encrypted.size() < kSessionOverhead) return fail(Errc::crypto_failure, "modern packet shorter than PN + tag");
  std::uint64_t pn = 0;
  for (std::size_t i = 0; i < kPacketNumberSize; ++i) pn = (pn << 8) | encrypted[i];
  if (!window_.acceptable(pn)) return fail(Errc::replayed, "modern packet number replayed or too old");
  const Iv nonce = packet_nonce(recv_.iv, pn);
  const ByteView ct = encrypted.subspan(kPacketNumberSize);
  Bytes plain(ct.size() - kTagSize);
  unsigned long long plen = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(plain.data(), &plen, nullptr, ct.data(), ct.size(),
                                                encrypted.data(), kPacketNumberSize, nonce.data(),
                                                recv_.key.data()) != 0)
    return fail(Errc::crypto_failure, "modern packet failed AEAD authentication");
  window_.record(pn);  // only after authentication
  plain.resize(plen);
  return plain;
}

std::size_t SessionCipher::max_plain_size(std::size_t wire_budget) const {
  return wire_budget > kSessionOverhead ? wire_budget - kSessionOverhead : 0;
}

Key32 default_key() {
  Key32 k{};
  std::memcpy(k.data(), kDefaultKeyText, kKeySize);
  return k;
}

bool has_default_framing(ByteView encrypted) {
  return encrypted.size() % 16 != 0 && encrypted.size() >= kDefaultHeader.size() &&
         std::equal(kDefaultHeader.begin(), kDefaultHeader.end(), encrypted.begin());
}

Bytes DefaultCipher::seal(ByteView plain) {
  // Pad so that 20 + |pt| ≡ 8 (mod 16), i.e. |pt| ≡ 4 (mod 16).
  const std::size_t pad = (4 + 16 - plain.size() % 16) % 16;
  Bytes pt(plain.begin(), plain.end());
  pt.resize(plain.size() + pad, 0xff);
  Bytes out(kDefaultOverhead + pt.size());
  std::copy(kDefaultHeader.begin(), kDefaultHeader.end(), out.begin());
  const Key32 key = default_key();
  const Iv nonce{};
  unsigned long long clen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + kDefaultHeader.size(), &clen, pt.data(), pt.size(),
                                            out.data(), kDefaultHeader.size(), nullptr, nonce.data(), key.data());
  return out;
}

Result<Bytes> DefaultCipher::open(ByteView encrypted) {
  if (encrypted.size() < kDefaultOverhead) return fail(Errc::crypto_failure, "modern default-key packet too short");
  if (!std::equal(kDefaultHeader.begin(), kDefaultHeader.end(), encrypted.begin()))
    return fail(Errc::crypto_failure, "modern default-key packet has a wrong magic or version");
  if (encrypted.size() % 16 != kDefaultSizeResidue)
    return fail(Errc::crypto_failure, "modern default-key packet size is not 8 mod 16");
  const ByteView ct = encrypted.subspan(kDefaultHeader.size());
  Bytes plain(ct.size() - kTagSize);
  unsigned long long plen = 0;
  const Key32 key = default_key();
  const Iv nonce{};
  if (crypto_aead_chacha20poly1305_ietf_decrypt(plain.data(), &plen, nullptr, ct.data(), ct.size(),
                                                encrypted.data(), kDefaultHeader.size(), nonce.data(),
                                                key.data()) != 0)
    return fail(Errc::crypto_failure, "modern default-key packet failed AEAD authentication");
  plain.resize(plen);
  return plain;
}

std::size_t DefaultCipher::max_plain_size(std::size_t wire_budget) const {
  if (wire_budget < kDefaultOverhead + 4) return 0;
  const std::size_t t = wire_budget - kDefaultOverhead;  // largest |pt| ≡ 4 (mod 16) not above t
  return t - ((t + 16 - 4) % 16);
}

}  // namespace rtmfp::crypto::modern
