// Session key computation, RFC 7425 §4.6.3-4.6.5. HMAC-SHA256(K, M) takes
// the key first. SKNC/SKFC are the near/far keying components exactly as
// carried in the IIKeying/RIKeying (without their length VLU).
#pragma once

#include <array>
#include <cstdint>

#include "rtmfp/core/bytes.hpp"

namespace rtmfp::crypto::flash {

using Digest = std::array<std::uint8_t, 32>;

Digest hmac_sha256(ByteView key, ByteView message);
Digest sha256(ByteView data);

struct KeySchedule {
  Digest encrypt_key;    // HMAC(DH_SECRET, HMAC(SKFC, SKNC)); AES key = first 16 bytes (§4.6.3)
  Digest decrypt_key;    // HMAC(DH_SECRET, HMAC(SKNC, SKFC)) (§4.6.3)
  Digest hmac_send_key;  // HMAC(DH_SECRET, ENCRYPT_KEY) (§4.6.4)
  Digest hmac_recv_key;  // HMAC(DH_SECRET, DECRYPT_KEY) (§4.6.4)
  Digest near_nonce;     // HMAC(DH_SECRET, SKNC) (§4.6.5)
  Digest far_nonce;      // HMAC(DH_SECRET, SKFC) (§4.6.5)
};

KeySchedule derive_keys(ByteView dh_secret, ByteView sknc, ByteView skfc);

}  // namespace rtmfp::crypto::flash
