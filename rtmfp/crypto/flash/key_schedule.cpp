#include "rtmfp/crypto/flash/key_schedule.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace rtmfp::crypto::flash {

Digest hmac_sha256(ByteView key, ByteView message) {
  Digest out{};
  unsigned int len = 0;
  static const std::uint8_t kEmpty = 0;
  HMAC(EVP_sha256(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
       message.empty() ? &kEmpty : message.data(), message.size(), out.data(), &len);
  return out;
}

Digest sha256(ByteView data) {
  Digest out{};
  SHA256(data.data(), data.size(), out.data());
  return out;
}

KeySchedule derive_keys(ByteView dh_secret, ByteView sknc, ByteView skfc) {
  KeySchedule k;
  k.encrypt_key = hmac_sha256(dh_secret, hmac_sha256(skfc, sknc));
  k.decrypt_key = hmac_sha256(dh_secret, hmac_sha256(sknc, skfc));
  k.hmac_send_key = hmac_sha256(dh_secret, k.encrypt_key);
  k.hmac_recv_key = hmac_sha256(dh_secret, k.decrypt_key);
  k.near_nonce = hmac_sha256(dh_secret, sknc);
  k.far_nonce = hmac_sha256(dh_secret, skfc);
  return k;
}

}  // namespace rtmfp::crypto::flash
