// The persisted identity of a flash-profile responder: the extra randomness
// of its certificate (RFC 7425 §4.3.3.3) and, for a static-key certificate,
// the DH private keys (§4.3.3.5). Encoded as an option sequence:
//   0x0e extra randomness, 0x1d VLU group + big-endian private key (each).
// The same identity gives back the same certificate and peer ID.
#pragma once

#include <vector>

#include "rtmfp/core/error.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/crypto/flash/dh_group.hpp"

namespace rtmfp::crypto::flash {

struct ResponderIdentity {
  Bytes extra_randomness;       // 64 bytes, like the AMS certificate
  std::vector<DhKey> static_keys;  // empty: ephemeral-key certificate

  static Result<ResponderIdentity> generate(const std::vector<std::uint64_t>& groups, bool static_keys,
                                            RandomSource& rng);
  static Result<ResponderIdentity> decode(ByteView data);
  Bytes encode() const;
};

}  // namespace rtmfp::crypto::flash
