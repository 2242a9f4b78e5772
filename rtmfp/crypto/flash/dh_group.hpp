// Diffie-Hellman for the flash profile, RFC 7425 §4.2 and §4.6.2: MODP group
// 2 (RFC 7296 App. B.2, MUST) and groups 5 and 14 (RFC 3526, SHOULD), all
// with generator 2. Private keys are drawn from the injected RandomSource and
// the arithmetic is done with OpenSSL BIGNUMs (BN_mod_exp, constant time), so
// OpenSSL never chooses randomness itself.
#pragma once

#include <cstdint>
#include <span>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/random.hpp"

namespace rtmfp::crypto::flash {

struct DhGroupInfo {
  std::uint64_t id;
  const char* prime_hex;  // big-endian prime, as printed in the RFCs
  std::size_t bits;
  const char* source;
};

// The table of supported groups (RFC 7425 §4.2).
std::span<const DhGroupInfo> dh_groups();
const DhGroupInfo* find_dh_group(std::uint64_t id);
Bytes dh_prime_bytes(const DhGroupInfo& g);

// RFC 7425 §4.6.2 acceptance: >= 2^24, <= p - 2^24, >= 16 one bits and >= 16
// zero bits not counting leading zeros. Error names the failed criterion.
Result<void> check_public_key(std::uint64_t group, ByteView public_key);

class DhKey {
 public:
  // Fresh key pair: a 256-bit private exponent (top bit set) from `rng`;
  // redrawn if the public key would fail the §4.6.2 check.
  static Result<DhKey> generate(std::uint64_t group, RandomSource& rng);
  // Restores a key pair from a persisted private key (big-endian).
  static Result<DhKey> from_private(std::uint64_t group, ByteView private_key);

  DhKey() = default;
  DhKey(const DhKey&) = default;
  DhKey(DhKey&&) noexcept = default;
  DhKey& operator=(const DhKey&) = default;
  DhKey& operator=(DhKey&&) noexcept = default;
  ~DhKey();  // wipes the private key

  std::uint64_t group() const { return group_; }
  const Bytes& public_key() const { return public_; }    // big-endian, prime width
  const Bytes& private_key() const { return private_; }  // big-endian, as generated/restored

  // DH_SECRET of §4.6.2: the far public key (checked first) raised to our
  // private key mod p, big-endian with no leading zero bytes.
  Result<Bytes> shared_secret(ByteView far_public_key) const;

 private:
  std::uint64_t group_ = 0;
  Bytes private_;
  Bytes public_;
};

}  // namespace rtmfp::crypto::flash
