// Independent reference computations for the flash profile tests: direct
// OpenSSL calls (EVP_Q_mac, EVP AES, BN with OpenSSL's own RFC primes), not
// the code under test.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <string>

#include "rtmfp/core/bytes.hpp"

namespace flash_test {

using rtmfp::Bytes;
using rtmfp::ByteView;

inline Bytes hex(std::string_view h) {
  Bytes out;
  if (!rtmfp::from_hex(h, out)) out.clear();
  return out;
}

inline Bytes ref_hmac(ByteView key, ByteView msg) {
  unsigned char out[32];
  size_t len = 0;
  static const unsigned char kEmpty = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.empty() ? &kEmpty : key.data(), key.size(),
            msg.empty() ? &kEmpty : msg.data(), msg.size(), out, sizeof out, &len);
  return Bytes(out, out + len);
}

inline Bytes ref_aes_cbc(bool encrypt, ByteView key16, ByteView in) {
  unsigned char iv[16] = {};
  Bytes out(in.size() + 16);
  int n1 = 0, n2 = 0;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_CipherInit_ex(c, EVP_aes_128_cbc(), nullptr, key16.data(), iv, encrypt ? 1 : 0);
  EVP_CIPHER_CTX_set_padding(c, 0);
  EVP_CipherUpdate(c, out.data(), &n1, in.data(), static_cast<int>(in.size()));
  EVP_CipherFinal_ex(c, out.data() + n1, &n2);
  EVP_CIPHER_CTX_free(c);
  out.resize(static_cast<std::size_t>(n1 + n2));
  return out;
}

// OpenSSL's own copies of the RFC 2409 / RFC 3526 primes.
inline BIGNUM* ref_prime(std::uint64_t group) {
  switch (group) {
    case 2: return BN_get_rfc2409_prime_1024(nullptr);
    case 5: return BN_get_rfc3526_prime_1536(nullptr);
    case 14: return BN_get_rfc3526_prime_2048(nullptr);
  }
  return nullptr;
}

// y^x mod p with plain BN_mod_exp; minimal big-endian output.
inline Bytes ref_modexp(std::uint64_t group, ByteView base, ByteView exponent) {
  BIGNUM* p = ref_prime(group);
  BIGNUM* b = BN_bin2bn(base.data(), static_cast<int>(base.size()), nullptr);
  BIGNUM* x = BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr);
  BIGNUM* r = BN_new();
  BN_CTX* ctx = BN_CTX_new();
  BN_mod_exp(r, b, x, p, ctx);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(r)));
  BN_bn2bin(r, out.data());
  BN_CTX_free(ctx);
  BN_free(r);
  BN_free(x);
  BN_free(b);
  BN_free(p);
  return out;
}

inline Bytes cat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace flash_test
